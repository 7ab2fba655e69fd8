package migratetest_test

import (
	"embed"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	mysqlmigrate "github.com/golang-migrate/migrate/v4/database/mysql"
	pgxmigrate "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	sqlitemigrate "github.com/golang-migrate/migrate/v4/database/sqlite"
	"github.com/golang-migrate/migrate/v4/source"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/migratemetrics"
	"github.com/stackprom/stackprom/internal/migrationtest"
	"github.com/stackprom/stackprom/migrationmetrics"
	"github.com/stackprom/stackprom/test/internal/dbtest"
)

//go:embed testdata
var testdata embed.FS

func sourceOf(t *testing.T, dir string) source.Driver {
	t.Helper()
	src, err := iofs.New(testdata, "testdata/"+dir)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// migrator returns a golang-migrate instance over a connection of its own,
// as a migration job has.
func migrator(t *testing.T, b dbtest.Backend, dir string) *migrate.Migrate {
	t.Helper()
	db := dbtest.Open(t, b.Driver, b.DSN)
	var drv database.Driver
	var err error
	switch b.Driver {
	case "sqlite":
		drv, err = sqlitemigrate.WithInstance(db, &sqlitemigrate.Config{})
	case "pgx":
		drv, err = pgxmigrate.WithInstance(db, &pgxmigrate.Config{})
	case "mysql":
		drv, err = mysqlmigrate.WithInstance(db, &mysqlmigrate.Config{})
	}
	if err != nil {
		t.Fatal(err)
	}
	m, err := migrate.NewWithInstance("iofs", sourceOf(t, dir), b.Driver, drv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// 3 known, 2 applied: 2 / 1. Apply the last: the gauges keep the cached
// read for the time-to-live, then show 3 / 0, without a restart.
func TestFollowsMigrations(t *testing.T) {
	for _, v := range vendors {
		t.Run(v.Name, func(t *testing.T) {
			b := v.Fresh(t)
			m := migrator(t, b, "migrations")
			if err := m.Steps(2); err != nil {
				t.Fatal(err)
			}
			reg := prometheus.NewRegistry()
			clk := migrationtest.NewClock()
			src := migratemetrics.MustNew(sourceOf(t, "migrations"), dbtest.Open(t, b.Driver, b.DSN))
			migrationmetrics.MustNew("default", src, stackprom.WithRegisterer(reg), waitForReads, migrationmetrics.WithClock(clk.Now))

			migrationtest.Check(t, "2 of 3 applied", reg, migrationtest.Status{Applied: 2, Unapplied: 1, Dirty: 0, Version: 2, Errors: 0})
			if err := m.Steps(1); err != nil {
				t.Fatal(err)
			}
			clk.Add(time.Second)
			migrationtest.Check(t, "within the time-to-live", reg, migrationtest.Status{Applied: 2, Unapplied: 1, Dirty: 0, Version: 2, Errors: 0})
			clk.Add(30 * time.Second)
			migrationtest.Check(t, "after the time-to-live", reg, migrationtest.Status{Applied: 3, Unapplied: 0, Dirty: 0, Version: 3, Errors: 0})

			// Everything rolled back: golang-migrate leaves the table empty.
			if err := m.Down(); err != nil {
				t.Fatal(err)
			}
			clk.Add(30 * time.Second)
			migrationtest.Check(t, "all rolled back", reg, migrationtest.Status{Applied: 0, Unapplied: 3, Dirty: 0, Version: 0, Errors: 0})
		})
	}
}

// A migration that fails half-way leaves golang-migrate's dirty flag set:
// dirty 1, the failed version current, and it counts as unapplied.
func TestDirty(t *testing.T) {
	for _, v := range vendors {
		t.Run(v.Name, func(t *testing.T) {
			b := v.Fresh(t)
			m := migrator(t, b, "broken")
			if err := m.Up(); err == nil {
				t.Fatal("the broken migration applied")
			}
			reg := prometheus.NewRegistry()
			migrationmetrics.MustNew("default", migratemetrics.MustNew(sourceOf(t, "broken"), dbtest.Open(t, b.Driver, b.DSN)),
				stackprom.WithRegisterer(reg), waitForReads)
			migrationtest.Check(t, "after a failed migration", reg, migrationtest.Status{Applied: 3, Unapplied: 1, Dirty: 1, Version: 4, Errors: 0})
		})
	}
}

// The database is down when the service starts: building the collector and
// the handler does not fail or wait, /metrics answers 200, and the
// scrape-error counter moves; no applied or unapplied value is made up.
func TestDatabaseDownAtStart(t *testing.T) {
	for _, v := range vendors {
		t.Run(v.Name, func(t *testing.T) {
			b := v.Fresh(t)
			reg := prometheus.NewRegistry()
			db := dbtest.Open(t, b.Driver, b.Down)
			c, err := migrationmetrics.New("default", migratemetrics.MustNew(sourceOf(t, "migrations"), db),
				stackprom.WithRegisterer(reg), waitForReads, migrationmetrics.WithCacheTTL(0), migrationmetrics.WithTimeout(3*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(stackprom.MustNewHandler(stackprom.WithGatherer(reg)))
			defer srv.Close()
			for i := 1; i <= 2; i++ {
				resp, err := http.Get(srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("/metrics answered %d: %s", resp.StatusCode, body)
				}
			}
			migrationtest.Check(t, "database down", reg, migrationtest.Status{Applied: -1, Unapplied: -1, Dirty: -1, Version: -1, Errors: 3})
			if err := c.Err(); err == nil || !strings.HasPrefix(err.Error(), "migrationmetrics: ") {
				t.Errorf("Err() = %v", err)
			}
		})
	}
}

// FromDriver reads the version through golang-migrate's own driver.
func TestFromDriver(t *testing.T) {
	b := vendors[0].Fresh(t)
	m := migrator(t, b, "migrations")
	if err := m.Steps(2); err != nil {
		t.Fatal(err)
	}
	drv, err := sqlitemigrate.WithInstance(dbtest.Open(t, b.Driver, b.DSN), &sqlitemigrate.Config{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := migratemetrics.MustNewFromDriver(sourceOf(t, "migrations"), drv).Status(t.Context())
	if err != nil || st != (migrationmetrics.Status{Applied: 2, Unapplied: 1, Version: 2}) {
		t.Errorf("Status = %+v, %v", st, err)
	}
}

func TestOptions(t *testing.T) {
	b := vendors[0].Fresh(t)
	m := migrator(t, b, "migrations")
	if err := m.Up(); err != nil {
		t.Fatal(err)
	}
	db := dbtest.Open(t, b.Driver, b.DSN)
	st, err := migratemetrics.MustNew(sourceOf(t, "migrations"), db, migratemetrics.WithTable("schema_migrations")).Status(t.Context())
	if err != nil || st.Applied != 3 {
		t.Errorf("Status = %+v, %v", st, err)
	}
	// A bad table name is an error of New, before any scrape.
	for _, table := range []string{"x; DROP TABLE dog", ""} {
		src, err := migratemetrics.New(sourceOf(t, "migrations"), db, migratemetrics.WithTable(table))
		if src != nil || err == nil || !strings.HasPrefix(err.Error(), "migratemetrics: WithTable(") {
			t.Errorf("table %q: New = %v, %v", table, src, err)
		}
	}
	if _, err := migratemetrics.New(nil, db); err == nil {
		t.Error("nil source driver: no error")
	}
	if _, err := migratemetrics.New(sourceOf(t, "migrations"), nil); err == nil {
		t.Error("nil database: no error")
	}
	if _, err := migratemetrics.NewFromDriver(sourceOf(t, "migrations"), nil); err == nil {
		t.Error("nil database driver: no error")
	}
}

// A database where no migration ever ran has no schema_migrations table:
// every known migration is unapplied, and the scrape is no error (as Django
// reports a database without django_migrations). The first migration then
// shows, without a restart.
func TestNoMigrationsTable(t *testing.T) {
	for _, v := range vendors {
		t.Run(v.Name, func(t *testing.T) {
			b := v.Fresh(t)
			reg := prometheus.NewRegistry()
			db := dbtest.Open(t, b.Driver, b.DSN)
			migrationmetrics.MustNew("default", migratemetrics.MustNew(sourceOf(t, "migrations"), db),
				stackprom.WithRegisterer(reg), waitForReads, migrationmetrics.WithCacheTTL(0))
			migrationtest.Check(t, "no table", reg, migrationtest.Status{Applied: 0, Unapplied: 3, Dirty: 0, Version: 0, Errors: 0})
			// A schema-qualified table in a schema that does not exist is
			// missing too, where the database has schemas.
			if v.Name == "postgresql" {
				st, err := migratemetrics.MustNew(sourceOf(t, "migrations"), db, migratemetrics.WithTable("nowhere.schema_migrations")).Status(t.Context())
				if err != nil || st.Unapplied != 3 {
					t.Errorf("missing schema: %+v, %v", st, err)
				}
			}
			if err := migrator(t, b, "migrations").Steps(1); err != nil {
				t.Fatal(err)
			}
			migrationtest.Check(t, "one applied", reg, migrationtest.Status{Applied: 1, Unapplied: 2, Dirty: 0, Version: 1, Errors: 0})
			// Other failures stay errors: a table that is not a migrations
			// table cannot be read as one.
			if _, err := migratemetrics.MustNew(sourceOf(t, "migrations"), db, migratemetrics.WithTable("dog")).Status(t.Context()); err == nil {
				t.Error("reading dog as the migrations table: no error")
			}
		})
	}
}
