package cachemetrics

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/internal/schema"
	"github.com/stackprom/stackprom/stackpromtest"
)

// fakeClock makes every reading 300 µs later than the previous one, so
// that each timed operation takes 300 µs.
func fakeClock(t *testing.T) {
	var ticks atomic.Int64
	old := now
	now = func() time.Duration { return time.Duration(ticks.Add(1)) * 300 * time.Microsecond }
	t.Cleanup(func() { now = old })
}

func newRecorder(t *testing.T, reg prometheus.Registerer, opts ...Option) *Recorder {
	t.Helper()
	r, err := New(append([]Option{stackprom.WithRegisterer(reg)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// mapCache is the smallest cache a Recorder counts: a map.
type mapCache struct {
	mu  sync.Mutex
	m   map[string]any
	rec *Recorder
}

func (c *mapCache) get(key string) (any, bool) {
	start := c.rec.Start()
	c.mu.Lock()
	v, ok := c.m[key]
	c.mu.Unlock()
	c.rec.Get(ok, nil)
	c.rec.Since(context.Background(), OpGet, start)
	return v, ok
}

func (c *mapCache) set(key string, v any) {
	c.mu.Lock()
	c.m[key] = v
	c.mu.Unlock()
	c.rec.Set(nil)
}

// django-prometheus's cache test (catalogue §10 item 8), on a cache counted
// by a Recorder.
func TestDjangoCacheTest(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := &mapCache{m: map[string]any{}, rec: newRecorder(t, reg, WithBackend("locmem"))}
	s := stackpromtest.Take(t, reg)
	c.set("foo1", "bar")
	c.get("foo1")
	c.get("foo1")
	c.get("foofoo")
	if v, ok := c.get("foofoo"); ok || v != nil {
		t.Errorf("get foofoo = %v, %v", v, ok)
	}
	b := prometheus.Labels{"backend": "locmem"}
	s.AssertDiff(t, 4, "cache_get_total", b)
	s.AssertDiff(t, 2, "cache_get_hits_total", b)
	s.AssertDiff(t, 2, "cache_get_misses_total", b)
	s.AssertDiff(t, 0, "cache_get_fail_total", b)
	s.AssertDiff(t, 1, "cache_set_total", b)
}

// A stored zero value, empty string or false is a hit and is returned
// (django-prometheus #493 counts it a hit but returns the default).
func TestFalsyValuesAreHits(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := &mapCache{m: map[string]any{}, rec: newRecorder(t, reg, WithBackend("locmem"))}
	values := map[string]any{"zero": 0, "empty": "", "false": false, "nil": nil, "emptymap": map[string]int{}}
	for k, v := range values {
		c.set(k, v)
	}
	s := stackpromtest.Take(t, reg)
	for k := range values {
		if _, ok := c.get(k); !ok {
			t.Errorf("get %q: not found", k)
		}
	}
	b := prometheus.Labels{"backend": "locmem"}
	s.AssertDiff(t, float64(len(values)), "cache_get_hits_total", b)
	s.AssertDiff(t, 0, "cache_get_misses_total", b)
}

func TestOutcomes(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := newRecorder(t, reg, WithBackend("x"))
	down := errors.New("connection refused")
	b := prometheus.Labels{"backend": "x"}
	for _, c := range []struct {
		name                                 string
		do                                   func()
		gets, hits, misses, fails            float64
		sets, setFails, deletes, deleteFails float64
	}{
		{"Hit", r.Hit, 1, 1, 0, 0, 0, 0, 0, 0},
		{"Miss", r.Miss, 1, 0, 1, 0, 0, 0, 0, 0},
		{"Fail", r.Fail, 1, 0, 0, 1, 0, 0, 0, 0},
		{"Get found", func() { r.Get(true, nil) }, 1, 1, 0, 0, 0, 0, 0, 0},
		{"Get not found", func() { r.Get(false, nil) }, 1, 0, 1, 0, 0, 0, 0, 0},
		{"Get failed", func() { r.Get(false, down) }, 1, 0, 0, 1, 0, 0, 0, 0},
		{"Get found with error", func() { r.Get(true, down) }, 1, 0, 0, 1, 0, 0, 0, 0},
		{"Gets", func() { r.Gets(3, 2, 1) }, 6, 3, 2, 1, 0, 0, 0, 0},
		{"Gets negative", func() { r.Gets(-1, 2, -5) }, 2, 0, 2, 0, 0, 0, 0, 0},
		{"Set", func() { r.Set(nil) }, 0, 0, 0, 0, 1, 0, 0, 0},
		{"Set failed", func() { r.Set(down) }, 0, 0, 0, 0, 1, 1, 0, 0},
		{"Sets", func() { r.Sets(5, 2) }, 0, 0, 0, 0, 5, 2, 0, 0},
		{"Delete", func() { r.Delete(nil) }, 0, 0, 0, 0, 0, 0, 1, 0},
		{"Delete failed", func() { r.Delete(down) }, 0, 0, 0, 0, 0, 0, 1, 1},
		{"Deletes", func() { r.Deletes(4, -1) }, 0, 0, 0, 0, 0, 0, 4, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := stackpromtest.Take(t, reg)
			c.do()
			s.AssertDiff(t, c.gets, "cache_get_total", b)
			s.AssertDiff(t, c.hits, "cache_get_hits_total", b)
			s.AssertDiff(t, c.misses, "cache_get_misses_total", b)
			s.AssertDiff(t, c.fails, "cache_get_fail_total", b)
			s.AssertDiff(t, c.sets, "cache_set_total", b)
			s.AssertDiff(t, c.setFails, "cache_set_fail_total", b)
			s.AssertDiff(t, c.deletes, "cache_delete_total", b)
			s.AssertDiff(t, c.deleteFails, "cache_delete_fail_total", b)
		})
	}
}

// Two caches of one kind stay apart; two recorders of one cache share its
// series.
func TestBackendsApart(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := newRecorder(t, reg, WithBackend("sessions"))
	b := newRecorder(t, reg, WithBackend("pages"))
	a2 := newRecorder(t, reg, WithBackend("sessions"))
	a.Hit()
	a2.Hit()
	b.Miss()
	stackpromtest.AssertValue(t, reg, 2, "cache_get_hits_total", prometheus.Labels{"backend": "sessions"})
	stackpromtest.AssertValue(t, reg, 0, "cache_get_hits_total", prometheus.Labels{"backend": "pages"})
	stackpromtest.AssertValue(t, reg, 1, "cache_get_misses_total", prometheus.Labels{"backend": "pages"})
	if a.Backend() != "sessions" || b.Backend() != "pages" {
		t.Errorf("backends %q %q", a.Backend(), b.Backend())
	}
}

func TestOptionErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		opts []Option
		want string
	}{
		{"no backend", nil, "cachemetrics: New: no backend name"},
		{"empty backend", []Option{WithBackend("")}, `cachemetrics: WithBackend("")`},
		{"invalid UTF-8", []Option{WithBackend("a\xff")}, `cachemetrics: WithBackend("a\xff")`},
		{"long backend", []Option{WithBackend(strings.Repeat("b", 129))}, "of at most 128 bytes"},
		{"clash", []Option{WithBackend("x"), stackprom.WithConstLabels(prometheus.Labels{"backend": "y"})}, "backend"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(append([]Option{stackprom.WithRegisterer(prometheus.NewRegistry())}, c.opts...)...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// The full exposition after a scenario, in both presets, and lint-clean in
// the default one.
func TestExposition(t *testing.T) {
	fakeClock(t)
	scenario := func(r *Recorder) {
		ctx := context.Background()
		for _, op := range []Op{OpGet, OpGet, OpSet, OpDelete, OpPipeline} {
			r.Since(ctx, op, r.Start())
		}
		r.Hit()
		r.Miss()
		r.Fail()
		r.Set(nil)
		r.Set(errors.New("down"))
		r.Delete(nil)
	}
	const counters = `
# HELP %[1]scache_delete_fail_total Total delete request failures by cache
# TYPE %[1]scache_delete_fail_total counter
%[1]scache_delete_fail_total{backend="default"} 0
# HELP %[1]scache_delete_total Total delete requests on cache
# TYPE %[1]scache_delete_total counter
%[1]scache_delete_total{backend="default"} 1
# HELP %[1]scache_get_fail_total Total get request failures by cache
# TYPE %[1]scache_get_fail_total counter
%[1]scache_get_fail_total{backend="default"} 1
# HELP %[1]scache_get_hits_total Total hits on cache
# TYPE %[1]scache_get_hits_total counter
%[1]scache_get_hits_total{backend="default"} 1
# HELP %[1]scache_get_misses_total Total misses on cache
# TYPE %[1]scache_get_misses_total counter
%[1]scache_get_misses_total{backend="default"} 1
# HELP %[1]scache_get_total Total get requests on cache
# TYPE %[1]scache_get_total counter
%[1]scache_get_total{backend="default"} 3
# HELP %[1]scache_set_fail_total Total set request failures by cache
# TYPE %[1]scache_set_fail_total counter
%[1]scache_set_fail_total{backend="default"} 1
# HELP %[1]scache_set_total Total set requests on cache
# TYPE %[1]scache_set_total counter
%[1]scache_set_total{backend="default"} 2
`
	histogram := func(prefix, op string, n int) string {
		var b strings.Builder
		for _, le := range []string{"0.0001", "0.00025"} {
			b.WriteString(prefix + `cache_operation_duration_seconds_bucket{backend="default",operation="` + op + `",le="` + le + `"} 0` + "\n")
		}
		for _, le := range []string{"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "+Inf"} {
			b.WriteString(prefix + `cache_operation_duration_seconds_bucket{backend="default",operation="` + op + `",le="` + le + `"} ` + itoa(n) + "\n")
		}
		b.WriteString(prefix + `cache_operation_duration_seconds_sum{backend="default",operation="` + op + `"} ` + map[int]string{1: "0.0003", 2: "0.0006"}[n] + "\n")
		b.WriteString(prefix + `cache_operation_duration_seconds_count{backend="default",operation="` + op + `"} ` + itoa(n) + "\n")
		return b.String()
	}
	for _, c := range []struct {
		name   string
		opts   []Option
		prefix string
	}{
		{"default", nil, ""},
		{"django", []Option{stackprom.WithNaming(stackprom.NamingDjango)}, "django_"},
		{"namespace", []Option{stackprom.WithNamespace("shop"), stackprom.WithNaming(stackprom.NamingDjango)}, "shop_django_"},
	} {
		t.Run(c.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			scenario(newRecorder(t, reg, append(c.opts, WithBackend("default"))...))
			want := sprintf(counters, c.prefix) +
				"# HELP " + c.prefix + "cache_operation_duration_seconds Histogram of cache operation duration by backend and operation.\n" +
				"# TYPE " + c.prefix + "cache_operation_duration_seconds histogram\n" +
				histogram(c.prefix, "delete", 1) + histogram(c.prefix, "get", 2) + histogram(c.prefix, "pipeline", 1) + histogram(c.prefix, "set", 1)
			if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
				t.Error(err)
			}
			if c.name == "default" {
				problems, err := testutil.GatherAndLint(reg)
				if err != nil || len(problems) > 0 {
					t.Errorf("lint: %v %v", err, problems)
				}
			}
		})
	}
}

func itoa(n int) string { return string(rune('0' + n)) }

func sprintf(format, prefix string) string {
	return strings.ReplaceAll(format, "%[1]s", prefix)
}

// With latency off, Start reads no clock, Since observes nothing and the
// duration family is not registered.
func TestLatencyOff(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := newRecorder(t, reg, WithBackend("memory"), WithLatency(false))
	if r.Latency() {
		t.Fatal("Latency() = true")
	}
	start := r.Start()
	if start != (Mark{}) {
		t.Errorf("Start() = %v, want the zero Mark", start)
	}
	r.Since(context.Background(), OpGet, Mark{time.Millisecond})
	r.Observe(context.Background(), OpGet, time.Millisecond)
	r.Hit()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if strings.Contains(mf.GetName(), "duration") {
			t.Errorf("latency off, yet %s is exposed", mf.GetName())
		}
	}
}

// An unknown operation is ignored, not a panic or a new series.
func TestUnknownOp(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := newRecorder(t, reg, WithBackend("x"))
	r.Observe(context.Background(), Op(200), time.Millisecond)
	r.Since(context.Background(), numOps, r.Start())
	// The four operations' series exist from construction on, at zero.
	if n := testutil.CollectAndCount(reg, "cache_operation_duration_seconds"); n != 4 {
		t.Errorf("%d duration series, want 4", n)
	}
	for _, op := range []string{"get", "set", "delete", "pipeline"} {
		stackpromtest.AssertValue(t, reg, 0, "cache_operation_duration_seconds_count", prometheus.Labels{"backend": "x", "operation": op})
	}
	if s := Op(200).String(); s != "Op(200)" {
		t.Errorf("Op(200).String() = %q", s)
	}
}

func TestBuckets(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := newRecorder(t, reg, WithBackend("x"), stackprom.WithBuckets("cache_operation_duration_seconds", 0.001, 0.01))
	r.Observe(context.Background(), OpGet, 5*time.Millisecond)
	stackpromtest.AssertValue(t, reg, 0, "cache_operation_duration_seconds_bucket", prometheus.Labels{"backend": "x", "operation": "get", "le": "0.001"})
	stackpromtest.AssertValue(t, reg, 1, "cache_operation_duration_seconds_bucket", prometheus.Labels{"backend": "x", "operation": "get", "le": "0.01"})
}

func TestExemplar(t *testing.T) {
	reg := prometheus.NewRegistry()
	type key struct{}
	r := newRecorder(t, reg, WithBackend("x"), stackprom.WithExemplar(func(ctx context.Context) prometheus.Labels {
		if id, ok := ctx.Value(key{}).(string); ok {
			return prometheus.Labels{"trace_id": id}
		}
		return nil
	}))
	r.Observe(context.WithValue(context.Background(), key{}, "abc123"), OpGet, 200*time.Microsecond)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, b := range m.GetHistogram().GetBucket() {
				if ex := b.GetExemplar(); ex != nil && ex.GetLabel()[0].GetValue() == "abc123" {
					found = true
				}
			}
		}
	}
	if !found {
		t.Error("no exemplar with trace_id abc123")
	}
}

type fakeCollector struct{ desc *prometheus.Desc }

func (c fakeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }
func (c fakeCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, 3)
}

func TestRegister(t *testing.T) {
	reg := prometheus.NewRegistry()
	newCol := func() fakeCollector {
		return fakeCollector{prometheus.NewDesc("pool_conns", "Connections.", nil, nil)}
	}
	a := newRecorder(t, reg, WithBackend("a"), stackprom.WithConstLabels(prometheus.Labels{"service": "shop"}), stackprom.WithNamespace("ns"))
	b := newRecorder(t, reg, WithBackend("b"), stackprom.WithConstLabels(prometheus.Labels{"service": "shop"}))
	ca := newCol()
	if err := a.Register(ca); err != nil {
		t.Fatal(err)
	}
	if err := b.Register(newCol()); err != nil {
		t.Fatalf("a second cache's collector: %v", err)
	}
	if err := a.Register(newCol()); err == nil {
		t.Error("registering a collector twice for one backend: no error")
	}
	stackpromtest.AssertValue(t, reg, 3, "pool_conns", prometheus.Labels{"backend": "a", "service": "shop"})
	stackpromtest.AssertValue(t, reg, 3, "pool_conns", prometheus.Labels{"backend": "b", "service": "shop"})
	if a.Namespace() != "ns" {
		t.Errorf("Namespace() = %q", a.Namespace())
	}
	if !a.Unregister(ca) {
		t.Error("Unregister: false")
	}
	if _, ok := stackpromtest.Value(t, reg, "pool_conns", prometheus.Labels{"backend": "a", "service": "shop"}); ok {
		t.Error("still registered after Unregister")
	}
	none := newRecorder(t, nil, WithBackend("c"))
	if err := none.Register(newCol()); err != nil || none.Unregister(newCol()) {
		t.Errorf("nil registerer: %v", err)
	}
}

// The per-operation methods allocate nothing.
func TestNoAllocations(t *testing.T) {
	r := newRecorder(t, prometheus.NewRegistry(), WithBackend("x"))
	ctx := context.Background()
	down := errors.New("down")
	for name, f := range map[string]func(){
		"Hit":    r.Hit,
		"Get":    func() { r.Get(false, down) },
		"Gets":   func() { r.Gets(2, 1, 0) },
		"Set":    func() { r.Set(nil) },
		"Delete": func() { r.Delete(down) },
		"Since":  func() { r.Since(ctx, OpGet, r.Start()) },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations", name, n)
		}
	}
}

func BenchmarkRecorder(b *testing.B) {
	for _, latency := range []bool{false, true} {
		r, err := New(stackprom.WithRegisterer(prometheus.NewRegistry()), WithBackend("x"), WithLatency(latency))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		get := func() {
			start := r.Start()
			r.Get(true, nil)
			r.Since(ctx, OpGet, start)
		}
		name := map[bool]string{false: "latency=off", true: "latency=on"}[latency]
		b.Run(name+"/serial", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				get()
			}
		})
		b.Run(name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					get()
				}
			})
		})
	}
}

// DefaultBuckets is the schema's default, in an array of its own: changing
// it changes nothing New does.
func TestDefaultBucketsAreACopy(t *testing.T) {
	if !slices.Equal(DefaultBuckets, schema.DefaultCacheBuckets) {
		t.Fatalf("DefaultBuckets = %v, the schema's default is %v", DefaultBuckets, schema.DefaultCacheBuckets)
	}
	saved := slices.Clone(DefaultBuckets)
	defer copy(DefaultBuckets, saved)
	DefaultBuckets[0] = 42
	reg := prometheus.NewRegistry()
	r := newRecorder(t, reg, WithBackend("x"))
	r.Observe(context.Background(), OpGet, time.Millisecond)
	if err := testutil.GatherAndCompare(reg, strings.NewReader(""), "cache_operation_duration_seconds"); err == nil {
		t.Fatal("no duration family")
	}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "cache_operation_duration_seconds" {
			if got := mf.GetMetric()[0].GetHistogram().GetBucket()[0].GetUpperBound(); got != saved[0] {
				t.Errorf("first bucket %v, want %v", got, saved[0])
			}
		}
	}
}
