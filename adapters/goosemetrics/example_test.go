package goosemetrics_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pressly/goose/v3"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/goosemetrics"
	"github.com/stackprom/stackprom/migrationmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", filepath.Join(dir, "app.db")) // connects lazily
	if err != nil {
		panic(err)
	}
	defer db.Close()
	migrations, _ := fs.Sub(testdata, "testdata/migrations") // in a service: an embed.FS

	// The service's collector, over a provider of its own.
	status, err := goose.NewProvider(goose.DialectSQLite3, db, migrations)
	if err != nil {
		panic(err)
	}
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	migrationmetrics.MustNew("default", goosemetrics.MustNew(status), stackprom.WithRegisterer(reg))

	// The migration job applies two of three.
	job, err := goose.NewProvider(goose.DialectSQLite3, db, migrations)
	if err != nil {
		panic(err)
	}
	if _, err := job.UpTo(context.Background(), 2); err != nil {
		panic(err)
	}

	s, _ := stackpromtest.Gather(reg)
	for _, family := range []string{"migrations_applied", "migrations_unapplied", "migrations_version"} {
		v, _ := s.Value(family, prometheus.Labels{"connection": "default"})
		fmt.Println(family, v)
	}
	// Output:
	// migrations_applied 2
	// migrations_unapplied 1
	// migrations_version 2
}
