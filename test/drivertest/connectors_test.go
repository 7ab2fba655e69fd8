package drivertest

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/sqlmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// The other ways in: a driver's connector (pgx's stdlib, go-sql-driver/mysql)
// and a registered wrapped driver; the vendor is detected in each.
func TestWaysIn(t *testing.T) {
	ctx := context.Background()
	open := map[string]func(t *testing.T, reg *prometheus.Registry) (*sql.DB, string){
		"pgx stdlib.GetConnector": func(t *testing.T, reg *prometheus.Registry) (*sql.DB, string) {
			cfg, err := pgx.ParseConfig(postgres.dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			db, err := sqlmetrics.OpenDB(stdlib.GetConnector(*cfg), stackprom.WithRegisterer(reg))
			if err != nil {
				t.Fatal(err)
			}
			return db, sqlmetrics.PostgreSQL
		},
		"mysql.NewConnector": func(t *testing.T, reg *prometheus.Registry) (*sql.DB, string) {
			cfg, err := mysql.ParseDSN(mariadb.dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			c, err := mysql.NewConnector(cfg)
			if err != nil {
				t.Fatal(err)
			}
			db, err := sqlmetrics.OpenDB(c, stackprom.WithRegisterer(reg))
			if err != nil {
				t.Fatal(err)
			}
			return db, sqlmetrics.MySQL
		},
		"Register sqlite": func(t *testing.T, reg *prometheus.Registry) (*sql.DB, string) {
			name, err := sqlmetrics.Register("sqlite", stackprom.WithRegisterer(reg), sqlmetrics.WithPoolStats(false))
			if err != nil {
				t.Fatal(err)
			}
			db, err := sql.Open(name, "file:"+filepath.Join(t.TempDir(), "r.db"))
			if err != nil {
				t.Fatal(err)
			}
			return db, sqlmetrics.SQLite
		},
	}
	for name, o := range open {
		t.Run(name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			db, vendor := o(t, reg)
			defer db.Close()
			var n int
			if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil || n != 1 {
				t.Fatal(n, err)
			}
			l := prometheus.Labels{"alias": "default", "vendor": vendor}
			stackpromtest.AssertValue(t, reg, 1, "db_execute_total", l)
			stackpromtest.AssertValue(t, reg, 1, "db_new_connections_total", l)
		})
	}
}
