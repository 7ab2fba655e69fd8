package httpmetrics_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// fakeWriter records which methods reached it.
type fakeWriter struct {
	h     http.Header
	calls []string
	body  strings.Builder
}

func (f *fakeWriter) Header() http.Header { return f.h }
func (f *fakeWriter) Write(p []byte) (int, error) {
	f.calls = append(f.calls, "Write")
	return f.body.Write(p)
}
func (f *fakeWriter) WriteHeader(int) { f.calls = append(f.calls, "WriteHeader") }

type fakeFlusher struct{ f *fakeWriter }

func (x fakeFlusher) Flush() { x.f.calls = append(x.f.calls, "Flush") }

type fakeHijacker struct{ f *fakeWriter }

func (x fakeHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	x.f.calls = append(x.f.calls, "Hijack")
	return nil, nil, nil
}

type fakeReaderFrom struct{ f *fakeWriter }

func (x fakeReaderFrom) ReadFrom(r io.Reader) (int64, error) {
	x.f.calls = append(x.f.calls, "ReadFrom")
	return io.Copy(&x.f.body, r)
}

type fakePusher struct{ f *fakeWriter }

func (x fakePusher) Push(string, *http.PushOptions) error {
	x.f.calls = append(x.f.calls, "Push")
	return nil
}

// combination returns a writer offering exactly the optional interfaces
// named by bits: 1 Flusher, 2 Hijacker, 4 ReaderFrom, 8 Pusher.
func combination(bits int, f *fakeWriter) http.ResponseWriter {
	fl, hj, rf, pu := fakeFlusher{f}, fakeHijacker{f}, fakeReaderFrom{f}, fakePusher{f}
	type rw = http.ResponseWriter
	switch bits {
	case 0:
		return struct{ rw }{f}
	case 1:
		return struct {
			rw
			http.Flusher
		}{f, fl}
	case 2:
		return struct {
			rw
			http.Hijacker
		}{f, hj}
	case 3:
		return struct {
			rw
			http.Flusher
			http.Hijacker
		}{f, fl, hj}
	case 4:
		return struct {
			rw
			io.ReaderFrom
		}{f, rf}
	case 5:
		return struct {
			rw
			http.Flusher
			io.ReaderFrom
		}{f, fl, rf}
	case 6:
		return struct {
			rw
			http.Hijacker
			io.ReaderFrom
		}{f, hj, rf}
	case 7:
		return struct {
			rw
			http.Flusher
			http.Hijacker
			io.ReaderFrom
		}{f, fl, hj, rf}
	case 8:
		return struct {
			rw
			http.Pusher
		}{f, pu}
	case 9:
		return struct {
			rw
			http.Flusher
			http.Pusher
		}{f, fl, pu}
	case 10:
		return struct {
			rw
			http.Hijacker
			http.Pusher
		}{f, hj, pu}
	case 11:
		return struct {
			rw
			http.Flusher
			http.Hijacker
			http.Pusher
		}{f, fl, hj, pu}
	case 12:
		return struct {
			rw
			io.ReaderFrom
			http.Pusher
		}{f, rf, pu}
	case 13:
		return struct {
			rw
			http.Flusher
			io.ReaderFrom
			http.Pusher
		}{f, fl, rf, pu}
	case 14:
		return struct {
			rw
			http.Hijacker
			io.ReaderFrom
			http.Pusher
		}{f, hj, rf, pu}
	case 15:
		return struct {
			rw
			http.Flusher
			http.Hijacker
			io.ReaderFrom
			http.Pusher
		}{f, fl, hj, rf, pu}
	}
	panic("bits out of range")
}

func interfaces(w http.ResponseWriter) int {
	bits := 0
	if _, ok := w.(http.Flusher); ok {
		bits |= 1
	}
	if _, ok := w.(http.Hijacker); ok {
		bits |= 2
	}
	if _, ok := w.(io.ReaderFrom); ok {
		bits |= 4
	}
	if _, ok := w.(http.Pusher); ok {
		bits |= 8
	}
	return bits
}

// Every combination of optional interfaces comes out exactly as it went in,
// each method reaches the original, and Unwrap returns the original.
func TestWrapperOffersExactlyTheOriginalsInterfaces(t *testing.T) {
	m := httpmetrics.MustNew(stackprom.WithRegisterer(prometheus.NewRegistry()))
	for bits := 0; bits < 16; bits++ {
		f := &fakeWriter{h: http.Header{}}
		orig := combination(bits, f)
		if got := interfaces(orig); got != bits {
			t.Fatalf("test writer %d offers %d", bits, got)
		}
		var seen int
		unwrapped := false
		h := m.After(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The writer is checked here: After reuses it once the handler
			// has returned.
			seen = interfaces(w)
			u, ok := w.(interface{ Unwrap() http.ResponseWriter })
			unwrapped = ok && u.Unwrap() == orig
			w.Header().Set("Content-Type", "text/plain") // nothing to sniff
			if fl, ok := w.(http.Flusher); ok {
				fl.Flush()
			}
			if hj, ok := w.(http.Hijacker); ok {
				hj.Hijack()
			}
			if rf, ok := w.(io.ReaderFrom); ok {
				rf.ReadFrom(strings.NewReader("body"))
			}
			if pu, ok := w.(http.Pusher); ok {
				pu.Push("/style.css", nil)
			}
		}))
		h.ServeHTTP(orig, mustRequest(t, "GET", "/"))
		if seen != bits {
			t.Errorf("original offers %04b, the handler's writer %04b", bits, seen)
		}
		if !unwrapped {
			t.Errorf("%04b: Unwrap does not return the original writer", bits)
		}
		for i, name := range []string{"Flush", "Hijack", "ReadFrom", "Push"} {
			if bits&(1<<i) != 0 && !slices.Contains(f.calls, name) {
				t.Errorf("%04b: %s did not reach the original (calls: %v)", bits, name, f.calls)
			}
		}
	}
}

func mustRequest(t testing.TB, method, target string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Helpers reach After's state through writers other middlewares wrapped
// around it, when those offer Unwrap.
func TestHelpersLookThroughUnwrap(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := httpmetrics.MustNew(stackprom.WithRegisterer(reg))
	type wrapped struct{ http.ResponseWriter }
	var found, notFound bool
	h := m.After(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		notFound = httpmetrics.SetView(wrapped{w}, "hidden")
		found = httpmetrics.SetView(unwrappingWriter{w}, "visible")
		httpmetrics.SetRoute(w, "/ignored/because/named")
	}))
	h.ServeHTTP(&fakeWriter{h: http.Header{}}, mustRequest(t, "GET", "/x"))
	if notFound || !found {
		t.Errorf("SetView through a writer without Unwrap: %v, with Unwrap: %v", notFound, found)
	}
	stackpromtest.AssertValue(t, reg, 1, "http_requests_by_view_transport_method_total",
		L{"view": "visible", "transport": "http", "method": "GET"})
	if httpmetrics.SetView(&fakeWriter{}, "x") || httpmetrics.SetTemplate(&fakeWriter{}, "x") ||
		httpmetrics.ReportError(&fakeWriter{}, io.EOF) {
		t.Error("helpers claim to find After where there is none")
	}
}

type unwrappingWriter struct{ http.ResponseWriter }

func (u unwrappingWriter) Unwrap() http.ResponseWriter { return u.ResponseWriter }
