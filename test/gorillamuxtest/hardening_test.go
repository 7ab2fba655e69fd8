package gorillamuxtest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/gorillamuxmetrics"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/test/internal/routertest"
)

// newHostileServer serves a gorilla/mux router whose handlers give
// stackprom label values that are not UTF-8, abort after their response
// started, or read a body.
func newHostileServer(t *testing.T, opts ...httpmetrics.Option) (*httptest.Server, *prometheus.Registry, *[]any) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := httpmetrics.MustNew(append(opts, stackprom.WithRegisterer(reg))...)
	r := mux.NewRouter()
	r.HandleFunc("/bad/{id}", func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.SetTemplate(w, "page\xfe.html")
		w.Header().Set("Content-Type", "text/plain; charset=\xff")
		io.WriteString(w, "ok\n")
	}).Methods("GET").Name("bad\xfe")
	r.HandleFunc("/badname", func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.SetView(w, "view\xff")
		io.WriteString(w, "ok\n")
	})
	r.HandleFunc("/abort", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, strings.Repeat("x", 1000))
		http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	})
	r.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) })
	var panics []any
	srv := httptest.NewServer(m.Before(recovered(&panics, gorillamuxmetrics.After(m, r))))
	t.Cleanup(srv.Close)
	return srv, reg, &panics
}

// Label values that are not UTF-8, from the handler, the route's name and
// the labeler, reach neither the request nor the exposition.
func TestHostileLabelValues(t *testing.T) {
	srv, reg, panics := newHostileServer(t,
		httpmetrics.WithLabeler([]string{"tier"}, func(_ *http.Request, v []string) { v[0] = "gold\xff" }))
	routertest.HostileLabels(t, srv, reg, "/bad/1", "ok\n")
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
