package schema

import (
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom/internal/config"
)

// DefaultLatencyBuckets are django-prometheus's PROMETHEUS_LATENCY_BUCKETS.
var DefaultLatencyBuckets = []float64{
	0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 25, 50, 75,
}

// DefaultCacheBuckets are the cache operation histogram's buckets: from
// 100 µs, a cache round trip on loopback, to 1 s. WithLatencyBuckets does
// not apply to them.
var DefaultCacheBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}

// DefaultSizeBuckets are django-prometheus's PowersOf(2, 30): 0, then 2^0 … 2^29.
var DefaultSizeBuckets = func() []float64 {
	b := []float64{0}
	for i := 0; i < 30; i++ {
		b = append(b, float64(int64(1)<<i))
	}
	return b
}()

// FullName is the exposed name of f under c's naming preset and namespace.
func FullName(c *config.Config, f *Family) string {
	name := f.Name
	if c.Naming == config.NamingDjango {
		name = f.DjangoName()
	}
	if c.Namespace != "" {
		name = c.Namespace + "_" + name
	}
	return name
}

// Help is f's help text under c's naming preset.
func Help(c *config.Config, f *Family) string {
	if c.Naming == config.NamingDefault && f.HelpNew != "" {
		return f.HelpNew
	}
	return f.Help
}

// Buckets returns the buckets of histogram f: those set for f by name, else
// those set for its bucket kind, else the schema default.
func Buckets(c *config.Config, f *Family) []float64 {
	if b, ok := c.Buckets[f.Name]; ok {
		return b
	}
	switch f.Buckets {
	case LatencyBuckets:
		if c.LatencyBuckets != nil {
			return c.LatencyBuckets
		}
		return DefaultLatencyBuckets
	case SizeBuckets:
		if c.SizeBuckets != nil {
			return c.SizeBuckets
		}
		return DefaultSizeBuckets
	case CacheBuckets:
		return DefaultCacheBuckets
	}
	return prometheus.DefBuckets
}

func family(name string, k Kind) *Family {
	f, ok := Lookup(name)
	if !ok || f.Kind != k {
		// A programming error inside stackprom, caught by every test.
		panic(fmt.Sprintf("stackprom: no %s family %q in the schema", k, name))
	}
	return f
}

func labels(f *Family, extra []string) []string {
	if len(extra) == 0 {
		return f.Labels
	}
	return append(append([]string(nil), f.Labels...), extra...)
}

// NewCounter builds and registers the label-less counter family name.
func NewCounter(c *config.Config, name string) (prometheus.Counter, error) {
	f := family(name, Counter)
	return register(c, f, prometheus.NewCounter(prometheus.CounterOpts{
		Name: FullName(c, f), Help: Help(c, f), ConstLabels: c.ConstLabels,
	}))
}

// NewCounterVec builds and registers counter family name, with extra labels
// after the schema's own.
func NewCounterVec(c *config.Config, name string, extra ...string) (*prometheus.CounterVec, error) {
	f := family(name, Counter)
	return register(c, f, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: FullName(c, f), Help: Help(c, f), ConstLabels: c.ConstLabels,
	}, labels(f, extra)))
}

// NewGauge builds and registers the label-less gauge family name.
func NewGauge(c *config.Config, name string) (prometheus.Gauge, error) {
	f := family(name, Gauge)
	return register(c, f, prometheus.NewGauge(prometheus.GaugeOpts{
		Name: FullName(c, f), Help: Help(c, f), ConstLabels: c.ConstLabels,
	}))
}

// NewGaugeVec builds and registers gauge family name.
func NewGaugeVec(c *config.Config, name string, extra ...string) (*prometheus.GaugeVec, error) {
	f := family(name, Gauge)
	return register(c, f, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: FullName(c, f), Help: Help(c, f), ConstLabels: c.ConstLabels,
	}, labels(f, extra)))
}

// layout is what a histogram's observations go into: its classic buckets
// and its native bucket factor (0 for none). Two instances on one registry
// share a family only when they ask for the same layout.
type layout struct {
	buckets []float64
	factor  float64
}

func (l layout) String() string {
	s := fmt.Sprintf("buckets %v", l.buckets)
	if l.factor > 0 {
		s += fmt.Sprintf(" and native bucket factor %v", l.factor)
	}
	return s
}

func (l layout) equal(o layout) bool {
	return l.factor == o.factor && slices.Equal(l.buckets, o.buckets)
}

// histogram and histogramVec are what is registered for a histogram family:
// the client_golang collector with its layout.
type histogram struct {
	prometheus.Histogram
	layout
}

type histogramVec struct {
	*prometheus.HistogramVec
	layout
}

func (h *histogram) layoutOf() layout    { return h.layout }
func (h *histogramVec) layoutOf() layout { return h.layout }

func histogramOpts(c *config.Config, f *Family) prometheus.HistogramOpts {
	o := prometheus.HistogramOpts{
		Name: FullName(c, f), Help: Help(c, f), ConstLabels: c.ConstLabels,
		Buckets: Buckets(c, f),
	}
	if c.NativeHistogramFactor > 1 {
		o.NativeHistogramBucketFactor = c.NativeHistogramFactor
		o.NativeHistogramMaxBucketNumber = 160
		o.NativeHistogramMinResetDuration = time.Hour
	}
	return o
}

// NewHistogram builds and registers the label-less histogram family name.
// A family already registered with other buckets is an error.
func NewHistogram(c *config.Config, name string) (prometheus.Histogram, error) {
	f := family(name, Histogram)
	o := histogramOpts(c, f)
	h, err := register(c, f, &histogram{prometheus.NewHistogram(o), layoutOf(o)})
	return h.Histogram, err
}

// NewHistogramVec builds and registers histogram family name. A family
// already registered with other buckets is an error.
func NewHistogramVec(c *config.Config, name string, extra ...string) (*prometheus.HistogramVec, error) {
	f := family(name, Histogram)
	o := histogramOpts(c, f)
	h, err := register(c, f, &histogramVec{prometheus.NewHistogramVec(o, labels(f, extra)), layoutOf(o)})
	return h.HistogramVec, err
}

func layoutOf(o prometheus.HistogramOpts) layout {
	return layout{o.Buckets, o.NativeHistogramBucketFactor}
}

// register registers col, or returns the collector already registered for
// the same family so that two instances on one registry share it. A nil
// registerer registers nothing.
func register[T prometheus.Collector](c *config.Config, f *Family, col T) (T, error) {
	if c.Registerer == nil {
		return col, nil
	}
	err := c.Registerer.Register(col)
	if err == nil {
		return col, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(T); ok {
			if err := sameLayout(c, f, existing, col); err != nil {
				return col, err
			}
			return existing, nil
		}
		return col, fmt.Errorf("stackprom: %s is already registered by another kind of collector", FullName(c, f))
	}
	return col, fmt.Errorf("stackprom: registering %s: %w", FullName(c, f), err)
}

// sameLayout returns an error when existing and col are histograms that ask
// for different buckets: sharing the family would put col's observations
// into buckets its options did not ask for.
func sameLayout(c *config.Config, f *Family, existing, col prometheus.Collector) error {
	e, ok1 := existing.(interface{ layoutOf() layout })
	n, ok2 := col.(interface{ layoutOf() layout })
	if !ok1 || !ok2 || e.layoutOf().equal(n.layoutOf()) {
		return nil
	}
	return fmt.Errorf("stackprom: %s is already registered on this registry with %v; this instance asks for %v "+
		"(a family has one set of buckets per registry: give both instances the same bucket options, or another registry)",
		FullName(c, f), e.layoutOf(), n.layoutOf())
}

// Builder builds several families of one component, keeping the first
// error, so that a constructor reads as a list of families.
type Builder struct {
	C   *config.Config
	Err error
}

func (b *Builder) keep(err error) {
	if b.Err == nil {
		b.Err = err
	}
}

// Counter is NewCounter, keeping the first error.
func (b *Builder) Counter(name string) prometheus.Counter {
	c, err := NewCounter(b.C, name)
	b.keep(err)
	return c
}

// CounterVec is NewCounterVec, keeping the first error.
func (b *Builder) CounterVec(name string, extra ...string) *prometheus.CounterVec {
	c, err := NewCounterVec(b.C, name, extra...)
	b.keep(err)
	return c
}

// Gauge is NewGauge, keeping the first error.
func (b *Builder) Gauge(name string) prometheus.Gauge {
	g, err := NewGauge(b.C, name)
	b.keep(err)
	return g
}

// GaugeVec is NewGaugeVec, keeping the first error.
func (b *Builder) GaugeVec(name string, extra ...string) *prometheus.GaugeVec {
	g, err := NewGaugeVec(b.C, name, extra...)
	b.keep(err)
	return g
}

// Histogram is NewHistogram, keeping the first error.
func (b *Builder) Histogram(name string) prometheus.Histogram {
	h, err := NewHistogram(b.C, name)
	b.keep(err)
	return h
}

// HistogramVec is NewHistogramVec, keeping the first error.
func (b *Builder) HistogramVec(name string, extra ...string) *prometheus.HistogramVec {
	h, err := NewHistogramVec(b.C, name, extra...)
	b.keep(err)
	return h
}

// AtomicGauge is a label-less gauge of whole numbers kept in one atomic
// integer: Add costs an atomic add where a prometheus.Gauge runs a
// compare-and-swap loop on a float, which matters for a gauge every request
// moves twice (requests in flight) on every core. It is a
// prometheus.Collector exposing one gauge.
type AtomicGauge struct {
	desc *prometheus.Desc
	n    atomic.Int64
}

// Add adds delta.
func (g *AtomicGauge) Add(delta int64) { g.n.Add(delta) }

// Describe sends the gauge's descriptor.
func (g *AtomicGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

// Collect sends the gauge's current value.
func (g *AtomicGauge) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, float64(g.n.Load()))
}

// NewAtomicGauge builds and registers the label-less gauge family name as an
// AtomicGauge.
func NewAtomicGauge(c *config.Config, name string) (*AtomicGauge, error) {
	f := family(name, Gauge)
	return register(c, f, &AtomicGauge{desc: prometheus.NewDesc(FullName(c, f), Help(c, f), nil, c.ConstLabels)})
}

// AtomicGauge is NewAtomicGauge, keeping the first error.
func (b *Builder) AtomicGauge(name string) *AtomicGauge {
	g, err := NewAtomicGauge(b.C, name)
	b.keep(err)
	return g
}
