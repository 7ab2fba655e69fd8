package httpmetrics

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/stackprom/stackprom/internal/children"
)

// Facts is what is known about one finished request. After gathers them
// from its ResponseWriter; a framework adapter that reads them from the
// framework instead (gin's FullPath, status and size, say) passes them to
// Record.
type Facts struct {
	// View is the view label: the route's name or template. Empty means
	// the WithRoute function, then ServeMux's Request.Pattern, then
	// "<unnamed view>".
	View string
	// Status is the response status; 0 means 200 (nothing was written).
	Status int
	// RequestBytes is the number of body bytes the handler read; 0 means
	// none were read, and the Content-Length header is used instead.
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
	// Panicked is true when the handler panicked, with value Panic.
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

// record records one request that took d in every After family.
func (m *Metrics) record(r *http.Request, d time.Duration, f *Facts) {
	elapsed := seconds(d)

	view := f.View
	if view == "" && m.route != nil {
		view = m.route(r)
	}
	if view == "" {
		view = routeView(r.Pattern)
	}
	if view == "" {
		view = UnnamedView
	}
	if m.excluded(view) {
		return
	}

	status := f.Status
	switch {
	case f.Panicked:
		status = http.StatusInternalServerError
	case status == 0 && f.Hijacked && hasToken(r.Header["Connection"], "upgrade"):
		status = http.StatusSwitchingProtocols
	case status == 0:
		status = http.StatusOK
	case status < 100 || status > 999:
		status = 0 // one "<invalid status>" value for all
	}

	mi, ti := methodIndex(r.Method), m.transport(r)
	m.methodCounter(mi).Inc()
	m.transportCounter(ti).Inc()
	if v := r.Header["X-Requested-With"]; len(v) > 0 && v[0] == "XMLHttpRequest" {
		m.ajax.Inc()
	}
	reqBytes := f.RequestBytes
	if reqBytes <= 0 {
		reqBytes = contentLength(r)
	}
	m.requestBody.Observe(float64(reqBytes))

	m.statusCounter(status).Inc()
	if cs := charset(f.ContentType); cs != "" {
		m.byCharset.Get(cs).Inc()
	}
	switch {
	case f.Streaming:
		m.streaming.Inc()
	case !f.Hijacked:
		// django-prometheus observes only responses with a body in memory.
		m.responseBody.Observe(float64(f.ResponseBytes))
	}
	if f.Template != "" {
		m.byTemplate.Get(f.Template).Inc()
	}

	e := m.viewEntryFor(r, view)
	if view != UnnamedView {
		// As Django's process_view, only for requests a route resolved.
		e.requestCounter(mi, ti).Inc()
	}
	e.statusCounter(mi, status).Inc()
	children.Observe(r.Context(), e.latencyObserver(mi), elapsed, m.exemplar)
	if f.Panicked || f.Err != nil {
		m.exceptionTypes.Get(exceptionType(f)).Inc()
		e.exceptionCounter().Inc()
	}
}

func (m *Metrics) viewEntryFor(r *http.Request, view string) *viewEntry {
	if m.labeler == nil {
		return m.views.Get(view)
	}
	var values [maxExtraLabels]string
	m.labeler(r, values[:m.nExtra])
	var b strings.Builder
	b.WriteString(view)
	for _, v := range values[:m.nExtra] {
		b.WriteString(keySep)
		b.WriteString(strings.ReplaceAll(v, keySep, ""))
	}
	return m.views.Get(b.String())
}

// contentLength is the request's declared body size: net/http's parse of
// the Content-Length header, where a missing or negative one (-1: a chunked
// body of unknown length) counts 0. A malformed header never reaches a
// handler: net/http answers 400 itself.
func contentLength(r *http.Request) int64 {
	return max(r.ContentLength, 0)
}

// charset returns the charset parameter of a Content-Type, or "".
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

// exceptionType is the type label of a panic or reported error: the Go type
// of the panic value, or of the error with fmt's wrappers looked through.
func exceptionType(f *Facts) string {
	if f.Panicked {
		switch f.Panic {
		case nil:
			return "runtime.Goexit"
		case http.ErrAbortHandler:
			return "http.ErrAbortHandler"
		}
		return reflect.TypeOf(f.Panic).String()
	}
	err := f.Err
	for {
		t := reflect.TypeOf(err)
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		next := errors.Unwrap(err)
		if t.PkgPath() != "fmt" || next == nil {
			return reflect.TypeOf(err).String()
		}
		err = next
	}
}

// SetTemplate records that the response w answers was rendered from the
// named template, for the responses-by-template family: the counterpart of
// a Django TemplateResponse. Names should come from the application's own
// set; WithMaxExceptionTypes bounds them. It reports whether After was found.
func SetTemplate(w http.ResponseWriter, name string) bool {
	s := stateOf(w)
	if s != nil {
		s.facts.Template = name
	}
	return s != nil
}

// ReportError records that the handler turned err into a response (a 404
// page for a missing row, say) for the exceptions families, as a view that
// raises does in Django. The type label is err's Go type, looking through
// fmt.Errorf's wrapping. A later call replaces an earlier one. It reports
// whether After was found.
func ReportError(w http.ResponseWriter, err error) bool {
	s := stateOf(w)
	if s != nil && err != nil {
		s.facts.Err = err
	}
	return s != nil
}
