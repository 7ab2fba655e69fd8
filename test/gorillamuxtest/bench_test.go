package gorillamuxtest_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/gorillamuxmetrics"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/test/internal/routertest"
)

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
	routertest.BenchmarkRequest(b,
		routertest.Handler{Name: "mux", H: benchRouter()},
		routertest.Handler{Name: "After", H: gorillamuxmetrics.After(m, benchRouter())},
		routertest.Handler{Name: "Instrument", H: gorillamuxmetrics.Instrument(m, benchRouter())},
	)
}
