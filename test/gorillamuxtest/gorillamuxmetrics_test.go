package gorillamuxtest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/gorillamuxmetrics"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
	"github.com/stackprom/stackprom/test/internal/routertest"
)

type boom struct{ msg string }

type notFoundError struct{}

func (*notFoundError) Error() string { return "no such dog" }

// app is a gorilla/mux router with a route of every kind: a regexp
// parameter, named routes (one whose handler names itself), a template, a
// body, a panic, a reported error, a stream, a sub-router and a prefix.
func app() *mux.Router {
	r := mux.NewRouter()
	text := func(w http.ResponseWriter, ct, body string) {
		w.Header().Set("Content-Type", ct)
		io.WriteString(w, body)
	}
	r.HandleFunc("/dogs/{id:[0-9]+}", func(w http.ResponseWriter, r *http.Request) {
		text(w, "text/plain; charset=utf-8", "dog "+mux.Vars(r)["id"]+"\n")
	}).Methods("GET")
	r.HandleFunc("/dogs", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "created\n")
	}).Methods("POST")
	r.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.SetTemplate(w, "index.html")
		text(w, "text/html; charset=utf-8", "<h1>Dogs</h1>\n")
	}).Methods("GET").Name("index")
	r.Handle("/about", httpmetrics.NamedFunc("about-page", func(w http.ResponseWriter, r *http.Request) {
		text(w, "text/plain", "about\n")
	})).Name("about")
	r.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) { panic(boom{"the view objects"}) })
	r.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.ReportError(w, &notFoundError{})
		http.Error(w, "no", http.StatusNotFound)
	})
	r.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for range 2 {
			io.WriteString(w, "data: x\n\n")
			http.NewResponseController(w).Flush()
		}
	})
	api := r.PathPrefix("/api").Subrouter()
	api.HandleFunc("/cats/{name}", func(w http.ResponseWriter, r *http.Request) {
		text(w, "application/json", `{"name":"`+mux.Vars(r)["name"]+`"}`)
	}).Methods("GET")
	r.PathPrefix("/static/").HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		text(w, "text/css; charset=utf-8", "body{}")
	})
	return r
}

// recovered answers 500 for a panic and keeps its value, as
// gorilla/handlers' RecoveryHandler does without the logging.
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
	srv := httptest.NewServer(m.Before(recovered(&panics, gorillamuxmetrics.After(m, app()))))
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
		{"GET", "/about", "", 200},
		{"GET", "/panic", "", 500},
		{"GET", "/fail", "", 404},
		{"GET", "/stream", "", 200},
		{"GET", "/api/cats/tom", "", 200},
		{"GET", "/api/nothing", "", 404},
		{"GET", "/static/css/site.css", "", 200},
		{"GET", "/nowhere", "", 404},
		{"GET", "/dogs/rex", "", 404},
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
		http_requests_by_method_total{method="GET"} 12
		http_requests_by_method_total{method="POST"} 1
		http_requests_by_transport_total{transport="http"} 15
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/api/cats/{name}"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/dogs/{id:[0-9]+}"} 2
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/fail"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/panic"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/static/"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/stream"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="about-page"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="index"} 1
		http_requests_by_view_transport_method_total{method="POST",transport="http",view="/dogs"} 1
		http_responses_by_status_total{status="200"} 7
		http_responses_by_status_total{status="201"} 1
		http_responses_by_status_total{status="404"} 4
		http_responses_by_status_total{status="405"} 2
		http_responses_by_status_total{status="500"} 1
		http_responses_by_status_view_method_total{method="<invalid method>",status="405",view="<unnamed view>"} 1
		http_responses_by_status_view_method_total{method="DELETE",status="405",view="<unnamed view>"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="/api/cats/{name}"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="/dogs/{id:[0-9]+}"} 2
		http_responses_by_status_view_method_total{method="GET",status="200",view="/static/"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="/stream"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="about-page"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="index"} 1
		http_responses_by_status_view_method_total{method="GET",status="404",view="/fail"} 1
		http_responses_by_status_view_method_total{method="GET",status="404",view="<unnamed view>"} 3
		http_responses_by_status_view_method_total{method="GET",status="500",view="/panic"} 1
		http_responses_by_status_view_method_total{method="POST",status="201",view="/dogs"} 1
		http_exceptions_by_type_total{type="*gorillamuxtest_test.notFoundError"} 1
		http_exceptions_by_type_total{type="gorillamuxtest_test.boom"} 1
		http_exceptions_by_view_total{view="/fail"} 1
		http_exceptions_by_view_total{view="/panic"} 1
		http_responses_by_templatename_total{templatename="index.html"} 1
		http_responses_by_charset_total{charset="utf-8"} 9
		http_responses_streaming_total 1
		http_responses_body_bytes_bucket{le="0"} 3
		http_responses_body_bytes_bucket{le="16"} 11
		http_responses_body_bytes_bucket{le="1024"} 14
		http_responses_body_bytes_bucket{le="+Inf"} 14
		http_responses_body_bytes_sum 120
		http_responses_body_bytes_count 14
		http_requests_body_bytes_bucket{le="0"} 14
		http_requests_body_bytes_bucket{le="16"} 15
		http_requests_body_bytes_bucket{le="1024"} 15
		http_requests_body_bytes_bucket{le="+Inf"} 15
		http_requests_body_bytes_sum 8
		http_requests_body_bytes_count 15
		http_requests_before_middlewares_total 15
		http_responses_before_middlewares_total 15
	`)
	s := stackpromtest.Take(t, reg)
	for view, n := range map[string]float64{"/dogs/{id:[0-9]+}": 2, "index": 1, "/panic": 1, "<unnamed view>": 3} {
		if v, _ := s.Value("http_requests_latency_by_view_method_seconds_count", prometheus.Labels{"view": view, "method": "GET"}); v != n {
			t.Errorf("latency observations of view %s: %v, want %v", view, v, n)
		}
	}
}

// A panic is recorded once, and the recovering middleware outside After
// gets the same value.
func TestPanicObservedOnceAndReraised(t *testing.T) {
	srv, reg, panics := newServer(t)
	routertest.PanicObservedOnce(t, srv, reg, "/panic", "/panic", "gorillamuxtest_test.boom")
	if len(*panics) != 1 || (*panics)[0] != (boom{"the view objects"}) {
		t.Errorf("the recoverer got %#v, want the handler's boom once", *panics)
	}
}

// Random paths and methods add no view and no method series.
func TestHostileTraffic(t *testing.T) {
	srv, reg, _ := newServer(t)
	routertest.SendRandom(t, srv, 1000)
	routertest.CheckViews(t, reg, []string{"<unnamed view>", "/dogs/{id:[0-9]+}", "/static/", "/api/cats/{name}"}, "<unnamed view>", "/static/")
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

// A route without a path template is labelled with its host template; the
// redirect gorilla/mux sends for an unclean path is unnamed.
func TestHostRouteAndCleanPathRedirect(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := httpmetrics.MustNew(stackprom.WithRegisterer(reg))
	r := mux.NewRouter()
	r.Host("{tenant}.example.com").HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	r.HandleFunc("/dogs", func(w http.ResponseWriter, r *http.Request) {})
	srv := httptest.NewServer(gorillamuxmetrics.Instrument(m, r))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/anything", nil)
	req.Host = "acme.example.com"
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp, _ := routertest.Do(t, srv, "GET", "/x/../dogs", ""); resp.StatusCode != http.StatusMovedPermanently {
		t.Errorf("GET /x/../dogs: status %d, want gorilla's redirect", resp.StatusCode)
	}
	stackpromtest.CompareSamples(t, reg, `
		http_responses_by_status_view_method_total{method="GET",status="200",view="{tenant}.example.com"} 1
		http_responses_by_status_view_method_total{method="GET",status="301",view="<unnamed view>"} 1
	`)
}
