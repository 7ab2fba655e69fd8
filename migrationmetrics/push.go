package migrationmetrics

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
)

// Run is the shape of a migration job that runs and exits: it runs migrate,
// then pushes the connection's status and the run's duration (see Push),
// whether or not migrate failed. It returns migrate's error, joined with
// the push's if that failed too.
func Run(ctx context.Context, url, job string, c *Collector, migrate func(context.Context) error, opts ...stackprom.PushOption) error {
	start := c.now()
	err := migrate(ctx)
	took := c.now().Sub(start)
	return errors.Join(err, c.Push(ctx, url, job, took, opts...))
}

// Push reads the connection's migration status now and sends it, with took
// as the run duration gauge, to the Pushgateway at url for job. It replaces
// what was pushed before under the same grouping key: the job and the
// connection label (a job migrating several databases pushes each without
// erasing the others), plus any stackprom.WithGrouping. The families keep
// the collector's naming preset, namespace and constant labels; the
// credentials of stackprom.WithBasicAuth or WithBearerToken are sent. When
// the read fails, the scrape-error counter and the duration are pushed
// anyway, and the read's error is returned.
func (c *Collector) Push(ctx context.Context, url, job string, took time.Duration, opts ...stackprom.PushOption) error {
	_, readErr := c.Refresh(ctx)
	reg := prometheus.NewRegistry()
	if err := reg.Register(pushed{c, c.pushDescs(), took}); err != nil {
		return fmt.Errorf("migrationmetrics: %w", err)
	}
	opts = append(slices.Clone(opts), stackprom.WithGrouping("connection", c.connection), stackprom.WithGatherer(reg))
	return errors.Join(readErr, stackprom.Push(ctx, url, job, opts...))
}

// pushed is what Push gathers: the collector's last read, without reading
// again, and the run's duration.
type pushed struct {
	c     *Collector
	descs *Collector // c's descriptors without the connection label
	took  time.Duration
}

func (p pushed) Describe(ch chan<- *prometheus.Desc) {
	p.descs.Describe(ch)
	ch <- p.descs.runDuration
}

func (p pushed) Collect(ch chan<- prometheus.Metric) {
	c := p.c
	c.mu.Lock()
	st, have, failures, success := c.status, c.have, c.failures, c.success
	c.mu.Unlock()
	p.descs.send(ch, st, have, failures, success)
	ch <- prometheus.MustNewConstMetric(p.descs.runDuration, prometheus.GaugeValue, p.took.Seconds())
}
