package main

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/goosemetrics"
	"github.com/stackprom/stackprom/migrationmetrics"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations brings the database to the state -migrate asks for,
// registers the migration collector of connection "default" on the
// registry of shared, and reads the status once. A database that cannot be
// migrated (it is down, say) is logged, not fatal: the service starts and
// the collector's scrape errors tell.
func migrations(db *sql.DB, driver, mode string, shared stackprom.Option) error {
	dialect := goose.DialectSQLite3
	switch driver {
	case "pgx":
		dialect = goose.DialectPostgres
	case "mysql":
		dialect = goose.DialectMySQL
	}
	fsys, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	if err := migrate(db, dialect, fsys, mode); err != nil {
		log.Printf("migrations: %v (serving anyway)", err)
	}
	p, err := goose.NewProvider(dialect, db, fsys)
	if err != nil {
		return err
	}
	src, err := goosemetrics.New(p, db, dialect)
	if err != nil {
		return err
	}
	c, err := migrationmetrics.New("default", src, shared)
	if err != nil {
		return err
	}
	// Read the status once now, right after migrating, so that the first
	// scrape has the gauges however slowly the database answers (a scrape
	// waits for a read a quarter of a second at most). A database that is
	// down costs at most this bound, and counts as a failed read.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.Refresh(ctx)
	return nil
}

func migrate(db *sql.DB, dialect goose.Dialect, fsys fs.FS, mode string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := goose.NewProvider(dialect, db, fsys)
	if err != nil {
		return err
	}
	sources := p.ListSources()
	last := sources[len(sources)-1].Version
	switch mode {
	case "all", "":
		_, err = p.Up(ctx)
	case "all-but-last":
		var current int64
		if current, err = p.GetDBVersion(ctx); err != nil {
			return err
		}
		if current >= last {
			_, err = p.DownTo(ctx, last-1)
		} else {
			_, err = p.UpTo(ctx, last-1)
		}
	case "none":
	default:
		return fmt.Errorf("-migrate %q: want all, all-but-last or none", mode)
	}
	return err
}
