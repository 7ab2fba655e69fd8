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

// WithTimeout bounds one read of the migration status. A scrape waits at
// most this long; a read still running then counts as a scrape error, and
// no other read of the same connection starts until it has returned. The
// default is 5 s.
func WithTimeout(d time.Duration) Option {
	return config.MigrationFunc(func(c *config.Config) {
		if d <= 0 {
			c.Fail(fmt.Errorf("migrationmetrics: WithTimeout(%v): need a positive duration", d))
			return
		}
		c.Migration.Timeout = d
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
