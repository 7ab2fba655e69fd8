package migratemetrics_test

import (
	"database/sql"
	"embed"
	"fmt"
	"os"
	"path/filepath"

	"github.com/golang-migrate/migrate/v4"
	sqlitemigrate "github.com/golang-migrate/migrate/v4/database/sqlite"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/migratemetrics"
	"github.com/stackprom/stackprom/migrationmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

//go:embed testdata/migrations/*.sql
var migrations embed.FS

func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", filepath.Join(dir, "app.db")) // connects lazily
	if err != nil {
		panic(err)
	}
	defer db.Close()

	// The service: its migrations are embedded; the collector reads
	// schema_migrations at scrape time.
	src, err := iofs.New(migrations, "testdata/migrations")
	if err != nil {
		panic(err)
	}
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	migrationmetrics.MustNew("default", migratemetrics.MustNew(src, db), stackprom.WithRegisterer(reg))

	// The migration job (elsewhere, or at start-up) applies two of three.
	drv, err := sqlitemigrate.WithInstance(db, &sqlitemigrate.Config{})
	if err != nil {
		panic(err)
	}
	jobSrc, _ := iofs.New(migrations, "testdata/migrations")
	m, err := migrate.NewWithInstance("iofs", jobSrc, "sqlite", drv)
	if err != nil {
		panic(err)
	}
	if err := m.Steps(2); err != nil {
		panic(err)
	}

	s, _ := stackpromtest.Gather(reg)
	for _, family := range []string{"migrations_applied", "migrations_unapplied", "migrations_version", "migrations_dirty"} {
		v, _ := s.Value(family, prometheus.Labels{"connection": "default"})
		fmt.Println(family, v)
	}
	// Output:
	// migrations_applied 2
	// migrations_unapplied 1
	// migrations_version 2
	// migrations_dirty 0
}
