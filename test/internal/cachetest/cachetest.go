// Package cachetest holds what the tests of the cache adapters
// (memcachemetrics, ottermetrics, redismetrics) share: how much the cache
// families of one backend moved since a snapshot.
package cachetest

import (
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom/stackpromtest"
)

// Counts are the cache families of one backend: gets and their outcomes,
// sets, deletes, and the failures of each.
type Counts struct {
	Gets, Hits, Misses, Fails, Sets, SetFails, Deletes, DeleteFails float64
}

// String lists the counts by name, for a test's failure message.
func (c Counts) String() string {
	return fmt.Sprintf("gets %v hits %v misses %v fails %v sets %v setFails %v deletes %v deleteFails %v",
		c.Gets, c.Hits, c.Misses, c.Fails, c.Sets, c.SetFails, c.Deletes, c.DeleteFails)
}

// Diff is how much the cache families of backend moved since s.
func Diff(t testing.TB, s *stackpromtest.Snapshot, backend string) Counts {
	t.Helper()
	b := prometheus.Labels{"backend": backend}
	return Counts{
		Gets:        s.Diff(t, "cache_get_total", b),
		Hits:        s.Diff(t, "cache_get_hits_total", b),
		Misses:      s.Diff(t, "cache_get_misses_total", b),
		Fails:       s.Diff(t, "cache_get_fail_total", b),
		Sets:        s.Diff(t, "cache_set_total", b),
		SetFails:    s.Diff(t, "cache_set_fail_total", b),
		Deletes:     s.Diff(t, "cache_delete_total", b),
		DeleteFails: s.Diff(t, "cache_delete_fail_total", b),
	}
}
