package children

import (
	"strings"
	"unicode/utf8"
)

// MaxValueLen bounds, in bytes, every label value stackprom takes from
// outside (a header, a handler, a driver, the application): a longer one is
// cut at a rune boundary and ends in "…", so that no value grows the
// exposition by more than this.
const MaxValueLen = 128

// ellipsis ends a value that was cut.
const ellipsis = "…"

// Clean returns s as a label value client_golang accepts and a scrape can
// afford: valid UTF-8 (each invalid byte sequence becomes U+FFFD) and at
// most MaxValueLen bytes. A value that already is both is returned as it
// is, without allocating.
func Clean(s string) string {
	if len(s) <= MaxValueLen && utf8.ValidString(s) {
		return s
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= MaxValueLen {
		return s
	}
	cut := MaxValueLen - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
