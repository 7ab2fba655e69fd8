package chitest_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/chimetrics"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/test/internal/routertest"
)

func benchRouter() chi.Router {
	r := chi.NewRouter()
	r.Get("/dogs/{id}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "dog\n") })
	return r
}

// BenchmarkRequest compares one routed request through chi alone with the
// same request through Instrument (Before and After) and through After.
func BenchmarkRequest(b *testing.B) {
	m := httpmetrics.MustNew(stackprom.WithRegisterer(prometheus.NewRegistry()))
	routertest.BenchmarkRequest(b,
		routertest.Handler{Name: "chi", H: benchRouter()},
		routertest.Handler{Name: "After", H: chimetrics.After(m, benchRouter())},
		routertest.Handler{Name: "Instrument", H: chimetrics.Instrument(m, benchRouter())},
	)
}
