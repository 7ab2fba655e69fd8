package main

import (
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/stackpromtest"
)

func TestSQLView(t *testing.T) {
	reg := prometheus.NewRegistry()
	h, err := app(true, settings{db: filepath.Join(t.TempDir(), "demo.db")}, stackprom.WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	s := stackpromtest.Take(t, reg)
	for i := 0; i < 2; i++ {
		resp, err := srv.Client().Get(srv.URL + "/sql?q=DROP+TABLE+x")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "counted 3") {
			t.Fatalf("GET /sql: %d %s", resp.StatusCode, body)
		}
	}
	l := prometheus.Labels{"alias": "default", "vendor": "sqlite"}
	s.AssertDiff(t, 6, "db_execute_many_total", l)
	s.AssertDiff(t, 16, "db_execute_total", l) // create, 3 inserts, count, update, the failing one, delete
	s.AssertDiff(t, 2, "db_errors_total", prometheus.Labels{"alias": "default", "vendor": "sqlite", "type": "*sqlite.Error"})
	s.AssertDiff(t, 2, "http_requests_by_view_transport_method_total",
		prometheus.Labels{"view": "sql", "transport": "http", "method": "GET"})
	for _, tc := range []struct{ spec, driver, dsn string }{
		{"postgres://u@h:5432/d", "pgx", "postgres://u@h:5432/d"},
		{"mysql://root:pw@db/shop", "mysql", "root:pw@tcp(db:3306)/shop?parseTime=true"},
		{"/var/demo.db", "sqlite", "file:/var/demo.db?_pragma=busy_timeout(5000)"},
	} {
		d, dsn, err := driverDSN(tc.spec)
		if err != nil || d != tc.driver || dsn != tc.dsn {
			t.Errorf("driverDSN(%q) = %q, %q, %v; want %q, %q", tc.spec, d, dsn, err, tc.driver, tc.dsn)
		}
	}
	if _, _, err := driverDSN("redis://x"); err == nil {
		t.Error("driverDSN accepted redis://")
	}
}
