package goosemetrics_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"testing/fstest"

	"github.com/pressly/goose/v3"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/goosemetrics"
	"github.com/stackprom/stackprom/migrationmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// The service's migrations: in a service, an embed.FS.
var migrations = fstest.MapFS{
	"00001_create_dog.sql": {Data: []byte("-- +goose Up\nCREATE TABLE dog (id INTEGER PRIMARY KEY);\n")},
}

// unreachable is a database that is down: every connection fails.
type unreachable struct{}

func (unreachable) Connect(context.Context) (driver.Conn, error) {
	return nil, errors.New("connection refused")
}
func (unreachable) Driver() driver.Driver { return nil }

// The collector is built at start-up without touching the database (goose
// providers and the source connect lazily), so a database that is down
// does not stop the service: its scrapes count an error, and the gauges
// appear once a read succeeds.
func Example() {
	db := sql.OpenDB(unreachable{}) // sql.Open("pgx", dsn), in a service
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations)
	if err != nil {
		panic(err)
	}
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	migrationmetrics.MustNew("default", goosemetrics.MustNew(p, db, goose.DialectPostgres), stackprom.WithRegisterer(reg))

	s, _ := stackpromtest.Gather(reg) // a scrape
	v, _ := s.Value("migrations_scrape_errors_total", prometheus.Labels{"connection": "default"})
	fmt.Println("migrations_scrape_errors_total", v)
	_, found := s.Value("migrations_applied", prometheus.Labels{"connection": "default"})
	fmt.Println("migrations_applied exposed:", found)
	// Output:
	// migrations_scrape_errors_total 1
	// migrations_applied exposed: false
}
