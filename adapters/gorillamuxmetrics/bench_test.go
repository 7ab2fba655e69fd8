package gorillamuxmetrics_test

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
)

// sink is a ResponseWriter that keeps nothing, so that the benchmarks
// measure the router and the instrumentation only.
type sink struct{ h http.Header }

func (s *sink) Header() http.Header         { return s.h }
func (s *sink) Write(p []byte) (int, error) { return len(p), nil }
func (s *sink) WriteHeader(int)             {}

func benchRouter() *mux.Router {
	r := mux.NewRouter()
	r.HandleFunc("/dogs/{id}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "dog\n") }).Methods("GET")
	return r
}

// BenchmarkRequest compares one routed request through gorilla/mux alone
// with the same request through Instrument (Before and After) and through
// After.
func BenchmarkRequest(b *testing.B) {
	m := httpmetrics.MustNew(stackprom.WithRegisterer(prometheus.NewRegistry()))
	for _, c := range []struct {
		name string
		h    http.Handler
	}{
		{"mux", benchRouter()},
		{"After", gorillamuxmetrics.After(m, benchRouter())},
		{"Instrument", gorillamuxmetrics.Instrument(m, benchRouter())},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			r := httptest.NewRequest("GET", "/dogs/1", nil)
			w := &sink{h: http.Header{"Content-Type": {"text/plain"}}}
			for b.Loop() {
				c.h.ServeHTTP(w, r)
			}
		})
		b.Run(c.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r := httptest.NewRequest("GET", "/dogs/1", nil)
				w := &sink{h: http.Header{"Content-Type": {"text/plain"}}}
				for pb.Next() {
					c.h.ServeHTTP(w, r)
				}
			})
		})
	}
}
