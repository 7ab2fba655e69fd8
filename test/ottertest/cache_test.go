package ottertest_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/maypok86/otter/v2"
	"github.com/maypok86/otter/v2/stats"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/ottermetrics"
	"github.com/stackprom/stackprom/cachemetrics"
	"github.com/stackprom/stackprom/stackpromtest"
	"github.com/stackprom/stackprom/test/internal/cachetest"
)

func newCache[V any](t *testing.T, o *otter.Options[string, V], opts ...cachemetrics.Option) (*ottermetrics.Cache[string, V], *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	c, err := ottermetrics.New(o, append([]cachemetrics.Option{stackprom.WithRegisterer(reg)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.StopAllGoroutines() })
	return c, reg
}

// django-prometheus's cache test (catalogue §10 item 8) on the in-process
// cache: set foo1, get foo1 twice, get foofoo twice.
func TestDjangoCacheTest(t *testing.T) {
	c, reg := newCache[string](t, nil)
	s := stackpromtest.Take(t, reg)
	c.Set("foo1", "bar")
	for range 2 {
		if v, ok := c.GetIfPresent("foo1"); !ok || v != "bar" {
			t.Fatalf("get foo1 = %q, %v", v, ok)
		}
	}
	for range 2 {
		if _, ok := c.GetIfPresent("foofoo"); ok {
			t.Fatal("get foofoo: found")
		}
	}
	if got, want := cachetest.Diff(t, s, "memory"), (cachetest.Counts{Gets: 4, Hits: 2, Misses: 2, Sets: 1}); got != want {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

// A stored zero value, empty string, false or nil is a hit, and is
// returned as stored (django-prometheus #493 returns the default instead).
func TestFalsyValuesAreHits(t *testing.T) {
	c, reg := newCache[any](t, nil)
	values := map[string]any{"zero": 0, "empty": "", "false": false, "nil": nil, "emptyslice": []int{}}
	for k, v := range values {
		c.Set(k, v)
	}
	s := stackpromtest.Take(t, reg)
	for k, want := range values {
		v, ok := c.GetIfPresent(k)
		if !ok || fmt.Sprint(v) != fmt.Sprint(want) {
			t.Errorf("get %s = %v, %v; want %v, true", k, v, ok, want)
		}
	}
	if got := cachetest.Diff(t, s, "memory"); got != (cachetest.Counts{Gets: 5, Hits: 5}) {
		t.Errorf("got %v, want 5 gets, 5 hits", got)
	}
}

// Every read path otter has is counted once, the embedded cache's too.
func TestReadPaths(t *testing.T) {
	c, reg := newCache[string](t, nil)
	ctx := context.Background()
	c.Set("a", "1")
	c.Set("b", "2")
	loader := otter.LoaderFunc[string, string](func(ctx context.Context, key string) (string, error) {
		if key == "bad" {
			return "", errors.New("database down")
		}
		if key == "gone" {
			return "", otter.ErrNotFound
		}
		return "loaded " + key, nil
	})
	bulk := otter.BulkLoaderFunc[string, string](func(ctx context.Context, keys []string) (map[string]string, error) {
		m := map[string]string{}
		for _, k := range keys {
			m[k] = "loaded " + k
		}
		return m, nil
	})
	for _, c2 := range []struct {
		name string
		do   func() error
		want cachetest.Counts
	}{
		{"GetIfPresent hit", func() error { c.GetIfPresent("a"); return nil }, cachetest.Counts{Gets: 1, Hits: 1}},
		{"Get hit", func() error { _, err := c.Get(ctx, "a", loader); return err }, cachetest.Counts{Gets: 1, Hits: 1}},
		{"Get loads on a miss", func() error { _, err := c.Get(ctx, "x", loader); return err }, cachetest.Counts{Gets: 1, Misses: 1}},
		{"Get hits what it loaded", func() error { _, err := c.Get(ctx, "x", loader); return err }, cachetest.Counts{Gets: 1, Hits: 1}},
		{"Get with a failing loader is a miss", func() error {
			if _, err := c.Get(ctx, "bad", loader); err == nil {
				return errors.New("no error from the loader")
			}
			return nil
		}, cachetest.Counts{Gets: 1, Misses: 1}},
		{"Get of a key the source lacks", func() error {
			if _, err := c.Get(ctx, "gone", loader); !errors.Is(err, otter.ErrNotFound) {
				return fmt.Errorf("got %v, want otter.ErrNotFound", err)
			}
			return nil
		}, cachetest.Counts{Gets: 1, Misses: 1}},
		{"BulkGet", func() error { _, err := c.BulkGet(ctx, []string{"a", "b", "y"}, bulk); return err }, cachetest.Counts{Gets: 3, Hits: 2, Misses: 1}},
		{"GetEntry", func() error { c.GetEntry("a"); return nil }, cachetest.Counts{Gets: 1, Hits: 1}},
		{"embedded cache read", func() error { c.Cache.GetIfPresent("none"); return nil }, cachetest.Counts{Gets: 1, Misses: 1}},
		{"ComputeIfPresent on a missing key", func() error {
			c.ComputeIfPresent("none", func(old string) (string, otter.ComputeOp) { return old, otter.CancelOp })
			return nil
		}, cachetest.Counts{Gets: 1, Misses: 1}},
		{"SetIfAbsent", func() error { c.SetIfAbsent("a", "x"); return nil }, cachetest.Counts{Sets: 1}},
		{"Invalidate", func() error { c.Invalidate("a"); return nil }, cachetest.Counts{Deletes: 1}},
		{"Invalidate missing", func() error { c.Invalidate("none"); return nil }, cachetest.Counts{Deletes: 1}},
	} {
		t.Run(c2.name, func(t *testing.T) {
			s := stackpromtest.Take(t, reg)
			if err := c2.do(); err != nil {
				t.Fatal(err)
			}
			if got := cachetest.Diff(t, s, "memory"); got != c2.want {
				t.Errorf("got %v\nwant %v", got, c2.want)
			}
		})
	}
}

// The application's own stats.Recorder keeps receiving otter's statistics,
// and Stats still works when it takes snapshots.
func TestApplicationRecorder(t *testing.T) {
	counter := stats.NewCounter()
	c, reg := newCache(t, &otter.Options[string, int]{StatsRecorder: counter})
	c.Set("a", 1)
	c.GetIfPresent("a")
	c.GetIfPresent("b")
	st := c.Stats()
	if st.Hits != 1 || st.Misses != 1 {
		t.Errorf("otter stats: %d hits, %d misses, want 1 and 1", st.Hits, st.Misses)
	}
	stackpromtest.AssertValue(t, reg, 2, "cache_get_total", prometheus.Labels{"backend": "memory"})

	// A recorder without snapshots: Stats is zero, as otter documents.
	c2, _ := newCache(t, &otter.Options[string, int]{StatsRecorder: hitsOnly{new(int)}})
	c2.GetIfPresent("a")
	if st := c2.Stats(); st.Misses != 0 {
		t.Errorf("Stats of a recorder without snapshots: %+v", st)
	}
}

type hitsOnly struct{ n *int }

func (h hitsOnly) RecordHits(int)                  {}
func (h hitsOnly) RecordMisses(int)                { *h.n++ }
func (h hitsOnly) RecordEviction(uint32)           {}
func (h hitsOnly) RecordLoadSuccess(time.Duration) {}
func (h hitsOnly) RecordLoadFailure(time.Duration) {}

// Durations are off by default, and on with WithLatency(true) for each
// timed method.
func TestLatency(t *testing.T) {
	c, reg := newCache[int](t, nil)
	c.Set("a", 1)
	c.GetIfPresent("a")
	if n, _ := testutilCount(t, reg); n != 0 {
		t.Errorf("latency off by default, yet %d duration series", n)
	}
	if c.Recorder().Latency() {
		t.Error("Latency() = true by default")
	}

	c, reg = newCache[int](t, nil, cachemetrics.WithLatency(true), cachemetrics.WithBackend("pages"))
	ctx := context.Background()
	loader := otter.LoaderFunc[string, int](func(context.Context, string) (int, error) { return 1, nil })
	bulk := otter.BulkLoaderFunc[string, int](func(_ context.Context, keys []string) (map[string]int, error) {
		return map[string]int{}, nil
	})
	c.Set("a", 1)
	c.SetIfAbsent("b", 2)
	c.GetIfPresent("a")
	c.Get(ctx, "a", loader)
	c.BulkGet(ctx, []string{"a", "b"}, bulk)
	c.Invalidate("a")
	for op, n := range map[string]float64{"get": 3, "set": 2, "delete": 1} {
		stackpromtest.AssertValue(t, reg, n, "cache_operation_duration_seconds_count", prometheus.Labels{"backend": "pages", "operation": op})
	}
}

func testutilCount(t *testing.T, reg *prometheus.Registry) (int, error) {
	mfs, err := reg.Gather()
	n := 0
	for _, mf := range mfs {
		if mf.GetName() == "cache_operation_duration_seconds" {
			n += len(mf.GetMetric())
		}
	}
	return n, err
}

func TestErrors(t *testing.T) {
	if _, err := ottermetrics.New[string, int](nil, stackprom.WithRegisterer(prometheus.NewRegistry()), cachemetrics.WithBackend("")); err == nil {
		t.Error("empty backend: no error")
	}
	_, err := ottermetrics.New(&otter.Options[string, int]{MaximumSize: -1}, stackprom.WithRegisterer(prometheus.NewRegistry()))
	if err == nil {
		t.Error("otter options that otter refuses: no error")
	}
}

// Many goroutines at once: every get is a hit or a miss, none lost.
func TestConcurrent(t *testing.T) {
	c, reg := newCache(t, &otter.Options[string, int]{MaximumSize: 100})
	s := stackpromtest.Take(t, reg)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 1000 {
				k := strconv.Itoa((g*1000 + i) % 150)
				if _, ok := c.GetIfPresent(k); !ok {
					c.Set(k, i)
				}
			}
		})
	}
	wg.Wait()
	got := cachetest.Diff(t, s, "memory")
	if got.Gets != 4000 || got.Hits+got.Misses != 4000 || got.Sets != got.Misses || got.Hits == 0 {
		t.Errorf("got %v, want 4000 gets = hits + misses, a set per miss", got)
	}
}

// The counted methods allocate nothing more than otter's own (a Set of a
// new value allocates its node).
func TestNoAllocations(t *testing.T) {
	bare := otter.Must(&otter.Options[string, int]{})
	bare.Set("a", 1)
	for _, latency := range []bool{false, true} {
		c, _ := newCache[int](t, nil, cachemetrics.WithLatency(latency))
		c.Set("a", 1)
		for _, op := range []struct {
			name       string
			ours, bare func()
		}{
			{"GetIfPresent hit", func() { c.GetIfPresent("a") }, func() { bare.GetIfPresent("a") }},
			{"GetIfPresent miss", func() { c.GetIfPresent("b") }, func() { bare.GetIfPresent("b") }},
			{"Set", func() { c.Set("a", 2) }, func() { bare.Set("a", 2) }},
			{"Invalidate", func() { c.Invalidate("c") }, func() { bare.Invalidate("c") }},
		} {
			ours, theirs := testing.AllocsPerRun(200, op.ours), testing.AllocsPerRun(200, op.bare)
			if ours != theirs {
				t.Errorf("latency %v, %s: %v allocations, otter alone %v", latency, op.name, ours, theirs)
			}
		}
	}
}
