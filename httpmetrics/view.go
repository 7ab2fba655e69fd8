package httpmetrics

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom/internal/children"
)

// Named returns a handler that names its view: requests it serves are
// labelled view=name, whatever the router's pattern. It is the Go
// counterpart of a named Django URL. Without After around it, it only calls h.
func Named(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetView(w, name)
		h.ServeHTTP(w, r)
	})
}

// NamedFunc is Named for a handler function.
func NamedFunc(name string, f func(http.ResponseWriter, *http.Request)) http.Handler {
	return Named(name, http.HandlerFunc(f))
}

// SetView names the view of the request w answers, for routers and
// handlers that know a better name than the route template. w is the
// writer After passed down, possibly wrapped by other middlewares that
// offer Unwrap. It reports whether After was found.
func SetView(w http.ResponseWriter, name string) bool {
	s := stateOf(w)
	if s != nil {
		s.req.facts.View = name
	}
	return s != nil
}

// SetRoute records the route template a router matched ("/dogs/{id}"), for
// router adapters: it names the view unless the handler named it already
// (Named, SetView). Call it after the handler returns, through the writer
// After passed down. It reports whether After was found.
func SetRoute(w http.ResponseWriter, route string) bool {
	s := stateOf(w)
	if s != nil && s.req.facts.View == "" {
		s.req.facts.View = route
	}
	return s != nil
}

// routeView turns a ServeMux pattern ("GET example.com/dogs/{id}") into the
// route template ("/dogs/{id}"), without allocating. A pattern is
// "[METHOD ][HOST]/[PATH]" and neither a method nor a host holds a "/", so
// the path starts at the first one, whatever blanks separate the method.
func routeView(pattern string) string {
	if i := strings.IndexByte(pattern, '/'); i > 0 {
		return pattern[i:]
	}
	return pattern
}

// viewEntry holds the per-view families' children of one view (and of one
// combination of WithLabeler's values), each resolved on first use.
type viewEntry struct {
	m      *Metrics
	values []string // view, then the labeler's values

	requests   [nMethods][2]children.Slot[prometheus.Counter]
	latency    [nMethods]children.Slot[prometheus.Observer]
	exceptions children.Slot[prometheus.Counter]
	aborts     children.Slot[prometheus.Counter]
	statuses   [nMethods]atomic.Pointer[[]statusChild]
	mu         sync.Mutex // serialises additions to statuses

	// combos holds, for the first few (method, transport, status)
	// combinations the view answers, every child such a response updates,
	// resolved together: one lookup per request.
	combos [4]atomic.Pointer[combo]
}

// combo is the children one (method, transport, status) of a view updates.
type combo struct {
	mi, ti, status int
	named          bool // the view is not UnnamedView
	byMethod       prometheus.Counter
	byTransport    prometheus.Counter
	byStatus       prometheus.Counter // nil when nothing was responded
	byView         prometheus.Counter // nil unless named
	byStatusView   prometheus.Counter // nil when nothing was responded
	latency        prometheus.Observer
}

// comboFor returns the children of (mi, ti, status) on this view, for a
// request that got a response (named: to a view a route resolved), or nil
// once the view's slots hold other combinations (the caller then resolves
// each child on its own). A slot is filled once, so a view that answers
// with many statuses allocates nothing per request either way.
func (e *viewEntry) comboFor(mi, ti, status int, named bool) *combo {
	for i := range e.combos {
		c := e.combos[i].Load()
		if c == nil {
			c = new(combo)
			e.resolve(c, mi, ti, status, true, named)
			if !e.combos[i].CompareAndSwap(nil, c) {
				c = e.combos[i].Load()
			}
		}
		if c.mi == mi && c.ti == ti && c.status == status && c.named == named {
			return c
		}
	}
	return nil
}

// resolve fills c with the children of (mi, ti, status) on this view; the
// status ones only when the request got a response (responded), and the
// request counter only for a view a route resolved (named; the overflow
// entry serves both kinds): a child resolved is a series exported, so none
// is resolved that the request does not count in.
func (e *viewEntry) resolve(c *combo, mi, ti, status int, responded, named bool) {
	m := e.m
	*c = combo{
		mi: mi, ti: ti, status: status, named: named,
		byMethod:    m.methodCounter(mi),
		byTransport: m.transportCounter(ti),
		latency:     e.latencyObserver(mi),
	}
	if responded {
		c.byStatus = m.statusCounter(status)
		c.byStatusView = e.statusCounter(mi, status)
	}
	if named {
		c.byView = e.requestCounter(mi, ti)
	}
}

type statusChild struct {
	code int
	c    prometheus.Counter
}

func (m *Metrics) newViewEntry(key string) *viewEntry {
	values := []string{key}
	if m.nExtra > 0 {
		if key == children.Overflow {
			values = slices.Repeat([]string{children.Overflow}, 1+m.nExtra)
		} else {
			values = strings.Split(key, keySep)
		}
	}
	return &viewEntry{m: m, values: values}
}

// keySep joins a view and the labeler's values into one key of m.views:
// a byte that valid UTF-8, and so no clean label value, ever holds.
const keySep = "\xff"

// labels returns the label values of a per-view family: the family's own
// values, then the view entry's extra values.
func (e *viewEntry) labels(own ...string) []string {
	return append(own, e.values[1:]...)
}

func (e *viewEntry) requestCounter(mi, ti int) prometheus.Counter {
	s := &e.requests[mi][ti]
	if c, ok := s.Load(); ok {
		return c
	}
	return s.Store(e.m.byView.WithLabelValues(e.labels(e.values[0], transports[ti], methods[mi])...))
}

func (e *viewEntry) latencyObserver(mi int) prometheus.Observer {
	s := &e.latency[mi]
	if o, ok := s.Load(); ok {
		return o
	}
	return s.Store(e.m.latencyByView.WithLabelValues(e.labels(e.values[0], methods[mi])...))
}

func (e *viewEntry) exceptionCounter() prometheus.Counter {
	if c, ok := e.exceptions.Load(); ok {
		return c
	}
	return e.exceptions.Store(e.m.exceptionsView.WithLabelValues(e.labels(e.values[0])...))
}

func (e *viewEntry) abortCounter() prometheus.Counter {
	if c, ok := e.aborts.Load(); ok {
		return c
	}
	return e.aborts.Store(e.m.abortsView.WithLabelValues(e.labels(e.values[0])...))
}

// statusCounter scans the few statuses a view answers with; a new one is
// added under the entry's lock.
func (e *viewEntry) statusCounter(mi, code int) prometheus.Counter {
	if p := e.statuses[mi].Load(); p != nil {
		for _, sc := range *p {
			if sc.code == code {
				return sc.c
			}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var old []statusChild
	if p := e.statuses[mi].Load(); p != nil {
		old = *p
		for _, sc := range old {
			if sc.code == code {
				return sc.c
			}
		}
	}
	c := e.m.byStatusView.WithLabelValues(e.labels(statusLabel(code), e.values[0], methods[mi])...)
	next := append(slices.Clip(old), statusChild{code, c})
	e.statuses[mi].Store(&next)
	return c
}
