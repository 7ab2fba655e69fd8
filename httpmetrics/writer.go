package httpmetrics

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
)

// state is what After learns about one request. It is the
// http.ResponseWriter the handler sees (through one of the wrapper types
// below), and it holds the request-body counter, so that a request costs
// one allocation.
type state struct {
	w         http.ResponseWriter
	facts     Facts
	wrote     bool // the final header is written
	ctPending bool // header written without a Content-Type: sniff the first bytes
	completed bool // the handler returned normally
	before    bool // Instrument: record Before's families too
	body      BodyCounter
}

// stater is implemented by every wrapper; helpers find the state through it.
type stater interface{ httpmetricsState() *state }

func (s *state) httpmetricsState() *state { return s }

// Header returns the wrapped writer's header map.
func (s *state) Header() http.Header { return s.w.Header() }

// Unwrap returns the wrapped writer, for http.ResponseController.
func (s *state) Unwrap() http.ResponseWriter { return s.w }

// WriteHeader records the first final status and passes every call on.
// Informational 1xx statuses other than 101 (103 Early Hints, say) are
// passed on without becoming the status.
func (s *state) WriteHeader(code int) {
	if !s.wrote && !(code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols) {
		s.writeHeader(code)
	}
	s.w.WriteHeader(code)
}

func (s *state) writeHeader(code int) {
	s.wrote = true
	s.facts.Status = code
	h := s.w.Header()
	if ct, ok := h["Content-Type"]; ok {
		if len(ct) > 0 {
			s.facts.ContentType = ct[0]
		}
		return
	}
	// net/http sniffs the type from the first bytes written, unless a
	// Transfer-Encoding is set or the status allows no body.
	_, te := h["Transfer-Encoding"]
	s.ctPending = !te && bodyAllowed(code)
}

// Write counts the bytes written, and sniffs the content type as net/http
// does when the handler set none.
func (s *state) Write(p []byte) (int, error) {
	if !s.wrote {
		s.writeHeader(http.StatusOK)
	}
	if s.ctPending && len(p) > 0 {
		s.ctPending = false
		s.facts.ContentType = http.DetectContentType(p)
	}
	n, err := s.w.Write(p)
	s.facts.ResponseBytes += int64(n)
	return n, err
}

func (s *state) flushed() {
	if !s.wrote {
		s.writeHeader(http.StatusOK)
	}
	s.ctPending = false
	s.facts.Streaming = true
}

func bodyAllowed(code int) bool {
	return !(code >= 100 && code <= 199) && code != http.StatusNoContent && code != http.StatusNotModified
}

// BodyCounter counts the bytes a handler reads from a request body. After
// counts with one of its own; framework adapters that call Record use
// CountBody.
type BodyCounter struct {
	rc io.ReadCloser
	n  int64
}

// CountBody puts a BodyCounter in place of r.Body and returns it, or returns
// nil when r has no body. Call Restore once the handler has returned.
func CountBody(r *http.Request) *BodyCounter {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b := &BodyCounter{rc: r.Body}
	r.Body = b
	return b
}

// Restore puts r's original body back and returns the number of bytes read,
// for Facts.RequestBytes. It is safe on a nil BodyCounter (returning 0).
func (b *BodyCounter) Restore(r *http.Request) int64 {
	if b == nil {
		return 0
	}
	r.Body = b.rc
	return b.n
}

// Read reads from the original body, counting the bytes.
func (b *BodyCounter) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n += int64(n)
	return n, err
}

// Close closes the original body.
func (b *BodyCounter) Close() error { return b.rc.Close() }

// The optional interfaces a wrapper offers exactly when the wrapped writer
// does. Each is a small type holding the state, embedded by value in the
// wrapper types below so that a wrapper is one allocation.

type flusher struct{ s *state }

func (f flusher) Flush() {
	f.s.flushed()
	f.s.w.(http.Flusher).Flush()
}

// FlushError is what http.ResponseController calls; it returns the wrapped
// writer's flush error when that writer reports one.
func (f flusher) FlushError() error {
	f.s.flushed()
	if fe, ok := f.s.w.(interface{ FlushError() error }); ok {
		return fe.FlushError()
	}
	f.s.w.(http.Flusher).Flush()
	return nil
}

type hijacker struct{ s *state }

func (h hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := h.s.w.(http.Hijacker).Hijack()
	if err == nil {
		h.s.facts.Hijacked = true
	}
	return c, rw, err
}

type readerFrom struct{ s *state }

// ReadFrom lets io.Copy reach the wrapped writer's ReadFrom (sendfile on a
// TCP connection). When the content type is still to be sniffed, the first
// 512 bytes go through Write first, as net/http does itself.
func (r readerFrom) ReadFrom(src io.Reader) (int64, error) {
	s := r.s
	if !s.wrote {
		s.writeHeader(http.StatusOK)
	}
	var n int64
	if s.ctPending {
		buf := make([]byte, 512)
		m, err := io.ReadFull(src, buf)
		if m > 0 {
			w, werr := s.Write(buf[:m])
			n += int64(w)
			if werr != nil {
				return n, werr
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	m, err := s.w.(io.ReaderFrom).ReadFrom(src)
	s.facts.ResponseBytes += m
	return n + m, err
}

type pusher struct{ s *state }

func (p pusher) Push(target string, opts *http.PushOptions) error {
	return p.s.w.(http.Pusher).Push(target, opts)
}

// The sixteen wrapper types, one per combination of optional interfaces:
// f = http.Flusher, h = http.Hijacker, r = io.ReaderFrom, p = http.Pusher.
type (
	w0 struct{ state }
	wf struct {
		state
		flusher
	}
	wh struct {
		state
		hijacker
	}
	wfh struct {
		state
		flusher
		hijacker
	}
	wr struct {
		state
		readerFrom
	}
	wfr struct {
		state
		flusher
		readerFrom
	}
	whr struct {
		state
		hijacker
		readerFrom
	}
	wfhr struct {
		state
		flusher
		hijacker
		readerFrom
	}
	wp struct {
		state
		pusher
	}
	wfp struct {
		state
		flusher
		pusher
	}
	whp struct {
		state
		hijacker
		pusher
	}
	wfhp struct {
		state
		flusher
		hijacker
		pusher
	}
	wrp struct {
		state
		readerFrom
		pusher
	}
	wfrp struct {
		state
		flusher
		readerFrom
		pusher
	}
	whrp struct {
		state
		hijacker
		readerFrom
		pusher
	}
	wfhrp struct {
		state
		flusher
		hijacker
		readerFrom
		pusher
	}
)

const (
	hasFlusher = 1 << iota
	hasHijacker
	hasReaderFrom
	hasPusher
)

// wrappers builds the wrapper for each combination, indexed by the has…
// bits of the wrapped writer.
var wrappers = [16]func() (*state, http.ResponseWriter){
	func() (*state, http.ResponseWriter) { x := &w0{}; return &x.state, x },
	func() (*state, http.ResponseWriter) { x := &wf{}; x.flusher.s = &x.state; return &x.state, x },
	func() (*state, http.ResponseWriter) { x := &wh{}; x.hijacker.s = &x.state; return &x.state, x },
	func() (*state, http.ResponseWriter) {
		x := &wfh{}
		x.flusher.s, x.hijacker.s = &x.state, &x.state
		return &x.state, x
	},
	func() (*state, http.ResponseWriter) { x := &wr{}; x.readerFrom.s = &x.state; return &x.state, x },
	func() (*state, http.ResponseWriter) {
		x := &wfr{}
		x.flusher.s, x.readerFrom.s = &x.state, &x.state
		return &x.state, x
	},
	func() (*state, http.ResponseWriter) {
		x := &whr{}
		x.hijacker.s, x.readerFrom.s = &x.state, &x.state
		return &x.state, x
	},
	func() (*state, http.ResponseWriter) {
		x := &wfhr{}
		x.flusher.s, x.hijacker.s, x.readerFrom.s = &x.state, &x.state, &x.state
		return &x.state, x
	},
	func() (*state, http.ResponseWriter) { x := &wp{}; x.pusher.s = &x.state; return &x.state, x },
	func() (*state, http.ResponseWriter) {
		x := &wfp{}
		x.flusher.s, x.pusher.s = &x.state, &x.state
		return &x.state, x
	},
	func() (*state, http.ResponseWriter) {
		x := &whp{}
		x.hijacker.s, x.pusher.s = &x.state, &x.state
		return &x.state, x
	},
	func() (*state, http.ResponseWriter) {
		x := &wfhp{}
		x.flusher.s, x.hijacker.s, x.pusher.s = &x.state, &x.state, &x.state
		return &x.state, x
	},
	func() (*state, http.ResponseWriter) {
		x := &wrp{}
		x.readerFrom.s, x.pusher.s = &x.state, &x.state
		return &x.state, x
	},
	func() (*state, http.ResponseWriter) {
		x := &wfrp{}
		x.flusher.s, x.readerFrom.s, x.pusher.s = &x.state, &x.state, &x.state
		return &x.state, x
	},
	func() (*state, http.ResponseWriter) {
		x := &whrp{}
		x.hijacker.s, x.readerFrom.s, x.pusher.s = &x.state, &x.state, &x.state
		return &x.state, x
	},
	func() (*state, http.ResponseWriter) {
		x := &wfhrp{}
		x.flusher.s, x.hijacker.s, x.readerFrom.s, x.pusher.s = &x.state, &x.state, &x.state, &x.state
		return &x.state, x
	},
}

// wrap returns the state for one request and the writer to hand the
// handler: w's optional interfaces, no more, no fewer, plus Unwrap.
func wrap(w http.ResponseWriter) (*state, http.ResponseWriter) {
	i := 0
	if _, ok := w.(http.Flusher); ok {
		i |= hasFlusher
	}
	if _, ok := w.(http.Hijacker); ok {
		i |= hasHijacker
	}
	if _, ok := w.(io.ReaderFrom); ok {
		i |= hasReaderFrom
	}
	if _, ok := w.(http.Pusher); ok {
		i |= hasPusher
	}
	s, ww := wrappers[i]()
	s.w = w
	return s, ww
}

// stateOf finds After's state behind w, looking through writers that other
// middlewares wrapped around it, or returns nil.
func stateOf(w http.ResponseWriter) *state {
	for w != nil {
		if s, ok := w.(stater); ok {
			return s.httpmetricsState()
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
	return nil
}

var (
	_ http.ResponseWriter = (*w0)(nil)
	_ http.Flusher        = (*wf)(nil)
	_ http.Hijacker       = (*wh)(nil)
	_ io.ReaderFrom       = (*wr)(nil)
	_ http.Pusher         = (*wp)(nil)
	_ http.Flusher        = (*wfhrp)(nil)
	_ http.Hijacker       = (*wfhrp)(nil)
	_ io.ReaderFrom       = (*wfhrp)(nil)
	_ http.Pusher         = (*wfhrp)(nil)
)
