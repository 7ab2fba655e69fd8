package goosemetrics_test

import (
	"database/sql"
	"embed"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/goosemetrics"
	"github.com/stackprom/stackprom/internal/dbtest"
	"github.com/stackprom/stackprom/migrationmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
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

// clock is a clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// status is what a scrape says of connection "default"; -1 stands for an
// absent series.
type status struct{ applied, unapplied, dirty, version, errors float64 }

func check(t *testing.T, what string, g prometheus.Gatherer, want status) {
	t.Helper()
	s := stackpromtest.Take(t, g)
	get := func(name string) float64 {
		v, ok := s.Value(name, prometheus.Labels{"connection": "default"})
		if !ok {
			return -1
		}
		return v
	}
	got := status{get("migrations_applied"), get("migrations_unapplied"), get("migrations_dirty"),
		get("migrations_version"), get("migrations_scrape_errors_total")}
	if got != want {
		t.Errorf("%s: got %+v, want %+v", what, got, want)
	}
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
			clk := &clock{t: time.Unix(1_700_000_000, 0)}
			src := goosemetrics.New(provider(t, b, dbtest.Open(t, b.Driver, b.DSN), "migrations"))
			migrationmetrics.MustNew("default", src, stackprom.WithRegisterer(reg), migrationmetrics.WithClock(clk.Now))

			check(t, "2 of 3 applied", reg, status{applied: 2, unapplied: 1, dirty: 0, version: 2, errors: 0})
			if _, err := job.UpByOne(t.Context()); err != nil {
				t.Fatal(err)
			}
			clk.Add(time.Second)
			check(t, "within the time-to-live", reg, status{applied: 2, unapplied: 1, dirty: 0, version: 2, errors: 0})
			clk.Add(30 * time.Second)
			check(t, "after the time-to-live", reg, status{applied: 3, unapplied: 0, dirty: 0, version: 3, errors: 0})
			if _, err := job.Down(t.Context()); err != nil {
				t.Fatal(err)
			}
			clk.Add(30 * time.Second)
			check(t, "one rolled back", reg, status{applied: 2, unapplied: 1, dirty: 0, version: 2, errors: 0})
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
			src := goosemetrics.New(provider(t, b, dbtest.Open(t, b.Driver, b.DSN), "broken"))
			migrationmetrics.MustNew("default", src, stackprom.WithRegisterer(reg))
			check(t, "after a failed migration", reg, status{applied: 3, unapplied: 1, dirty: 0, version: 3, errors: 0})
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
			src := goosemetrics.New(provider(t, b, dbtest.Open(t, b.Driver, b.Down), "migrations"))
			c, err := migrationmetrics.New("default", src, stackprom.WithRegisterer(reg),
				migrationmetrics.WithCacheTTL(0), migrationmetrics.WithTimeout(3*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(stackprom.Handler(stackprom.WithGatherer(reg)))
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
			check(t, "database down", reg, status{applied: -1, unapplied: -1, dirty: -1, version: -1, errors: 3})
			if err := c.Err(); err == nil || !strings.Contains(err.Error(), "goosemetrics: ") {
				t.Errorf("Err() = %v", err)
			}
		})
	}
}
