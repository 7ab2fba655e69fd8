#!/usr/bin/env bash
# The CPU cost of stackprom's HTTP middleware in a real server: the demo
# with it and without it (-instrument=false), loaded with wrk on loopback.
#
#   scripts/realserver.sh [-t THREADS] [-c CONNECTIONS] [-d SECONDS] [-r ROUNDS] [-w WARMUP_SECONDS] [-p PATH] [-P]
#   (defaults: -t 2 -c 16 -d 20 -r 3 -w 3 -p /help)
#
# -P pins the demo to CPU 0 (its GOMAXPROCS is then 1) and wrk to the other
# CPUs (taskset), so that the two do not take each other's cores: on a
# 2-core machine the unpinned figures move by several µs per request from
# run to run.
#
# It builds the demo once into a temporary directory. Each round runs the
# pair, in alternating order (with, without; then without, with; …), so
# that a changing load falls on both alike. Each run starts a fresh demo
# process from the same binary (SQLite database in the temporary
# directory, in-process cache: the demo's defaults otherwise; GOMAXPROCS
# unset, so the Go default), on a spare loopback port, checks that it is
# the only process of that binary, warms it up with wrk, then reads the
# process's CPU time (utime + stime from /proc/PID/stat, in clock ticks of
# `getconf CLK_TCK`) before and after one wrk run of -d seconds on PATH,
# and stops it by its process id. wrk runs on the same machine, so it takes
# CPU the demo could have had: read CPU µs per request, not requests/s.
#
# It prints one row per run (requests, requests/s, the demo's CPU seconds,
# CPU µs per request, and what the demo's own /metrics counted in
# http_requests_before_middlewares_total as a check: the warm-up and the
# run with the middleware, 0 without), then the medians over the rounds and
# the CPU µs per request the middleware adds (the median of the rounds'
# differences, and the difference of the medians). Needs wrk (apt-get
# install wrk) and curl. Everything it writes is under the temporary
# directory, removed at exit.
set -euo pipefail
threads=2 conns=16 secs=20 rounds=3 warm=3 path=/help pin=false
usage() { sed -n '5,6p' "$0" | sed 's/^# *//' >&2; exit 2; }
while getopts t:c:d:r:w:p:Ph opt; do
	case $opt in
	t) threads=$OPTARG ;;
	c) conns=$OPTARG ;;
	d) secs=${OPTARG%s} ;;
	r) rounds=$OPTARG ;;
	w) warm=${OPTARG%s} ;;
	p) path=$OPTARG ;;
	P) pin=true ;;
	*) usage ;;
	esac
done
for v in "$threads" "$conns" "$secs" "$rounds" "$warm"; do
	case $v in '' | *[!0-9]*) usage ;; esac
done
case $path in /*) ;; *) usage ;; esac
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
demo_cpus=() load_cpus=()
if $pin; then
	command -v taskset >/dev/null || { echo "realserver.sh: -P needs taskset" >&2; exit 1; }
	[ "$(nproc)" -ge 2 ] || { echo "realserver.sh: -P needs 2 CPUs at least" >&2; exit 1; }
	demo_cpus=(taskset -c 0) load_cpus=(taskset -c "1-$(($(nproc) - 1))")
fi
for c in wrk curl; do
	command -v "$c" >/dev/null || { echo "realserver.sh: $c is not installed (apt-get install $c)" >&2; exit 1; }
done

work=$(mktemp -d)
demo="" load=""
stop_load() {
	if [ -n "$load" ]; then
		kill "$load" 2>/dev/null || true
		wait "$load" 2>/dev/null || true
		load=""
	fi
}
stop_demo() {
	if [ -n "$demo" ]; then
		kill "$demo" 2>/dev/null || true
		wait "$demo" 2>/dev/null || true
		demo=""
	fi
}
trap 'stop_load; stop_demo; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

go build -o "$work/demo" ./cmd/demo
tck=$(getconf CLK_TCK)

# cpu_ticks PID: the process's utime + stime, in clock ticks. The fields
# after the command name (which ends at the last ")") start at field 3.
cpu_ticks() {
	local stat
	stat=$(</proc/"$1"/stat)
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	echo $((${12} + ${13}))
}

# processes: how many processes run the demo binary.
processes() {
	local n=0 p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = "$work/demo" ] && n=$((n + 1))
	done
	echo "$n"
}

# loadgen SECONDS OUT: one wrk run on the demo, bounded in time. It runs in
# the background and is waited for, so that a signal stops it at once (the
# EXIT trap stops it by its process id; timeout passes the signal on).
loadgen() {
	"${load_cpus[@]}" timeout $(($1 + 30)) wrk -t"$threads" -c"$conns" -d"$1s" "$url$path" >"$2" &
	load=$!
	wait "$load"
	load=""
}

# metric URL NAME: the value of a label-less sample in the demo's /metrics.
metric() {
	curl -fsS --max-time 10 "$1/metrics" | awk -v n="$2" '$1 == n { print $2; f = 1 } END { if (!f) print "-" }'
}

# run ROUND VARIANT: one demo process, warmed up, under one wrk run.
url=""
run() {
	local round=$1 variant=$2 flag="" c0 c1 reqs rps non2xx counted procs gmp
	url=""
	[ "$variant" = without ] && flag=-instrument=false
	"${demo_cpus[@]}" env -u GOMAXPROCS "$work/demo" -addr 127.0.0.1:0 -db "$work/demo-$round-$variant.db" $flag >"$work/demo.log" 2>&1 &
	demo=$!
	for _ in $(seq 1 100); do
		url=$(sed -n 's|.*serving on \(http://[^ ]*\)/$|\1|p' "$work/demo.log")
		[ -n "$url" ] && break
		kill -0 "$demo" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$url" ] || { echo "realserver.sh: the demo did not start:" >&2; cat "$work/demo.log" >&2; exit 1; }
	procs=$(processes)
	[ "$procs" = 1 ] || { echo "realserver.sh: $procs demo processes, want 1" >&2; exit 1; }
	gmp=$(metric "$url" go_sched_gomaxprocs_threads)
	loadgen "$warm" /dev/null
	c0=$(cpu_ticks "$demo")
	loadgen "$secs" "$work/wrk.txt"
	c1=$(cpu_ticks "$demo")
	counted=$(metric "$url" http_requests_before_middlewares_total)
	stop_demo
	reqs=$(awk '/ requests in / { print $1 }' "$work/wrk.txt")
	rps=$(awk '$1 == "Requests/sec:" { print $2 }' "$work/wrk.txt")
	non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$work/wrk.txt")
	[ -z "$non2xx" ] || echo "realserver.sh: round $round $variant: $non2xx responses not 2xx" >&2
	grep -q 'Socket errors' "$work/wrk.txt" && grep 'Socket errors' "$work/wrk.txt" >&2
	echo "$round $variant $reqs $rps $(((c1 - c0))) $gmp $counted" >>"$work/rows"
	awk -v tck="$tck" '{ cpu = $5 / tck; printf "%5d  %-8s %10d %11.0f %9.2f %12.2f %10s %14s\n", $1, $2, $3, $4, cpu, cpu * 1e6 / $3, $6, $7 }' <<<"$(tail -1 "$work/rows")"
}

echo "demo $(go version | awk '{ print $3, $4 }'), $(nproc) cores, CLK_TCK $tck; wrk -t$threads -c$conns -d${secs}s on $path, warm-up ${warm}s, $rounds rounds, pinned: $pin"
echo "load before: $(uptime)"
printf '%5s  %-8s %10s %11s %9s %12s %10s %14s\n' round variant requests requests/s "CPU s" "CPU µs/req" gomaxprocs "counted (http)"
for r in $(seq 1 "$rounds"); do
	if [ $((r % 2)) = 1 ]; then
		run "$r" with
		run "$r" without
	else
		run "$r" without
		run "$r" with
	fi
done
echo "load after:  $(uptime)"
echo
awk -v tck="$tck" '
function median(v, n,    i, j, t) {
	for (i = 2; i <= n; i++) {
		t = v[i]
		for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]
		v[j + 1] = t
	}
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
{
	k = $2; n[k]++
	req[k, n[k]] = $3; rps[k, n[k]] = $4; cpu[k, n[k]] = $5 / tck; us[k, n[k]] = $5 / tck * 1e6 / $3
	perReq[$1, k] = $5 / tck * 1e6 / $3
	if ($1 > rounds) rounds = $1
}
END {
	printf "medians over %d rounds\n", rounds
	printf "%-8s %10s %11s %9s %12s\n", "variant", "requests", "requests/s", "CPU s", "CPU µs/req"
	split("with without", ks, " ")
	for (i = 1; i <= 2; i++) {
		k = ks[i]
		for (j = 1; j <= n[k]; j++) { a[j] = req[k, j]; b[j] = rps[k, j]; c[j] = cpu[k, j]; d[j] = us[k, j] }
		mr = median(a, n[k]); mp = median(b, n[k]); mc = median(c, n[k]); mu[k] = median(d, n[k])
		printf "%-8s %10d %11.0f %9.2f %12.2f\n", k, mr, mp, mc, mu[k]
	}
	m = 0
	for (r = 1; r <= rounds; r++)
		if ((r, "with") in perReq && (r, "without") in perReq) diff[++m] = perReq[r, "with"] - perReq[r, "without"]
	for (j = 1; j <= m; j++) e[j] = diff[j]
	printf "\nCPU µs per request the middleware adds: %.2f (median of the %d rounds\047 differences", median(e, m), m
	printf "; %.2f to %.2f), %.2f (difference of the medians)\n", lo(diff, m), hi(diff, m), mu["with"] - mu["without"]
}
function lo(v, n,    i, x) { x = v[1]; for (i = 2; i <= n; i++) if (v[i] < x) x = v[i]; return x }
function hi(v, n,    i, x) { x = v[1]; for (i = 2; i <= n; i++) if (v[i] > x) x = v[i]; return x }
' "$work/rows"
