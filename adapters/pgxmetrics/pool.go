package pgxmetrics

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// Stater is what NewPoolCollector reads: a *pgxpool.Pool.
type Stater interface {
	Stat() *pgxpool.Stat
}

// poolCollector exposes pgxpool.Stat as metrics.
type poolCollector struct {
	p     Stater
	descs []poolDesc
}

type poolDesc struct {
	d     *prometheus.Desc
	t     prometheus.ValueType
	value func(*pgxpool.Stat) float64
}

// NewPoolCollector returns a collector of pool's statistics, read at each
// scrape, labelled db_name=alias like client_golang's go_sql_… families:
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
// Register it on the registry the other families use.
func NewPoolCollector(pool Stater, alias string) prometheus.Collector {
	l := prometheus.Labels{"db_name": alias}
	d := func(name, help string, t prometheus.ValueType, v func(*pgxpool.Stat) float64) poolDesc {
		return poolDesc{prometheus.NewDesc("pgxpool_"+name, help, nil, l), t, v}
	}
	g, c := prometheus.GaugeValue, prometheus.CounterValue
	return &poolCollector{p: pool, descs: []poolDesc{
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
}

// Describe sends the descriptors built by NewPoolCollector.
func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d.d
	}
}

// Collect reads the pool's statistics once and sends every metric.
func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.p.Stat()
	for _, d := range c.descs {
		ch <- prometheus.MustNewConstMetric(d.d, d.t, d.value(s))
	}
}
