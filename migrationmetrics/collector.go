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
// younger than the time-to-live (WithCacheTTL), else starts a read of its
// Source, which runs for at most the timeout (WithTimeout). The scrape
// waits for the read at most WithMaxWait (250 ms), then serves the last
// known values, so that a stalled database never holds a scrape longer. It
// exposes:
//
//   - applied and unapplied migrations, the current version and the dirty
//     flag, from the last successful read (absent until the first one
//     succeeds, rather than a made-up 0);
//   - the count of failed reads (errors, timeouts and panics of the
//     Source), and the time of the last successful read (0 before it).
//
// A read that fails leaves the status gauges at their last known values.
// While a read is running, the counter does not move: the read counts once,
// when it fails or reaches the timeout, and the time of the last success
// tells how old the values served meanwhile are. At most one read of a
// connection runs at a time: concurrent scrapes share it, and a Source
// that ignores its context's deadline blocks the next reads, each counted
// as a failure, until it returns. It is safe for concurrent use.
type Collector struct {
	connection string
	src        Source
	ttl        time.Duration
	timeout    time.Duration
	maxWait    time.Duration
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
	err       error // of the last read; nil after a success
	running   *read // the read whose Source has not returned, if any
}

// returnGrace is how long a read past its timeout waits for its Source to
// return before it counts as failed and is left running.
const returnGrace = 100 * time.Millisecond

// read is one read of the Source, running in goroutines of its own.
type read struct {
	done     chan struct{} // closed once the read has an outcome: answer, error or timeout
	returned chan struct{} // closed once the Source has returned
	waitEnd  time.Time     // wall time until which scrapes wait for the outcome
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
		maxWait:    cfg.Migration.MaxWait,
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

// Collect starts a read of the migration status if the last one is older
// than the time-to-live, waits for the read running, if any, at most
// WithMaxWait from its start, and sends the families of the last known
// status.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	if c.attempted.IsZero() || c.now().Sub(c.attempted) >= c.ttl {
		c.start(context.Background())
	}
	r := c.running
	c.mu.Unlock()
	if r != nil {
		r.wait()
	}
	c.mu.Lock()
	st, have, failures, success := c.status, c.have, c.failures, c.success
	c.mu.Unlock()
	c.send(ch, st, have, failures, success)
}

// wait waits until the read has an outcome or its wait has ended.
func (r *read) wait() {
	d := time.Until(r.waitEnd)
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.done:
	case <-t.C:
	}
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
// waits for the read, at most the timeout; the next scrapes reuse it. When
// a read is already running, it waits for that one, or until ctx is done,
// instead of starting another. On an error it returns the last known
// status (the zero Status before any) with the error.
func (c *Collector) Refresh(ctx context.Context) (Status, error) {
	c.mu.Lock()
	if r := c.running; r != nil && r.resolved() {
		// A read past its timeout hangs: none can start; start counts it.
		c.start(ctx)
		defer c.mu.Unlock()
		return c.status, c.err
	}
	own := c.running == nil
	c.start(ctx)
	r := c.running
	c.mu.Unlock()
	if own {
		<-r.done // bounded by the read's context, which is ctx's
	} else {
		select {
		case <-r.done:
		case <-ctx.Done():
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.status, fmt.Errorf("migrationmetrics: connection %q: waiting for the read running: %w", c.connection, ctx.Err())
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status, c.err
}

// Err returns the error of the last read, nil after a successful one or
// before any.
func (c *Collector) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// resolved reports whether the read has its outcome.
func (r *read) resolved() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// start starts a read of the source, bounded by the timeout, with c.mu
// held; goroutines of its own record its outcome. While a read runs
// within its timeout, start does nothing: the read is shared. A read past
// its timeout whose Source has not returned yet (it ignores its context)
// is left running, and the read that cannot start meanwhile counts as a
// failure, so that the counter keeps moving while the Source hangs.
func (c *Collector) start(ctx context.Context) {
	if r := c.running; r != nil {
		if r.resolved() {
			c.attempted = c.now()
			c.fail(fmt.Errorf("migrationmetrics: connection %q: the previous read is still running", c.connection))
		}
		return
	}
	c.attempted = c.now()
	r := &read{
		done:     make(chan struct{}),
		returned: make(chan struct{}),
		waitEnd:  time.Now().Add(c.maxWait),
	}
	c.running = r
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	answer := make(chan outcome, 1)
	go func() {
		defer close(r.returned)
		defer func() {
			if p := recover(); p != nil {
				answer <- outcome{err: fmt.Errorf("source panicked: %v", p)}
			}
		}()
		st, err := c.src.Status(ctx)
		answer <- outcome{st, err}
	}()
	go func() {
		defer cancel()
		var o outcome
		select {
		case o = <-answer:
		case <-ctx.Done():
			// A Source that honours its context returns at once: its
			// answer (the context's error, most likely) is the outcome.
			t := time.NewTimer(returnGrace)
			defer t.Stop()
			select {
			case o = <-answer:
			case <-t.C:
				c.mu.Lock()
				c.fail(fmt.Errorf("migrationmetrics: connection %q: reading the status: %w", c.connection, ctx.Err()))
				c.mu.Unlock()
				close(r.done)
				<-r.returned // its late answer is stale, and counted already
				c.mu.Lock()
				c.running = nil
				c.mu.Unlock()
				return
			}
		}
		c.mu.Lock()
		c.record(o)
		c.running = nil
		c.mu.Unlock()
		close(r.done)
	}()
}

// record records the outcome of a read, with c.mu held.
func (c *Collector) record(o outcome) {
	switch {
	case o.err != nil:
		c.fail(fmt.Errorf("migrationmetrics: connection %q: %w", c.connection, o.err))
	case o.st.Applied < 0 || o.st.Unapplied < 0 || o.st.Version < 0:
		c.fail(fmt.Errorf("migrationmetrics: connection %q: negative status %+v", c.connection, o.st))
	default:
		c.status, c.have, c.err = o.st, true, nil
		c.success = c.now()
	}
}

func (c *Collector) fail(err error) {
	c.failures++
	c.err = err
}
