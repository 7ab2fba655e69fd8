package httpmetrics_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
)

// reusedWriter is a ResponseWriter that allocates nothing per request and
// offers what net/http's HTTP/1 writer offers, so that After picks the
// wrapper it picks on a real server.
type reusedWriter struct{ h http.Header }

func (w *reusedWriter) Header() http.Header         { return w.h }
func (w *reusedWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *reusedWriter) WriteHeader(int)             {}
func (w *reusedWriter) Flush()                      {}
func (w *reusedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, errors.New("not hijackable")
}
func (w *reusedWriter) ReadFrom(r io.Reader) (int64, error) { return 0, nil }

// rewindBody is a request body that starts over on each request.
type rewindBody struct{ strings.Reader }

func (*rewindBody) Close() error { return nil }

// TestOneAllocationPerRequest checks the claim of the package
// documentation: Instrument, and Before around After, add one allocation
// to a request (the writer wrapper, which holds the body counter too), and
// Before alone none, whatever the request moves: a body read, a charset, a
// template, a view name, a reported error, a flush. The race detector does
// not change the count.
func TestOneAllocationPerRequest(t *testing.T) {
	m := httpmetrics.MustNew(stackprom.WithRegisterer(prometheus.NewRegistry()))
	contentType := []string{"application/json; charset=utf-8"}
	reported := errors.New("reported")
	body := []byte(`{"dog":"rex"}`)
	var buf [64]byte
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dogs/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = contentType
		w.Write(body)
	})
	mux.Handle("GET /named", httpmetrics.NamedFunc("named", func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.SetTemplate(w, "index.html")
		httpmetrics.ReportError(w, reported)
		w.WriteHeader(http.StatusNotFound)
		w.Write(body)
		w.(http.Flusher).Flush()
	}))
	mux.HandleFunc("POST /dogs", func(w http.ResponseWriter, r *http.Request) {
		for {
			if _, err := r.Body.Read(buf[:]); err != nil {
				break
			}
		}
		w.WriteHeader(http.StatusCreated)
	})
	for _, c := range []struct{ method, path string }{
		{"GET", "/dogs/1"}, {"GET", "/named"}, {"POST", "/dogs"}, {"GET", "/nowhere"},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			w := &reusedWriter{h: http.Header{}}
			r := httptest.NewRequest(c.method, c.path, nil)
			rb, payload := &rewindBody{}, strings.Repeat("x", 300)
			run := func(h http.Handler) func() {
				return func() {
					if c.method == "POST" {
						rb.Reset(payload)
						r.Body = rb
					}
					h.ServeHTTP(w, r)
				}
			}
			bare := testing.AllocsPerRun(200, run(mux))
			for stack, want := range map[string]float64{"Instrument": 1, "Before(After)": 1, "Before": 0, "After": 1} {
				var h http.Handler
				switch stack {
				case "Instrument":
					h = m.Instrument(mux)
				case "Before(After)":
					h = m.Before(m.After(mux))
				case "Before":
					h = m.Before(mux)
				case "After":
					h = m.After(mux)
				}
				run(h)() // resolve the label children first
				if got := testing.AllocsPerRun(200, run(h)) - bare; got != want {
					t.Errorf("%s: %v allocations more than without stackprom, want %v", stack, got, want)
				}
			}
		})
	}
}
