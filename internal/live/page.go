package live

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"strings"
)

var (
	//go:embed assets/live.html
	pageHTML string
	//go:embed assets/live.css
	pageCSS string
	//go:embed assets/live.js
	pageJS string
)

// page is the whole page, its style and script inline; csp allows exactly
// them, requests to the page's own origin (the JSON) and nothing else, so
// that the browser itself refuses any other origin.
var page, csp = func() ([]byte, string) {
	hash := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	html := strings.NewReplacer("/*STYLE*/", pageCSS, "/*SCRIPT*/", pageJS).Replace(pageHTML)
	return []byte(html), "default-src 'none'; script-src " + hash(pageJS) + "; style-src " + hash(pageCSS) +
		"; connect-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()
