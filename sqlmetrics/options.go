package sqlmetrics

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/stackprom/stackprom/internal/children"
	"github.com/stackprom/stackprom/internal/config"
)

// Option configures Open, OpenDB, WrapDriver, WrapConnector, Register and
// NewRecorder, and the pgxmetrics tracer. The options of package stackprom
// (registerer, namespace, naming, constant labels, buckets, exemplars) are
// Options, and so are this package's With… functions; no other component's
// options are.
type Option interface {
	config.SQLOption
}

// DefaultAlias is the alias of a database opened without WithAlias, as
// Django names its only database "default".
const DefaultAlias = "default"

// Vendor label values, Django's names for its backends.
const (
	PostgreSQL = "postgresql"
	MySQL      = "mysql" // MariaDB too
	SQLite     = "sqlite"
)

// Duration says what the duration family measures for a query.
type Duration uint8

const (
	// DriverCall times the driver's Exec or Query call only: for a query,
	// until the driver returns the rows, before they are read. The query
	// is recorded then; an error met later, reading or closing its rows,
	// counts in the errors family. It is the default.
	DriverCall Duration = iota
	// UntilRowsClosed times a query until its rows are closed (for Exec it
	// is the same as DriverCall), so that reading the result is included,
	// and records the query then, with the first error met reading or
	// closing the rows (io.EOF at their end is not an error).
	UntilRowsClosed
)

// String returns "driver call" or "until rows closed".
func (d Duration) String() string {
	switch d {
	case DriverCall:
		return "driver call"
	case UntilRowsClosed:
		return "until rows closed"
	}
	return fmt.Sprintf("Duration(%d)", uint8(d))
}

// WithAlias sets the alias label: the application's name for the database,
// like a key of Django's DATABASES. It also names the database in the pool
// statistics (the db_name label of the go_sql_… families). The default is
// "default". An empty alias, one that is not valid UTF-8 or one longer
// than 128 bytes is an error.
func WithAlias(alias string) Option {
	return config.SQLFunc(func(c *config.Config) {
		if err := checkLabel(alias); err != nil {
			c.Fail(fmt.Errorf("sqlmetrics: WithAlias: %w", err))
			return
		}
		c.SQL.Alias = alias
	})
}

// checkLabel reports why v, a label value the application gives, cannot
// be one: a value from outside is made valid UTF-8 and bounded
// (children.Clean), but an option's value is refused at construction
// instead, so that the series is named as the application asked.
func checkLabel(v string) error {
	switch {
	case v == "":
		return errors.New("empty value")
	case !utf8.ValidString(v):
		return fmt.Errorf("%q is not valid UTF-8", v)
	case len(v) > children.MaxValueLen:
		return fmt.Errorf("%q is %d bytes, more than %d", children.Clean(v), len(v), children.MaxValueLen)
	}
	return nil
}

// WithVendor sets the vendor label. The default is detected from the
// driver's package: "postgresql" (pgx, lib/pq), "mysql"
// (go-sql-driver/mysql, MariaDB) or "sqlite" (modernc.org/sqlite,
// mattn/go-sqlite3 and others); a driver that is none of these needs this
// option. Prefer Django's names (the PostgreSQL, MySQL and SQLite constants)
// where one fits, so that dashboards built for django-prometheus match. An
// empty vendor, one that is not valid UTF-8 or one longer than 128 bytes is
// an error.
func WithVendor(vendor string) Option {
	return config.SQLFunc(func(c *config.Config) {
		if err := checkLabel(vendor); err != nil {
			c.Fail(fmt.Errorf("sqlmetrics: WithVendor: %w", err))
			return
		}
		c.SQL.Vendor = vendor
	})
}

// WithDuration selects what the duration family measures for a query. The
// default is DriverCall.
func WithDuration(d Duration) Option {
	return config.SQLFunc(func(c *config.Config) {
		switch d {
		case DriverCall, UntilRowsClosed:
			c.SQL.UntilRowsClosed = d == UntilRowsClosed
		default:
			c.Fail(fmt.Errorf("sqlmetrics: WithDuration: unknown mode %v", d))
		}
	})
}

// WithMaxErrorTypes caps the number of distinct type label values of the
// errors family per alias and vendor; error types past the cap are recorded
// as "<other>". The default is 100.
func WithMaxErrorTypes(n int) Option {
	return config.SQLFunc(func(c *config.Config) {
		if n < 1 {
			c.Fail(fmt.Errorf("sqlmetrics: WithMaxErrorTypes(%d): need at least 1", n))
			return
		}
		c.SQL.MaxErrorTypes = n
	})
}

// WithPoolStats turns the pool statistics of a *sql.DB opened by Open or
// OpenDB on or off. They are client_golang's collectors.NewDBStatsCollector
// families (go_sql_open_connections, go_sql_wait_count_total, …) with the
// alias as their db_name label, registered on the same registerer and
// unregistered when the *sql.DB is closed. The default is on.
func WithPoolStats(on bool) Option {
	return config.SQLFunc(func(c *config.Config) { c.SQL.NoPoolStats = !on })
}
