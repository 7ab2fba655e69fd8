// Package config holds the settings every stackprom component reads and the
// option type that sets them. The root package re-exports Option and Naming;
// each component package adds the With… options that concern it.
package config

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Naming selects one of the two metric naming presets.
type Naming uint8

const (
	// NamingDefault follows Prometheus naming practice.
	NamingDefault Naming = iota
	// NamingDjango reproduces django-prometheus's exposed names byte for byte.
	NamingDjango
)

// String returns "default" or "django".
func (n Naming) String() string {
	switch n {
	case NamingDefault:
		return "default"
	case NamingDjango:
		return "django"
	}
	return fmt.Sprintf("Naming(%d)", uint8(n))
}

// Option changes a Config. Options are applied in order; a later option
// overrides an earlier one. Its method is unexported, and so are the marks
// below: only this package's types implement them, so that a public option
// type that embeds an option interface of this package is sealed.
type Option interface {
	apply(*Config)
}

// The option interfaces, one per kind of constructor. Each requires a mark
// method that only the option types meant for that constructor have, so
// that an option passed to the wrong constructor does not compile.
type (
	// HTTPOption is accepted by httpmetrics.
	HTTPOption interface {
		Option
		httpOption()
	}
	// SQLOption is accepted by sqlmetrics and its adapters.
	SQLOption interface {
		Option
		sqlOption()
	}
	// CacheOption is accepted by cachemetrics and its adapters.
	CacheOption interface {
		Option
		cacheOption()
	}
	// ModelOption is accepted by modelmetrics.
	ModelOption interface {
		Option
		modelOption()
	}
	// MigrationOption is accepted by migrationmetrics.
	MigrationOption interface {
		Option
		migrationOption()
	}
	// HandlerOption is accepted by the metrics handler, and by the
	// metrics server, which serves it.
	HandlerOption interface {
		ServerOption
		handlerOption()
	}
	// ServerOption is accepted by the metrics server.
	ServerOption interface {
		Option
		serverOption()
	}
	// PushOption is accepted by Pushgateway pushes.
	PushOption interface {
		Option
		pushOption()
	}
	// ExportOption is accepted by the handler, the server and pushes.
	ExportOption interface {
		HandlerOption
		PushOption
	}
	// SharedOption is accepted by every constructor.
	SharedOption interface {
		HTTPOption
		SQLOption
		CacheOption
		ModelOption
		MigrationOption
		ExportOption
	}
)

// The option types. Each is a function that changes a Config and carries
// the marks of the constructors that accept it.
type (
	// Shared is an option of every component.
	Shared func(*Config)
	// HTTPFunc is an option of httpmetrics.
	HTTPFunc func(*Config)
	// SQLFunc is an option of sqlmetrics.
	SQLFunc func(*Config)
	// CacheFunc is an option of cachemetrics.
	CacheFunc func(*Config)
	// ModelFunc is an option of modelmetrics.
	ModelFunc func(*Config)
	// MigrationFunc is an option of migrationmetrics.
	MigrationFunc func(*Config)
	// ExportFunc is an option of the handler, the server and pushes.
	ExportFunc func(*Config)
	// HandlerFunc is an option of the handler and the server.
	HandlerFunc func(*Config)
	// ServerFunc is an option of the metrics server.
	ServerFunc func(*Config)
	// PushFunc is an option of pushes.
	PushFunc func(*Config)
)

func (f Shared) apply(c *Config)        { f(c) }
func (f HTTPFunc) apply(c *Config)      { f(c) }
func (f SQLFunc) apply(c *Config)       { f(c) }
func (f CacheFunc) apply(c *Config)     { f(c) }
func (f ModelFunc) apply(c *Config)     { f(c) }
func (f MigrationFunc) apply(c *Config) { f(c) }
func (f ExportFunc) apply(c *Config)    { f(c) }
func (f HandlerFunc) apply(c *Config)   { f(c) }
func (f ServerFunc) apply(c *Config)    { f(c) }
func (f PushFunc) apply(c *Config)      { f(c) }

func (Shared) httpOption()      {}
func (Shared) sqlOption()       {}
func (Shared) cacheOption()     {}
func (Shared) modelOption()     {}
func (Shared) migrationOption() {}
func (Shared) handlerOption()   {}
func (Shared) serverOption()    {}
func (Shared) pushOption()      {}

func (HTTPFunc) httpOption()           {}
func (SQLFunc) sqlOption()             {}
func (CacheFunc) cacheOption()         {}
func (ModelFunc) modelOption()         {}
func (MigrationFunc) migrationOption() {}

func (ExportFunc) handlerOption() {}
func (ExportFunc) serverOption()  {}
func (ExportFunc) pushOption()    {}

func (HandlerFunc) handlerOption() {}
func (HandlerFunc) serverOption()  {}

func (ServerFunc) serverOption() {}

func (PushFunc) pushOption() {}

// Config is the resolved set of options. The zero value is not ready for
// use: call New.
type Config struct {
	Registerer            prometheus.Registerer
	Gatherer              prometheus.Gatherer
	Namespace             string
	Naming                Naming
	ConstLabels           prometheus.Labels
	Buckets               map[string][]float64 // by default-preset family name
	LatencyBuckets        []float64            // nil: the schema default
	SizeBuckets           []float64            // nil: the schema default
	NativeHistogramFactor float64              // > 1 enables native histograms
	Exemplar              func(context.Context) prometheus.Labels

	HTTP      HTTP
	Export    Export
	SQL       SQL
	Model     Model
	Migration Migration
	Cache     Cache

	errs []error
}

// HTTP holds the settings of httpmetrics.
type HTTP struct {
	Exclude     map[string]struct{}
	MaxViews    int
	MaxTypes    int
	ProxyHeader string // trusted header carrying the original scheme
	ProxyValue  string // its value for https
	LabelNames  []string
	Labeler     func(r *http.Request, values []string)
	Route       func(r *http.Request) string
}

// SQL holds the settings of sqlmetrics and its adapters. The zero value is
// the default: alias "default", vendor detected from the driver, duration of
// the driver call only, DefaultMaxTypes error types, pool statistics on.
type SQL struct {
	Alias           string
	Vendor          string
	UntilRowsClosed bool // the duration runs until the rows are closed
	MaxErrorTypes   int
	NoPoolStats     bool
}

// Cache holds the settings of cachemetrics and its adapters. The zero value
// is the default: no backend name (each adapter names the cache after its
// kind, "redis", "memcached", "memory") and latency measured.
type Cache struct {
	Backend   string
	NoLatency bool
}

// Model holds the settings of modelmetrics. The zero value is the default:
// DefaultMaxModels models, DefaultMaxStatements cached statement texts, no
// SQL-derived counting.
type Model struct {
	MaxModels     int
	MaxStatements int
	// Statements counts model operations from executed SQL statements; set
	// by sqlmetrics.WithModels, called by the wrapped driver after each Exec.
	Statements StatementCounter
}

// StatementCounter counts model operations from one executed statement and
// its result or rows affected (modelmetrics.Tables implements it).
type StatementCounter interface {
	CountResult(query string, res interface{ RowsAffected() (int64, error) })
	Count(query string, rows int64)
}

// Migration holds the settings of migrationmetrics. New sets the defaults:
// DefaultMigrationTTL, DefaultMigrationTimeout, DefaultMigrationMaxWait,
// time.Now.
type Migration struct {
	TTL     time.Duration
	Timeout time.Duration
	MaxWait time.Duration // the longest a scrape waits for a read
	Now     func() time.Time
}

// Export holds the settings of the /metrics handler, the metrics server and
// Pushgateway pushes.
type Export struct {
	BasicUser, BasicPassword string
	BearerToken              string
	Path                     string
	LivePath                 string // the metrics server's live page; "" for none
	Grouping                 map[string]string
	ErrorLog                 interface{ Println(v ...any) }

	// The handler's limits (promhttp.HandlerOpts); 0 is none.
	MaxRequestsInFlight int
	HandlerTimeout      time.Duration
	// The metrics server's limits (http.Server), all positive.
	ReadTimeout    time.Duration
	WriteTimeout   time.Duration
	IdleTimeout    time.Duration
	MaxHeaderBytes int
}

// Default values shared by several components.
const (
	DefaultMaxViews = 500
	DefaultMaxTypes = 100
	DefaultPath     = "/metrics"

	DefaultMaxRequestsInFlight = 4
	DefaultHandlerTimeout      = 10 * time.Second
	DefaultReadTimeout         = 10 * time.Second
	DefaultWriteTimeout        = 15 * time.Second
	DefaultIdleTimeout         = 2 * time.Minute
	DefaultMaxHeaderBytes      = 16 << 10

	DefaultMaxModels        = 500
	DefaultMaxStatements    = 1000
	DefaultMigrationTTL     = 30 * time.Second
	DefaultMigrationTimeout = 5 * time.Second
	DefaultMigrationMaxWait = 250 * time.Millisecond
)

// New applies opts over the defaults, skipping nil ones. It returns an
// error if an option was invalid, joining every such error.
func New[O Option](opts []O) (*Config, error) {
	c := &Config{
		Registerer: prometheus.DefaultRegisterer,
		HTTP: HTTP{
			MaxViews: DefaultMaxViews,
			MaxTypes: DefaultMaxTypes,
		},
		Export: Export{
			Path:                DefaultPath,
			MaxRequestsInFlight: DefaultMaxRequestsInFlight,
			HandlerTimeout:      DefaultHandlerTimeout,
			ReadTimeout:         DefaultReadTimeout,
			WriteTimeout:        DefaultWriteTimeout,
			IdleTimeout:         DefaultIdleTimeout,
			MaxHeaderBytes:      DefaultMaxHeaderBytes,
		},
		Migration: Migration{
			TTL:     DefaultMigrationTTL,
			Timeout: DefaultMigrationTimeout,
			MaxWait: DefaultMigrationMaxWait,
			Now:     time.Now,
		},
	}
	for _, o := range opts {
		if any(o) != nil {
			o.apply(c)
		}
	}
	return c, errors.Join(c.errs...)
}

// Must returns v, or panics with err: the body of every MustNew.
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Apply applies o to c, for options that bundle others.
func Apply(c *Config, o Option) { o.apply(c) }

// Fail records an invalid option; New returns it.
func (c *Config) Fail(err error) { c.errs = append(c.errs, err) }

// GathererOrDefault is the gatherer set by an option, else the registerer
// when it is also a gatherer, else the default gatherer.
func (c *Config) GathererOrDefault() prometheus.Gatherer {
	if c.Gatherer != nil {
		return c.Gatherer
	}
	if g, ok := c.Registerer.(prometheus.Gatherer); ok {
		return g
	}
	return prometheus.DefaultGatherer
}

// RegistererWith is the registerer with the constant labels and one more,
// name=value, added to what is registered on it, for the collectors that
// belong to one database or cache. With no registerer (WithRegisterer(nil))
// it registers nothing: Register returns nil and Unregister false.
func (c *Config) RegistererWith(name, value string) prometheus.Registerer {
	if c.Registerer == nil {
		return nowhere{}
	}
	l := prometheus.Labels{name: value}
	for k, v := range c.ConstLabels {
		l[k] = v
	}
	return prometheus.WrapRegistererWith(l, c.Registerer)
}

// nowhere is a registerer that registers nothing.
type nowhere struct{}

func (nowhere) Register(prometheus.Collector) error  { return nil }
func (nowhere) MustRegister(...prometheus.Collector) {}
func (nowhere) Unregister(prometheus.Collector) bool { return false }

// ValidName reports whether s is a legacy Prometheus label name, which is
// also what a metric name prefix may hold: a letter or underscore, then
// letters, digits and underscores.
func ValidName(s string) bool {
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}
