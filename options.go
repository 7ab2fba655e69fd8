package stackprom

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom/internal/config"
	"github.com/stackprom/stackprom/internal/schema"
)

// Option is an option every stackprom constructor accepts: those of the
// component packages (httpmetrics.New, sqlmetrics.Open, cachemetrics.New,
// modelmetrics.New, migrationmetrics.New and the adapters) and those of
// export (NewHandler, StartServer, Push). The With… functions of this file
// return one. Each component package has an Option type of its own, which
// these satisfy and which no other component's options do, so that an
// option passed to the wrong constructor does not compile.
type Option interface {
	config.SharedOption
}

// Options combines options into one, so that a service can hold its common
// set (registerer, namespace, constant labels) in one value and pass it to
// every component: a []Option does not convert to a component's option
// slice, but each Option converts to its option type.
func Options(opts ...Option) Option {
	opts = slices.Clone(opts)
	return config.Shared(func(c *config.Config) {
		for _, o := range opts {
			if o != nil {
				config.Apply(c, o)
			}
		}
	})
}

// Naming selects a naming preset: NamingDefault or NamingDjango.
type Naming uint8

// The naming presets.
const (
	// NamingDefault names families after Prometheus naming practice
	// (http_requests_by_method_total), clean under promtool check metrics.
	NamingDefault Naming = 0
	// NamingDjango names families exactly as django-prometheus exposes them
	// (django_http_requests_total_by_method_total), quirks included.
	NamingDjango Naming = 1
)

// String returns "default" or "django", what ParseNaming reads.
func (n Naming) String() string { return config.Naming(n).String() }

// ParseNaming turns "default" or "django" into a Naming, for flags and
// configuration files.
func ParseNaming(s string) (Naming, error) {
	switch s {
	case "default", "":
		return NamingDefault, nil
	case "django":
		return NamingDjango, nil
	}
	return NamingDefault, fmt.Errorf("stackprom: unknown naming preset %q (want default or django)", s)
}

// WithRegisterer registers the families on r instead of
// prometheus.DefaultRegisterer. With a nil r nothing is registered.
// Families already registered on r by another instance are shared, not
// registered twice.
func WithRegisterer(r prometheus.Registerer) Option {
	return config.Shared(func(c *config.Config) { c.Registerer = r })
}

// WithGatherer sets what NewHandler, the metrics server and Push expose.
// The default is the registerer when it is also a Gatherer (a
// *prometheus.Registry is), else prometheus.DefaultGatherer.
func WithGatherer(g prometheus.Gatherer) ExportOption {
	return config.ExportFunc(func(c *config.Config) { c.Gatherer = g })
}

// WithNamespace prefixes every family name with ns and an underscore, in
// both presets (shop_http_…, shop_django_http_…), as django-prometheus's
// PROMETHEUS_METRIC_NAMESPACE does. The default is no prefix.
func WithNamespace(ns string) Option {
	return config.Shared(func(c *config.Config) {
		if ns != "" && !config.ValidName(ns) {
			c.Fail(fmt.Errorf("stackprom: WithNamespace: %q is not a valid metric name prefix", ns))
			return
		}
		c.Namespace = ns
	})
}

// WithNaming selects the naming preset. The default is NamingDefault.
func WithNaming(n Naming) Option {
	return config.Shared(func(c *config.Config) {
		if n != NamingDefault && n != NamingDjango {
			c.Fail(fmt.Errorf("stackprom: WithNaming: unknown preset %v", n))
			return
		}
		c.Naming = config.Naming(n)
	})
}

// WithConstLabels adds labels with fixed values to every family, such as
// the service's name or region. Names must be legacy Prometheus label names
// (letters, digits, underscores, not starting with a digit or "__"), so
// that every scraper reads them unchanged; a name that is also one of a
// family's own labels fails when the component is built.
func WithConstLabels(l prometheus.Labels) Option {
	return config.Shared(func(c *config.Config) {
		if c.ConstLabels == nil {
			c.ConstLabels = prometheus.Labels{}
		}
		for k, v := range l {
			if !config.ValidName(k) || strings.HasPrefix(k, "__") {
				c.Fail(fmt.Errorf("stackprom: WithConstLabels: %q is not a valid label name", k))
				continue
			}
			c.ConstLabels[k] = v
		}
	})
}

// WithBuckets sets the buckets of one histogram family, named by its
// default-preset name (say "http_requests_latency_by_view_method_seconds").
// It wins over WithLatencyBuckets and WithSizeBuckets. Buckets must be
// strictly increasing; +Inf is implied.
func WithBuckets(family string, buckets ...float64) Option {
	return config.Shared(func(c *config.Config) {
		f, ok := schema.Lookup(family)
		if !ok || f.Kind != schema.Histogram {
			c.Fail(fmt.Errorf("stackprom: WithBuckets: %q is not a histogram family (see Families)", family))
			return
		}
		if err := checkBuckets(buckets); err != nil {
			c.Fail(fmt.Errorf("stackprom: WithBuckets(%q): %w", family, err))
			return
		}
		if c.Buckets == nil {
			c.Buckets = map[string][]float64{}
		}
		c.Buckets[family] = slices.Clone(buckets)
	})
}

// WithLatencyBuckets sets the buckets of every HTTP and database latency
// histogram (seconds), as PROMETHEUS_LATENCY_BUCKETS does. The cache
// operation histogram keeps its own finer buckets; set them with WithBuckets. The default is django-prometheus's:
// 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 25, 50, 75.
func WithLatencyBuckets(buckets ...float64) Option {
	return config.Shared(func(c *config.Config) {
		if err := checkBuckets(buckets); err != nil {
			c.Fail(fmt.Errorf("stackprom: WithLatencyBuckets: %w", err))
			return
		}
		c.LatencyBuckets = slices.Clone(buckets)
	})
}

// WithSizeBuckets sets the buckets of every body-size histogram (bytes). The
// default is django-prometheus's: 0, then the powers of two 2^0 … 2^29.
func WithSizeBuckets(buckets ...float64) Option {
	return config.Shared(func(c *config.Config) {
		if err := checkBuckets(buckets); err != nil {
			c.Fail(fmt.Errorf("stackprom: WithSizeBuckets: %w", err))
			return
		}
		c.SizeBuckets = slices.Clone(buckets)
	})
}

// WithNativeHistograms makes every histogram a native histogram as well,
// with the given bucket growth factor (1.1 is a common choice), keeping the
// classic buckets for scrapers that do not negotiate native histograms.
func WithNativeHistograms(factor float64) Option {
	return config.Shared(func(c *config.Config) {
		if !(factor > 1) || math.IsInf(factor, 1) {
			c.Fail(fmt.Errorf("stackprom: WithNativeHistograms: factor %v must be finite and greater than 1", factor))
			return
		}
		c.NativeHistogramFactor = factor
	})
}

// WithExemplar attaches an exemplar to latency observations: f is called
// with the request's or operation's context and returns the exemplar's
// labels (typically trace_id), or nil for none. Exemplars are exposed in the
// OpenMetrics format, which Handler negotiates.
func WithExemplar(f func(ctx context.Context) prometheus.Labels) Option {
	return config.Shared(func(c *config.Config) { c.Exemplar = f })
}

func checkBuckets(b []float64) error {
	if len(b) == 0 {
		return errors.New("no buckets")
	}
	if math.IsNaN(b[0]) {
		return errors.New("NaN is not a bucket bound")
	}
	for i := 1; i < len(b); i++ {
		if !(b[i] > b[i-1]) {
			return fmt.Errorf("buckets must be strictly increasing, got %v after %v", b[i], b[i-1])
		}
	}
	return nil
}
