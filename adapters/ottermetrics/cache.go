package ottermetrics

import (
	"context"
	"time"

	"github.com/maypok86/otter/v2"
	"github.com/maypok86/otter/v2/stats"

	"github.com/stackprom/stackprom/cachemetrics"
)

// Cache is an *otter.Cache that records the cache families. Every method of
// otter's cache is available on it; the ones defined here add counting or
// timing. It is safe for concurrent use.
type Cache[K comparable, V any] struct {
	// Cache is the otter cache. Reads through it are counted (otter reports
	// them); sets and deletes through it are not.
	*otter.Cache[K, V]
	rec *cachemetrics.Recorder
}

// New builds an otter cache from o (nil means otter's defaults: unbounded,
// no expiry) that records the cache families, and registers them (see
// stackprom.WithRegisterer). o is not modified. A stats.Recorder set in o
// keeps receiving otter's statistics, and Stats works as with otter when it
// is a stats.Snapshoter. The backend label defaults to "memory"
// (cachemetrics.WithBackend names the cache); durations are off
// (cachemetrics.WithLatency(true) turns them on). It returns otter's error
// for invalid options, or an error if an option is invalid or a family
// clashes with another collector.
func New[K comparable, V any](o *otter.Options[K, V], opts ...cachemetrics.Option) (*Cache[K, V], error) {
	rec, err := cachemetrics.New(append([]cachemetrics.Option{
		cachemetrics.WithBackend(cachemetrics.Memory), cachemetrics.WithLatency(false),
	}, opts...)...)
	if err != nil {
		return nil, err
	}
	var oo otter.Options[K, V]
	if o != nil {
		oo = *o
	}
	if s, ok := oo.StatsRecorder.(stats.SnapshotRecorder); ok {
		oo.StatsRecorder = snapshotRecorder{recorder{rec, s}, s}
	} else {
		oo.StatsRecorder = recorder{rec, oo.StatsRecorder}
	}
	c, err := otter.New(&oo)
	if err != nil {
		return nil, err
	}
	return &Cache[K, V]{Cache: c, rec: rec}, nil
}

// MustNew is New for use in a one-line setup; it panics on error.
func MustNew[K comparable, V any](o *otter.Options[K, V], opts ...cachemetrics.Option) *Cache[K, V] {
	c, err := New(o, opts...)
	if err != nil {
		panic(err)
	}
	return c
}

// Recorder returns the cache's recorder.
func (c *Cache[K, V]) Recorder() *cachemetrics.Recorder { return c.rec }

// GetIfPresent is otter's GetIfPresent: the value and whether the key was
// present, so that a stored zero value is told from a miss. otter counts
// the hit or the miss.
func (c *Cache[K, V]) GetIfPresent(key K) (V, bool) {
	if !c.rec.Latency() {
		return c.Cache.GetIfPresent(key)
	}
	start := c.rec.Start()
	v, ok := c.Cache.GetIfPresent(key)
	c.rec.Since(context.Background(), cachemetrics.OpGet, start)
	return v, ok
}

// Get is otter's Get, which loads a missing value with loader. otter counts
// the hit or the miss.
func (c *Cache[K, V]) Get(ctx context.Context, key K, loader otter.Loader[K, V]) (V, error) {
	if !c.rec.Latency() {
		return c.Cache.Get(ctx, key, loader)
	}
	start := c.rec.Start()
	v, err := c.Cache.Get(ctx, key, loader)
	c.rec.Since(ctx, cachemetrics.OpGet, start)
	return v, err
}

// BulkGet is otter's BulkGet. otter counts a hit or a miss per key; it is
// timed once.
func (c *Cache[K, V]) BulkGet(ctx context.Context, keys []K, loader otter.BulkLoader[K, V]) (map[K]V, error) {
	if !c.rec.Latency() {
		return c.Cache.BulkGet(ctx, keys, loader)
	}
	start := c.rec.Start()
	m, err := c.Cache.BulkGet(ctx, keys, loader)
	c.rec.Since(ctx, cachemetrics.OpGet, start)
	return m, err
}

// Set is otter's Set, counted as a set.
func (c *Cache[K, V]) Set(key K, value V) (V, bool) {
	start := c.rec.Start()
	v, ok := c.Cache.Set(key, value)
	c.rec.Set(nil)
	c.rec.Since(context.Background(), cachemetrics.OpSet, start)
	return v, ok
}

// SetIfAbsent is otter's SetIfAbsent, counted as a set whether or not the
// key was absent.
func (c *Cache[K, V]) SetIfAbsent(key K, value V) (V, bool) {
	start := c.rec.Start()
	v, ok := c.Cache.SetIfAbsent(key, value)
	c.rec.Set(nil)
	c.rec.Since(context.Background(), cachemetrics.OpSet, start)
	return v, ok
}

// Invalidate is otter's Invalidate, counted as a delete whether or not the
// key was present.
func (c *Cache[K, V]) Invalidate(key K) (V, bool) {
	start := c.rec.Start()
	v, ok := c.Cache.Invalidate(key)
	c.rec.Delete(nil)
	c.rec.Since(context.Background(), cachemetrics.OpDelete, start)
	return v, ok
}

// recorder is the stats.Recorder otter reports to: hits and misses go to
// the cache families, everything to the application's recorder, if any.
type recorder struct {
	rec  *cachemetrics.Recorder
	next stats.Recorder
}

var _ stats.Recorder = recorder{}

func (r recorder) RecordHits(count int) {
	if count == 1 {
		r.rec.Hit()
	} else {
		r.rec.Gets(count, 0, 0)
	}
	if r.next != nil {
		r.next.RecordHits(count)
	}
}

func (r recorder) RecordMisses(count int) {
	if count == 1 {
		r.rec.Miss()
	} else {
		r.rec.Gets(0, count, 0)
	}
	if r.next != nil {
		r.next.RecordMisses(count)
	}
}

func (r recorder) RecordEviction(weight uint32) {
	if r.next != nil {
		r.next.RecordEviction(weight)
	}
}

func (r recorder) RecordLoadSuccess(loadTime time.Duration) {
	if r.next != nil {
		r.next.RecordLoadSuccess(loadTime)
	}
}

func (r recorder) RecordLoadFailure(loadTime time.Duration) {
	if r.next != nil {
		r.next.RecordLoadFailure(loadTime)
	}
}

// snapshotRecorder is a recorder over an application's recorder that
// takes snapshots, so that otter's Stats still works.
type snapshotRecorder struct {
	recorder
	s stats.Snapshoter
}

var _ stats.SnapshotRecorder = snapshotRecorder{}

func (r snapshotRecorder) Snapshot() stats.Stats { return r.s.Snapshot() }
