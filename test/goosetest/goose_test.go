package goosetest_test

import (
	"database/sql"
	"embed"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/goosemetrics"
	"github.com/stackprom/stackprom/internal/migrationtest"
	"github.com/stackprom/stackprom/migrationmetrics"
	"github.com/stackprom/stackprom/test/internal/dbtest"
)

//go:embed testdata
var testdata embed.FS

func dialect(driver string) goose.Dialect {
	switch driver {
	case "pgx":
		return goose.DialectPostgres
	case "mysql":
		return goose.DialectMySQL
	}
	return goose.DialectSQLite3
}

// provider returns a goose provider over db for the migrations in dir.
func provider(t *testing.T, b dbtest.Backend, db *sql.DB, dir string) *goose.Provider {
	t.Helper()
	fsys, err := fs.Sub(testdata, "testdata/"+dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(dialect(b.Driver), db, fsys)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// source returns the goosemetrics source of the database at dsn for the
// migrations in dir, over a database handle of its own.
func source(t *testing.T, b dbtest.Backend, dsn, dir string) *goosemetrics.Source {
	t.Helper()
	db := dbtest.Open(t, b.Driver, dsn)
	return goosemetrics.MustNew(provider(t, b, db, dir), db, dialect(b.Driver))
}

// 3 known, 2 applied: 2 / 1. Apply the last: the cached read holds for the
// time-to-live, then 3 / 0, without a restart.
func TestFollowsMigrations(t *testing.T) {
	for _, v := range vendors {
		t.Run(v.Name, func(t *testing.T) {
			b := v.Fresh(t)
			job := provider(t, b, dbtest.Open(t, b.Driver, b.DSN), "migrations")
			for range 2 {
				if _, err := job.UpByOne(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			reg := prometheus.NewRegistry()
			clk := migrationtest.NewClock()
			src := source(t, b, b.DSN, "migrations")
			migrationmetrics.MustNew("default", src, stackprom.WithRegisterer(reg), waitForReads, migrationmetrics.WithClock(clk.Now))

			migrationtest.Check(t, "2 of 3 applied", reg, migrationtest.Status{Applied: 2, Unapplied: 1, Dirty: 0, Version: 2, Errors: 0})
			if _, err := job.UpByOne(t.Context()); err != nil {
				t.Fatal(err)
			}
			clk.Add(time.Second)
			migrationtest.Check(t, "within the time-to-live", reg, migrationtest.Status{Applied: 2, Unapplied: 1, Dirty: 0, Version: 2, Errors: 0})
			clk.Add(30 * time.Second)
			migrationtest.Check(t, "after the time-to-live", reg, migrationtest.Status{Applied: 3, Unapplied: 0, Dirty: 0, Version: 3, Errors: 0})
			if _, err := job.Down(t.Context()); err != nil {
				t.Fatal(err)
			}
			clk.Add(30 * time.Second)
			migrationtest.Check(t, "one rolled back", reg, migrationtest.Status{Applied: 2, Unapplied: 1, Dirty: 0, Version: 2, Errors: 0})
		})
	}
}

// goose records no half-applied state: after a failed fourth migration the
// database shows 3 applied, 1 unapplied, dirty 0.
func TestFailedMigration(t *testing.T) {
	for _, v := range vendors {
		t.Run(v.Name, func(t *testing.T) {
			b := v.Fresh(t)
			if _, err := provider(t, b, dbtest.Open(t, b.Driver, b.DSN), "broken").Up(t.Context()); err == nil {
				t.Fatal("the broken migration applied")
			}
			reg := prometheus.NewRegistry()
			src := source(t, b, b.DSN, "broken")
			migrationmetrics.MustNew("default", src, stackprom.WithRegisterer(reg), waitForReads)
			migrationtest.Check(t, "after a failed migration", reg, migrationtest.Status{Applied: 3, Unapplied: 1, Dirty: 0, Version: 3, Errors: 0})
		})
	}
}

// The database is down when the service starts: nothing fails or waits,
// /metrics answers 200, and the scrape-error counter moves.
func TestDatabaseDownAtStart(t *testing.T) {
	for _, v := range vendors {
		t.Run(v.Name, func(t *testing.T) {
			b := v.Fresh(t)
			reg := prometheus.NewRegistry()
			src := source(t, b, b.Down, "migrations")
			c, err := migrationmetrics.New("default", src, stackprom.WithRegisterer(reg), waitForReads,
				migrationmetrics.WithCacheTTL(0), migrationmetrics.WithTimeout(3*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(stackprom.MustNewHandler(stackprom.WithGatherer(reg)))
			defer srv.Close()
			for range 2 {
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
			if err := c.Err(); err == nil || !strings.Contains(err.Error(), "goosemetrics: ") {
				t.Errorf("Err() = %v", err)
			}
		})
	}
}

// versionTable reports whether goose's version table exists in the
// database of b.
func versionTable(t *testing.T, b dbtest.Backend, db *sql.DB) bool {
	t.Helper()
	q := map[string]string{
		"sqlite": "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'",
		"pgx":    "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'goose_db_version'",
		"mysql":  "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'goose_db_version'",
	}[b.Driver]
	var n int
	if err := db.QueryRowContext(t.Context(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// A scrape is read-only: against a database where goose never ran, it
// creates no version table (goose's own Status would) and reports every
// known migration unapplied, without an error, as for golang-migrate.
// Once goose has run, the same source reads the table it made.
func TestFreshDatabase(t *testing.T) {
	for _, v := range vendors {
		t.Run(v.Name, func(t *testing.T) {
			b := v.Fresh(t)
			check := dbtest.Open(t, b.Driver, b.DSN)
			reg := prometheus.NewRegistry()
			c := migrationmetrics.MustNew("default", source(t, b, b.DSN, "migrations"), stackprom.WithRegisterer(reg),
				waitForReads, migrationmetrics.WithCacheTTL(0))
			for i := range 2 {
				migrationtest.Check(t, "a fresh database", reg, migrationtest.Status{Applied: 0, Unapplied: 3, Dirty: 0, Version: 0, Errors: 0})
				if err := c.Err(); err != nil {
					t.Errorf("scrape %d: Err() = %v", i+1, err)
				}
				if versionTable(t, b, check) {
					t.Fatalf("scrape %d created goose's version table", i+1)
				}
			}
			if _, err := provider(t, b, dbtest.Open(t, b.Driver, b.DSN), "migrations").UpByOne(t.Context()); err != nil {
				t.Fatal(err)
			}
			migrationtest.Check(t, "after goose up-by-one", reg, migrationtest.Status{Applied: 1, Unapplied: 2, Dirty: 0, Version: 1, Errors: 0})
		})
	}
}

// Options of New: another table name, a custom store, and the errors.
func TestNewOptions(t *testing.T) {
	b := vendors[0].Fresh(t) // SQLite
	db := dbtest.Open(t, b.Driver, b.DSN)
	fsys, err := fs.Sub(testdata, "testdata/migrations")
	if err != nil {
		t.Fatal(err)
	}
	job, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithTableName("app_versions"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := job.UpByOne(t.Context()); err != nil {
		t.Fatal(err)
	}
	p := provider(t, b, db, "migrations")
	store, err := database.NewStore(goose.DialectSQLite3, "app_versions")
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]*goosemetrics.Source{
		"WithTableName": goosemetrics.MustNew(p, db, goose.DialectSQLite3, goosemetrics.WithTableName("app_versions")),
		"WithStore":     goosemetrics.MustNew(p, db, goose.DialectCustom, goosemetrics.WithStore(store)),
	} {
		if st, err := src.Status(t.Context()); err != nil || st != (migrationmetrics.Status{Applied: 1, Unapplied: 2, Version: 1}) {
			t.Errorf("%s: %+v %v, want 1 applied, 2 unapplied", name, st, err)
		}
	}
	for name, f := range map[string]func() (*goosemetrics.Source, error){
		"nil provider":     func() (*goosemetrics.Source, error) { return goosemetrics.New(nil, db, goose.DialectSQLite3) },
		"nil database":     func() (*goosemetrics.Source, error) { return goosemetrics.New(p, nil, goose.DialectSQLite3) },
		"unknown dialect":  func() (*goosemetrics.Source, error) { return goosemetrics.New(p, db, goose.Dialect("dbase")) },
		"custom, no store": func() (*goosemetrics.Source, error) { return goosemetrics.New(p, db, goose.DialectCustom) },
		"store, a dialect": func() (*goosemetrics.Source, error) {
			return goosemetrics.New(p, db, goose.DialectSQLite3, goosemetrics.WithStore(store))
		},
		"nil store": func() (*goosemetrics.Source, error) {
			return goosemetrics.New(p, db, goose.DialectCustom, goosemetrics.WithStore(nil))
		},
		"empty table": func() (*goosemetrics.Source, error) {
			return goosemetrics.New(p, db, goose.DialectSQLite3, goosemetrics.WithTableName(""))
		},
		"store and table name": func() (*goosemetrics.Source, error) {
			return goosemetrics.New(p, db, goose.DialectCustom, goosemetrics.WithStore(store), goosemetrics.WithTableName("x"))
		},
	} {
		if src, err := f(); err == nil || src != nil || !strings.HasPrefix(err.Error(), "goosemetrics: ") {
			t.Errorf("%s: %v, %v; want a goosemetrics error", name, src, err)
		}
	}
}
