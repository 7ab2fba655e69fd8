package pgxmetrics

import (
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom/sqlmetrics"
)

// Stater is what NewPoolCollector reads: a *pgxpool.Pool.
type Stater interface {
	Stat() *pgxpool.Stat
}

// PoolCollector exposes a pool's pgxpool.Stat as metrics, read at each
// scrape. NewPoolCollector registers it.
type PoolCollector struct {
	p     Stater
	rec   *sqlmetrics.Recorder
	descs []poolDesc
}

var _ prometheus.Collector = (*PoolCollector)(nil)

type poolDesc struct {
	d     *prometheus.Desc
	t     prometheus.ValueType
	value func(*pgxpool.Stat) float64
}

// NewPoolCollector builds the collector of pool's statistics and registers
// it, as every stackprom collector registers itself: on the registerer of
// stackprom.WithRegisterer, with the family names prefixed by
// stackprom.WithNamespace, the stackprom.WithConstLabels labels, and a
// db_name label with the alias of sqlmetrics.WithAlias (default "default"),
// like client_golang's go_sql_… families:
//
//	pgxpool_max_connections                   gauge    maximum size of the pool
//	pgxpool_open_connections                  gauge    connections open, in use, idle or being opened
//	pgxpool_in_use_connections                gauge    connections acquired
//	pgxpool_idle_connections                  gauge    connections idle
//	pgxpool_constructing_connections          gauge    connections being opened
//	pgxpool_acquires_total                    counter  successful acquires
//	pgxpool_acquire_duration_seconds_total    counter  time spent in successful acquires
//	pgxpool_empty_acquires_total              counter  successful acquires that waited for a connection
//	pgxpool_empty_acquire_wait_seconds_total  counter  time those waited
//	pgxpool_canceled_acquires_total           counter  acquires ended by their context
//	pgxpool_new_connections_total             counter  connections opened
//	pgxpool_max_lifetime_closed_total         counter  connections closed for MaxConnLifetime
//	pgxpool_max_idle_closed_total             counter  connections closed for MaxConnIdleTime
//
// Pass it the options the tracer got. Like New, it registers the database
// families of the alias too. Two pools with one alias cannot both register
// their statistics: it returns an error naming the alias.
func NewPoolCollector(pool Stater, opts ...sqlmetrics.Option) (*PoolCollector, error) {
	if pool == nil {
		return nil, fmt.Errorf("pgxmetrics: NewPoolCollector: nil pool")
	}
	rec, err := newRecorder(opts)
	if err != nil {
		return nil, err
	}
	prefix := "pgxpool_"
	if ns := rec.Namespace(); ns != "" {
		prefix = ns + "_" + prefix
	}
	d := func(name, help string, t prometheus.ValueType, v func(*pgxpool.Stat) float64) poolDesc {
		return poolDesc{prometheus.NewDesc(prefix+name, help, nil, nil), t, v}
	}
	g, c := prometheus.GaugeValue, prometheus.CounterValue
	col := &PoolCollector{p: pool, rec: rec, descs: []poolDesc{
		d("max_connections", "Maximum size of the pool.", g, func(s *pgxpool.Stat) float64 { return float64(s.MaxConns()) }),
		d("open_connections", "Connections open: in use, idle or being opened.", g, func(s *pgxpool.Stat) float64 { return float64(s.TotalConns()) }),
		d("in_use_connections", "Connections acquired.", g, func(s *pgxpool.Stat) float64 { return float64(s.AcquiredConns()) }),
		d("idle_connections", "Connections idle.", g, func(s *pgxpool.Stat) float64 { return float64(s.IdleConns()) }),
		d("constructing_connections", "Connections being opened.", g, func(s *pgxpool.Stat) float64 { return float64(s.ConstructingConns()) }),
		d("acquires_total", "Successful acquires.", c, func(s *pgxpool.Stat) float64 { return float64(s.AcquireCount()) }),
		d("acquire_duration_seconds_total", "Time spent in successful acquires.", c, func(s *pgxpool.Stat) float64 { return s.AcquireDuration().Seconds() }),
		d("empty_acquires_total", "Successful acquires that waited for a connection.", c, func(s *pgxpool.Stat) float64 { return float64(s.EmptyAcquireCount()) }),
		d("empty_acquire_wait_seconds_total", "Time successful acquires waited for a connection.", c, func(s *pgxpool.Stat) float64 { return s.EmptyAcquireWaitTime().Seconds() }),
		d("canceled_acquires_total", "Acquires ended by their context.", c, func(s *pgxpool.Stat) float64 { return float64(s.CanceledAcquireCount()) }),
		d("new_connections_total", "Connections opened.", c, func(s *pgxpool.Stat) float64 { return float64(s.NewConnsCount()) }),
		d("max_lifetime_closed_total", "Connections closed for MaxConnLifetime.", c, func(s *pgxpool.Stat) float64 { return float64(s.MaxLifetimeDestroyCount()) }),
		d("max_idle_closed_total", "Connections closed for MaxConnIdleTime.", c, func(s *pgxpool.Stat) float64 { return float64(s.MaxIdleDestroyCount()) }),
	}}
	if err := rec.Register(col); err != nil {
		return nil, fmt.Errorf("pgxmetrics: registering the pool statistics of alias %q: %w", rec.Alias(), err)
	}
	return col, nil
}

// MustNewPoolCollector is NewPoolCollector for use in a one-line setup; it
// panics on error.
func MustNewPoolCollector(pool Stater, opts ...sqlmetrics.Option) *PoolCollector {
	c, err := NewPoolCollector(pool, opts...)
	if err != nil {
		panic(err)
	}
	return c
}

// Unregister removes the collector from the registerer, for a pool that is
// closed while the registry lives on, and reports whether it was
// registered.
func (c *PoolCollector) Unregister() bool { return c.rec.Unregister(c) }

// Describe sends the collector's descriptors.
func (c *PoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d.d
	}
}

// Collect reads the pool's statistics once and sends every metric.
func (c *PoolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.p.Stat()
	for _, d := range c.descs {
		ch <- prometheus.MustNewConstMetric(d.d, d.t, d.value(s))
	}
}
