// Package bench holds stackprom's benchmarks against its peers, in a module
// of its own so that the peers (slok/go-http-metrics) never reach the core
// module's go.sum. It has no API: run
//
//	go test -run '^$' -bench . -benchmem -count 10
//
// in this directory and compare with benchstat; BENCHMARKS.md at the
// repository root has the method and the results.
package bench
