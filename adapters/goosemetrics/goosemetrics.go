// Package goosemetrics gives migrationmetrics the status of a database
// migrated with goose (github.com/pressly/goose/v3), from a goose Provider's
// status of each migration it knows.
//
//	db, _ := sql.Open("pgx", dsn) // does not connect yet
//	p, _ := goose.NewProvider(goose.DialectPostgres, db, migrationsFS)
//	migrationmetrics.MustNew("default", goosemetrics.MustNew(p))
//
// goose.NewProvider does not connect, so start-up does not depend on the
// database: a database that is down only makes scrapes count errors.
package goosemetrics

import (
	"context"
	"errors"
	"fmt"

	"github.com/pressly/goose/v3"

	"github.com/stackprom/stackprom/migrationmetrics"
)

// Source is a migrationmetrics.Source for goose.
type Source struct {
	p *goose.Provider
}

var _ migrationmetrics.Source = (*Source)(nil)

// New returns the Source of the database p migrates. Give it a provider of
// its own, without a session locker: goose's Status takes the provider's
// lock (and the session lock, when one is set), so a read through the
// provider that is migrating waits for the migration, up to the
// collector's timeout. Like every goose command, the first read creates
// goose's version table if it is missing. It returns an error if p is nil.
func New(p *goose.Provider) (*Source, error) {
	if p == nil {
		return nil, errors.New("goosemetrics: New: nil provider")
	}
	return &Source{p: p}, nil
}

// MustNew is New for use in a one-line setup; it panics on error.
func MustNew(p *goose.Provider) *Source {
	s, err := New(p)
	if err != nil {
		panic(err)
	}
	return s
}

// Status asks the provider for the status of each migration it knows:
// applied ones count as applied (their highest version is the version),
// pending ones as unapplied. goose runs each migration in a transaction
// where the database allows it and records no half-applied state, so Dirty
// is always false. Versions recorded in the database but unknown to the
// binary are not counted.
func (s *Source) Status(ctx context.Context) (migrationmetrics.Status, error) {
	statuses, err := s.p.Status(ctx)
	if err != nil {
		return migrationmetrics.Status{}, fmt.Errorf("goosemetrics: %w", err)
	}
	var st migrationmetrics.Status
	for _, m := range statuses {
		switch m.State {
		case goose.StateApplied:
			st.Applied++
			st.Version = max(st.Version, m.Source.Version)
		case goose.StatePending:
			st.Unapplied++
		}
	}
	return st, nil
}
