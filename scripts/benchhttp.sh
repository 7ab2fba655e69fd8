#!/usr/bin/env bash
# BenchmarkHTTP in interleaved rounds, compared with benchstat and
# bench/overhead.awk.
#
#   scripts/benchhttp.sh OUT [ROUNDS]     (default 10 rounds)
#
# Each round is one `go test -run '^$' -bench 'HTTP$' -benchmem -count 1`
# in bench/: every mode, handler and impl once, close together in time, so
# that a shared machine's changing load falls on all of them alike. The raw
# results of every round go to OUT (overwritten), with the load average
# (`uptime`) before the first round and after the last as "# " lines, which
# benchstat and overhead.awk skip. Then it prints benchstat's table
# (`-col /impl`: the impls side by side, a row per mode and handler) and
# overhead.awk's (time added over impl=none, paired round by round, and its
# ratio to promhttp's, gohttpmetrics' and floor's).
#
# Environment: BENCHTIME, passed as -benchtime (2000x for a quick check
# that it runs; default go test's 1s); BENCH, the -bench pattern (default
# 'HTTP$'). benchstat: on PATH or in $(go env GOPATH)/bin (go install
# golang.org/x/perf/cmd/benchstat@latest); without it only overhead.awk's
# table is printed. A full run (48 sub-benchmarks a round) takes about a
# minute a round: run it on a quiet machine.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUT [ROUNDS]" >&2; exit 2; }
out=$1
rounds=${2:-10}
case $out in /*) ;; *) out=$PWD/$out ;; esac
case $rounds in '' | *[!0-9]*) echo "benchhttp.sh: ROUNDS must be a number" >&2; exit 2 ;; esac
cd "$(dirname "${BASH_SOURCE[0]}")/../bench"
command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
bench=${BENCH:-HTTP\$}
args=(-run '^$' -bench "$bench" -benchmem -count 1)
[ -n "${BENCHTIME:-}" ] && args+=(-benchtime "$BENCHTIME")

before=$(uptime)
{
	echo "# load before: $before"
	echo "# go test ${args[*]}, $rounds rounds"
} >"$out"
for i in $(seq 1 "$rounds"); do
	echo "benchhttp.sh: round $i of $rounds" >&2
	go test "${args[@]}" . >>"$out"
done
after=$(uptime)
echo "# load after: $after" >>"$out"

echo "load before: $before"
echo "load after:  $after"
echo "results:     $out"
echo
bs=$(command -v benchstat || true)
[ -n "$bs" ] || bs=$(go env GOPATH)/bin/benchstat
if [ -x "$bs" ]; then
	"$bs" -filter '.name:HTTP' -col /impl "$out"
	echo
else
	echo "benchhttp.sh: benchstat not found (go install golang.org/x/perf/cmd/benchstat@latest); overhead.awk only" >&2
fi
awk -f overhead.awk "$out"
