//go:build !race

package livetest

const race = false
