// Package goosemetrics gives migrationmetrics the status of a database
// migrated with goose (github.com/pressly/goose/v3): the migrations the
// binary knows come from a goose Provider, what the database has applied
// from goose's version table, read with a plain query.
//
//	db, _ := sql.Open("pgx", dsn) // does not connect yet
//	p, _ := goose.NewProvider(goose.DialectPostgres, db, migrationsFS)
//	migrationmetrics.MustNew("default", goosemetrics.MustNew(p, db, goose.DialectPostgres))
//
// A read is one SELECT of the version table and nothing else: it never
// creates the table, as every goose command (the Provider's Status
// included) does when it is missing, so that a scrape never runs DDL. A
// database without the table, where goose never ran, has every known
// migration unapplied, not an error. The read takes none of the provider's
// locks either, so it never waits for a migration in progress.
//
// goose.NewProvider does not connect, so start-up does not depend on the
// database: a database that is down only makes scrapes count errors.
package goosemetrics

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"

	"github.com/stackprom/stackprom/migrationmetrics"
)

// Option configures New.
type Option interface {
	apply(*config) error
}

type option func(*config) error

func (f option) apply(c *config) error { return f(c) }

type config struct {
	table string
	store database.Store
}

// WithTableName names goose's version table, as goose.WithTableName does
// for the provider; pass the same name to both. The default is goose's,
// goose.DefaultTablename ("goose_db_version").
func WithTableName(name string) Option {
	return option(func(c *config) error {
		if name == "" {
			return errors.New("goosemetrics: WithTableName: empty name")
		}
		c.table = name
		return nil
	})
}

// WithStore reads the version table through store, as goose.WithStore
// does for a provider of goose.DialectCustom; New then takes
// goose.DialectCustom, and the table is the store's (WithTableName does
// not apply).
func WithStore(store database.Store) Option {
	return option(func(c *config) error {
		if store == nil {
			return errors.New("goosemetrics: WithStore: nil store")
		}
		c.store = store
		return nil
	})
}

// Source is a migrationmetrics.Source for goose. It is safe for concurrent
// use.
type Source struct {
	db    *sql.DB
	store database.Store
	known []int64
}

var _ migrationmetrics.Source = (*Source)(nil)

// New returns the Source of the database db, which goose migrates with
// the migrations p knows, in dialect: the provider's, which a goose
// Provider does not tell. The known migrations are listed now, from p
// (the files and Go migrations it found, no database read); the database
// is read at every read of the Source. It returns an error if p or db is
// nil, the dialect is unknown to goose, goose.DialectCustom comes without
// WithStore (or WithStore with another dialect), or an option is invalid.
func New(p *goose.Provider, db *sql.DB, dialect goose.Dialect, opts ...Option) (*Source, error) {
	if p == nil || db == nil {
		return nil, errors.New("goosemetrics: New: nil provider or database")
	}
	var c config
	var errs []error
	for _, o := range opts {
		if o != nil {
			errs = append(errs, o.apply(&c))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	store := c.store
	switch {
	case store != nil && dialect != goose.DialectCustom:
		return nil, fmt.Errorf("goosemetrics: New: WithStore needs goose.DialectCustom, not %q", dialect)
	case store != nil && c.table != "":
		return nil, errors.New("goosemetrics: New: WithTableName and WithStore: the table is the store's")
	case store == nil && dialect == goose.DialectCustom:
		return nil, errors.New("goosemetrics: New: goose.DialectCustom needs WithStore")
	case store == nil:
		var err error
		if store, err = database.NewStore(dialect, cmp.Or(c.table, goose.DefaultTablename)); err != nil {
			return nil, fmt.Errorf("goosemetrics: New: %w", err)
		}
	}
	s := &Source{db: db, store: store}
	for _, src := range p.ListSources() {
		s.known = append(s.known, src.Version)
	}
	return s, nil
}

// MustNew is New for use in a one-line setup; it panics on error.
func MustNew(p *goose.Provider, db *sql.DB, dialect goose.Dialect, opts ...Option) *Source {
	s, err := New(p, db, dialect, opts...)
	if err != nil {
		panic(err)
	}
	return s
}

// Status reads goose's version table and compares it with the known
// migrations: a known version whose latest record says applied is applied
// (the highest of them is the version), the others are unapplied. A
// missing table means that none is applied. goose runs each migration in a
// transaction where the database allows it and records no half-applied
// state, so Dirty is always false. Versions recorded in the database but
// unknown to the binary are not counted.
func (s *Source) Status(ctx context.Context) (migrationmetrics.Status, error) {
	rows, err := s.store.ListMigrations(ctx, s.db)
	if err != nil && !missingTable(err) {
		return migrationmetrics.Status{}, fmt.Errorf("goosemetrics: reading %s: %w", s.store.Tablename(), err)
	}
	// Newest record first: the first one of a version is its state.
	applied := map[int64]bool{}
	for _, r := range rows {
		if _, seen := applied[r.Version]; !seen {
			applied[r.Version] = r.IsApplied
		}
	}
	var st migrationmetrics.Status
	for _, v := range s.known {
		if applied[v] {
			st.Applied++
			st.Version = max(st.Version, v)
		} else {
			st.Unapplied++
		}
	}
	return st, nil
}

// missingTable reports whether err says that the table read does not
// exist: PostgreSQL's undefined_table (42P01) or invalid_schema_name
// (3F000), MySQL's and MariaDB's ER_NO_SUCH_TABLE (1146, SQLSTATE 42S02),
// SQLite's "no such table". The drivers' error types are matched by their
// methods and messages, so that this module imports none of them; the
// migratemetrics adapter recognises the same errors.
func missingTable(err error) bool {
	var coded interface{ SQLState() string } // pgconn.PgError, lib/pq's Error
	if errors.As(err, &coded) {
		code := coded.SQLState()
		return code == "42P01" || code == "3F000"
	}
	msg := err.Error()
	return strings.Contains(msg, "Error 1146") || strings.Contains(msg, "no such table")
}
