package migratemetrics_test

import (
	"fmt"
	"testing/fstest"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database/stub"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/migratemetrics"
	"github.com/stackprom/stackprom/migrationmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// The service's migrations, embedded: in a service, an embed.FS.
var migrations = fstest.MapFS{
	"1_create_dog.up.sql":   {Data: []byte("CREATE TABLE dog (id INTEGER PRIMARY KEY, name TEXT);")},
	"1_create_dog.down.sql": {Data: []byte("DROP TABLE dog;")},
	"2_create_lawn.up.sql":  {Data: []byte("CREATE TABLE lawn (id INTEGER PRIMARY KEY);")},
	"3_dog_age.up.sql":      {Data: []byte("ALTER TABLE dog ADD COLUMN age INTEGER;")},
}

// A service's collector reads the migration table through a *sql.DB (New),
// or, as here, through a golang-migrate database driver (NewFromDriver):
// golang-migrate's stub, so that the example runs without a database.
func Example() {
	drv, err := stub.WithInstance(nil, &stub.Config{}) // in a service: pgx.WithInstance(db, …), say
	if err != nil {
		panic(err)
	}
	src, err := iofs.New(migrations, ".")
	if err != nil {
		panic(err)
	}
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	migrationmetrics.MustNew("default", migratemetrics.MustNewFromDriver(src, drv), stackprom.WithRegisterer(reg))

	// The migration job (elsewhere, or at start-up) applies two of three.
	jobSrc, _ := iofs.New(migrations, ".")
	m, err := migrate.NewWithInstance("iofs", jobSrc, "stub", drv)
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
