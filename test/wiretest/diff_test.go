package wiretest_test

import (
	"fmt"
	"strings"
)

// lineDiff renders the differences between a and b as a unified diff with
// three lines of context, or "" when they are equal.
func lineDiff(nameA, nameB string, a, b []string) string {
	// Trim the common prefix and suffix, then align the middle by longest
	// common subsequence.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	if pre == len(a) && pre == len(b) {
		return ""
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	type op struct {
		kind byte // ' ', '-', '+'
		line string
	}
	var ops []op
	for _, l := range a[:pre] {
		ops = append(ops, op{' ', l})
	}
	if len(ma)*len(mb) <= 4_000_000 {
		// lcs[i][j] is the length of the LCS of ma[i:] and mb[j:].
		lcs := make([][]int32, len(ma)+1)
		for i := range lcs {
			lcs[i] = make([]int32, len(mb)+1)
		}
		for i := len(ma) - 1; i >= 0; i-- {
			for j := len(mb) - 1; j >= 0; j-- {
				if ma[i] == mb[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(ma) || j < len(mb) {
			switch {
			case i < len(ma) && j < len(mb) && ma[i] == mb[j]:
				ops = append(ops, op{' ', ma[i]})
				i++
				j++
			case j < len(mb) && (i == len(ma) || lcs[i][j+1] >= lcs[i+1][j]):
				ops = append(ops, op{'+', mb[j]})
				j++
			default:
				ops = append(ops, op{'-', ma[i]})
				i++
			}
		}
	} else {
		// Too long to align: line against line, so that the first
		// difference is shown first.
		for k := range max(len(ma), len(mb)) {
			switch {
			case k < len(ma) && k < len(mb) && ma[k] == mb[k]:
				ops = append(ops, op{' ', ma[k]})
			default:
				if k < len(ma) {
					ops = append(ops, op{'-', ma[k]})
				}
				if k < len(mb) {
					ops = append(ops, op{'+', mb[k]})
				}
			}
		}
	}
	for _, l := range a[len(a)-suf:] {
		ops = append(ops, op{' ', l})
	}

	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", nameA, nameB)
	const context = 3
	const maxLines = 150 // of output; the rest is counted
	shown, hidden := 0, 0
	lastShown := -1
	lineA, lineB := 1, 1
	for k, o := range ops {
		near := false
		for d := max(0, k-context); d <= min(len(ops)-1, k+context); d++ {
			if ops[d].kind != ' ' {
				near = true
				break
			}
		}
		switch {
		case near && shown >= maxLines:
			hidden++
		case near:
			if lastShown != k-1 {
				fmt.Fprintf(&out, "@@ line %d of %s, line %d of %s @@\n", lineA, nameA, lineB, nameB)
			}
			fmt.Fprintf(&out, "%c %s\n", o.kind, o.line)
			lastShown = k
			shown++
		}
		if o.kind != '+' {
			lineA++
		}
		if o.kind != '-' {
			lineB++
		}
	}
	if hidden > 0 {
		fmt.Fprintf(&out, "… and %d more lines of the diff\n", hidden)
	}
	return out.String()
}
