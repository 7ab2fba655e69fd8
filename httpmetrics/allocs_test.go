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
type reusedWriter struct {
	h        http.Header
	hijacked bool
}

func (w *reusedWriter) Header() http.Header               { return w.h }
func (w *reusedWriter) Write(p []byte) (int, error)       { return len(p), nil }
func (w *reusedWriter) WriteString(p string) (int, error) { return len(p), nil }
func (w *reusedWriter) WriteHeader(int)                   {}
func (w *reusedWriter) Flush()                            {}
func (w *reusedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.hijacked {
		return nil, nil, nil
	}
	return nil, nil, errors.New("not hijackable")
}
func (w *reusedWriter) ReadFrom(r io.Reader) (int64, error) { return io.Copy(io.Discard, r) }

// rewindBody is a request body that starts over on each request.
type rewindBody struct{ strings.Reader }

func (*rewindBody) Close() error { return nil }

// errPanic is what the panicking view panics with.
var errPanic = errors.New("panicking view")

// TestNoAllocationPerRequest checks the claim of the package documentation:
// Instrument, Before around After, After and Before add no allocation to a
// request, whatever the request moves: a charset named or detected by
// net/http from a body written in pieces, io.WriteString, io.Copy, a
// template, a view name, a reported error, a flush, a hijack, a panic. A
// request with a body costs one: its body counter, which is not reused
// (a handler that reads a body after it returned must get net/http's
// error, never another request's bytes). The race detector does not change
// the counts: its sync.Pool forgets a quarter of what is put back, which
// testing.AllocsPerRun's whole-number average rounds away.
func TestNoAllocationPerRequest(t *testing.T) {
	m := httpmetrics.MustNew(stackprom.WithRegisterer(prometheus.NewRegistry()))
	contentType := []string{"application/json; charset=utf-8"}
	reported := errors.New("reported")
	body := []byte(`{"dog":"rex"}`)
	text := strings.Repeat("plain text, no type named; ", 30)
	var buf [64]byte
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dogs/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = contentType
		w.Write(body)
	})
	mux.HandleFunc("GET /sniffed", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < len(text); i += 100 {
			io.WriteString(w, text[i:min(i+100, len(text))])
		}
	})
	mux.HandleFunc("GET /copied", func(w http.ResponseWriter, r *http.Request) {
		var src rewindBody
		src.Reset(text)
		io.Copy(w, struct{ io.Reader }{&src}) // neither a ReaderAt nor a WriterTo
	})
	mux.HandleFunc("GET /hijacked", func(w http.ResponseWriter, r *http.Request) {
		w.(http.Hijacker).Hijack()
	})
	mux.HandleFunc("GET /panicking", func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
		panic(errPanic)
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
	for _, c := range []struct {
		method, path string
		want         float64
	}{
		{"GET", "/dogs/1", 0}, {"GET", "/sniffed", 0}, {"GET", "/copied", 0}, {"GET", "/hijacked", 0},
		{"GET", "/panicking", 0}, {"GET", "/named", 0}, {"GET", "/nowhere", 0}, {"POST", "/dogs", 1},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			w := &reusedWriter{h: http.Header{}, hijacked: c.path == "/hijacked"}
			r := httptest.NewRequest(c.method, c.path, nil)
			rb, payload := &rewindBody{}, strings.Repeat("x", 300)
			run := func(h http.Handler) func() {
				return func() {
					if c.method == "POST" {
						rb.Reset(payload)
						r.Body = rb
					}
					clear(w.h)
					defer func() {
						if p := recover(); p != nil && p != errPanic {
							panic(p)
						}
					}()
					h.ServeHTTP(w, r)
				}
			}
			bare := testing.AllocsPerRun(200, run(mux))
			for _, stack := range []string{"Instrument", "Before(After)", "Before", "After"} {
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
				want := c.want
				if stack == "Before" {
					want = 0 // Before does not count bodies
				}
				run(h)() // resolve the label children first
				if got := testing.AllocsPerRun(200, run(h)) - bare; got != want {
					t.Errorf("%s: %v allocations more than without stackprom, want %v", stack, got, want)
				}
			}
		})
	}
}
