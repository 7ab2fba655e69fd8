// Package ottermetrics is stackprom's in-process cache: an otter v2 cache
// (github.com/maypok86/otter/v2) that records stackprom's cache families
// (see cachemetrics) — gets, hits and misses, sets and deletes, and, when
// asked, operation durations — under the backend label "memory" unless
// cachemetrics.WithBackend names it.
//
//	c, err := ottermetrics.New(&otter.Options[string, []byte]{MaximumSize: 10_000},
//		cachemetrics.WithBackend("pages"))
//	…
//	page, found := c.GetIfPresent(key) // a stored empty page is a hit
//
// # Why otter
//
// Of the two well-kept in-process caches for Go, otter v2 and
// hashicorp/golang-lru v2, otter fits a service's metrics better:
//
//   - Reads do not lock. golang-lru's Get takes the cache's one mutex to
//     move the entry to the front of its list, so every get of every
//     goroutine queues on it; otter's reads are lock-free, so they scale
//     with cores, in keeping with stackprom's rule of no global lock on
//     the hot path.
//   - It reports its own hits and misses. otter calls a stats.Recorder on
//     every read path — GetIfPresent, Get with a loader, BulkGet, the
//     Compute family — and this package gives it one that feeds the cache
//     families, so each read is counted exactly once, where it happens,
//     without a second lookup. golang-lru has no such hook: only the
//     methods a wrapper re-implements would be counted.
//   - Its eviction (adaptive W-TinyLFU) keeps more of a web workload than
//     plain LRU, and it has per-entry expiry, refresh, and loaders that
//     deduplicate concurrent loads of one key.
//
// golang-lru is smaller and has no dependencies; otter builds with none
// either (its go.mod names testify, for its own tests only), so the choice
// adds no code to a service's build.
//
// # What is counted
//
// Every read otter records: a hit when the key is present, a miss when it
// is not, whichever method read it, including reads through the embedded
// *otter.Cache. A value loaded by Get's loader follows a miss; a loader's
// error is the application's, not the cache's, so it is not a get failure
// (an in-process cache never fails a get). Sets: Set and SetIfAbsent (one
// each, whether or not SetIfAbsent stored). Deletes: Invalidate. Writes
// through Compute, loaders and refreshes are not counted as sets.
//
// Durations are off by default: two clock reads cost more than a get. With
// cachemetrics.WithLatency(true), GetIfPresent, Get and BulkGet are timed as
// gets, Set and SetIfAbsent as sets, Invalidate as a delete.
package ottermetrics
