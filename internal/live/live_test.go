package live

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom/internal/config"
)

// fakeClock is the sampler's clock and ticker in tests: time moves only
// when the test says, and a tick comes only when the test sends one.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	ticks   chan time.Time
	sampled chan struct{}
	stopped chan struct{}
}

func newFakeClock() *fakeClock {
	return &fakeClock{
		// An hour ago: the registry's created timestamps come from the
		// real clock, and must fall after the first sample.
		now:     time.Now().Add(-time.Hour).Truncate(time.Second),
		ticks:   make(chan time.Time),
		sampled: make(chan struct{}, 1000),
		stopped: make(chan struct{}, 10),
	}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) options(g prometheus.Gatherer) Options {
	return Options{
		Gatherer: g,
		Now:      c.Now,
		NewTicker: func(time.Duration) (<-chan time.Time, func()) {
			return c.ticks, func() { c.stopped <- struct{}{} }
		},
		Sampled: func() { c.sampled <- struct{}{} },
	}
}

// tick advances the clock by d, sends a tick and waits for its sample.
func (c *fakeClock) tick(t *testing.T, d time.Duration) {
	t.Helper()
	c.advance(d)
	select {
	case c.ticks <- c.Now():
	case <-time.After(5 * time.Second):
		t.Fatal("the sampler took no tick")
	}
	c.waitSample(t)
}

func (c *fakeClock) waitSample(t *testing.T) {
	t.Helper()
	select {
	case <-c.sampled:
	case <-time.After(5 * time.Second):
		t.Fatal("no sample")
	}
}

func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", target, w.Code, w.Body)
	}
	return w
}

func getReport(t *testing.T, h http.Handler) *reportJSON {
	t.Helper()
	var r reportJSON
	if err := json.Unmarshal(get(t, h, "/live?format=json").Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// reportJSON is the report as the page reads it.
type reportJSON struct {
	Now, First int64
	Samples    int
	Times      []int64
	HTTP       *struct {
		Requests, ErrorRatio, InFlight *float64
		Views                          []struct {
			View                                string
			Requests, ErrorRatio, P50, P95, P99 *float64
			Chart                               []*float64
		}
	}
	DB *struct {
		Aliases []struct {
			Alias, Vendor        string
			Queries, Errors, P99 *float64
			InUse, Idle, MaxOpen *float64
		}
		Errors []struct {
			Alias, Type string
			Rate        float64
		}
	}
	Cache []struct {
		Backend        string
		Gets, HitRatio *float64
	}
	Models []struct {
		Model                              string
		Inserts, Updates, Deletes, Queries *float64
	}
	Migrations []struct {
		Connection                         string
		Applied, Unapplied, Dirty, Version *float64
		LastRead                           int64
	}
}

// goroutines waits until the number of goroutines is at most want, for a
// second at most, and returns it: an exiting goroutine takes a moment to
// be gone.
func goroutines(want int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 100 && n > want; i++ {
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// With no page open, nothing runs; a request starts the sampler, which
// samples at every tick while requests come, and stops, leaving no
// goroutine, at the first tick a minute (Idle) after the last request.
func TestSamplerRunsOnlyWhilePolled(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := newFakeClock()
	before := runtime.NumGoroutine()
	h := New(c.options(reg))
	if h.Running() {
		t.Fatal("the sampler runs before any request")
	}
	if n := goroutines(before); n != before {
		t.Fatalf("%d goroutines after New, %d before", n, before)
	}

	get(t, h, "/live")
	c.waitSample(t)
	if !h.Running() {
		t.Fatal("the sampler does not run after a request")
	}
	if n := runtime.NumGoroutine(); n != before+1 {
		t.Errorf("%d goroutines while sampling, want %d", n, before+1)
	}
	for i := 0; i < 3; i++ {
		c.tick(t, 20*time.Second)
		get(t, h, "/live?format=json") // a poll keeps it running
	}
	if r := getReport(t, h); r.Samples != 4 {
		t.Errorf("%d samples, want 4", r.Samples)
	}
	// 59 s without a request: still running.
	c.tick(t, 59*time.Second)
	if !h.Running() {
		t.Fatal("the sampler stopped before a minute without requests")
	}
	// A minute: the tick stops it, without sampling.
	c.advance(time.Second)
	c.ticks <- c.Now()
	select {
	case <-c.stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("the sampler did not stop its ticker")
	}
	if h.Running() {
		t.Fatal("the sampler runs a minute after the last request")
	}
	if n := goroutines(before); n != before {
		t.Errorf("%d goroutines after the sampler stopped, %d before any request", n, before)
	}
	select {
	case <-c.sampled:
		t.Error("the sampler sampled at the tick that stopped it")
	default:
	}

	// The next request starts it again, with a new history.
	get(t, h, "/live")
	c.waitSample(t)
	if r := getReport(t, h); r.Samples != 1 {
		t.Errorf("%d samples after a restart, want 1 (the history is dropped on stop)", r.Samples)
	}
	c.advance(2 * time.Minute)
	c.ticks <- c.Now()
	<-c.stopped
	if n := goroutines(before); n != before {
		t.Errorf("%d goroutines after the second stop, %d before", n, before)
	}
}

// The report of known series: rates are the increase over the window
// (every series starts from zero here), quantiles histogram_quantile of
// the bucket rates; each component appears only with its families.
func TestReport(t *testing.T) {
	reg := prometheus.NewRegistry()
	responses := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_responses_by_status_view_method_total", Help: "h"}, []string{"status", "view", "method"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "http_requests_latency_by_view_method_seconds", Help: "h",
		Buckets: []float64{0.1, 0.25, 0.5}}, []string{"view", "method"})
	reg.MustRegister(responses, latency)
	c := newFakeClock()
	h := New(c.options(reg))
	get(t, h, "/live")
	c.waitSample(t)
	r := getReport(t, h)
	if r.HTTP != nil {
		t.Errorf("an HTTP section before any HTTP series: %+v", r.HTTP)
	}
	if r.DB != nil || r.Cache != nil || r.Models != nil || r.Migrations != nil {
		t.Errorf("sections of components without families: %+v", r)
	}

	// 30 GETs and 10 POSTs of index (4 of them 500s), after the first sample.
	for i := 0; i < 30; i++ {
		status := "200"
		if i < 4 {
			status = "500"
		}
		responses.WithLabelValues(status, "index", "GET").Inc()
		latency.WithLabelValues("index", "GET").Observe(0.05) // 10 ≤ 0.1
	}
	for i := 0; i < 10; i++ {
		responses.WithLabelValues("200", "index", "POST").Inc()
		latency.WithLabelValues("index", "POST").Observe(0.2) // (0.1, 0.25]
	}
	// … and 20 and 10 more between the next samples, in the other buckets.
	c.tick(t, 5*time.Second)
	for i := 0; i < 20; i++ {
		responses.WithLabelValues("200", "index", "GET").Inc()
		latency.WithLabelValues("index", "GET").Observe(0.4) // (0.25, 0.5]
	}
	c.tick(t, 5*time.Second)
	c.tick(t, 5*time.Second)
	r = getReport(t, h)
	if r.HTTP == nil || len(r.HTTP.Views) != 1 {
		t.Fatalf("report %+v", r.HTTP)
	}
	v := r.HTTP.Views[0]
	// 60 responses, every series from zero (created after the first
	// sample): the increase over the window, 60/60 s.
	check := func(what string, got *float64, want float64) {
		t.Helper()
		if got == nil || math.Abs(*got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", what, deref(got), want)
		}
	}
	check("requests/s", v.Requests, 60.0/60)
	check("total requests/s", r.HTTP.Requests, 60.0/60)
	check("5xx ratio", v.ErrorRatio, 4.0/60)
	// 60 observations: 30 ≤ 0.1, 10 in (0.1, 0.25], 20 in (0.25, 0.5].
	// p50: rank 30 is the top of the first bucket: 0.1.
	check("p50", v.P50, 0.1)
	// p95: rank 57 in (0.25, 0.5], 17 of 20: 0.25 + 0.25 · 17/20.
	check("p95", v.P95, 0.25+0.25*17/20)
	check("p99", v.P99, 0.25+0.25*19.4/20)
	// The chart point at the second sample is rate(…[20s]): 40 responses
	// between the first two samples, from zero, the first sample 5 s
	// before: 40 · 5/5 / 20.
	if got := v.Chart[1]; got == nil || math.Abs(*got-40.0/20) > 1e-3 {
		t.Errorf("chart point = %v, want %v", deref(got), 40.0/20)
	}
	if v.Chart[0] != nil {
		t.Errorf("chart point at the first sample = %v, want none", *v.Chart[0])
	}
}

func deref(p *float64) any {
	if p == nil {
		return "none"
	}
	return *p
}

// A counter created after the previous sample gets a zero there; one
// created before it, or a gauge, does not.
func TestStoreZeroAtCreation(t *testing.T) {
	s := newStore(10, 4, 100, 100)
	s.add(1000, map[key]acc{})
	s.add(6000, map[key]acc{
		{role: viewResponses, a: "new"}: {v: 3, created: 2000},
		{role: viewResponses, a: "old"}: {v: 3, created: 500},
		{role: viewResponses, a: "ct?"}: {v: 3},
		{role: httpInFlight}:            {v: 3, created: 2000},
	})
	for _, c := range []struct {
		k    key
		want []point
	}{
		{key{role: viewResponses, a: "new"}, []point{{1000, 0}, {6000, 3}}},
		{key{role: viewResponses, a: "old"}, []point{{6000, 3}}},
		{key{role: viewResponses, a: "ct?"}, []point{{6000, 3}}},
		{key{role: httpInFlight}, []point{{6000, 3}}},
	} {
		if got := s.points(s.series[c.k]); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%+v: points %v, want %v", c.k, got, c.want)
		}
	}
}

// A series absent for a whole ring is dropped; past the caps, series are
// counted as omitted and not kept.
func TestStoreBounds(t *testing.T) {
	s := newStore(6, 3, 2, 2)
	s.add(0, map[key]acc{
		{role: viewResponses, a: "a"}: {v: 1},
		{role: viewResponses, a: "b"}: {v: 1},
		{role: viewResponses, a: "c"}: {v: 1},
		{role: modelInserts, a: "m"}:  {v: 1},
	})
	if s.long != 2 || s.short != 1 || s.omitted != 1 || len(s.series) != 3 {
		t.Fatalf("long %d short %d omitted %d series %d; want 2, 1, 1, 3", s.long, s.short, s.omitted, len(s.series))
	}
	// m is absent from now on: gone once its ring (3) holds no sample of it.
	for i := 1; i <= 3; i++ {
		s.add(int64(i)*5000, map[key]acc{{role: viewResponses, a: "a"}: {v: 1}})
	}
	if _, ok := s.series[key{role: modelInserts, a: "m"}]; ok || s.short != 0 {
		t.Errorf("the absent short series is kept (short %d)", s.short)
	}
	if len(s.sampleTimes()) != 4 {
		t.Errorf("sample times %v", s.sampleTimes())
	}
	for i := 4; i <= 10; i++ {
		s.add(int64(i)*5000, map[key]acc{{role: viewResponses, a: "a"}: {v: 1}})
	}
	if len(s.sampleTimes()) != 6 || s.long != 1 {
		t.Errorf("%d sample times (want the ring's 6), %d long series (want 1)", len(s.sampleTimes()), s.long)
	}
}

// The page's names follow the naming preset and namespace.
func TestNames(t *testing.T) {
	ex := extractors(config.NamingDjango, "shop")
	for _, name := range []string{
		"shop_django_http_responses_total_by_status_view_method_total",
		"shop_django_http_requests_latency_seconds_by_view_method",
		"shop_django_migrations_applied_total",
		"shop_django_db_execute_total",
		"go_sql_in_use_connections",
	} {
		if ex[name] == nil {
			t.Errorf("no extractor for %s", name)
		}
	}
	if ex["http_responses_by_status_view_method_total"] != nil {
		t.Error("the django preset reads a default-preset name")
	}
}
