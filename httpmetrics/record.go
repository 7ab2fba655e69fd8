package httpmetrics

import (
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom/internal/children"
	"github.com/stackprom/stackprom/internal/errtype"
)

// Facts is what is known about one finished request. After gathers them
// from its ResponseWriter; a framework adapter that reads them from the
// framework instead (gin's FullPath, status and size, say) passes them to
// Record. Record cleans every string in them (valid UTF-8, at most 128
// bytes) before it becomes a label value.
type Facts struct {
	// View is the view label: the route's name or template. Empty means
	// the WithRoute function, then ServeMux's Request.Pattern, then
	// "<unnamed view>".
	View string
	// Status is the status of the response the handler started: the first
	// final status written, even if a panic followed. 0 means nothing was
	// written: recorded as 200 (what net/http sends for a handler that
	// returns), as 101 for a hijacked connection whose request asked for an
	// upgrade, as 500 after a panic, and as no response at all after a
	// panic with http.ErrAbortHandler.
	Status int
	// RequestBytes is the number of request body bytes the handler read
	// (CountBody counts them): what arrived, never what Content-Length
	// declares.
	RequestBytes int64
	// ResponseBytes is the number of body bytes written.
	ResponseBytes int64
	// ContentType is the response's Content-Type, for the charset family.
	ContentType string
	// Streaming is true when the response was flushed before it ended.
	Streaming bool
	// Hijacked is true when the handler took over the connection.
	Hijacked bool
	// Template is the name of the template the response was rendered from.
	Template string
	// Err is an error the handler turned into a response (ReportError).
	Err error
	// Panicked is true when the handler panicked, with value Panic. A panic
	// with http.ErrAbortHandler is an abort (the aborts family), not an
	// exception.
	Panicked bool
	Panic    any
}

// Mark is the moment a request started, for Record.
type Mark struct{ t time.Duration }

// Begin marks the start of a request, for framework adapters that call
// Record.
func (m *Metrics) Begin() Mark { return Mark{now()} }

// Record records one finished request in every After family, as After
// does, from facts an adapter gathered. It does not retain f.
func (m *Metrics) Record(r *http.Request, start Mark, f *Facts) {
	if m.excluded(r.URL.Path) {
		return
	}
	m.record(r, now()-start.t, f)
}

// record records one request that took d in every After family. It never
// panics into the request: every label value from outside is cleaned, the
// application's functions (WithRoute, WithLabeler, the exemplar function)
// are contained, and should anything else inside stackprom fail, the
// failure ends the recording of this request, not the request.
func (m *Metrics) record(r *http.Request, d time.Duration, f *Facts) {
	defer dropPanic()
	m.recordFacts(r, d, f)
}

// dropPanic, deferred, ends a panic inside stackprom's recording.
func dropPanic() { _ = recover() }

// recordFacts is record without the recovery; its callers recover.
func (m *Metrics) recordFacts(r *http.Request, d time.Duration, f *Facts) {
	view, e := f.View, (*viewEntry)(nil)
	if view == "" && m.route != nil {
		view = m.routeOf(r)
	}
	if view == "" && r.Pattern != "" {
		p := m.patternOf(r.Pattern)
		view, e = p.view, p.entry
	}
	if view == "" {
		view = UnnamedView
	}
	if m.excluded(view) {
		return
	}
	if e == nil {
		e = m.viewEntryFor(r, view)
	}

	// An abort before anything was written leaves the client without a
	// response: no status, size, charset, template or streaming is recorded.
	abort := f.Panicked && f.Panic == http.ErrAbortHandler
	responded := !abort || f.Status != 0
	status := f.Status
	switch {
	case status == 0 && f.Panicked:
		status = http.StatusInternalServerError
	case status == 0 && f.Hijacked && hasToken(r.Header["Connection"], "upgrade"):
		status = http.StatusSwitchingProtocols
	case status == 0:
		status = http.StatusOK
	case status < 100 || status > 999:
		status = 0 // one "<invalid status>" value for all
	}

	// c holds the children this request updates, found together for the
	// view's first few combinations, resolved one by one for any other.
	mi, ti, named := methodIndex(r.Method), m.transport(r), view != UnnamedView
	var c *combo
	if responded {
		c = e.comboFor(mi, ti, status, named)
	}
	if c == nil {
		var each combo
		e.resolve(&each, mi, ti, status, responded, named)
		c = &each
	}
	c.byMethod.Inc()
	c.byTransport.Inc()
	if responded {
		c.byStatus.Inc()
	}
	if v := r.Header["X-Requested-With"]; len(v) > 0 && v[0] == "XMLHttpRequest" {
		m.ajax.Inc()
	}
	m.requestBody.Observe(float64(max(f.RequestBytes, 0)))

	if responded {
		if cs := m.charsetCounter(f.ContentType); cs != nil {
			cs.Inc()
		}
		switch {
		case f.Streaming:
			m.streaming.Inc()
		case !f.Hijacked && !(f.Panicked && f.Status != 0):
			// django-prometheus observes only responses with a body in
			// memory; a panic after the response started cut its body short.
			m.responseBody.Observe(float64(f.ResponseBytes))
		}
		if f.Template != "" {
			m.byTemplate.Get(children.Clean(f.Template)).Inc()
		}
	}

	if named {
		// As Django's process_view, only for requests a route resolved.
		c.byView.Inc()
	}
	if responded {
		c.byStatusView.Inc()
	}
	if m.exemplar == nil {
		c.latency.Observe(seconds(d))
	} else {
		m.observeExemplar(r, c.latency, seconds(d))
	}
	if abort {
		e.abortCounter().Inc()
	}
	if (f.Panicked && !abort) || f.Err != nil {
		m.exceptionTypes.Get(children.Clean(exceptionType(f, abort))).Inc()
		e.exceptionCounter().Inc()
	}
}

// patternView is what a ServeMux pattern resolves to: its view, and the
// view's entry when the entry depends on the view alone (no labeler) and
// the view is not excluded.
type patternView struct {
	view  string
	entry *viewEntry
}

// patternOf resolves a ServeMux pattern, remembered for the patterns of a
// ServeMux, which are the same strings on every request.
func (m *Metrics) patternOf(pattern string) patternView {
	if p, ok := m.patternMemo.Get(pattern); ok {
		return p
	}
	p := patternView{view: routeView(pattern)}
	if m.labeler == nil && !m.excluded(p.view) {
		// Not viewEntryFor: the view is found through patternMemo from
		// now on, so it need not take one of viewMemo's slots.
		p.entry = m.views.Get(children.Clean(p.view))
	}
	m.patternMemo.Put(pattern, p)
	return p
}

// routeOf is the WithRoute function's route for r, or "" when it panics.
func (m *Metrics) routeOf(r *http.Request) (route string) {
	defer func() {
		if recover() != nil {
			route = ""
		}
	}()
	return m.route(r)
}

// viewEntryFor returns the view entry of view and of the labeler's values
// for r. Without a labeler, a view string met before (a route pattern or a
// view name, the same string each time) is found in viewMemo. Clean values
// are valid UTF-8, which never holds the byte keySep, so the key splits
// back into exactly the values it joined.
func (m *Metrics) viewEntryFor(r *http.Request, view string) *viewEntry {
	if m.labeler == nil {
		if e, ok := m.viewMemo.Get(view); ok {
			return e
		}
		e := m.views.Get(children.Clean(view))
		m.viewMemo.Put(view, e)
		return e
	}
	view = children.Clean(view)
	var values [maxExtraLabels]string
	m.label(r, values[:m.nExtra])
	var b strings.Builder
	b.WriteString(view)
	for _, v := range values[:m.nExtra] {
		b.WriteString(keySep)
		b.WriteString(children.Clean(v))
	}
	return m.views.Get(b.String())
}

// label calls the labeler; when it panics, the values it set before are
// kept and the others stay empty.
func (m *Metrics) label(r *http.Request, values []string) {
	defer dropPanic()
	m.labeler(r, values)
}

// charsetCounter returns the responses-by-charset child of the charset of
// Content-Type ct, or nil when ct names none. A Content-Type met before (a
// constant a handler sets, or one of sniffedType's) is found in charsetMemo.
func (m *Metrics) charsetCounter(ct string) prometheus.Counter {
	if c, ok := m.charsetMemo.Get(ct); ok {
		return c
	}
	var c prometheus.Counter
	if cs := charset(ct); cs != "" {
		c = m.byCharset.Get(children.Clean(cs))
	}
	m.charsetMemo.Put(ct, c)
	return c
}

// charset returns the charset parameter of a Content-Type, or "": as
// Django reads it, the value after the first ";" followed by optional
// blanks and "charset=" (in any ASCII case), up to the next ";", without
// surrounding white space and double quotes.
func charset(ct string) string {
	for len(ct) > 0 {
		i := strings.IndexByte(ct, ';')
		if i < 0 {
			return ""
		}
		ct = strings.TrimLeft(ct[i+1:], " \t")
		const key = "charset="
		if len(ct) >= len(key) && strings.EqualFold(ct[:len(key)], key) {
			v := ct[len(key):]
			if j := strings.IndexByte(v, ';'); j >= 0 {
				v = v[:j]
			}
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}

func hasToken(values []string, token string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// exceptionType is the type label of a panic or reported error: the Go
// type of the panic value, or of the error with fmt's wrappers looked
// through; an error that is or wraps context.Canceled,
// context.DeadlineExceeded or driver.ErrBadConn is named after it, as
// sqlmetrics names it. An abort is not an exception: with abort set, the
// type is that of the error the handler reported.
func exceptionType(f *Facts, abort bool) string {
	if f.Panicked && !abort {
		switch p := f.Panic.(type) {
		case nil:
			return "runtime.Goexit"
		case error:
			return errtype.Name(p)
		}
		return reflect.TypeOf(f.Panic).String()
	}
	return errtype.Unwrapped(f.Err)
}

// SetTemplate records that the response w answers was rendered from the
// named template, for the responses-by-template family: the counterpart of
// a Django TemplateResponse. Names should come from the application's own
// set; WithMaxExceptionTypes bounds them. It reports whether After was found.
func SetTemplate(w http.ResponseWriter, name string) bool {
	s := stateOf(w)
	if s != nil {
		s.req.facts.Template = name
	}
	return s != nil
}

// ReportError records that the handler turned err into a response (a 404
// page for a missing row, say) for the exceptions families, as a view that
// raises does in Django. The type label is err's Go type, looking through
// fmt.Errorf's wrapping, or "context.Canceled", "context.DeadlineExceeded"
// or "driver.ErrBadConn" for an error that is or wraps one of these. A
// later call replaces an earlier one. It reports whether After was found.
func ReportError(w http.ResponseWriter, err error) bool {
	s := stateOf(w)
	if s != nil && err != nil {
		s.req.facts.Err = err
	}
	return s != nil
}
