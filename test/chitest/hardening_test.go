package chitest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/chimetrics"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/test/internal/routertest"
)

// hostileApp is a chi router whose handlers give stackprom label values
// that are not UTF-8, abort after their response started, or read a body.
func hostileApp() chi.Router {
	r := chi.NewRouter()
	r.Get("/bad\xff/{id}", func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.SetTemplate(w, "page\xfe.html")
		w.Header().Set("Content-Type", "text/plain; charset=\xff")
		io.WriteString(w, "ok\n")
	})
	r.Get("/badname", func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.SetView(w, "view\xff")
		io.WriteString(w, "ok\n")
	})
	r.Get("/abort", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, strings.Repeat("x", 1000))
		http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	})
	r.Post("/upload", func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) })
	return r
}

func newHostileServer(t *testing.T, opts ...httpmetrics.Option) (*httptest.Server, *prometheus.Registry, *[]any) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := httpmetrics.MustNew(append(opts, stackprom.WithRegisterer(reg))...)
	var panics []any
	srv := httptest.NewServer(m.Before(recovered(&panics, chimetrics.After(m, hostileApp()))))
	t.Cleanup(srv.Close)
	return srv, reg, &panics
}

// Label values that are not UTF-8, from the handler, the route pattern and
// the labeler, reach neither the request nor the exposition.
func TestHostileLabelValues(t *testing.T) {
	srv, reg, panics := newHostileServer(t,
		httpmetrics.WithLabeler([]string{"tier"}, func(_ *http.Request, v []string) { v[0] = "gold\xff" }))
	routertest.HostileLabels(t, srv, reg, "/bad%FF/1", "ok\n")
	routertest.HostileLabels(t, srv, reg, "/badname", "ok\n")
	if len(*panics) != 0 {
		t.Errorf("panics reached the recoverer: %v", *panics)
	}
}

// http.ErrAbortHandler after a 200 is a 200 and an abort.
func TestAbortAfterResponseStarted(t *testing.T) {
	srv, reg, _ := newHostileServer(t)
	routertest.AbortAfterResponseStarted(t, srv, reg, "/abort", "/abort")
}

// The request body size is what arrived, not what Content-Length says.
func TestLyingContentLength(t *testing.T) {
	srv, reg, _ := newHostileServer(t)
	routertest.LyingContentLength(t, srv, reg, "/upload")
}
