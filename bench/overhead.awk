# overhead.awk: the overhead of each BenchmarkHTTP impl over impl=none, and
# its ratio to impl=promhttp's overhead, paired run by run.
#
#   awk -f overhead.awk results.txt
#
# The i-th result of each impl is paired with the i-th result of impl=none
# and impl=promhttp of the same mode. With results from rounds of
# `go test -bench HTTP -count 1` (each round runs every impl once, close in
# time), pairing cancels most of the drift a shared machine adds; the
# medians over the rounds are printed with their minimum and maximum.
# Columns: wall time (ns/op) and process CPU time (cpu-ns/op).

/^BenchmarkHTTP\/mode=/ {
	split($1, part, "/")
	mode = substr(part[2], 6)
	impl = substr(part[3], 6)
	sub(/-[0-9]+$/, "", impl)
	if (!((mode) in modeSeen)) { modeSeen[mode] = 1; modes[++nModes] = mode }
	if (!((impl) in implSeen)) { implSeen[impl] = 1; impls[++nImpls] = impl }
	r = ++runs[mode, impl]
	for (i = 3; i < NF; i++) {
		if ($(i + 1) == "ns/op") wall[mode, impl, r] = $i
		if ($(i + 1) == "cpu-ns/op") cpu[mode, impl, r] = $i
	}
}

# median of v[1..n] (sorts v), and its extremes in lo and hi.
function median(v, n,    i, j, t) {
	for (i = 2; i <= n; i++) {
		t = v[i]
		for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]
		v[j + 1] = t
	}
	lo = v[1]; hi = v[n]
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}

# summary of one metric (m: "wall" or "cpu") of impl in mode.
function summary(m, mode, impl,    n, r, over, ratio, base, ref, x, s) {
	n = 0
	for (r = 1; r <= runs[mode, impl] && r <= runs[mode, "none"] && r <= runs[mode, "promhttp"]; r++) {
		if (m == "wall") { x = wall[mode, impl, r]; base = wall[mode, "none", r]; ref = wall[mode, "promhttp", r] }
		else { x = cpu[mode, impl, r]; base = cpu[mode, "none", r]; ref = cpu[mode, "promhttp", r] }
		if (x == "" || base == "" || ref == "") continue
		n++
		over[n] = x - base
		ratio[n] = ref > base ? (x - base) / (ref - base) : 0
	}
	if (n == 0) return "-"
	s = sprintf("%6.0f ns [%4.0f, %4.0f]", median(over, n), lo, hi)
	s = s sprintf("  x%.2f [%.2f, %.2f]", median(ratio, n), lo, hi)
	return s " n=" n
}

END {
	printf "%-9s %-18s %-48s %s\n", "mode", "impl", "wall overhead [min, max]  x promhttp's", "cpu overhead [min, max]  x promhttp's"
	for (a = 1; a <= nModes; a++)
		for (b = 1; b <= nImpls; b++) {
			if (impls[b] == "none") continue
			printf "%-9s %-18s %-48s %s\n", modes[a], impls[b], summary("wall", modes[a], impls[b]), summary("cpu", modes[a], impls[b])
		}
}
