// Package doctest checks the Go in the repository's README.md and docs/*.md
// against the API: every ```go block parses, and every name it takes from a
// stackprom package (the core's packages, every adapter and opsgen), and
// every method it calls on one of their types, exists; and every exported With… option of
// those packages is documented. It lives in the test module, the only one
// that depends on every adapter. It has tests only.
package doctest
