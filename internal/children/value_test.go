package children

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	long := strings.Repeat("é", 100) // 200 bytes
	for _, c := range []struct{ in, want string }{
		{"utf-8", "utf-8"},
		{"", ""},
		{"\xff", "\uFFFD"},
		{"a\xffb\xfe\xfd", "a\uFFFDb\uFFFD"},
		{strings.Repeat("x", MaxValueLen), strings.Repeat("x", MaxValueLen)},
		{strings.Repeat("x", MaxValueLen+1), strings.Repeat("x", MaxValueLen-3) + "…"},
		{long, strings.Repeat("é", (MaxValueLen-3)/2) + "…"},
	} {
		got := Clean(c.in)
		if got != c.want {
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
		if !utf8.ValidString(got) || len(got) > MaxValueLen {
			t.Errorf("Clean(%q) = %q: invalid or %d bytes", c.in, got, len(got))
		}
	}
	if n := testing.AllocsPerRun(100, func() { Clean("text/html; charset=utf-8") }); n != 0 {
		t.Errorf("Clean of a clean value allocates %v times", n)
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"utf-8", "\xff", strings.Repeat("é", 100), strings.Repeat("\xff", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Clean(s)
		if !utf8.ValidString(got) || len(got) > MaxValueLen {
			t.Fatalf("Clean(%q) = %q: invalid or %d bytes", s, got, len(got))
		}
		if utf8.ValidString(s) && len(s) <= MaxValueLen && got != s {
			t.Fatalf("Clean(%q) = %q: changed a clean value", s, got)
		}
	})
}
