package chitest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/chimetrics"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
	"github.com/stackprom/stackprom/test/internal/routertest"
)

type boom struct{ msg string }

type notFoundError struct{}

func (*notFoundError) Error() string { return "no such dog" }

// app is a chi router with a route of every kind: parameters, a named
// view with a template, a body, a panic, a reported error, a stream, a
// mounted sub-router and a wildcard.
func app() chi.Router {
	r := chi.NewRouter()
	text := func(w http.ResponseWriter, ct, body string) {
		w.Header().Set("Content-Type", ct)
		io.WriteString(w, body)
	}
	r.Get("/dogs/{id}", func(w http.ResponseWriter, r *http.Request) {
		text(w, "text/plain; charset=utf-8", "dog "+chi.URLParam(r, "id")+"\n")
	})
	r.Post("/dogs", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "created\n")
	})
	r.Method("GET", "/", httpmetrics.NamedFunc("index", func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.SetTemplate(w, "index.html")
		text(w, "text/html; charset=utf-8", "<h1>Dogs</h1>\n")
	}))
	r.Get("/panic", func(w http.ResponseWriter, r *http.Request) { panic(boom{"the view objects"}) })
	r.Get("/fail", func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.ReportError(w, &notFoundError{})
		http.Error(w, "no", http.StatusNotFound)
	})
	r.Get("/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for range 2 {
			io.WriteString(w, "data: x\n\n")
			http.NewResponseController(w).Flush()
		}
	})
	api := chi.NewRouter()
	api.Get("/cats/{name}", func(w http.ResponseWriter, r *http.Request) {
		text(w, "application/json", `{"name":"`+chi.URLParam(r, "name")+`"}`)
	})
	r.Mount("/api", api)
	r.Get("/static/*", func(w http.ResponseWriter, r *http.Request) {
		text(w, "text/css; charset=utf-8", "body{}")
	})
	return r
}

// recovered answers 500 for a panic and keeps its value, as chi's
// middleware.Recoverer does without the logging.
func recovered(got *[]any, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				*got = append(*got, p)
				w.WriteHeader(http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func newServer(t *testing.T) (*httptest.Server, *prometheus.Registry, *[]any) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := httpmetrics.New(stackprom.WithRegisterer(reg), stackprom.WithSizeBuckets(0, 16, 1024))
	if err != nil {
		t.Fatal(err)
	}
	var panics []any
	srv := httptest.NewServer(m.Before(recovered(&panics, chimetrics.After(m, app()))))
	t.Cleanup(srv.Close)
	return srv, reg, &panics
}

func TestEveryFamily(t *testing.T) {
	srv, reg, _ := newServer(t)
	for _, c := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/dogs/1", "", 200},
		{"GET", "/dogs/2", "", 200},
		{"POST", "/dogs", "name=rex", 201},
		{"GET", "/", "", 200},
		{"GET", "/panic", "", 500},
		{"GET", "/fail", "", 404},
		{"GET", "/stream", "", 200},
		{"GET", "/api/cats/tom", "", 200},
		{"GET", "/api/nothing", "", 404},
		{"GET", "/static/css/site.css", "", 200},
		{"GET", "/nowhere", "", 404},
		{"DELETE", "/dogs/1", "", 405},
		{"BREW", "/dogs/1", "", 405},
	} {
		if resp, _ := routertest.Do(t, srv, c.method, c.path, c.body); resp.StatusCode != c.status {
			t.Errorf("%s %s: status %d, want %d", c.method, c.path, resp.StatusCode, c.status)
		}
	}
	stackpromtest.CompareSamples(t, reg, `
		http_requests_by_method_total{method="<invalid method>"} 1
		http_requests_by_method_total{method="DELETE"} 1
		http_requests_by_method_total{method="GET"} 10
		http_requests_by_method_total{method="POST"} 1
		http_requests_by_transport_total{transport="http"} 13
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/api/cats/{name}"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/dogs/{id}"} 2
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/fail"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/panic"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/static/*"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/stream"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="index"} 1
		http_requests_by_view_transport_method_total{method="POST",transport="http",view="/dogs"} 1
		http_responses_by_status_total{status="200"} 6
		http_responses_by_status_total{status="201"} 1
		http_responses_by_status_total{status="404"} 3
		http_responses_by_status_total{status="405"} 2
		http_responses_by_status_total{status="500"} 1
		http_responses_by_status_view_method_total{method="<invalid method>",status="405",view="<unnamed view>"} 1
		http_responses_by_status_view_method_total{method="DELETE",status="405",view="<unnamed view>"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="/api/cats/{name}"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="/dogs/{id}"} 2
		http_responses_by_status_view_method_total{method="GET",status="200",view="/static/*"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="/stream"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="index"} 1
		http_responses_by_status_view_method_total{method="GET",status="404",view="/fail"} 1
		http_responses_by_status_view_method_total{method="GET",status="404",view="<unnamed view>"} 2
		http_responses_by_status_view_method_total{method="GET",status="500",view="/panic"} 1
		http_responses_by_status_view_method_total{method="POST",status="201",view="/dogs"} 1
		http_exceptions_by_type_total{type="*chitest_test.notFoundError"} 1
		http_exceptions_by_type_total{type="chitest_test.boom"} 1
		http_exceptions_by_view_total{view="/fail"} 1
		http_exceptions_by_view_total{view="/panic"} 1
		http_responses_by_templatename_total{templatename="index.html"} 1
		http_responses_by_charset_total{charset="utf-8"} 8
		http_responses_streaming_total 1
		http_responses_body_bytes_bucket{le="0"} 3
		http_responses_body_bytes_bucket{le="16"} 10
		http_responses_body_bytes_bucket{le="1024"} 12
		http_responses_body_bytes_bucket{le="+Inf"} 12
		http_responses_body_bytes_sum 95
		http_responses_body_bytes_count 12
		http_requests_body_bytes_bucket{le="0"} 12
		http_requests_body_bytes_bucket{le="16"} 13
		http_requests_body_bytes_bucket{le="1024"} 13
		http_requests_body_bytes_bucket{le="+Inf"} 13
		http_requests_body_bytes_sum 8
		http_requests_body_bytes_count 13
		http_requests_before_middlewares_total 13
		http_responses_before_middlewares_total 13
	`)
	s := stackpromtest.Take(t, reg)
	for view, n := range map[string]float64{"/dogs/{id}": 2, "index": 1, "/panic": 1, "<unnamed view>": 2} {
		if v, _ := s.Value("http_requests_latency_by_view_method_seconds_count", prometheus.Labels{"view": view, "method": "GET"}); v != n {
			t.Errorf("latency observations of view %s: %v, want %v", view, v, n)
		}
	}
}

// A panic is recorded once, and the recovering middleware outside After
// gets the same value.
func TestPanicObservedOnceAndReraised(t *testing.T) {
	srv, reg, panics := newServer(t)
	routertest.PanicObservedOnce(t, srv, reg, "/panic", "/panic", "chitest_test.boom")
	if len(*panics) != 1 || (*panics)[0] != (boom{"the view objects"}) {
		t.Errorf("the recoverer got %#v, want the handler's boom once", *panics)
	}
}

// Random paths and methods add no view and no method series.
func TestHostileTraffic(t *testing.T) {
	srv, reg, _ := newServer(t)
	routertest.SendRandom(t, srv, 1000)
	routertest.CheckViews(t, reg, []string{"<unnamed view>", "/dogs/{id}", "/static/*", "/api/cats/{name}"}, "<unnamed view>", "/static/*")
	s := stackpromtest.Take(t, reg)
	var n float64
	for _, m := range []string{"GET", "POST", "<invalid method>"} {
		v, _ := s.Value("http_requests_by_method_total", prometheus.Labels{"method": m})
		n += v
	}
	if n != 1000 {
		t.Errorf("GET, POST and <invalid method> requests add up to %v, want 1000", n)
	}
}

// Routes also works when the router is mounted in another chi router, and
// a handler's own name wins over the pattern.
func TestMountedRoutes(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := httpmetrics.MustNew(stackprom.WithRegisterer(reg))
	outer := chi.NewRouter()
	outer.Mount("/v1", chimetrics.Routes(app()))
	srv := httptest.NewServer(m.After(outer))
	defer srv.Close()
	routertest.Do(t, srv, "GET", "/v1/dogs/7", "")
	routertest.Do(t, srv, "GET", "/v1/", "")
	routertest.Do(t, srv, "GET", "/v1/api/nothing", "")
	stackpromtest.CompareSamples(t, reg, `
		http_responses_by_status_view_method_total{method="GET",status="200",view="/v1/dogs/{id}"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="index"} 1
		http_responses_by_status_view_method_total{method="GET",status="404",view="<unnamed view>"} 1
	`)
}
