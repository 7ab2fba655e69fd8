// Package migratemetrics gives migrationmetrics the status of a database
// migrated with golang-migrate (github.com/golang-migrate/migrate/v4): the
// migrations the binary knows come from a golang-migrate source driver (an
// iofs.New over an embed.FS, say), the current version and dirty flag from
// the database's schema_migrations table.
//
//	src, _ := iofs.New(migrationsFS, "migrations")
//	db, _ := sql.Open("pgx", dsn) // does not connect yet
//	migrationmetrics.MustNew("default", migratemetrics.MustNew(src, db))
//
// Reading the table through a *sql.DB, rather than through a golang-migrate
// database driver (whose constructor connects and creates the table),
// keeps start-up independent of the database: a database that is down only
// makes scrapes count errors. A database without the table, where no
// migration ever ran, has every known migration unapplied (as Django
// reports a database without django_migrations), not an error.
// NewFromDriver reads through a driver instead.
package migratemetrics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"

	"github.com/golang-migrate/migrate/v4/database"
	"github.com/golang-migrate/migrate/v4/source"

	"github.com/stackprom/stackprom/migrationmetrics"
)

// DefaultTable is golang-migrate's default migrations table.
const DefaultTable = "schema_migrations"

// Option configures New.
type Option interface {
	apply(*Source) error
}

type option func(*Source) error

func (f option) apply(s *Source) error { return f(s) }

// WithTable sets the migrations table, as golang-migrate's
// x-migrations-table does; it may be schema-qualified ("app.schema_migrations")
// and is used as written, so it may hold only letters, digits, underscores
// and dots. The default is "schema_migrations".
func WithTable(table string) Option {
	return option(func(s *Source) error {
		if !validTable(table) {
			return fmt.Errorf("migratemetrics: WithTable(%q): need letters, digits, underscores and dots", table)
		}
		s.table = table
		return nil
	})
}

// Source is a migrationmetrics.Source for golang-migrate. It is safe for
// concurrent use.
type Source struct {
	src     source.Driver
	db      *sql.DB
	drv     database.Driver
	table   string
	mu      sync.Mutex
	known   []int64
	hasKnow bool
}

var _ migrationmetrics.Source = (*Source)(nil)

// New returns the Source of the database db migrated from src. It reads
// nothing yet: the known migrations are listed at the first read (and kept
// once listed), the table at every read. It returns an error if src or db
// is nil or an option is invalid.
func New(src source.Driver, db *sql.DB, opts ...Option) (*Source, error) {
	if src == nil || db == nil {
		return nil, errors.New("migratemetrics: New: nil source driver or database")
	}
	s := &Source{src: src, db: db, table: DefaultTable}
	var errs []error
	for _, o := range opts {
		if o != nil {
			errs = append(errs, o.apply(s))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// MustNew is New for use in a one-line setup; it panics on error.
func MustNew(src source.Driver, db *sql.DB, opts ...Option) *Source {
	s, err := New(src, db, opts...)
	if err != nil {
		panic(err)
	}
	return s
}

// NewFromDriver returns the Source of a database reached through one of
// golang-migrate's database drivers (its Version method). Drivers do not
// take a context: a read that hangs is abandoned by the collector at its
// timeout. It returns an error if src or drv is nil.
func NewFromDriver(src source.Driver, drv database.Driver) (*Source, error) {
	if src == nil || drv == nil {
		return nil, errors.New("migratemetrics: NewFromDriver: nil source or database driver")
	}
	return &Source{src: src, drv: drv}, nil
}

// MustNewFromDriver is NewFromDriver for use in a one-line setup; it panics
// on error.
func MustNewFromDriver(src source.Driver, drv database.Driver) *Source {
	s, err := NewFromDriver(src, drv)
	if err != nil {
		panic(err)
	}
	return s
}

func validTable(t string) bool {
	if t == "" {
		return false
	}
	for _, r := range t {
		if !(r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Status reads the database's version and dirty flag and compares them
// with the known migrations (migrationmetrics.CompareVersion): the known
// versions up to the current one are applied, a dirty version is not. A
// missing table means that none is applied.
func (s *Source) Status(ctx context.Context) (migrationmetrics.Status, error) {
	known, err := s.Known()
	if err != nil {
		return migrationmetrics.Status{}, err
	}
	version, dirty, err := s.version(ctx)
	if err != nil {
		return migrationmetrics.Status{}, err
	}
	return migrationmetrics.CompareVersion(known, version, dirty), nil
}

func (s *Source) version(ctx context.Context) (int64, bool, error) {
	if s.drv != nil {
		v, dirty, err := s.drv.Version()
		if err != nil {
			return 0, false, fmt.Errorf("migratemetrics: reading the version: %w", err)
		}
		return int64(v), dirty, nil
	}
	var v int64
	var dirty bool
	err := s.db.QueryRowContext(ctx, "SELECT version, dirty FROM "+s.table+" LIMIT 1").Scan(&v, &dirty)
	switch {
	case errors.Is(err, sql.ErrNoRows): // every migration rolled back
		return int64(database.NilVersion), false, nil
	case missingTable(err): // no migration ever ran here
		return int64(database.NilVersion), false, nil
	case err != nil:
		return 0, false, fmt.Errorf("migratemetrics: reading %s: %w", s.table, err)
	}
	return v, dirty, nil
}

// missingTable reports whether err says that the table read does not
// exist: PostgreSQL's undefined_table (42P01) or invalid_schema_name
// (3F000, a schema-qualified table whose schema is missing), MySQL's and
// MariaDB's ER_NO_SUCH_TABLE (1146, SQLSTATE 42S02), SQLite's "no such
// table". The drivers' error types are matched by their methods and
// messages, so that this module imports none of them.
func missingTable(err error) bool {
	if err == nil {
		return false
	}
	var coded interface{ SQLState() string } // pgconn.PgError, lib/pq's Error
	if errors.As(err, &coded) {
		code := coded.SQLState()
		return code == "42P01" || code == "3F000"
	}
	msg := err.Error()
	return strings.Contains(msg, "Error 1146") || strings.Contains(msg, "no such table")
}

// Known lists the versions of the source's migrations, in order. The list
// is read once, at the first call that succeeds.
func (s *Source) Known() ([]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hasKnow {
		return s.known, nil
	}
	var known []int64
	v, err := s.src.First()
	for err == nil {
		known = append(known, int64(v))
		v, err = s.src.Next(v)
	}
	if !errors.Is(err, os.ErrNotExist) && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("migratemetrics: listing the migrations: %w", err)
	}
	s.known, s.hasKnow = known, true
	return known, nil
}
