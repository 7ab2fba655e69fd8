package migrationmetrics

import (
	"fmt"
	"time"

	"github.com/stackprom/stackprom/internal/config"
)

// Option configures New. The options of package stackprom (registerer,
// namespace, naming, constant labels) are Options, and so are this
// package's With… functions; no other component's options are.
type Option interface {
	config.MigrationOption
}

// WithCacheTTL sets how long a read of the migration status is reused
// before a scrape reads the database again; a failed read is reused as
// long, so that an unreachable database costs at most one timeout per
// interval. Zero reads on every scrape. The default is 30 s.
func WithCacheTTL(d time.Duration) Option {
	return config.MigrationFunc(func(c *config.Config) {
		if d < 0 {
			c.Fail(fmt.Errorf("migrationmetrics: WithCacheTTL(%v): negative", d))
			return
		}
		c.Migration.TTL = d
	})
}

// WithTimeout bounds one read of the migration status: a read still
// running then counts as a failed read (its context is done), and no other
// read of the same connection starts until the Source has returned. A
// scrape does not wait this long: see WithMaxWait. The default is 5 s.
func WithTimeout(d time.Duration) Option {
	return config.MigrationFunc(func(c *config.Config) {
		if d <= 0 {
			c.Fail(fmt.Errorf("migrationmetrics: WithTimeout(%v): need a positive duration", d))
			return
		}
		c.Migration.Timeout = d
	})
}

// WithMaxWait sets the longest a scrape waits for a read of the migration
// status, from the read's start, before it serves the last known values
// (none before the first successful read) and leaves the read running. A
// read that ends later is served by the next scrape; one that fails or
// reaches the timeout counts then. A scrape that comes while a read has
// run longer than d does not wait at all. So a stalled database delays a
// scrape by at most d, once per read; a healthy one answers within it, and
// its scrape serves the fresh read. Zero never waits: each scrape serves
// what the reads before it found. The default is 250 ms.
func WithMaxWait(d time.Duration) Option {
	return config.MigrationFunc(func(c *config.Config) {
		if d < 0 {
			c.Fail(fmt.Errorf("migrationmetrics: WithMaxWait(%v): negative", d))
			return
		}
		c.Migration.MaxWait = d
	})
}

// WithClock replaces time.Now for the cache, the last-success timestamp and
// the run duration, so that tests can move time instead of sleeping. The
// default is time.Now.
func WithClock(now func() time.Time) Option {
	return config.MigrationFunc(func(c *config.Config) {
		if now == nil {
			c.Fail(fmt.Errorf("migrationmetrics: WithClock: nil clock"))
			return
		}
		c.Migration.Now = now
	})
}
