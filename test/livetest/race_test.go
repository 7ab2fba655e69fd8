//go:build race

package livetest

// race is true when the test runs with the race detector; the demo is
// then built with it too, from the packages the test command compiled.
const race = true
