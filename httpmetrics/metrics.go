package httpmetrics

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom/internal/children"
	"github.com/stackprom/stackprom/internal/config"
	"github.com/stackprom/stackprom/internal/schema"
)

// Label values stackprom writes itself.
const (
	// UnnamedView is the view of a request that matched no route.
	UnnamedView = "<unnamed view>"
	// InvalidMethod is the method of a request whose method is not one of
	// GET HEAD POST PUT DELETE TRACE OPTIONS CONNECT PATCH.
	InvalidMethod = "<invalid method>"
	// Other stands for every value past a cap (WithMaxViews,
	// WithMaxExceptionTypes).
	Other = "<other>"
)

// Metrics holds the HTTP families of one registry. Build it once with New
// and use its Before and After middlewares (or Instrument, which stacks
// both) on every handler; it is safe for concurrent use.
type Metrics struct {
	// Before's families.
	requestsBefore  prometheus.Counter
	responsesBefore prometheus.Counter
	latencyBefore   prometheus.Histogram
	inFlight        *schema.AtomicGauge

	// After's families, with their children resolved on first use.
	byMethod       *prometheus.CounterVec
	byMethodC      [nMethods]children.Slot[prometheus.Counter]
	byTransport    *prometheus.CounterVec
	byTransportC   [2]children.Slot[prometheus.Counter]
	ajax           prometheus.Counter
	requestBody    prometheus.Histogram
	responseBody   prometheus.Histogram
	byStatus       *prometheus.CounterVec
	byStatusC      [1000]children.Slot[prometheus.Counter]
	streaming      prometheus.Counter
	byTemplate     children.Bounded[prometheus.Counter]
	byCharset      children.Bounded[prometheus.Counter]
	exceptionTypes children.Bounded[prometheus.Counter]
	views          children.Bounded[*viewEntry]
	viewMemo       children.Memo[*viewEntry]
	patternMemo    children.Memo[patternView]
	charsetMemo    children.Memo[prometheus.Counter]

	// The per-view families; views resolves their children.
	byView         *prometheus.CounterVec
	byStatusView   *prometheus.CounterVec
	latencyByView  *prometheus.HistogramVec
	exceptionsView *prometheus.CounterVec
	abortsView     *prometheus.CounterVec

	exclude     map[string]struct{}
	proxyHeader string
	proxyValue  string
	route       func(*http.Request) string
	labeler     func(*http.Request, []string)
	nExtra      int
	exemplar    func(context.Context) prometheus.Labels
}

// New builds the HTTP families and registers them (see
// stackprom.WithRegisterer). Families already registered on the same
// registry by another Metrics are shared. It returns an error if an option
// is invalid or a family clashes with a different collector of the same name.
func New(opts ...Option) (*Metrics, error) {
	c, err := config.New(opts)
	if err != nil {
		return nil, err
	}
	extra := c.HTTP.LabelNames
	b := schema.Builder{C: c}
	m := &Metrics{
		requestsBefore:  b.Counter(schema.HTTPRequestsBefore),
		responsesBefore: b.Counter(schema.HTTPResponsesBefore),
		latencyBefore:   b.Histogram(schema.HTTPLatencyBefore),
		inFlight:        b.AtomicGauge(schema.HTTPInFlight),
		byMethod:        b.CounterVec(schema.HTTPRequestsByMethod),
		byTransport:     b.CounterVec(schema.HTTPRequestsByTransport),
		ajax:            b.Counter(schema.HTTPAjax),
		requestBody:     b.Histogram(schema.HTTPRequestBody),
		byView:          b.CounterVec(schema.HTTPRequestsByView, extra...),
		byStatus:        b.CounterVec(schema.HTTPResponsesByStatus),
		byStatusView:    b.CounterVec(schema.HTTPResponsesByStatusView, extra...),
		responseBody:    b.Histogram(schema.HTTPResponseBody),
		streaming:       b.Counter(schema.HTTPResponsesStreaming),
		latencyByView:   b.HistogramVec(schema.HTTPLatencyByView, extra...),
		exceptionsView:  b.CounterVec(schema.HTTPExceptionsByView, extra...),
		abortsView:      b.CounterVec(schema.HTTPAbortsByView, extra...),
		exclude:         nilIfEmpty(c.HTTP.Exclude),
		proxyHeader:     c.HTTP.ProxyHeader,
		proxyValue:      c.HTTP.ProxyValue,
		route:           c.HTTP.Route,
		labeler:         c.HTTP.Labeler,
		nExtra:          len(extra),
		exemplar:        contained(c.Exemplar),
	}
	// These three exist at zero from the start, as in django-prometheus,
	// though a Go server always knows a request's start time.
	b.Counter(schema.HTTPUnknownLatencyBefore)
	b.Counter(schema.HTTPUnknownLatency)
	byTemplate := b.CounterVec(schema.HTTPResponsesByTemplate)
	byCharset := b.CounterVec(schema.HTTPResponsesByCharset)
	byType := b.CounterVec(schema.HTTPExceptionsByType)
	if b.Err != nil {
		return nil, b.Err
	}
	m.byTemplate = bounded(byTemplate, c.HTTP.MaxTypes)
	m.byCharset = bounded(byCharset, c.HTTP.MaxTypes)
	m.exceptionTypes = bounded(byType, c.HTTP.MaxTypes)
	m.views = children.Bounded[*viewEntry]{Max: c.HTTP.MaxViews, New: m.newViewEntry}
	return m, nil
}

// MustNew is New for use in a one-line setup; it panics on error.
func MustNew(opts ...Option) *Metrics { return config.Must(New(opts...)) }

// contained returns ex made safe to call after a handler: a panic in it
// gives no exemplar instead of reaching the request.
func contained(ex func(context.Context) prometheus.Labels) func(context.Context) prometheus.Labels {
	if ex == nil {
		return nil
	}
	return func(ctx context.Context) (l prometheus.Labels) {
		defer func() {
			if recover() != nil {
				l = nil
			}
		}()
		return ex(ctx)
	}
}

func nilIfEmpty(m map[string]struct{}) map[string]struct{} {
	if len(m) == 0 {
		return nil
	}
	return m
}

func bounded(v *prometheus.CounterVec, max int) children.Bounded[prometheus.Counter] {
	return children.Bounded[prometheus.Counter]{
		Max: max,
		New: func(value string) prometheus.Counter { return v.WithLabelValues(value) },
	}
}

// The bounded method label: every family maps a method through this table.
const nMethods = 10

var methods = [nMethods]string{
	"GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "OPTIONS", "CONNECT", "PATCH", InvalidMethod,
}

func methodIndex(m string) int {
	switch m {
	case http.MethodGet:
		return 0
	case http.MethodHead:
		return 1
	case http.MethodPost:
		return 2
	case http.MethodPut:
		return 3
	case http.MethodDelete:
		return 4
	case http.MethodTrace:
		return 5
	case http.MethodOptions:
		return 6
	case http.MethodConnect:
		return 7
	case http.MethodPatch:
		return 8
	}
	return nMethods - 1
}

var transports = [2]string{"http", "https"}

func (m *Metrics) transport(r *http.Request) int {
	if r.TLS != nil {
		return 1
	}
	if m.proxyHeader != "" && m.proxied(r) {
		return 1
	}
	return 0
}

// proxied reports whether the trusted proxy header says https.
func (m *Metrics) proxied(r *http.Request) bool {
	v := r.Header[m.proxyHeader]
	return len(v) > 0 && strings.EqualFold(strings.TrimSpace(v[0]), m.proxyValue)
}

// excluded reports whether name, a path or a view, is excluded. Without
// exclusions (m.exclude is nil then) it is one comparison, inlined.
func (m *Metrics) excluded(name string) bool {
	return m.exclude != nil && m.isExcluded(name)
}

func (m *Metrics) isExcluded(name string) bool {
	_, ok := m.exclude[name]
	return ok
}

// epoch is the origin of now's monotonic clock.
var epoch = time.Now()

// fakeNow, when set (by tests), is now's clock.
var fakeNow func() time.Duration

// now reads the monotonic clock: one vDSO read, no wall-clock read.
func now() time.Duration {
	if fakeNow != nil {
		return fakeNow()
	}
	return time.Since(epoch)
}

func seconds(d time.Duration) float64 { return float64(d) / float64(time.Second) }

func statusLabel(code int) string {
	if code < 100 || code > 999 {
		return "<invalid status>"
	}
	return strconv.Itoa(code)
}

func (m *Metrics) statusCounter(code int) prometheus.Counter {
	i := code
	if i < 0 || i >= len(m.byStatusC) {
		i = 0 // every invalid code shares slot 0 and one label value
	}
	if c, ok := m.byStatusC[i].Load(); ok {
		return c
	}
	return m.byStatusC[i].Store(m.byStatus.WithLabelValues(statusLabel(code)))
}

func (m *Metrics) methodCounter(mi int) prometheus.Counter {
	if c, ok := m.byMethodC[mi].Load(); ok {
		return c
	}
	return m.byMethodC[mi].Store(m.byMethod.WithLabelValues(methods[mi]))
}

func (m *Metrics) transportCounter(ti int) prometheus.Counter {
	if c, ok := m.byTransportC[ti].Load(); ok {
		return c
	}
	return m.byTransportC[ti].Store(m.byTransport.WithLabelValues(transports[ti]))
}
