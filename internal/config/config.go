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
// overrides an earlier one.
type Option interface {
	Apply(*Config)
}

// Func adapts a function to an Option.
type Func func(*Config)

// Apply calls f.
func (f Func) Apply(c *Config) { f(c) }

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
// DefaultMigrationTTL, DefaultMigrationTimeout, time.Now.
type Migration struct {
	TTL     time.Duration
	Timeout time.Duration
	Now     func() time.Time
}

// Export holds the settings of the /metrics handler, the metrics server and
// Pushgateway pushes.
type Export struct {
	BasicUser, BasicPassword string
	BearerToken              string
	Path                     string
	Grouping                 map[string]string
	ErrorLog                 interface{ Println(v ...any) }
}

// Default values shared by several components.
const (
	DefaultMaxViews = 500
	DefaultMaxTypes = 100
	DefaultPath     = "/metrics"

	DefaultMaxModels        = 500
	DefaultMaxStatements    = 1000
	DefaultMigrationTTL     = 30 * time.Second
	DefaultMigrationTimeout = 5 * time.Second
)

// New applies opts over the defaults. It returns an error if an option was
// invalid, joining every such error.
func New(opts []Option) (*Config, error) {
	c := &Config{
		Registerer: prometheus.DefaultRegisterer,
		HTTP: HTTP{
			MaxViews: DefaultMaxViews,
			MaxTypes: DefaultMaxTypes,
		},
		Export:    Export{Path: DefaultPath},
		Migration: Migration{TTL: DefaultMigrationTTL, Timeout: DefaultMigrationTimeout, Now: time.Now},
	}
	for _, o := range opts {
		if o != nil {
			o.Apply(c)
		}
	}
	return c, errors.Join(c.errs...)
}

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
