// Package routertest holds what the tests of the router adapters
// (chimetrics, echometrics, ginmetrics, gorillamuxmetrics) share: a request
// helper, random hostile traffic and the checks on it, the cases every
// adapter must record the same way (a panic, a chunked request body, a
// hijacked websocket, label values that are not UTF-8, an abort, a lying
// Content-Length) and the benchmark of one routed request.
package routertest

import (
	"bufio"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stackprom/stackprom/stackpromtest"
)

// Do sends one request, without following redirects, and reads the whole
// response.
func Do(t testing.TB, srv *httptest.Server, method, path, body string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	client := *srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: reading: %v", method, path, err)
	}
	return resp, string(b)
}

// RandomPath returns a path of 1 to 4 random segments, some under the
// test routes' prefixes.
func RandomPath(rng *rand.Rand) string {
	prefixes := []string{"", "/dogs", "/api", "/static", "/api/cats"}
	var b strings.Builder
	b.WriteString(prefixes[rng.IntN(len(prefixes))])
	for range 1 + rng.IntN(4) {
		b.WriteByte('/')
		for range 1 + rng.IntN(12) {
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
	}
	return b.String()
}

const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-._~"

// SendRandom sends n requests with random paths (RandomPath) and methods,
// valid, invalid and lower-case, from a fixed seed, so that every run
// sends the same ones.
func SendRandom(t testing.TB, srv *httptest.Server, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	methods := []string{"GET", "POST", "BREW", "get", "PROPFIND", "X-RANDOM"}
	for range n {
		Do(t, srv, methods[rng.IntN(len(methods))], RandomPath(rng), "")
	}
}

// CheckViews checks that the view label of the responses family takes only
// the allowed values, and each of reach among them.
func CheckViews(t testing.TB, reg prometheus.Gatherer, allowed []string, reach ...string) {
	t.Helper()
	ok := map[string]bool{}
	for _, v := range allowed {
		ok[v] = true
	}
	got := stackpromtest.LabelValues(t, reg, "http_responses_by_status_view_method_total", "view")
	for v := range got {
		if !ok[v] {
			t.Errorf("view %q from random traffic", v)
		}
	}
	for _, v := range reach {
		if !got[v] {
			t.Errorf("views %v: random traffic should reach %v", got, reach)
			return
		}
	}
}

// PanicObservedOnce requests GET path, whose handler panics with a value
// of Go type typ, and checks that the request is recorded once, as a 500
// of view, with the panic counted by its type. The caller checks that the
// recovering middleware got the value.
func PanicObservedOnce(t testing.TB, srv *httptest.Server, reg prometheus.Gatherer, path, view, typ string) {
	t.Helper()
	s := stackpromtest.Take(t, reg)
	Do(t, srv, "GET", path, "")
	s.AssertDiff(t, 1, "http_exceptions_by_type_total", prometheus.Labels{"type": typ})
	s.AssertDiff(t, 1, "http_responses_by_status_total", prometheus.Labels{"status": "500"})
	s.AssertDiff(t, 1, "http_requests_latency_by_view_method_seconds_count", prometheus.Labels{"view": view, "method": "GET"})
	s.AssertDiff(t, 1, "http_responses_before_middlewares_total", nil)
}

// ChunkedRequestBody posts 100 bytes of unknown length to path: the body
// bytes read are counted, without a Content-Length to fall back on.
func ChunkedRequestBody(t testing.TB, srv *httptest.Server, reg prometheus.Gatherer, path string) {
	t.Helper()
	s := stackpromtest.Take(t, reg)
	req, _ := http.NewRequest("POST", srv.URL+path, io.MultiReader(strings.NewReader(strings.Repeat("x", 100))))
	if req.ContentLength != 0 {
		t.Fatalf("request length %d is known: it is not sent chunked", req.ContentLength)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s.AssertDiff(t, 100, "http_requests_body_bytes_sum", nil)
}

// HijackedWebsocket sends a websocket handshake for GET /ws to h, whose
// handler hijacks the connection and answers 101, and checks that reg (with
// response size buckets {0}) records a 101 of view /ws without a body
// observation.
func HijackedWebsocket(t testing.TB, h http.Handler, reg prometheus.Gatherer) {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		close(done) // the middleware has recorded
	}))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", resp.StatusCode)
	}
	<-done
	stackpromtest.CompareSamples(t, reg, `
		http_responses_by_status_view_method_total{method="GET",status="101",view="/ws"} 1
		http_responses_body_bytes_bucket{le="0"} 0
		http_responses_body_bytes_bucket{le="+Inf"} 0
		http_responses_body_bytes_sum 0
		http_responses_body_bytes_count 0
	`)
}

// HostileLabels requests GET path, whose handler gives bytes that are not
// UTF-8 to every label it can set (view, template, charset; the route
// pattern too, for some), and checks that the response is a 200 with body,
// as without stackprom, and that the request is recorded exactly once in
// the families a request moves, with nothing left in flight and an
// exposition that gathers and lints with valid label values. The caller
// checks that its recovering middleware got no panic.
func HostileLabels(t testing.TB, srv *httptest.Server, reg *prometheus.Registry, path, body string) {
	t.Helper()
	before := stackpromtest.Take(t, reg)
	resp, got := Do(t, srv, "GET", path, "")
	if resp.StatusCode != http.StatusOK || got != body {
		t.Errorf("GET %s: %d %q, want 200 %q", path, resp.StatusCode, got, body)
	}
	after := stackpromtest.Take(t, reg)
	for _, name := range []string{
		"http_requests_by_method_total", "http_responses_by_status_total",
		"http_responses_by_status_view_method_total", "http_requests_latency_by_view_method_seconds_count",
		"http_requests_body_bytes_count", "http_responses_before_middlewares_total",
	} {
		if d := total(after, name) - total(before, name); d != 1 {
			t.Errorf("%s moved by %v, want 1:\n%s", name, d, after.Series(name))
		}
	}
	if v, _ := after.Value("http_requests_in_flight", nil); v != 0 {
		t.Errorf("%v requests in flight", v)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gathering: %v", err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if !utf8.ValidString(lp.GetValue()) {
					t.Errorf("%s{%s=%q}", mf.GetName(), lp.GetName(), lp.GetValue())
				}
			}
		}
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", err, problems)
	}
}

// total is the sum of the values of every series of family name in s.
func total(s *stackpromtest.Snapshot, name string) float64 {
	var n float64
	for _, line := range strings.Split(s.Series(name), "\n") {
		if i := strings.LastIndexByte(line, ' '); i >= 0 {
			if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
				n += v
			}
		}
	}
	return n
}

// AbortAfterResponseStarted requests GET path, whose handler (of view)
// sends a 200 and part of a body, flushes, then panics with
// http.ErrAbortHandler, and checks that the request is recorded as a 200
// and an abort, neither as a 500 nor as an exception.
func AbortAfterResponseStarted(t testing.TB, srv *httptest.Server, reg prometheus.Gatherer, path, view string) {
	t.Helper()
	s := stackpromtest.Take(t, reg)
	if resp, err := srv.Client().Get(srv.URL + path); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d, want the 200 sent before the abort", path, resp.StatusCode)
		}
	}
	waitFor(t, func() bool { return s.Diff(t, "http_responses_before_middlewares_total", nil) == 1 })
	s.AssertDiff(t, 1, "http_aborts_by_view_total", prometheus.Labels{"view": view})
	s.AssertDiff(t, 1, "http_responses_by_status_view_method_total", prometheus.Labels{"status": "200", "view": view, "method": "GET"})
	if d := s.Diff(t, "http_responses_by_status_total", prometheus.Labels{"status": "500"}); d != 0 {
		t.Errorf("the abort counted as %v 500s", d)
	}
	if d := s.Diff(t, "http_exceptions_by_view_total", prometheus.Labels{"view": view}); d != 0 {
		t.Errorf("the abort counted as %v exceptions", d)
	}
}

// LyingContentLength posts twice to path, whose handler reads the body,
// with a Content-Length that lies, closing the connection's write side
// after what it sends: 2^63-1 bytes declared and none sent, then 1000
// declared and 10 sent. The request body sum moves by the 10 bytes that
// arrived.
func LyingContentLength(t testing.TB, srv *httptest.Server, reg prometheus.Gatherer, path string) {
	t.Helper()
	s := stackpromtest.Take(t, reg)
	for _, raw := range []string{
		"POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 9223372036854775807\r\n\r\n",
		"POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789",
	} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(conn, raw)
		conn.(*net.TCPConn).CloseWrite()
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		status, err := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if err != nil {
			t.Fatalf("no response (%q, %v)", status, err)
		}
	}
	waitFor(t, func() bool { return s.Diff(t, "http_requests_body_bytes_count", nil) == 2 })
	s.AssertDiff(t, 10, "http_requests_body_bytes_sum", nil)
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Handler is one variant a benchmark compares.
type Handler struct {
	Name string
	H    http.Handler
}

// BenchmarkRequest runs GET /dogs/1 through each handler, serially and in
// parallel, into a ResponseWriter that keeps nothing, so that the numbers
// are the router's and the instrumentation's only.
func BenchmarkRequest(b *testing.B, handlers ...Handler) {
	for _, c := range handlers {
		b.Run(c.Name, func(b *testing.B) {
			b.ReportAllocs()
			r := httptest.NewRequest("GET", "/dogs/1", nil)
			w := &sink{h: http.Header{"Content-Type": {"text/plain"}}}
			for b.Loop() {
				c.H.ServeHTTP(w, r)
			}
		})
		b.Run(c.Name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r := httptest.NewRequest("GET", "/dogs/1", nil)
				w := &sink{h: http.Header{"Content-Type": {"text/plain"}}}
				for pb.Next() {
					c.H.ServeHTTP(w, r)
				}
			})
		})
	}
}

// sink is a ResponseWriter that keeps nothing.
type sink struct{ h http.Header }

func (s *sink) Header() http.Header         { return s.h }
func (s *sink) Write(p []byte) (int, error) { return len(p), nil }
func (s *sink) WriteHeader(int)             {}
