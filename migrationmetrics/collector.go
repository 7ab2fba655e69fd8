package migrationmetrics

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom/internal/config"
	"github.com/stackprom/stackprom/internal/schema"
)

// DefaultConnection is the connection label of a Collector built with an
// empty name, as Django names its only database "default".
const DefaultConnection = "default"

// Collector is a prometheus.Collector of the migration status of one
// database connection. At each scrape it reuses the last read while it is
// younger than the time-to-live (WithCacheTTL), else reads its Source for at
// most the timeout (WithTimeout). It exposes:
//
//   - applied and unapplied migrations, the current version and the dirty
//     flag, from the last successful read (absent until the first one
//     succeeds, rather than a made-up 0);
//   - the count of failed reads (errors, timeouts and panics of the
//     Source), and the time of the last successful read (0 before it).
//
// A read that fails leaves the status gauges at their last known values.
// It is safe for concurrent use; concurrent scrapes share one read.
type Collector struct {
	connection string
	src        Source
	ttl        time.Duration
	timeout    time.Duration
	now        func() time.Time

	applied, unapplied, dirty, version, errors, lastSuccess, runDuration *prometheus.Desc
	// pushDescs are the same descriptors without the connection label,
	// which the Pushgateway's grouping key carries instead.
	pushDescs func() *Collector

	mu        sync.Mutex
	attempted time.Time // start of the last read; zero before the first
	status    Status
	have      bool      // status holds a successful read
	success   time.Time // end of the last successful read
	failures  float64
	err       error          // of the last read; nil after a success
	pending   <-chan outcome // a read that outlived its timeout
}

type outcome struct {
	st  Status
	err error
}

// New builds the collector of one database connection and registers it
// (see stackprom.WithRegisterer). It does not read the database: the first
// scrape does, so that start-up never waits for or fails on it. connection
// is the connection label value, like a key of Django's DATABASES; empty
// means "default". It returns an error for a nil source, an invalid option,
// or a connection already registered on the same registry.
func New(connection string, src Source, opts ...Option) (*Collector, error) {
	c, cfg, err := newCollector(connection, src, opts)
	if err != nil {
		return nil, err
	}
	if r := cfg.Registerer; r != nil {
		if err := r.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, fmt.Errorf("migrationmetrics: connection %q is already registered", c.connection)
			}
			return nil, fmt.Errorf("migrationmetrics: registering connection %q: %w", c.connection, err)
		}
	}
	return c, nil
}

// MustNew is New that panics on an error.
func MustNew(connection string, src Source, opts ...Option) *Collector {
	return config.Must(New(connection, src, opts...))
}

func newCollector(connection string, src Source, opts []Option) (*Collector, *config.Config, error) {
	cfg, err := config.New(opts)
	if err != nil {
		return nil, nil, err
	}
	if src == nil {
		return nil, nil, errors.New("migrationmetrics: nil Source")
	}
	if connection == "" {
		connection = DefaultConnection
	}
	if !utf8.ValidString(connection) {
		return nil, nil, fmt.Errorf("migrationmetrics: connection %q is not valid UTF-8", connection)
	}
	if _, ok := cfg.ConstLabels["connection"]; ok {
		return nil, nil, errors.New("migrationmetrics: a constant label is named connection, the families' own label")
	}
	labels := prometheus.Labels{"connection": connection}
	for k, v := range cfg.ConstLabels {
		labels[k] = v
	}
	c := &Collector{
		connection: connection,
		src:        src,
		ttl:        cfg.Migration.TTL,
		timeout:    cfg.Migration.Timeout,
		now:        cfg.Migration.Now,
	}
	c.setDescs(cfg, labels)
	c.pushDescs = func() *Collector {
		d := &Collector{}
		d.setDescs(cfg, cfg.ConstLabels)
		return d
	}
	return c, cfg, nil
}

func (c *Collector) setDescs(cfg *config.Config, labels prometheus.Labels) {
	desc := func(name string) *prometheus.Desc {
		f, _ := schema.Lookup(name)
		return prometheus.NewDesc(schema.FullName(cfg, f), schema.Help(cfg, f), nil, labels)
	}
	c.applied = desc(schema.MigrationsApplied)
	c.unapplied = desc(schema.MigrationsUnapplied)
	c.dirty = desc(schema.MigrationsDirty)
	c.version = desc(schema.MigrationsVersion)
	c.errors = desc(schema.MigrationsScrapeErrors)
	c.lastSuccess = desc(schema.MigrationsLastSuccess)
	c.runDuration = desc(schema.MigrationsRunDuration)
}

// Connection returns the connection label value.
func (c *Collector) Connection() string { return c.connection }

// Describe sends the descriptors of the families the collector exposes.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.applied, c.unapplied, c.dirty, c.version, c.errors, c.lastSuccess} {
		ch <- d
	}
}

// Collect reads the migration status if the last read is older than the
// time-to-live, and sends the families.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	if c.attempted.IsZero() || c.now().Sub(c.attempted) >= c.ttl {
		c.read(context.Background())
	}
	st, have, failures, success := c.status, c.have, c.failures, c.success
	c.mu.Unlock()
	c.send(ch, st, have, failures, success)
}

func (c *Collector) send(ch chan<- prometheus.Metric, st Status, have bool, failures float64, success time.Time) {
	if have {
		dirty := 0.0
		if st.Dirty {
			dirty = 1
		}
		ch <- prometheus.MustNewConstMetric(c.applied, prometheus.GaugeValue, float64(st.Applied))
		ch <- prometheus.MustNewConstMetric(c.unapplied, prometheus.GaugeValue, float64(st.Unapplied))
		ch <- prometheus.MustNewConstMetric(c.dirty, prometheus.GaugeValue, dirty)
		ch <- prometheus.MustNewConstMetric(c.version, prometheus.GaugeValue, float64(st.Version))
	}
	ch <- prometheus.MustNewConstMetric(c.errors, prometheus.CounterValue, failures)
	ts := 0.0
	if !success.IsZero() {
		ts = float64(success.UnixNano()) / 1e9
	}
	ch <- prometheus.MustNewConstMetric(c.lastSuccess, prometheus.GaugeValue, ts)
}

// Refresh reads the migration status now, whatever the time-to-live, and
// returns it; the next scrapes reuse it. On an error it returns the last
// known status (the zero Status before any) with the error.
func (c *Collector) Refresh(ctx context.Context) (Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.read(ctx)
	return c.status, c.err
}

// Err returns the error of the last read, nil after a successful one or
// before any.
func (c *Collector) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// read reads the source for at most the timeout, with c.mu held. A source
// that ignores its context is left running; until it returns, later reads
// fail at once instead of piling up.
func (c *Collector) read(ctx context.Context) {
	c.attempted = c.now()
	if c.pending != nil {
		select {
		case <-c.pending: // returned late; its answer is stale
			c.pending = nil
		default:
			c.fail(fmt.Errorf("migrationmetrics: connection %q: the previous read is still running", c.connection))
			return
		}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- outcome{err: fmt.Errorf("migrationmetrics: connection %q: source panicked: %v", c.connection, p)}
			}
		}()
		st, err := c.src.Status(ctx)
		done <- outcome{st, err}
	}()
	select {
	case o := <-done:
		switch {
		case o.err != nil:
			c.fail(fmt.Errorf("migrationmetrics: connection %q: %w", c.connection, o.err))
		case o.st.Applied < 0 || o.st.Unapplied < 0 || o.st.Version < 0:
			c.fail(fmt.Errorf("migrationmetrics: connection %q: negative status %+v", c.connection, o.st))
		default:
			c.status, c.have, c.err = o.st, true, nil
			c.success = c.now()
		}
	case <-ctx.Done():
		c.pending = done
		c.fail(fmt.Errorf("migrationmetrics: connection %q: reading the status: %w", c.connection, ctx.Err()))
	}
}

func (c *Collector) fail(err error) {
	c.failures++
	c.err = err
}
