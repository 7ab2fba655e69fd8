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

// A handler is one shape of the application's handler: what it sets and
// writes decides what a middleware does per response (sniff a type, parse
// a charset, see a flush).
type handler struct {
	name string
	ct   string   // the Content-Type the handler sets; "" sets none
	body [][]byte // the body, one Write per element
	// flush: a Flush (through http.ResponseController, as net/http's
	// documentation advises) after each Write: a streamed response.
	flush bool
	// charset is the charset of the response as a client gets it: the
	// Content-Type's, or that of the type net/http sniffs for a handler
	// that sets none. stackprom counts it (responses by charset).
	charset string
}

// handlers are BenchmarkHTTP's handler dimension.
var handlers = []handler{
	// ct: a Content-Type with a charset (stackprom parses the charset).
	{name: "ct", ct: contentType, body: [][]byte{body}, charset: "utf-8"},
	// noct: no Content-Type and a short plain-text body. net/http sniffs
	// the first bytes written (http.DetectContentType) and sends
	// "text/plain; charset=utf-8"; stackprom, which cannot read what
	// net/http will send, sniffs them itself to know the charset.
	{name: "noct", body: [][]byte{[]byte("Rex is dog 42, a collie.\n")}, charset: "utf-8"},
	// json: a Content-Type without a charset.
	{name: "json", ct: "application/json", body: [][]byte{body}},
	// stream: a server-sent event stream, which sets its Content-Type
	// (text/event-stream, no charset: the usual streaming response) and
	// writes the body in 4 writes, flushing after each one.
	{name: "stream", ct: "text/event-stream", body: [][]byte{
		[]byte("data: 1\n\n"), []byte("data: 2\n\n"), []byte("data: 3\n\n"), []byte("data: 42\n\n"),
	}, flush: true},
}

// size is the number of body bytes the handler writes.
func (hd handler) size() int64 {
	var n int64
	for _, p := range hd.body {
		n += int64(len(p))
	}
	return n
}

// app is a ServeMux with the one route, served by hd.
func (hd handler) app() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+route, func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "" {
			http.Error(w, "no id", http.StatusBadRequest)
			return
		}
		if hd.ct != "" {
			w.Header().Set("Content-Type", hd.ct)
		}
		for _, p := range hd.body {
			w.Write(p)
			if hd.flush {
				http.NewResponseController(w).Flush()
			}
		}
	})
	return mux
}

// app is the application of handler=ct: a ServeMux with one route that
// sets a Content-Type with a charset and writes a small body.
func app() http.Handler { return handlers[0].app() }

// impl is one way of instrumenting an application, built on its own
// registry.
type impl struct {
	name string
	// build instruments h, the application of handler hd (only impl=floor
	// needs to know hd: it records by hand what stackprom would).
	build func(reg *prometheus.Registry, h http.Handler, hd handler) http.Handler
	// check names one series that a single request must have set to 1.
	check      string
	checkLabel prometheus.Labels
}

var impls = []impl{
	{
		name:  "none",
		build: func(_ *prometheus.Registry, h http.Handler, _ handler) http.Handler { return h },
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
		build: func(reg *prometheus.Registry, h http.Handler, _ handler) http.Handler {
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
	{
		name:       "floor",
		build:      floorBuild,
		check:      "floor_http_requests_by_view_transport_method_total",
		checkLabel: prometheus.Labels{"view": route, "transport": "http", "method": "GET"},
	},
}

func promhttpChain(reg *prometheus.Registry, h http.Handler, _ handler) http.Handler {
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
func stackpromBuild(n stackprom.Naming) func(*prometheus.Registry, http.Handler, handler) http.Handler {
	return func(reg *prometheus.Registry, h http.Handler, _ handler) http.Handler {
		m := httpmetrics.MustNew(stackprom.WithRegisterer(reg), stackprom.WithNaming(n))
		return m.Instrument(h)
	}
}

// The floor of stackprom's own design (impl=floor): what Instrument
// records per request, done by hand with client_golang on children
// resolved ahead of time, around the same handler and with the same sink
// writer, with no middleware logic: no wrapper around the writer (so no
// status, size, type or flush is observed: the floor is told them ahead,
// from the handler), no view or method lookup, no cleaning of label
// values, no exclusion check, no recover.
//
// Per request, as httpmetrics's Instrument (middleware.go's handler and
// done, record.go's record) for a GET to a named route answered 200,
// without X-Requested-With, template, error or panic:
//
//   - two monotonic clock reads, time.Since of a fixed epoch (httpmetrics's
//     now), before and after the handler;
//   - two atomic adds: the in-flight gauge up before, down after (stackprom's
//     is an atomic integer, exposed here through a GaugeFunc);
//   - counters: requests before middlewares; requests by method; by
//     transport; responses by status; by charset, when the response has one
//     (ct, and noct, whose sniffed type has charset=utf-8); streaming, for
//     a response flushed before the end (stream); requests by view,
//     transport and method; responses by status, view and method; responses
//     before middlewares: 8 counters for ct, noct and stream, 7 for json;
//   - histograms: request body size (0: no body); response body size,
//     unless streamed (stackprom, as django-prometheus, observes it only
//     for a response not streamed); latency by view and method; latency
//     including middlewares: 4 for ct, noct and json, 3 for stream.
//
// With handler=ct that is 8 counter increments, 4 observations and 2
// atomic adds. TestFloorMirrorsStackprom checks, for every handler, that
// the floor makes as many increments and observations as stackprom-default
// does for the same request. Buckets are stackprom's defaults
// (django-prometheus's), as an observation's cost grows with them.

// floorEpoch is the floor's clock origin, as httpmetrics's epoch.
var floorEpoch = time.Now()

var (
	floorLatencyBuckets = []float64{0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 25, 50, 75}
	floorSizeBuckets    = func() []float64 {
		b := []float64{0}
		for i := range 30 {
			b = append(b, float64(int64(1)<<i))
		}
		return b
	}()
)

type floorHandler struct {
	next http.Handler

	requestsBefore, byMethod, byTransport, byStatus prometheus.Counter
	// perResponse are the counters this handler's response adds: by
	// charset, streaming.
	perResponse                               []prometheus.Counter
	byView, byStatusView, responsesBefore     prometheus.Counter
	requestBody, latencyByView, latencyBefore prometheus.Observer
	responseBody                              []prometheus.Observer // none when streamed
	responseSize                              float64
	inFlight                                  *atomic.Int64
}

func (f *floorHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requestsBefore.Inc()
	f.inFlight.Add(1)
	start := time.Since(floorEpoch)
	f.next.ServeHTTP(w, r)
	elapsed := float64(time.Since(floorEpoch)-start) / float64(time.Second)
	f.byMethod.Inc()
	f.byTransport.Inc()
	f.requestBody.Observe(0)
	f.byStatus.Inc()
	for _, c := range f.perResponse {
		c.Inc()
	}
	for _, o := range f.responseBody {
		o.Observe(f.responseSize)
	}
	f.byView.Inc()
	f.byStatusView.Inc()
	f.latencyByView.Observe(elapsed)
	f.inFlight.Add(-1)
	f.responsesBefore.Inc()
	f.latencyBefore.Observe(elapsed)
}

// floorBuild is impl=floor around next, the application of handler hd.
func floorBuild(reg *prometheus.Registry, next http.Handler, hd handler) http.Handler {
	counter := func(name string, labels prometheus.Labels) prometheus.Counter {
		if labels == nil { // stackprom's label-less counters are plain ones
			c := prometheus.NewCounter(prometheus.CounterOpts{Name: "floor_" + name, Help: name})
			reg.MustRegister(c)
			return c
		}
		names := make([]string, 0, len(labels))
		for k := range labels {
			names = append(names, k)
		}
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "floor_" + name, Help: name}, names)
		reg.MustRegister(v)
		return v.With(labels)
	}
	histogram := func(name string, buckets []float64) prometheus.Histogram {
		h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "floor_" + name, Help: name, Buckets: buckets})
		reg.MustRegister(h)
		return h
	}
	inFlight := new(atomic.Int64)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "floor_http_requests_in_flight", Help: "in flight"},
		func() float64 { return float64(inFlight.Load()) }))
	latencyByView := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "floor_http_requests_latency_by_view_method_seconds", Help: "latency", Buckets: floorLatencyBuckets,
	}, []string{"view", "method"})
	reg.MustRegister(latencyByView)
	f := &floorHandler{
		next:            next,
		requestsBefore:  counter("http_requests_before_middlewares_total", nil),
		byMethod:        counter("http_requests_by_method_total", prometheus.Labels{"method": "GET"}),
		byTransport:     counter("http_requests_by_transport_total", prometheus.Labels{"transport": "http"}),
		byStatus:        counter("http_responses_by_status_total", prometheus.Labels{"status": "200"}),
		byView:          counter("http_requests_by_view_transport_method_total", prometheus.Labels{"view": route, "transport": "http", "method": "GET"}),
		byStatusView:    counter("http_responses_by_status_view_method_total", prometheus.Labels{"status": "200", "view": route, "method": "GET"}),
		responsesBefore: counter("http_responses_before_middlewares_total", nil),
		requestBody:     histogram("http_requests_body_bytes", floorSizeBuckets),
		latencyByView:   latencyByView.WithLabelValues(route, "GET"),
		latencyBefore:   histogram("http_requests_latency_including_middlewares_seconds", floorLatencyBuckets),
		responseSize:    float64(hd.size()),
		inFlight:        inFlight,
	}
	if hd.charset != "" {
		f.perResponse = append(f.perResponse, counter("http_responses_by_charset_total", prometheus.Labels{"charset": hd.charset}))
	}
	if hd.flush {
		f.perResponse = append(f.perResponse, counter("http_responses_streaming_total", nil))
	} else {
		f.responseBody = append(f.responseBody, histogram("http_responses_body_bytes", floorSizeBuckets))
	}
	return f
}

// sink is a reusable ResponseWriter that discards the body. It offers what
// net/http's HTTP/1 writer offers (http.Flusher with FlushError,
// http.Hijacker, io.ReaderFrom, io.StringWriter; not http.Pusher), so a
// middleware's wrapper costs here what it costs in a real server.
//
// For a handler that sets no Content-Type (handler=noct), net/http's
// writer sniffs the first bytes to choose the type it sends; it puts that
// type in the response it writes, not in the handler's header map, so a
// middleware sees the header the sink shows. The sink does not sniff: that
// work is net/http's, the same with every impl (impl=none included), and
// cancels in the overhead over impl=none.
type sink struct {
	h       http.Header
	status  int
	n       int64
	flushes int
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

func (s *sink) Flush() { s.flushes++ }

func (s *sink) FlushError() error { s.flushes++; return nil }

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
func (s *sink) reset() { s.status, s.n, s.flushes = 0, 0, 0 }

var (
	_ http.Flusher    = (*sink)(nil)
	_ http.Hijacker   = (*sink)(nil)
	_ io.ReaderFrom   = (*sink)(nil)
	_ io.StringWriter = (*sink)(nil)
)

func newRequest() *http.Request { return httptest.NewRequest(http.MethodGet, path, nil) }

// serveOnce serves one request and fails unless it got app's response.
func serveOnce(tb testing.TB, h http.Handler) { serveAs(tb, h, handlers[0]) }

// serveAs serves one request and fails unless it got the response of
// handler hd: status, body size, Content-Type and flushes.
func serveAs(tb testing.TB, h http.Handler, hd handler) {
	tb.Helper()
	w := newSink()
	h.ServeHTTP(w, newRequest())
	flushes := 0
	if hd.flush {
		flushes = len(hd.body)
	}
	if w.status != http.StatusOK || w.n != hd.size() || w.h.Get("Content-Type") != hd.ct || w.flushes != flushes {
		tb.Fatalf("got status %d, %d body bytes, Content-Type %q, %d flushes; want 200, %d, %q, %d",
			w.status, w.n, w.h.Get("Content-Type"), w.flushes, hd.size(), hd.ct, flushes)
	}
}

// TestImpls checks that every variant serves each handler's response and,
// for the instrumented ones, records the request once.
func TestImpls(t *testing.T) {
	for _, hd := range handlers {
		for _, im := range impls {
			t.Run("handler="+hd.name+"/impl="+im.name, func(t *testing.T) {
				reg := prometheus.NewRegistry()
				h := im.build(reg, hd.app(), hd)
				serveAs(t, h, hd)
				if im.check != "" {
					stackpromtest.AssertValue(t, reg, 1, im.check, im.checkLabel)
				}
			})
		}
	}
}

// updates counts what one registry's series were given: the sum of every
// counter (each request increments by 1, so the number of increments) and
// of every histogram's sample count (the number of observations), and the
// sum of the gauges.
func updates(t *testing.T, reg *prometheus.Registry) (incs, observations, gauges float64) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch mf.GetType().String() {
			case "COUNTER":
				incs += m.GetCounter().GetValue()
			case "HISTOGRAM":
				observations += float64(m.GetHistogram().GetSampleCount())
			case "GAUGE":
				gauges += m.GetGauge().GetValue()
			}
		}
	}
	return incs, observations, gauges
}

// TestFloorMirrorsStackprom checks that impl=floor makes, for each
// handler, as many counter increments and histogram observations as
// stackprom-default records for the same request, and leaves its in-flight
// gauge at 0 as stackprom does; and that for handler=ct these are the 8
// increments and 4 observations its comment lists.
func TestFloorMirrorsStackprom(t *testing.T) {
	want := map[string][2]float64{"ct": {8, 4}, "noct": {8, 4}, "json": {7, 4}, "stream": {8, 3}}
	floor, stack := impls[len(impls)-1], impls[3]
	if floor.name != "floor" || stack.name != "stackprom-default" {
		t.Fatalf("impls reordered: %s, %s", floor.name, stack.name)
	}
	for _, hd := range handlers {
		t.Run("handler="+hd.name, func(t *testing.T) {
			var got [2][3]float64
			for i, im := range []impl{stack, floor} {
				reg := prometheus.NewRegistry()
				serveAs(t, im.build(reg, hd.app(), hd), hd)
				got[i][0], got[i][1], got[i][2] = updates(t, reg)
			}
			if got[0] != got[1] {
				t.Errorf("stackprom-default made %v increments, %v observations (gauges %v); floor %v, %v (%v)",
					got[0][0], got[0][1], got[0][2], got[1][0], got[1][1], got[1][2])
			}
			if w := want[hd.name]; got[1][0] != w[0] || got[1][1] != w[1] {
				t.Errorf("floor made %v increments and %v observations, want %v and %v", got[1][0], got[1][1], w[0], w[1])
			}
		})
	}
}

// BenchmarkHTTP serves one request at a time (mode=serial) or from
// GOMAXPROCS goroutines (mode=parallel) to each handler through each
// variant.
func BenchmarkHTTP(b *testing.B) {
	for _, mode := range []string{"serial", "parallel"} {
		for _, hd := range handlers {
			for _, im := range impls {
				b.Run("mode="+mode+"/handler="+hd.name+"/impl="+im.name, func(b *testing.B) {
					benchmarkHTTP(b, mode, im.build(prometheus.NewRegistry(), hd.app(), hd), hd)
				})
			}
		}
	}
}

func benchmarkHTTP(b *testing.B, mode string, h http.Handler, hd handler) {
	serveAs(b, h, hd) // resolve label children outside the timing
	serveLoop(b, mode, h)
}

// serveLoop serves app's request through h b.N times, from one goroutine
// (mode "serial") or from GOMAXPROCS goroutines, each with its own sink
// and request, and reports allocations and cpu-ns/op.
func serveLoop(b *testing.B, mode string, h http.Handler) {
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
}

// BenchmarkStackpromParts splits stackprom-default into Before alone and
// After alone, After on a response without a charset, and Before stacked on
// After by hand (Instrument shares their clock reads), to attribute its
// cost; part=none is app alone, for the differences.
func BenchmarkStackpromParts(b *testing.B) {
	type middleware = func(http.Handler) http.Handler
	parts := []struct {
		name string
		hd   handler
		mw   func(*httpmetrics.Metrics) middleware
	}{
		{"none", handlers[0], func(*httpmetrics.Metrics) middleware { return func(h http.Handler) http.Handler { return h } }},
		{"before", handlers[0], func(m *httpmetrics.Metrics) middleware { return m.Before }},
		{"after", handlers[0], func(m *httpmetrics.Metrics) middleware { return m.After }},
		{"after-nocharset", handlers[2], func(m *httpmetrics.Metrics) middleware { return m.After }},
		{"before+after", handlers[0], func(m *httpmetrics.Metrics) middleware {
			return func(h http.Handler) http.Handler { return m.Before(m.After(h)) }
		}},
		{"instrument", handlers[0], func(m *httpmetrics.Metrics) middleware { return m.Instrument }},
	}
	for _, p := range parts {
		b.Run("part="+p.name, func(b *testing.B) {
			m := httpmetrics.MustNew(stackprom.WithRegisterer(prometheus.NewRegistry()))
			h := p.mw(m)(p.hd.app())
			serveAs(b, h, p.hd)
			serveLoop(b, "serial", h)
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
