package wiretest_test

import (
	"strings"
	"testing"
)

// The harness's own pieces: the diff must see every difference, and the
// charset reading must be Django's.

func TestLineDiff(t *testing.T) {
	a := []string{"a", "b", "c", "d"}
	if d := lineDiff("x", "y", a, a); d != "" {
		t.Errorf("equal sequences: diff %q", d)
	}
	for _, b := range [][]string{
		{"a", "b", "c"},
		{"a", "b", "c", "d", "e"},
		{"a", "B", "c", "d"},
		{"b", "a", "c", "d"},
		{},
	} {
		d := lineDiff("x", "y", a, b)
		if d == "" {
			t.Errorf("%q and %q: no diff", a, b)
			continue
		}
		if !strings.Contains(d, "\n- ") && !strings.Contains(d, "\n+ ") {
			t.Errorf("%q and %q: diff shows no line:\n%s", a, b, d)
		}
	}
}

func TestLineDiffLong(t *testing.T) {
	// Past the alignment's size limit, the first difference still shows.
	a, b := make([]string, 3000), make([]string, 3000)
	for i := range a {
		a[i], b[i] = "same", "same"
	}
	a[10], b[10] = "left", "right"
	a[2990], b[2990] = "left again", "right again"
	d := lineDiff("x", "y", a, b)
	if !strings.Contains(d, "- left\n+ right\n") {
		t.Errorf("diff does not show the difference:\n%s", d)
	}
}

func TestDjangoCharset(t *testing.T) {
	for ct, want := range map[string]string{
		"":                                     "",
		"text/html":                            "",
		"text/html; charset=utf-8":             "utf-8",
		"text/html;charset=UTF-8":              "UTF-8",
		"text/plain; CHARSET=Shift_JIS":        "Shift_JIS",
		`text/plain; charset="ISO-8859-1"`:     "ISO-8859-1",
		"text/plain; format=flowed; charset=a": "a",
		"text/plain; charset=a; format=flowed": "a",
		"text/plain; charset=":                 "",
		"charset=utf-8":                        "",
	} {
		if got := djangoCharset(ct); got != want {
			t.Errorf("djangoCharset(%q) = %q, want %q", ct, got, want)
		}
	}
}
