package gorillamuxmetrics_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/gorillamuxmetrics"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

func Example() {
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	m := httpmetrics.MustNew(stackprom.WithRegisterer(reg), httpmetrics.WithExclude("/metrics"))

	r := mux.NewRouter()
	r.HandleFunc("/dogs/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "dog "+mux.Vars(r)["id"]+"\n")
	}).Methods("GET")
	r.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<h1>Dogs</h1>\n")
	}).Methods("GET").Name("index")
	r.Handle("/metrics", stackprom.MustNewHandler(stackprom.WithGatherer(reg)))

	// Instrument is m.Before(gorillamuxmetrics.After(m, r)): put other
	// middlewares between the two by stacking them yourself.
	srv := httptest.NewServer(gorillamuxmetrics.Instrument(m, r))
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
