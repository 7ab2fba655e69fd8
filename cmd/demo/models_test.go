package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/internal/testenv"
	"github.com/stackprom/stackprom/stackpromtest"
)

func demo(t *testing.T, s settings) (*httptest.Server, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	h, err := app(true, s, stackprom.WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, reg
}

func do(t *testing.T, method, u string, want int) {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s", method, u, resp.StatusCode, body)
	}
}

func migrationGauges(t *testing.T, reg prometheus.Gatherer) string {
	t.Helper()
	s := stackpromtest.Take(t, reg)
	l := prometheus.Labels{"connection": "default"}
	a, _ := s.Value("migrations_applied", l)
	u, _ := s.Value("migrations_unapplied", l)
	return fmt.Sprintf("%v/%v", a, u)
}

// The demo's models and migrations: -migrate all-but-last leaves 2 of 3
// applied; newlawn inserts lawns; /sql's writes count as dog operations;
// a restart with -migrate all shows 3 / 0.
func TestModelsAndMigrations(t *testing.T) {
	s := settings{db: filepath.Join(t.TempDir(), "demo.db"), migrate: "all-but-last"}
	srv, reg := demo(t, s)
	if got := migrationGauges(t, reg); got != "2/1" {
		t.Errorf("applied/unapplied with -migrate all-but-last: %s, want 2/1", got)
	}

	snap := stackpromtest.Take(t, reg)
	do(t, "POST", srv.URL+"/newlawn/bordeaux", 201)
	do(t, "POST", srv.URL+"/newlawn/"+"a%20garden%22%7D", 201) // the location is data, never a label
	do(t, "GET", srv.URL+"/sql", 200)
	lawn, dog := prometheus.Labels{"model": "lawn"}, prometheus.Labels{"model": "dog"}
	snap.AssertDiff(t, 2, "model_inserts_total", lawn)
	snap.AssertDiff(t, 3, "model_inserts_total", dog)
	snap.AssertDiff(t, 1, "model_updates_total", dog)
	snap.AssertDiff(t, 3, "model_deletes_total", dog)
	snap.AssertDiff(t, 2, "http_requests_by_view_transport_method_total",
		prometheus.Labels{"view": "newlawn", "transport": "http", "method": "POST"})

	s.migrate = "all"
	_, reg = demo(t, s)
	if got := migrationGauges(t, reg); got != "3/0" {
		t.Errorf("applied/unapplied with -migrate all: %s, want 3/0", got)
	}
	s.migrate = "sideways"
	_, reg = demo(t, s) // a bad value is logged; the service starts
	if got := migrationGauges(t, reg); got != "3/0" {
		t.Errorf("after a bad -migrate: %s, want 3/0", got)
	}
}

// The database is down at start-up: the demo starts, /metrics answers,
// the migration scrape-error counter moves, and newlawn fails with a 500.
func TestDatabaseDown(t *testing.T) {
	srv, reg := demo(t, settings{db: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/test?sslmode=disable&connect_timeout=2", testenv.FreePort(t))})
	do(t, "GET", srv.URL+"/metrics", 200)
	do(t, "POST", srv.URL+"/newlawn/bordeaux", 500)
	s := stackpromtest.Take(t, reg)
	if v, _ := s.Value("migrations_scrape_errors_total", prometheus.Labels{"connection": "default"}); v != 1 {
		t.Errorf("migration scrape errors = %v, want 1", v)
	}
	if _, ok := s.Value("migrations_applied", prometheus.Labels{"connection": "default"}); ok {
		t.Error("an applied gauge without a database")
	}
}
