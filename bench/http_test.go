package bench

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	ghmprom "github.com/slok/go-http-metrics/metrics/prometheus"
	ghm "github.com/slok/go-http-metrics/middleware"
	ghmstd "github.com/slok/go-http-metrics/middleware/std"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// route is the one route every variant serves, and the request's path.
const (
	route = "/dogs/{id}"
	path  = "/dogs/42"
)

var body = []byte(`{"id":42,"name":"Rex","breed":"collie"}` + "\n")

// contentType is what app answers with; its charset feeds stackprom's
// responses-by-charset family.
const contentType = "application/json; charset=utf-8"

// app is the application under every middleware: a ServeMux with one
// route that sets a Content-Type with a charset and writes a small body.
func app() http.Handler { return appWith(contentType) }

// appWith is app answering with Content-Type ct.
func appWith(ct string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+route, func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "" {
			http.Error(w, "no id", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", ct)
		w.Write(body)
	})
	return mux
}

// impl is one way of instrumenting app, built on its own registry.
type impl struct {
	name  string
	build func(reg *prometheus.Registry, h http.Handler) http.Handler
	// check names one series that a single request must have set to 1.
	check      string
	checkLabel prometheus.Labels
}

var impls = []impl{
	{
		name:  "none",
		build: func(_ *prometheus.Registry, h http.Handler) http.Handler { return h },
	},
	{
		// The chain promhttp's documentation suggests: in-flight gauge,
		// counter, duration and response size, by code and method.
		name:       "promhttp",
		build:      promhttpChain,
		check:      "http_requests_total",
		checkLabel: prometheus.Labels{"code": "200", "method": "get"},
	},
	{
		// handlerID is the route template, as stackprom's view label; with
		// "" go-http-metrics would label by raw URL path.
		name: "gohttpmetrics",
		build: func(reg *prometheus.Registry, h http.Handler) http.Handler {
			m := ghm.New(ghm.Config{Recorder: ghmprom.NewRecorder(ghmprom.Config{Registry: reg})})
			return ghmstd.Handler(route, m, h)
		},
		check:      "http_request_duration_seconds_count",
		checkLabel: prometheus.Labels{"handler": route, "method": "GET", "code": "200", "service": ""},
	},
	{
		name:       "stackprom-default",
		build:      stackpromBuild(stackprom.NamingDefault),
		check:      "http_requests_by_view_transport_method_total",
		checkLabel: prometheus.Labels{"view": route, "transport": "http", "method": "GET"},
	},
	{
		name:       "stackprom-django",
		build:      stackpromBuild(stackprom.NamingDjango),
		check:      "django_http_requests_total_by_view_transport_method_total",
		checkLabel: prometheus.Labels{"view": route, "transport": "http", "method": "GET"},
	},
}

func promhttpChain(reg *prometheus.Registry, h http.Handler) http.Handler {
	inFlight := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "http_requests_in_flight", Help: "Requests being served.",
	})
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total", Help: "Requests served, by code and method.",
	}, []string{"code", "method"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "http_request_duration_seconds", Help: "Request latency, by code and method.",
		Buckets: prometheus.DefBuckets,
	}, []string{"code", "method"})
	size := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "http_response_size_bytes", Help: "Response body size, by code and method.",
		Buckets: prometheus.ExponentialBuckets(100, 10, 8),
	}, []string{"code", "method"})
	reg.MustRegister(inFlight, requests, duration, size)
	return promhttp.InstrumentHandlerInFlight(inFlight,
		promhttp.InstrumentHandlerCounter(requests,
			promhttp.InstrumentHandlerDuration(duration,
				promhttp.InstrumentHandlerResponseSize(size, h))))
}

// stackpromBuild instruments h with Before and After and every family.
func stackpromBuild(n stackprom.Naming) func(*prometheus.Registry, http.Handler) http.Handler {
	return func(reg *prometheus.Registry, h http.Handler) http.Handler {
		m := httpmetrics.MustNew(stackprom.WithRegisterer(reg), stackprom.WithNaming(n))
		return m.Instrument(h)
	}
}

// sink is a reusable ResponseWriter that discards the body. It offers what
// net/http's HTTP/1 writer offers (http.Flusher with FlushError,
// http.Hijacker, io.ReaderFrom, io.StringWriter; not http.Pusher), so a
// middleware's wrapper costs here what it costs in a real server.
type sink struct {
	h      http.Header
	status int
	n      int64
}

func newSink() *sink { return &sink{h: http.Header{}} }

func (s *sink) Header() http.Header { return s.h }

func (s *sink) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
}

func (s *sink) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	s.n += int64(len(p))
	return len(p), nil
}

func (s *sink) WriteString(p string) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	s.n += int64(len(p))
	return len(p), nil
}

func (s *sink) Flush() {}

func (s *sink) FlushError() error { return nil }

func (s *sink) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, errors.New("bench: sink cannot be hijacked")
}

func (s *sink) ReadFrom(r io.Reader) (int64, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := io.Copy(io.Discard, r)
	s.n += n
	return n, err
}

// reset readies the sink for the next request; the header map is kept, as
// the handler sets the same key each time.
func (s *sink) reset() { s.status, s.n = 0, 0 }

var (
	_ http.Flusher    = (*sink)(nil)
	_ http.Hijacker   = (*sink)(nil)
	_ io.ReaderFrom   = (*sink)(nil)
	_ io.StringWriter = (*sink)(nil)
)

func newRequest() *http.Request { return httptest.NewRequest(http.MethodGet, path, nil) }

// serveOnce serves one request and fails unless it got app's response.
func serveOnce(tb testing.TB, h http.Handler) {
	tb.Helper()
	w := newSink()
	h.ServeHTTP(w, newRequest())
	if w.status != http.StatusOK || w.n != int64(len(body)) {
		tb.Fatalf("got status %d and %d body bytes, want 200 and %d", w.status, w.n, len(body))
	}
}

// TestImpls checks that every variant serves app's response and, for the
// instrumented ones, records the request once.
func TestImpls(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			h := im.build(reg, app())
			serveOnce(t, h)
			if im.check != "" {
				stackpromtest.AssertValue(t, reg, 1, im.check, im.checkLabel)
			}
		})
	}
}

// BenchmarkHTTP serves one request at a time (mode=serial) or from
// GOMAXPROCS goroutines (mode=parallel) through each variant.
func BenchmarkHTTP(b *testing.B) {
	for _, mode := range []string{"serial", "parallel"} {
		for _, im := range impls {
			b.Run("mode="+mode+"/impl="+im.name, func(b *testing.B) {
				h := im.build(prometheus.NewRegistry(), app())
				serveOnce(b, h) // resolve label children outside the timing
				b.ReportAllocs()
				if mode == "serial" {
					w, r := newSink(), newRequest()
					cpu := startCPU()
					for b.Loop() {
						h.ServeHTTP(w, r)
						w.reset()
					}
					cpu.report(b)
					return
				}
				b.ResetTimer()
				cpu := startCPU()
				b.RunParallel(func(pb *testing.PB) {
					w, r := newSink(), newRequest()
					for pb.Next() {
						h.ServeHTTP(w, r)
						w.reset()
					}
				})
				cpu.report(b)
			})
		}
	}
}

// BenchmarkStackpromParts splits stackprom-default into Before alone and
// After alone, After on a response without a charset, and Before stacked on
// After by hand (Instrument shares their clock reads), to attribute its
// cost; part=none is app alone, for the differences.
func BenchmarkStackpromParts(b *testing.B) {
	type middleware = func(http.Handler) http.Handler
	parts := []struct {
		name string
		ct   string
		mw   func(*httpmetrics.Metrics) middleware
	}{
		{"none", contentType, func(*httpmetrics.Metrics) middleware { return func(h http.Handler) http.Handler { return h } }},
		{"before", contentType, func(m *httpmetrics.Metrics) middleware { return m.Before }},
		{"after", contentType, func(m *httpmetrics.Metrics) middleware { return m.After }},
		{"after-nocharset", "application/json", func(m *httpmetrics.Metrics) middleware { return m.After }},
		{"before+after", contentType, func(m *httpmetrics.Metrics) middleware {
			return func(h http.Handler) http.Handler { return m.Before(m.After(h)) }
		}},
		{"instrument", contentType, func(m *httpmetrics.Metrics) middleware { return m.Instrument }},
	}
	for _, p := range parts {
		b.Run("part="+p.name, func(b *testing.B) {
			m := httpmetrics.MustNew(stackprom.WithRegisterer(prometheus.NewRegistry()))
			h := p.mw(m)(appWith(p.ct))
			serveOnce(b, h)
			b.ReportAllocs()
			w, r := newSink(), newRequest()
			cpu := startCPU()
			for b.Loop() {
				h.ServeHTTP(w, r)
				w.reset()
			}
			cpu.report(b)
		})
	}
}

var sinkDuration time.Duration

// BenchmarkClock is the price of the clock reads a middleware makes.
func BenchmarkClock(b *testing.B) {
	b.Run("op=now", func(b *testing.B) {
		b.ReportAllocs()
		var t time.Time
		for b.Loop() {
			t = time.Now()
		}
		sinkDuration = time.Duration(t.Nanosecond())
	})
	b.Run("op=since", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		var d time.Duration
		for b.Loop() {
			d = time.Since(start)
		}
		sinkDuration = d
	})
}

// BenchmarkShared is the price of one update of a series every core
// updates (mode=serial: one goroutine; mode=parallel: GOMAXPROCS goroutines
// on the same series). Every request updates a few such series in any of
// the instrumented variants, so how much more the parallel update costs on
// a given run says how much the parallel HTTP numbers owe to cache-line
// transfers between cores rather than to the code.
func BenchmarkShared(b *testing.B) {
	counter := prometheus.NewCounter(prometheus.CounterOpts{Name: "c", Help: "c"})
	histogram := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h", Help: "h"})
	gauge := prometheus.NewGauge(prometheus.GaugeOpts{Name: "g", Help: "g"})
	var n atomic.Int64 // what a prometheus.GaugeFunc could read
	ops := []struct {
		name string
		f    func()
	}{
		{"counter-inc", counter.Inc},
		{"histogram-observe", func() { histogram.Observe(0.003) }},
		{"gauge-inc-dec", func() { gauge.Inc(); gauge.Dec() }},
		{"int64-add-sub", func() { n.Add(1); n.Add(-1) }},
	}
	for _, op := range ops {
		b.Run("mode=serial/op="+op.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				op.f()
			}
		})
		b.Run("mode=parallel/op="+op.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					op.f()
				}
			})
		})
	}
}
