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
			src := goosemetrics.MustNew(provider(t, b, dbtest.Open(t, b.Driver, b.DSN), "migrations"))
			migrationmetrics.MustNew("default", src, stackprom.WithRegisterer(reg), migrationmetrics.WithClock(clk.Now))

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
			src := goosemetrics.MustNew(provider(t, b, dbtest.Open(t, b.Driver, b.DSN), "broken"))
			migrationmetrics.MustNew("default", src, stackprom.WithRegisterer(reg))
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
			src := goosemetrics.MustNew(provider(t, b, dbtest.Open(t, b.Driver, b.Down), "migrations"))
			c, err := migrationmetrics.New("default", src, stackprom.WithRegisterer(reg),
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
