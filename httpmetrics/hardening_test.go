package httpmetrics_test

// Metrics code never takes a request down, and every figure stays honest
// under attack: label values that are not UTF-8 or are huge, a lying
// Content-Length, a handler that aborts after its response started.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// serve sends r to h into a recorder and returns the recorder and what
// panicked out of h, if anything.
func serve(h http.Handler, r *http.Request) (rec *httptest.ResponseRecorder, p any) {
	rec = httptest.NewRecorder()
	defer func() { p = recover() }()
	h.ServeHTTP(rec, r)
	return rec, nil
}

// sameAnswer fails unless got is the response want is.
func sameAnswer(t *testing.T, got, want *httptest.ResponseRecorder) {
	t.Helper()
	if got.Code != want.Code || got.Body.String() != want.Body.String() ||
		fmt.Sprint(got.Header()) != fmt.Sprint(want.Header()) {
		t.Errorf("answered %d %v %q, without stackprom %d %v %q",
			got.Code, got.Header(), got.Body, want.Code, want.Header(), want.Body)
	}
}

// observedOnce fails unless reg holds exactly one request, recorded in
// every family a request moves, with nothing left in flight.
func observedOnce(t *testing.T, reg *prometheus.Registry, status string, before bool) {
	t.Helper()
	s, err := stackpromtest.Gather(reg)
	if err != nil {
		t.Fatalf("gathering: %v", err)
	}
	total := func(name string) float64 {
		var n float64
		for _, line := range strings.Split(s.Series(name), "\n") {
			var v float64
			if i := strings.LastIndexByte(line, ' '); i >= 0 {
				fmt.Sscan(line[i+1:], &v)
			}
			n += v
		}
		return n
	}
	for name, want := range map[string]float64{
		"http_requests_by_method_total":                      1,
		"http_requests_by_transport_total":                   1,
		"http_requests_body_bytes_count":                     1,
		"http_responses_by_status_total":                     1,
		"http_responses_by_status_view_method_total":         1,
		"http_requests_latency_by_view_method_seconds_count": 1,
	} {
		if got := total(name); got != want {
			t.Errorf("%s: %v, want %v\n%s", name, got, want, s.Series(name))
		}
	}
	if v, _ := s.Value("http_responses_by_status_total", L{"status": status}); v != 1 {
		t.Errorf("status %s: %v, want 1", status, v)
	}
	if before {
		for name, want := range map[string]float64{
			"http_requests_before_middlewares_total":                    1,
			"http_responses_before_middlewares_total":                   1,
			"http_requests_latency_including_middlewares_seconds_count": 1,
			"http_requests_in_flight":                                   0,
		} {
			if v, _ := s.Value(name, nil); v != want {
				t.Errorf("%s: %v, want %v", name, v, want)
			}
		}
	}
}

// A label value that is not valid UTF-8, from any source, reaches
// client_golang cleaned: the request is answered as without stackprom and
// recorded once, and the registry gathers.
func TestNonUTF8LabelValues(t *testing.T) {
	ok := func(w http.ResponseWriter) { io.WriteString(w, "ok\n") }
	tier := []string{"tier"}
	cases := []struct {
		name string
		opts []httpmetrics.Option
		h    http.Handler
	}{
		{"charset", nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=\xff")
			ok(w)
		})},
		{"template", nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httpmetrics.SetTemplate(w, "page\xff.html")
			ok(w)
		})},
		{"SetView", nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httpmetrics.SetView(w, "view\xfe\xff")
			ok(w)
		})},
		{"Named", nil, httpmetrics.NamedFunc("named\xff", func(w http.ResponseWriter, r *http.Request) { ok(w) })},
		{"SetRoute", nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httpmetrics.SetRoute(w, "/route/\xc3")
			ok(w)
		})},
		{"WithRoute", []httpmetrics.Option{httpmetrics.WithRoute(func(*http.Request) string { return "/r/\x80" })},
			http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ok(w) })},
		{"ServeMux pattern", nil, func() http.Handler {
			mux := http.NewServeMux()
			mux.HandleFunc("GET /p\xff/{id}", func(w http.ResponseWriter, r *http.Request) { ok(w) })
			return mux
		}()},
		{"labeler value", []httpmetrics.Option{httpmetrics.WithLabeler(tier, func(_ *http.Request, v []string) { v[0] = "gold\xc3(" })},
			http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ok(w) })},
		{"view holding the key separator", []httpmetrics.Option{httpmetrics.WithLabeler(tier, func(_ *http.Request, v []string) { v[0] = "gold" })},
			http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				httpmetrics.SetView(w, "a\xffb")
				ok(w)
			})},
		{"labeler value holding the key separator", []httpmetrics.Option{httpmetrics.WithLabeler([]string{"tier", "zone"}, func(_ *http.Request, v []string) { v[0], v[1] = "x\xffy\xfe", "\xff\x80" })},
			http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ok(w) })},
	}
	for _, c := range cases {
		for _, stack := range []string{"Instrument", "Before/After"} {
			t.Run(c.name+"/"+stack, func(t *testing.T) {
				m, reg := newRegistryMetrics(t, c.opts...)
				h := m.Instrument(c.h)
				if stack == "Before/After" {
					h = m.Before(m.After(c.h))
				}
				want, _ := serve(c.h, httptest.NewRequest("GET", "/p%FF/1", nil))
				got, p := serve(h, httptest.NewRequest("GET", "/p%FF/1", nil))
				if p != nil {
					t.Fatalf("panic reached the server: %v", p)
				}
				sameAnswer(t, got, want)
				observedOnce(t, reg, "200", true)
				if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
					t.Errorf("lint: %v %v", err, problems)
				}
			})
		}
	}
}

// No label value grows the exposition by more than a bounded length: 300
// charsets of 16 KB each are cut to at most 128 bytes each (and capped in
// number by WithMaxExceptionTypes).
func TestLongLabelValuesAreBounded(t *testing.T) {
	m, reg := newRegistryMetrics(t, httpmetrics.WithLabeler([]string{"tier"}, func(r *http.Request, v []string) {
		v[0] = r.Header.Get("X-Tier")
	}))
	h := m.Instrument(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		long := r.Header.Get("X-Long")
		w.Header().Set("Content-Type", "text/plain; charset="+long)
		httpmetrics.SetTemplate(w, long)
		httpmetrics.SetView(w, long)
		io.WriteString(w, "ok\n")
	}))
	for i := range 300 {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("X-Long", fmt.Sprintf("%03d", i)+strings.Repeat("é", 8<<10))
		r.Header.Set("X-Tier", strings.Repeat("t", 16<<10)+fmt.Sprint(i))
		if _, p := serve(h, r); p != nil {
			t.Fatalf("panic: %v", p)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, metric := range mf.GetMetric() {
			for _, lp := range metric.GetLabel() {
				if len(lp.GetValue()) > 128 {
					t.Fatalf("%s{%s=%q…}: %d bytes", mf.GetName(), lp.GetName(), lp.GetValue()[:20], len(lp.GetValue()))
				}
			}
		}
	}
	var b strings.Builder
	for _, mf := range mfs {
		fmt.Fprint(&b, mf.String())
	}
	if b.Len() > 1<<20 {
		t.Errorf("the exposition holds %d bytes after 300 requests", b.Len())
	}
}

// The request body size is the bytes that arrived and the handler read,
// whatever the Content-Length says.
func TestRequestBodyBytesAreWhatArrived(t *testing.T) {
	for _, c := range []struct {
		name     string
		declared int64 // 0: as httptest sets it from the body; -1: unknown (chunked)
		body     string
		read     int64 // bytes the handler reads, at most; -1: all
		want     float64
	}{
		{"huge declared, no body, unread", 1<<63 - 1, "", 0, 0},
		{"huge declared, no body, read", 1<<63 - 1, "", -1, 0},
		{"declared larger, short body, read", 1000, strings.Repeat("x", 10), -1, 10},
		{"declared larger, short body, unread", 1000, strings.Repeat("x", 10), 0, 0},
		{"declared, half read", 0, strings.Repeat("x", 300), 150, 150},
		{"declared, unread", 0, strings.Repeat("x", 300), 0, 0},
		{"chunked, read", -1, strings.Repeat("x", 300), -1, 300},
		{"chunked, half read", -1, strings.Repeat("x", 300), 150, 150},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, reg := newRegistryMetrics(t)
			h := m.After(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case c.read < 0:
					io.Copy(io.Discard, r.Body)
				case c.read > 0:
					io.CopyN(io.Discard, r.Body, c.read)
				}
			}))
			r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
			if c.declared != 0 {
				r.ContentLength = c.declared
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			stackpromtest.AssertValue(t, reg, c.want, "http_requests_body_bytes_sum", nil)
			stackpromtest.AssertValue(t, reg, 1, "http_requests_body_bytes_count", nil)
		})
	}
}

// On a real server: a client declares 2^63-1 bytes and sends none, or
// declares 1000 and sends 10, or sends a chunked body; the sum moves by
// what arrived and was read.
func TestLyingContentLengthOnARealServer(t *testing.T) {
	m, reg := newRegistryMetrics(t)
	srv := httptest.NewServer(m.Instrument(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/read" {
			io.Copy(io.Discard, r.Body)
		}
		io.WriteString(w, "ok\n")
	})))
	defer srv.Close()
	send := func(raw string, closeWrite bool) {
		t.Helper()
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, raw)
		if closeWrite {
			conn.(*net.TCPConn).CloseWrite()
		}
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		status, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil || !strings.Contains(status, "200") {
			t.Fatalf("status line %q, %v", status, err)
		}
	}
	send("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 9223372036854775807\r\n\r\n", false)
	send("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789", true)
	send("POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789", true)
	send("POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n", false)
	waitFor(t, func() bool {
		v, _ := stackpromtest.Value(t, reg, "http_responses_before_middlewares_total", nil)
		return v == 4
	})
	stackpromtest.AssertValue(t, reg, 15, "http_requests_body_bytes_sum", nil)
	stackpromtest.AssertValue(t, reg, 4, "http_requests_body_bytes_count", nil)
}

// quietServer serves h on a real server whose log goes to logs.
func quietServer(t *testing.T, h http.Handler, logs io.Writer) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(logs, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// get requests path and reads the response; it returns the status (0 when
// the connection broke before one arrived) and whether the body was cut.
func get(t *testing.T, srv *httptest.Server, path string) (status int, cut bool) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		return 0, true
	}
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	return resp.StatusCode, err != nil
}

// partial answers 200 with the first part of a body, flushes, then
// panics with p: the client has a status and part of a body.
func partial(p any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, strings.Repeat("x", 1000))
		http.NewResponseController(w).Flush()
		panic(p)
	}
}

// http.ErrAbortHandler after a 200 and part of the body (what
// httputil.ReverseProxy does when a download breaks) is a 200 and an
// abort, not a 500 nor an exception.
func TestAbortAfterResponseStarted(t *testing.T) {
	m, reg := newRegistryMetrics(t)
	srv := quietServer(t, m.Instrument(httpmetrics.Named("download", partial(http.ErrAbortHandler))), io.Discard)
	if status, cut := get(t, srv, "/"); status != 200 || !cut {
		t.Fatalf("client got %d, cut %v; want a 200 cut short", status, cut)
	}
	waitFor(t, func() bool {
		v, _ := stackpromtest.Value(t, reg, "http_responses_before_middlewares_total", nil)
		return v == 1
	})
	stackpromtest.CompareSamples(t, reg, `
		http_responses_by_status_total{status="200"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="download"} 1
		http_aborts_by_view_total{view="download"} 1
		http_requests_in_flight 0
	`)
	for _, name := range []string{"http_exceptions_by_type_total", "http_exceptions_by_view_total"} {
		if s := stackpromtest.Take(t, reg).Series(name); s != "(no series)" {
			t.Errorf("an abort counted as an exception:\n%s", s)
		}
	}
	if v, ok := stackpromtest.Value(t, reg, "http_responses_by_status_total", L{"status": "500"}); ok {
		t.Errorf("an abort after a 200 counted as %v 500s", v)
	}
}

// The same through httputil.ReverseProxy, whose backend breaks the
// connection half-way through a download: the proxy panics with
// http.ErrAbortHandler after sending the backend's 200.
func TestReverseProxyBrokenDownload(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100000")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, strings.Repeat("x", 40000))
		http.NewResponseController(w).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer backend.Close()
	target, _ := url.Parse(backend.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ErrorLog = log.New(io.Discard, "", 0)
	m, reg := newRegistryMetrics(t)
	srv := quietServer(t, m.Instrument(httpmetrics.Named("proxy", proxy)), io.Discard)
	if status, cut := get(t, srv, "/big"); status != 200 || !cut {
		t.Fatalf("client got %d, cut %v; want a 200 cut short", status, cut)
	}
	waitFor(t, func() bool {
		v, _ := stackpromtest.Value(t, reg, "http_responses_before_middlewares_total", nil)
		return v == 1
	})
	stackpromtest.CompareSamples(t, reg, `
		http_responses_by_status_total{status="200"} 1
		http_aborts_by_view_total{view="proxy"} 1
		http_requests_in_flight 0
	`)
	if s := stackpromtest.Take(t, reg).Series("http_exceptions_by_type_total"); s != "(no series)" {
		t.Errorf("an abort counted as an exception:\n%s", s)
	}
}

// http.ErrAbortHandler before anything was written: the client gets no
// response, so the request counts as an abort and in the request families,
// in no response family.
func TestAbortBeforeAnyWrite(t *testing.T) {
	m, reg := newRegistryMetrics(t)
	srv := quietServer(t, m.Instrument(httpmetrics.NamedFunc("gone", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		httpmetrics.SetTemplate(w, "gone.html")
		panic(http.ErrAbortHandler)
	})), io.Discard)
	if status, _ := get(t, srv, "/"); status != 0 {
		t.Fatalf("client got a %d", status)
	}
	waitFor(t, func() bool {
		v, _ := stackpromtest.Value(t, reg, "http_responses_before_middlewares_total", nil)
		return v == 1
	})
	stackpromtest.CompareSamples(t, reg, `
		http_aborts_by_view_total{view="gone"} 1
		http_requests_by_method_total{method="GET"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="gone"} 1
		http_responses_streaming_total 0
		http_requests_in_flight 0
	`)
	stackpromtest.AssertValue(t, reg, 1, "http_requests_latency_by_view_method_seconds_count", L{"view": "gone", "method": "GET"})
	stackpromtest.AssertValue(t, reg, 1, "http_requests_body_bytes_count", nil)
	stackpromtest.AssertValue(t, reg, 0, "http_responses_body_bytes_count", nil)
	s := stackpromtest.Take(t, reg)
	for _, name := range []string{
		"http_responses_by_status_total", "http_responses_by_status_view_method_total",
		"http_exceptions_by_type_total", "http_exceptions_by_view_total",
		"http_responses_by_charset_total", "http_responses_by_templatename_total",
	} {
		if series := s.Series(name); series != "(no series)" {
			t.Errorf("an abort before any response moved %s:\n%s", name, series)
		}
	}
}

// Any other panic after the response started records the status sent, and
// the exception; a recovering middleware's late 500 never reaches the
// client.
func TestPanicAfterResponseStarted(t *testing.T) {
	m, reg := newRegistryMetrics(t)
	srv := quietServer(t, m.Before(recoverer(m.After(httpmetrics.Named("late", partial(objection{"late"}))))), io.Discard)
	if status, _ := get(t, srv, "/"); status != 200 {
		t.Fatalf("client got %d, want the 200 the handler sent", status)
	}
	waitFor(t, func() bool {
		v, _ := stackpromtest.Value(t, reg, "http_responses_before_middlewares_total", nil)
		return v == 1
	})
	stackpromtest.CompareSamples(t, reg, `
		http_responses_by_status_total{status="200"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="late"} 1
		http_exceptions_by_type_total{type="httpmetrics_test.objection"} 1
		http_exceptions_by_view_total{view="late"} 1
		http_requests_in_flight 0
	`)
	if s := stackpromtest.Take(t, reg).Series("http_aborts_by_view_total"); s != "(no series)" {
		t.Errorf("a panic counted as an abort:\n%s", s)
	}
}

// The exception type of a context sentinel is named as sqlmetrics names it.
func TestContextErrorTypes(t *testing.T) {
	m, reg := newRegistryMetrics(t)
	errs := []error{context.Canceled, fmt.Errorf("loading: %w", context.DeadlineExceeded)}
	h := m.After(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.ReportError(w, errs[len(r.URL.Path)%2])
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/a", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	func() {
		defer func() { recover() }()
		m.After(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(context.Canceled) })).
			ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}()
	stackpromtest.CompareSamples(t, reg, `
		http_exceptions_by_type_total{type="context.Canceled"} 2
		http_exceptions_by_type_total{type="context.DeadlineExceeded"} 1
	`)
}

// A hijacked connection is 101 Switching Protocols only when the request
// asked for an upgrade; otherwise, nothing having been written through the
// writer, it is the 200 net/http would have sent; and no response body is
// observed either way.
func TestHijackWithoutUpgrade(t *testing.T) {
	m, reg := newRegistryMetrics(t, stackprom.WithSizeBuckets(0))
	done := make(chan struct{}, 1)
	srv := httptest.NewServer(m.Instrument(httpmetrics.NamedFunc("raw", func(w http.ResponseWriter, r *http.Request) {
		defer func() { done <- struct{}{} }()
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nraw")
		brw.Flush()
	})))
	defer srv.Close()
	if status, _ := get(t, srv, "/"); status != 200 {
		t.Fatalf("status %d", status)
	}
	<-done
	waitFor(t, func() bool {
		v, _ := stackpromtest.Value(t, reg, "http_responses_before_middlewares_total", nil)
		return v == 1
	})
	stackpromtest.CompareSamples(t, reg, `
		http_responses_by_status_total{status="200"} 1
		http_responses_body_bytes_bucket{le="0"} 0
		http_responses_body_bytes_bucket{le="+Inf"} 0
		http_responses_body_bytes_sum 0
	`)
	if v, ok := stackpromtest.Value(t, reg, "http_responses_by_status_total", L{"status": "101"}); ok {
		t.Errorf("a hijack without Connection: upgrade recorded as %v 101s", v)
	}
}

// Functions the application gives stackprom (the labeler, the route
// function, the exemplar function) run after the handler; when one panics,
// the request is still answered as without stackprom and recorded once.
func TestApplicationFunctionPanicsAreContained(t *testing.T) {
	boom := func() { panic("the application's function is broken") }
	for name, opts := range map[string][]httpmetrics.Option{
		"labeler": {httpmetrics.WithLabeler([]string{"tier"}, func(_ *http.Request, v []string) { v[0] = "gold"; boom() })},
		"route":   {httpmetrics.WithRoute(func(*http.Request) string { boom(); return "" })},
		"exemplar": {stackprom.WithExemplar(func(context.Context) prometheus.Labels {
			boom()
			return nil
		})},
	} {
		for _, stack := range []string{"Instrument", "Before/After"} {
			t.Run(name+"/"+stack, func(t *testing.T) {
				m, reg := newRegistryMetrics(t, opts...)
				app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
				h := m.Instrument(app)
				if stack == "Before/After" {
					h = m.Before(m.After(app))
				}
				want, _ := serve(app, httptest.NewRequest("GET", "/", nil))
				got, p := serve(h, httptest.NewRequest("GET", "/", nil))
				if p != nil {
					t.Fatalf("panic reached the server: %v", p)
				}
				sameAnswer(t, got, want)
				observedOnce(t, reg, "200", true)
			})
		}
	}
}
