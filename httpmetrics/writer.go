package httpmetrics

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"unsafe"
)

// state is what After learns about one request. It is the
// http.ResponseWriter the handler sees (through one of the wrapper types
// below). States are pooled, one pool per wrapper type, so that a request
// allocates nothing: a state goes back to its pool once the request is
// recorded, after a panic or a hijack too. As with net/http's own writer,
// the handler must not use its ResponseWriter after it returns.
type state struct {
	w    http.ResponseWriter
	self http.ResponseWriter // the wrapper holding this state
	kind int                 // the index of the wrapper's type in wrappers and pools
	req  request
	tee  teeReader
	// sniff holds the first body bytes, up to the 512 that net/http reads
	// to detect the content type of a response that names none.
	sniff [sniffLen]byte
}

// request is the part of a state that each request starts afresh.
type request struct {
	facts        Facts
	body         *BodyCounter
	proto1       bool // HTTP/1.x: a Transfer-Encoding turns net/http's sniffing off
	calledHeader bool // the handler asked for the header map
	wrote        bool // the final header is written
	headerRead   bool // the header was read when the status was written
	sniffs       bool // net/http detects the content type from the body
	capturing    bool // body bytes written go into sniff
	readFromSent bool // ReadFrom passed sniffLen bytes on, over HTTP/1
	sniffN       int
	completed    bool // the handler returned normally
	before       bool // Instrument: record Before's families too
}

// stater is implemented by every wrapper; helpers find the state through it.
type stater interface{ httpmetricsState() *state }

func (s *state) httpmetricsState() *state { return s }

// Header returns the wrapped writer's header map. net/http answers with
// the map as it is when the status is written or, if nobody had asked for
// the map by then, as it is when it is first asked for after that: the
// Content-Type is read at that moment, before the handler changes it.
func (s *state) Header() http.Header {
	if s.req.wrote && !s.req.headerRead {
		s.freezeHeader()
	}
	s.req.calledHeader = true
	return s.w.Header()
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (s *state) Unwrap() http.ResponseWriter { return s.w }

// WriteHeader records the first final status and passes every call on.
// Informational 1xx statuses other than 101 (103 Early Hints, say) are
// passed on without becoming the status.
func (s *state) WriteHeader(code int) {
	if !s.req.wrote && !(code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols) {
		s.writeHeader(code)
	}
	s.w.WriteHeader(code)
}

// writeHeader notes the status. net/http answers with the header map as it
// is at this moment (later changes have no effect), so when the handler has
// asked for the map, the Content-Type is read now; otherwise nobody has
// changed the map yet and it is read once the handler returns, so that
// stackprom never asks for the header map before the handler does.
func (s *state) writeHeader(code int) {
	r := &s.req
	r.wrote = true
	r.facts.Status = code
	r.capturing = bodyAllowed(code)
	if r.calledHeader {
		s.freezeHeader()
	}
}

// freezeHeader reads the header as net/http answers with it: the
// Content-Type, and whether net/http detects one from the first bytes of
// the body, the handler having named none (the bytes are kept only then).
// It decides as net/http's servers do: no detection when the status allows
// no body, a Content-Encoding is set, or (HTTP/1 only) a Transfer-Encoding.
func (s *state) freezeHeader() {
	r := &s.req
	r.headerRead = true
	r.sniffs = false
	code := r.facts.Status
	h := s.w.Header()
	if len(h) == 0 {
		// What the branches below decide for an empty header, without
		// their three map lookups (about 80 instructions).
		r.sniffs = bodyAllowed(code)
	} else if ct, ok := h["Content-Type"]; ok {
		// net/http's HTTP/1 server sends no Content-Type with a 304.
		if len(ct) > 0 && !(r.proto1 && code == http.StatusNotModified) {
			r.facts.ContentType = ct[0]
		}
	} else if bodyAllowed(code) && first(h["Content-Encoding"]) == "" {
		r.sniffs = !r.proto1 || first(h["Transfer-Encoding"]) == ""
	}
	r.capturing = r.capturing && r.sniffs
}

// first is the first of a header's values, as http.Header.Get returns it
// (without canonicalising the key again).
func first(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}

// Write counts the bytes written and keeps the first ones while net/http
// may detect the content type from them.
func (s *state) Write(p []byte) (int, error) {
	if !s.req.wrote {
		s.writeHeader(http.StatusOK)
	}
	n, err := s.w.Write(p)
	s.req.facts.ResponseBytes += int64(n)
	capture(s, p, n)
	return n, err
}

// WriteString is Write for a string, without converting it when the
// wrapped writer has WriteString too (net/http's writers do).
func (s *state) WriteString(p string) (int, error) {
	if !s.req.wrote {
		s.writeHeader(http.StatusOK)
	}
	var n int
	var err error
	if sw, ok := s.w.(io.StringWriter); ok {
		n, err = sw.WriteString(p)
	} else {
		n, err = s.w.Write([]byte(p))
	}
	s.req.facts.ResponseBytes += int64(n)
	capture(s, p, n)
	return n, err
}

// capture keeps what the first n bytes of p, those the wrapped writer
// took, add to the first sniffLen bytes of the body, while s captures. n
// is checked: a writer may report any count.
func capture[P []byte | string](s *state, p P, n int) {
	if s.req.capturing && n > 0 && n <= len(p) {
		s.captured(copy(s.sniff[s.req.sniffN:], p[:n]))
	}
}

func (s *state) captured(n int) {
	s.req.sniffN += n
	if s.req.sniffN == sniffLen {
		s.req.capturing = false
	}
}

// flushed notes a flush: net/http sends the header with the bytes written
// so far, and detects the content type from those alone.
func (s *state) flushed() {
	if !s.req.wrote {
		s.writeHeader(http.StatusOK)
	}
	s.req.capturing = false
	s.req.facts.Streaming = true
}

// settle completes the facts once the handler has returned: the
// Content-Type of a response whose header was not read when its status was
// written, and the charset of one whose type net/http detects.
func (s *state) settle() {
	r := &s.req
	if !r.headerRead {
		// The handler asked for no header map before its status, or
		// wrote nothing (net/http then sends 200 with the header as it
		// is now, and no body to detect a type from).
		s.freezeHeader()
	}
	if r.sniffs && r.sniffN > 0 {
		r.facts.ContentType = sniffedType(s.sniff[:r.sniffN])
	}
}

// Body bytes net/http holds before it sends a response's header with them:
// the size of its buffer over HTTP/1 and over HTTP/2.
const (
	heldHTTP1 = 2048
	heldHTTP2 = 4096
)

// reached reports whether the response's header has left net/http: after
// a flush or a hijack, once the body outgrew the buffer net/http holds it
// in, or after ReadFrom passed 512 bytes on (net/http's HTTP/1 server then
// flushes, to switch to sendfile). A panic before that leaves the client
// without the response.
func (s *state) reached() bool {
	r := &s.req
	held := int64(heldHTTP2)
	if r.proto1 {
		held = heldHTTP1
	}
	return r.facts.Streaming || r.facts.Hijacked || r.facts.ResponseBytes > held || r.readFromSent
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

// Hijack hands the connection over; net/http sends what was written before
// with the header, so the content type is detected from those bytes.
func (h hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := h.s.w.(http.Hijacker).Hijack()
	if err == nil {
		h.s.req.facts.Hijacked = true
		h.s.req.capturing = false
	}
	return c, rw, err
}

type readerFrom struct{ s *state }

// ReadFrom lets io.Copy reach the wrapped writer's ReadFrom (sendfile on a
// TCP connection) with src itself. While net/http may still detect the
// content type, the first bytes are read ahead without consuming them from
// a source that can be read at an offset (a file, a bytes.Reader), and
// copied as they pass from any other source.
func (r readerFrom) ReadFrom(src io.Reader) (int64, error) {
	s := r.s
	if !s.req.wrote {
		s.writeHeader(http.StatusOK)
	}
	rf := s.w.(io.ReaderFrom)
	var n int64
	var err error
	if !s.req.capturing {
		n, err = rf.ReadFrom(src)
	} else if peeked, ok := s.peek(src); ok {
		n, err = rf.ReadFrom(src)
		s.captured(int(min(int64(peeked), max(n, 0)))) // what was really sent
	} else {
		s.tee = teeReader{r: src, s: s}
		n, err = rf.ReadFrom(&s.tee)
		s.tee = teeReader{}
	}
	s.req.facts.ResponseBytes += n
	s.req.readFromSent = s.req.readFromSent || s.req.proto1 && n >= sniffLen
	return n, err
}

// peek reads the bytes src will yield next into sniff, up to what sniff
// lacks, without consuming them, when src (or the reader an
// io.LimitedReader limits) can be read at an offset. It does not count
// them as captured.
func (s *state) peek(src io.Reader) (int, bool) {
	limit := int64(sniffLen - s.req.sniffN)
	if lr, ok := src.(*io.LimitedReader); ok {
		limit, src = min(limit, lr.N), lr.R
	}
	ra, ok := src.(interface {
		io.ReaderAt
		io.Seeker
	})
	if !ok {
		return 0, false
	}
	if limit <= 0 {
		return 0, true
	}
	off, err := ra.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, false
	}
	n, _ := ra.ReadAt(s.sniff[s.req.sniffN:s.req.sniffN+int(limit)], off)
	return max(n, 0), true
}

// teeReader copies what passes from r into its state's sniff while the
// state captures.
type teeReader struct {
	r io.Reader
	s *state
}

func (t *teeReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	capture(t.s, p, n)
	return n, err
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

// pools holds the states of each wrapper type between requests.
var pools [len(wrappers)]sync.Pool

func init() {
	for i := range pools {
		pools[i].New = func() any {
			s, w := wrappers[i]()
			s.self, s.kind = w, i
			return s
		}
	}
}

// wrap returns a state for one request on w and r, from the pool of the
// wrapper that offers w's optional interfaces, no more, no fewer, plus
// Unwrap (and WriteString). Release returns it.
func wrap(w http.ResponseWriter, r *http.Request) *state {
	typ := (*[2]unsafe.Pointer)(unsafe.Pointer(&w))[0]
	kind := 0
	if k := kinds[0].Load(); k != nil && k.typ == typ {
		kind = k.kind
	} else {
		kind = kindOf(w, typ)
	}
	s := pools[kind].Get().(*state)
	s.w = w
	s.req.proto1 = r.ProtoMajor == 1
	return s
}

// kinds remembers the wrapper kind of the few writer types a server hands
// its handlers (net/http's HTTP/1 and HTTP/2 writers, a middleware's), found
// by the type word of the interface value, so that a request makes no
// interface check once its writer's type was seen. Slots are taken once.
var kinds [4]atomic.Pointer[writerKind]

type writerKind struct {
	typ  unsafe.Pointer
	kind int
}

// kindOf is the index in wrappers of the wrapper offering the optional
// interfaces of w, whose type word is typ; wrap looks in the first slot of
// kinds itself.
func kindOf(w http.ResponseWriter, typ unsafe.Pointer) int {
	for i := 1; i < len(kinds); i++ {
		k := kinds[i].Load()
		if k == nil {
			break
		}
		if k.typ == typ {
			return k.kind
		}
	}
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
	for j := range kinds {
		if k := kinds[j].Load(); k == nil {
			kinds[j].CompareAndSwap(nil, &writerKind{typ, i})
			break
		} else if k.typ == typ {
			break
		}
	}
	return i
}

// release returns s to its pool, forgetting the request.
func (s *state) release() {
	s.w, s.tee = nil, teeReader{}
	s.req = request{}
	pools[s.kind].Put(s)
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
