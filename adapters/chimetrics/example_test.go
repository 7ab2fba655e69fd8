package chimetrics_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/chimetrics"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

func Example() {
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	m := httpmetrics.MustNew(stackprom.WithRegisterer(reg), httpmetrics.WithExclude("/metrics"))

	r := chi.NewRouter()
	r.Get("/dogs/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "dog "+chi.URLParam(r, "id")+"\n")
	})
	r.Method("GET", "/", httpmetrics.NamedFunc("index", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<h1>Dogs</h1>\n")
	}))
	r.Method("GET", "/metrics", stackprom.MustNewHandler(stackprom.WithGatherer(reg)))

	// Before outermost, a recoverer between, After around the router.
	srv := httptest.NewServer(m.Before(middleware.Recoverer(chimetrics.After(m, r))))
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
	v, _ = s.Value("http_requests_before_middlewares_total", nil)
	fmt.Println("requests before middlewares:", v)
	// Output:
	// index: 1
	// /dogs/{id}: 2
	// 404s: 1
	// requests before middlewares: 4
}
