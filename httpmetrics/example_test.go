package httpmetrics_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

func Example() {
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	m := httpmetrics.MustNew(stackprom.WithRegisterer(reg), httpmetrics.WithExclude("/metrics"))

	mux := http.NewServeMux()
	mux.Handle("GET /dogs/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "a dog\n")
	}))
	mux.Handle("GET /{$}", httpmetrics.NamedFunc("index", func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.SetTemplate(w, "index.html")
		io.WriteString(w, "<h1>Dogs</h1>\n")
	}))
	mux.Handle("GET /metrics", stackprom.MustNewHandler(stackprom.WithGatherer(reg)))
	srv := httptest.NewServer(m.Instrument(mux))
	defer srv.Close()

	for _, path := range []string{"/", "/dogs/1", "/dogs/2", "/nowhere", "/metrics"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
	}

	s, err := stackpromtest.Gather(reg)
	if err != nil {
		panic(err)
	}
	for _, view := range []string{"index", "/dogs/{id}"} {
		v, _ := s.Value("http_requests_by_view_transport_method_total",
			prometheus.Labels{"view": view, "transport": "http", "method": "GET"})
		fmt.Printf("%s: %v\n", view, v)
	}
	v, _ := s.Value("http_responses_by_status_view_method_total",
		prometheus.Labels{"status": "404", "view": "<unnamed view>", "method": "GET"})
	fmt.Println("404s:", v)
	// Output:
	// index: 1
	// /dogs/{id}: 2
	// 404s: 1
}

// A framework that keeps its own response state (status, size, route) can
// be measured without a second ResponseWriter wrapper: its middleware marks
// the start with Begin, gathers the Facts from the framework once the
// handler has returned, and hands them to Record. This is how the gin and
// echo adapters work; here the "framework" is a handler that reports its
// own facts.
func ExampleMetrics_Record() {
	reg := prometheus.NewRegistry()
	m := httpmetrics.MustNew(stackprom.WithRegisterer(reg))

	// The framework's middleware.
	middleware := func(route string, next func(w http.ResponseWriter, r *http.Request) (status int, size int64)) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := m.Begin()
			body := httpmetrics.CountBody(r) // the request body bytes the handler reads
			status, size := next(w, r)
			m.Record(r, start, &httpmetrics.Facts{
				View:          route, // the framework's route template, never the raw path
				Status:        status,
				RequestBytes:  body.Restore(r),
				ResponseBytes: size,
				ContentType:   w.Header().Get("Content-Type"),
			})
		})
	}
	h := middleware("/dogs/:id", func(w http.ResponseWriter, r *http.Request) (int, int64) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusTeapot)
		n, _ := io.WriteString(w, "a dog\n")
		return http.StatusTeapot, int64(n)
	})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/dogs/1", nil))

	s, _ := stackpromtest.Gather(reg)
	v, _ := s.Value("http_responses_by_status_view_method_total",
		prometheus.Labels{"status": "418", "view": "/dogs/:id", "method": "GET"})
	fmt.Println("418s of /dogs/:id:", v)
	v, _ = s.Value("http_responses_by_charset_total", prometheus.Labels{"charset": "utf-8"})
	fmt.Println("utf-8 responses:", v)
	// Output:
	// 418s of /dogs/:id: 1
	// utf-8 responses: 1
}
