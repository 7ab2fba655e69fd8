package httpmetrics_test

// Ports of django-prometheus's middleware tests (its end2end test app and
// test_middleware.py / test_middleware_custom_labels.py), with the same
// deltas, except the exception case: there a request is observed once.

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// testApp mirrors django-prometheus's end2end test app: named views, a
// template response for index, a slow view, a view that raises, and a
// streamed file.
func testApp() http.Handler {
	mux := http.NewServeMux()
	index := httpmetrics.NamedFunc("index", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		httpmetrics.SetTemplate(w, "index.html")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<html><body>This is the index.</body></html>\n")
	})
	mux.Handle("GET /{$}", index)
	mux.Handle("POST /{$}", index)
	mux.Handle("GET /help", httpmetrics.NamedFunc("help", func(w http.ResponseWriter, r *http.Request) {
		// Rendered without a template response, as Django's render() does.
		io.WriteString(w, "<html><body><h1>Help</h1>"+strings.Repeat("<p>This page helps.</p>", 20)+"</body></html>\n")
	}))
	mux.Handle("GET /slow", httpmetrics.NamedFunc("slow", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(100 * time.Millisecond)
		io.WriteString(w, "slow\n")
	}))
	mux.Handle("GET /objection", httpmetrics.NamedFunc("objection", func(w http.ResponseWriter, r *http.Request) {
		panic(objection{"the view objects"})
	}))
	mux.Handle("GET /file", httpmetrics.NamedFunc("file", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		for i := 0; i < 4; i++ {
			io.WriteString(w, strings.Repeat("x", 1024))
			http.NewResponseController(w).Flush()
		}
	}))
	return mux
}

type objection struct{ msg string }

// recoverer answers 500 when a handler panics, as Django turns an exception
// into a 500 response before PrometheusBeforeMiddleware sees it.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// newTestServer serves testApp behind Before, recoverer and After, on a
// fresh registry.
func newTestServer(t *testing.T, opts ...httpmetrics.Option) (*httptest.Server, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := httpmetrics.New(append([]httpmetrics.Option{stackprom.WithRegisterer(reg)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Before(recoverer(m.After(testApp()))))
	t.Cleanup(srv.Close)
	return srv, reg
}

func do(t *testing.T, srv *httptest.Server, method, path string, body io.Reader, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

type L = prometheus.Labels

func TestDjangoRequestCounters(t *testing.T) {
	srv, reg := newTestServer(t)
	s := stackpromtest.Take(t, reg)

	do(t, srv, "GET", "/", nil)
	do(t, srv, "GET", "/", nil)
	do(t, srv, "GET", "/help", nil)
	form := url.Values{"some": {"data"}, "and": {"more data"}}.Encode()
	do(t, srv, "POST", "/", strings.NewReader(form), "Content-Type", "application/x-www-form-urlencoded")

	s.AssertDiff(t, 4, "http_requests_before_middlewares_total", nil)
	s.AssertDiff(t, 4, "http_responses_before_middlewares_total", nil)
	s.AssertDiff(t, 3, "http_requests_by_method_total", L{"method": "GET"})
	s.AssertDiff(t, 1, "http_requests_by_method_total", L{"method": "POST"})
	s.AssertDiff(t, 4, "http_requests_by_transport_total", L{"transport": "http"})
	s.AssertDiff(t, 2, "http_requests_by_view_transport_method_total", L{"view": "index", "transport": "http", "method": "GET"})
	s.AssertDiff(t, 1, "http_requests_by_view_transport_method_total", L{"view": "help", "transport": "http", "method": "GET"})
	s.AssertDiff(t, 1, "http_requests_by_view_transport_method_total", L{"view": "index", "transport": "http", "method": "POST"})
	s.AssertDiff(t, 3, "http_requests_body_bytes_bucket", L{"le": "0.0"})
	s.AssertDiff(t, 4, "http_requests_body_bytes_bucket", L{"le": "128.0"})
	if v, ok := stackpromtest.Value(t, reg, "http_responses_by_templatename_total", L{"templatename": "help.html"}); ok {
		t.Errorf("help.html was rendered without a template response, yet counted %v", v)
	}
	s.AssertDiff(t, 3, "http_responses_by_templatename_total", L{"templatename": "index.html"})
	s.AssertDiff(t, 4, "http_responses_by_status_total", L{"status": "200"})
	s.AssertDiff(t, 0, "http_responses_body_bytes_bucket", L{"le": "0.0"})
	s.AssertDiff(t, 3, "http_responses_body_bytes_bucket", L{"le": "128.0"})
	s.AssertDiff(t, 4, "http_responses_body_bytes_bucket", L{"le": "8192.0"})
	s.AssertDiff(t, 4, "http_responses_by_charset_total", L{"charset": "utf-8"})
	s.AssertDiff(t, 0, "http_responses_streaming_total", nil)
}

func TestDjangoLatencyHistograms(t *testing.T) {
	srv, reg := newTestServer(t)
	s := stackpromtest.Take(t, reg)
	do(t, srv, "GET", "/slow", nil)
	s.AssertDiff(t, 0, "http_requests_latency_by_view_method_seconds_bucket", L{"view": "slow", "method": "GET", "le": "0.05"})
	s.AssertDiff(t, 1, "http_requests_latency_by_view_method_seconds_bucket", L{"view": "slow", "method": "GET", "le": "5.0"})
}

// Django observes a raising view twice in the latency histogram; stackprom
// observes every request exactly once, panics included.
func TestDjangoExceptionObservedOnce(t *testing.T) {
	srv, reg := newTestServer(t)
	s := stackpromtest.Take(t, reg)
	if resp := do(t, srv, "GET", "/objection", nil); resp.StatusCode != 500 {
		t.Fatalf("GET /objection: status %d, want 500 from the recovery middleware", resp.StatusCode)
	}
	lat := L{"view": "objection", "method": "GET"}
	s.AssertDiff(t, 1, "http_requests_latency_by_view_method_seconds_bucket", L{"view": "objection", "method": "GET", "le": "2.5"})
	s.AssertDiff(t, 1, "http_requests_latency_by_view_method_seconds_count", lat)
	s.AssertDiff(t, 1, "http_exceptions_by_type_total", L{"type": "httpmetrics_test.objection"})
	s.AssertDiff(t, 1, "http_exceptions_by_view_total", L{"view": "objection"})
	s.AssertDiff(t, 1, "http_responses_by_status_total", L{"status": "500"})
	s.AssertDiff(t, 1, "http_responses_by_status_view_method_total", L{"status": "500", "view": "objection", "method": "GET"})
	s.AssertDiff(t, 1, "http_requests_by_method_total", L{"method": "GET"})
	// Before saw the recovery middleware's 500, once.
	s.AssertDiff(t, 1, "http_responses_before_middlewares_total", nil)
	s.AssertDiff(t, 1, "http_requests_latency_including_middlewares_seconds_count", nil)
}

func TestDjangoStreamingResponses(t *testing.T) {
	srv, reg := newTestServer(t)
	s := stackpromtest.Take(t, reg)
	do(t, srv, "GET", "/", nil)
	do(t, srv, "GET", "/file", nil)
	s.AssertDiff(t, 1, "http_responses_streaming_total", nil)
	s.AssertDiff(t, 1, "http_responses_body_bytes_bucket", L{"le": "+Inf"})
}

func TestDjangoCustomLabels(t *testing.T) {
	srv, reg := newTestServer(t, httpmetrics.WithLabeler(
		[]string{"view_type", "user_agent_type"},
		func(r *http.Request, v []string) { v[0], v[1] = "foo", "browser" },
	))
	s := stackpromtest.Take(t, reg)
	do(t, srv, "GET", "/", nil)
	do(t, srv, "GET", "/", nil)
	do(t, srv, "GET", "/help", nil)
	form := url.Values{"some": {"data"}}.Encode()
	do(t, srv, "POST", "/", strings.NewReader(form), "Content-Type", "application/x-www-form-urlencoded")

	s.AssertDiff(t, 2, "http_responses_by_status_view_method_total",
		L{"status": "200", "view": "index", "method": "GET", "view_type": "foo", "user_agent_type": "browser"})
	s.AssertDiff(t, 1, "http_responses_by_status_view_method_total",
		L{"status": "200", "view": "help", "method": "GET", "view_type": "foo", "user_agent_type": "browser"})
	s.AssertDiff(t, 2, "http_requests_latency_by_view_method_seconds_count",
		L{"view": "index", "method": "GET", "view_type": "foo", "user_agent_type": "browser"})
}

func TestNotFoundIsUnnamedView(t *testing.T) {
	srv, reg := newTestServer(t)
	s := stackpromtest.Take(t, reg)
	for i := 0; i < 3; i++ {
		if resp := do(t, srv, "GET", fmt.Sprintf("/no/such/page/%d", i), nil); resp.StatusCode != 404 {
			t.Fatalf("status %d, want 404", resp.StatusCode)
		}
	}
	s.AssertDiff(t, 3, "http_responses_by_status_view_method_total", L{"status": "404", "view": "<unnamed view>", "method": "GET"})
	s.AssertDiff(t, 3, "http_requests_latency_by_view_method_seconds_count", L{"view": "<unnamed view>", "method": "GET"})
	// As in Django, a request no route resolved is not a request to a view.
	if v, ok := stackpromtest.Value(t, reg, "http_requests_by_view_transport_method_total",
		L{"view": "<unnamed view>", "transport": "http", "method": "GET"}); ok {
		t.Errorf("unrouted requests counted as requests to a view: %v", v)
	}
}
