#!/usr/bin/env bash
# Instructions per request of BenchmarkHTTP's serial variants, counted by
# valgrind's cachegrind: a measure that does not move with the machine's
# load, to compare changes of a few tens of nanoseconds that CPU time on a
# shared 2-core VM cannot resolve. It counts instructions, not time (a
# clock read or a contended atomic costs more time per instruction than a
# comparison does); BENCHMARKS.md gives both.
#
#   scripts/instrcount.sh [HANDLER...]    (default: ct noct json stream)
#
# For each handler and impl it runs the serial sub-benchmark twice under
# cachegrind, with 50000 and 250000 iterations, and prints the difference
# divided by 200000: the instructions of one request, the test binary's
# start and the benchmark's set-up cancelled out (GC work included, as it
# is proportional to the requests). Then the instructions each impl adds
# over impl=none, and that as a multiple of impl=floor's. Needs valgrind.
set -euo pipefail
command -v valgrind >/dev/null || { echo "instrcount.sh: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
cd "$(dirname "${BASH_SOURCE[0]}")/../bench"
command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
handlers=("$@")
[ ${#handlers[@]} -gt 0 ] || handlers=(ct noct json stream)
impls=(none floor promhttp gohttpmetrics stackprom-default stackprom-django)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go test -c -o "$dir/bench.test" .

count() { # pattern iterations
	valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
		"$dir/bench.test" -test.run '^$' -test.bench "$1" -test.benchtime "${2}x" -test.cpu 1 2>&1 |
		awk '/I *refs/ { gsub(",", "", $NF); print $NF }'
}

printf '%-8s %-18s %12s %10s %9s\n' handler impl instr/request added "x floor"
for h in "${handlers[@]}"; do
	declare -A per=()
	for im in "${impls[@]}"; do
		p="HTTP/mode=serial/handler=$h/impl=$im\$"
		a=$(count "$p" 50000)
		b=$(count "$p" 250000)
		per[$im]=$(((b - a) / 200000))
	done
	floor=$((per[floor] - per[none]))
	for im in "${impls[@]}"; do
		added=$((per[$im] - per[none]))
		ratio=$(awk -v a="$added" -v f="$floor" 'BEGIN { if (f > 0) printf "%.2f", a / f; else print "-" }')
		printf '%-8s %-18s %12d %10d %9s\n' "$h" "$im" "${per[$im]}" "$added" "$ratio"
	done
	unset per
done
