package httpmetrics

import (
	"io"
	"net/http"
	"time"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom/internal/children"
)

// Before is the outermost middleware, django-prometheus's
// PrometheusBeforeMiddleware: it counts requests entering and responses
// leaving, observes the whole time spent inside it, and keeps the
// in-flight gauge. It does not wrap the ResponseWriter and does not
// allocate. A panic passing through is counted as a response and re-raised
// untouched.
func (m *Metrics) Before(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.excluded(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		m.requestsBefore.Inc()
		m.inFlight.Add(1)
		defer m.doneBefore(r, now())
		next.ServeHTTP(w, r)
	})
}

func (m *Metrics) doneBefore(r *http.Request, start time.Duration) {
	m.observeBefore(r, now()-start)
}

func (m *Metrics) observeBefore(r *http.Request, d time.Duration) {
	m.inFlight.Add(-1)
	m.responsesBefore.Inc()
	if m.exemplar == nil {
		m.latencyBefore.Observe(seconds(d))
	} else {
		m.observeExemplar(r, m.latencyBefore, seconds(d))
	}
}

// observeExemplar observes v in o with WithExemplar's function. Callers
// check m.exemplar themselves and call o.Observe when it is nil: one
// interface call.
func (m *Metrics) observeExemplar(r *http.Request, o prometheus.Observer, v float64) {
	children.Observe(r.Context(), o, v, m.exemplar)
}

// After is the middleware around the router, django-prometheus's
// PrometheusAfterMiddleware: it records every After family once per
// request, when the response is complete. The handler gets a
// ResponseWriter that offers exactly the optional interfaces of the
// original (http.Flusher, http.Hijacker, io.ReaderFrom, http.Pusher) plus
// Unwrap, so http.ResponseController, websockets, sendfile and 1xx
// responses work as without it.
//
// A panic in the handler is recorded once, with its Go type in the
// exceptions families, then re-raised with the same value, so net/http's own
// handling is unchanged. The status recorded is the one the client got if
// the response had started reaching it (a flush, a hijack, or more body than
// net/http buffers: 2048 bytes over HTTP/1, 4096 over HTTP/2), with no body
// size, as the body was cut short; otherwise, the client getting nothing,
// it is 500, with no body, as a Django view that raises. A panic with
// http.ErrAbortHandler is an abort, not an exception: it counts in the
// aborts family, by view; a response that had started counts with its
// status, and otherwise no response is recorded (no status, size, charset
// or template). Recording never panics into the request: label values are
// cleaned and failures inside stackprom are contained.
func (m *Metrics) After(next http.Handler) http.Handler {
	return m.handler(next, false)
}

// Instrument stacks Before and After around h, for a service without other
// middlewares to place between them. It records exactly what
// m.Before(m.After(h)) records, reading the clock twice per request instead
// of four times: with nothing between the two, their start and end times are
// the same.
func (m *Metrics) Instrument(h http.Handler) http.Handler {
	return m.handler(h, true)
}

// handler is After, and Before too when before is set.
func (m *Metrics) handler(next http.Handler, before bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.excluded(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if before {
			m.requestsBefore.Inc()
			m.inFlight.Add(1)
		}
		s := wrap(w, r)
		s.req.before = before
		if hasBody(r) {
			// Not pooled: a handler that reads the body after it returned
			// must get net/http's error, never another request's bytes.
			s.req.body = &BodyCounter{rc: r.Body}
			r.Body = s.req.body
		}
		defer m.done(s, r, now())
		next.ServeHTTP(s.self, r)
		s.req.completed = true
	})
}

// noBodyType is the dynamic type of http.NoBody as an io.ReadCloser.
var noBodyType = typeOf(http.NoBody)

// typeOf is the type word of rc, the itab of its dynamic type.
func typeOf(rc io.ReadCloser) unsafe.Pointer { return (*[2]unsafe.Pointer)(unsafe.Pointer(&rc))[0] }

// hasBody reports whether r has a body other than http.NoBody. NoBody's
// type has no fields, so every value of it is NoBody: comparing the types
// is enough, without the runtime call that comparing interfaces makes.
func hasBody(r *http.Request) bool {
	return r.Body != nil && typeOf(r.Body) != noBodyType
}

// done runs deferred, so that it can recover a panic to record it. It
// returns s to its pool.
func (m *Metrics) done(s *state, r *http.Request, start time.Duration) {
	d := now() - start
	if s.req.body != nil {
		s.req.facts.RequestBytes = s.req.body.Restore(r)
	}
	var p any
	if !s.req.completed {
		// p is nil only for runtime.Goexit, which goes on unwinding by itself.
		p = recover()
		s.req.facts.Panicked, s.req.facts.Panic = true, p
	}
	m.recordState(s, r, d)
	if s.req.before {
		m.observeBefore(r, d)
	}
	s.release()
	if p != nil {
		panic(p)
	}
}

// recordState completes s's facts and records them, contained as record
// is: whatever the wrapped writer's Header does, the request goes on.
func (m *Metrics) recordState(s *state, r *http.Request, d time.Duration) {
	defer dropPanic()
	s.settle()
	f := &s.req.facts
	if f.Panicked && !s.reached() {
		// The client got nothing of what was written: record the panic as
		// one before any write.
		f.Status, f.ResponseBytes, f.ContentType, f.Template = 0, 0, "", ""
	}
	m.recordFacts(r, d, f)
}
