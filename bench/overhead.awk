# overhead.awk: the time each BenchmarkHTTP impl adds over impl=none, and
# its ratio to the time impl=promhttp, impl=gohttpmetrics and impl=floor
# add, paired run by run.
#
#   awk -f overhead.awk results.txt
#
# A result is grouped by every key=value of its name but impl (mode and
# handler: BenchmarkHTTP/mode=serial/handler=noct/impl=floor-2 is in group
# mode=serial/handler=noct; results from before the handler dimension,
# without handler=, are handler "-"). The i-th result of each impl is paired
# with the i-th result of impl=none, impl=promhttp, impl=gohttpmetrics and
# impl=floor of the same group. With results from rounds of
# `go test -bench 'HTTP$' -count 1` (each round runs every impl once, close
# in time), pairing cancels most of the drift a shared machine adds; the
# medians over the rounds are printed with their minimum and maximum.
#
# Two tables: process CPU time (cpu-ns/op, from bench/cpu_test.go; read it
# first on a shared machine), then wall time (ns/op). Columns: the time
# added over impl=none in ns, then "x promhttp" = added / promhttp's added,
# "x ghm" = added / gohttpmetrics' added, "x floor" = added / floor's added
# (a run whose reference added nothing is left out of that ratio), then n,
# the number of pairs with impl=none.

/^BenchmarkHTTP\// {
	name = $1
	sub(/-[0-9]+$/, "", name) # the GOMAXPROCS suffix
	np = split(name, part, "/")
	impl = ""; group = ""; mode = "-"; handler = "-"
	for (i = 2; i <= np; i++) {
		if (part[i] ~ /^impl=/) { impl = substr(part[i], 6); continue }
		group = group (group == "" ? "" : "/") part[i]
		if (part[i] ~ /^mode=/) mode = substr(part[i], 6)
		if (part[i] ~ /^handler=/) handler = substr(part[i], 9)
	}
	if (impl == "") next
	if (!((group) in groupSeen)) { groupSeen[group] = 1; groups[++nGroups] = group; gMode[group] = mode; gHandler[group] = handler }
	if (!((impl) in implSeen)) { implSeen[impl] = 1; impls[++nImpls] = impl }
	r = ++runs[group, impl]
	for (i = 3; i < NF; i++) {
		if ($(i + 1) == "ns/op") val["wall", group, impl, r] = $i
		if ($(i + 1) == "cpu-ns/op") val["cpu", group, impl, r] = $i
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

# ratio of impl's added time to ref's, median [min, max] over the runs of
# group where both were measured and ref added time; "-" when none.
function ratio(m, group, impl, ref,    n, r, x, base, y, q, med) {
	n = 0
	for (r = 1; r <= runs[group, impl]; r++) {
		x = val[m, group, impl, r]; base = val[m, group, "none", r]; y = val[m, group, ref, r]
		if (x == "" || base == "" || y == "" || y <= base) continue
		q[++n] = (x - base) / (y - base)
	}
	if (n == 0) return sprintf("%-19s", "-")
	med = median(q, n)
	return sprintf("x%-18s", sprintf("%.2f [%.2f, %.2f]", med, lo, hi))
}

# one row: the time impl adds over impl=none in group, and its ratios.
function row(m, group, impl,    n, r, x, base, over, med, s) {
	n = 0
	for (r = 1; r <= runs[group, impl]; r++) {
		x = val[m, group, impl, r]; base = val[m, group, "none", r]
		if (x == "" || base == "") continue
		over[++n] = x - base
	}
	if (n == 0) return ""
	med = median(over, n)
	s = sprintf("%-9s %-8s %-18s %-22s", gMode[group], gHandler[group], impl, sprintf("%6.0f [%6.0f, %6.0f]", med, lo, hi))
	return s " " ratio(m, group, impl, "promhttp") " " ratio(m, group, impl, "gohttpmetrics") " " ratio(m, group, impl, "floor") " " n
}

function table(m, title,    a, b, s) {
	print title
	printf "%-9s %-8s %-18s %-22s %-19s %-19s %-19s %s\n", "mode", "handler", "impl", "added ns [min, max]", "x promhttp", "x ghm", "x floor", "n"
	for (a = 1; a <= nGroups; a++)
		for (b = 1; b <= nImpls; b++) {
			if (impls[b] == "none") continue
			s = row(m, groups[a], impls[b])
			if (s != "") print s
		}
}

END {
	table("cpu", "process CPU time (cpu-ns/op) added over impl=none, paired run by run")
	print ""
	table("wall", "wall time (ns/op) added over impl=none, paired run by run")
}
