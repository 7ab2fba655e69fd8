package echometrics_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/echometrics"
	"github.com/stackprom/stackprom/httpmetrics"
)

// sink is a ResponseWriter that keeps nothing, so that the benchmarks
// measure the server and the instrumentation only.
type sink struct{ h http.Header }

func (s *sink) Header() http.Header         { return s.h }
func (s *sink) Write(p []byte) (int, error) { return len(p), nil }
func (s *sink) WriteHeader(int)             {}

func benchEcho(mw ...echo.MiddlewareFunc) *echo.Echo {
	e := echo.New()
	e.Use(mw...)
	e.GET("/dogs/:id", func(c echo.Context) error { return c.Blob(200, "text/plain", []byte("dog\n")) })
	return e
}

// BenchmarkRequest compares one routed request through echo alone with the
// same request through Middleware, and through m.Before around that.
func BenchmarkRequest(b *testing.B) {
	m := httpmetrics.MustNew(stackprom.WithRegisterer(prometheus.NewRegistry()))
	for _, c := range []struct {
		name string
		h    http.Handler
	}{
		{"echo", benchEcho()},
		{"Middleware", benchEcho(echometrics.Middleware(m))},
		{"Before+Middleware", m.Before(benchEcho(echometrics.Middleware(m)))},
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
