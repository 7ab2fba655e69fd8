package drivertest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"
	_ "modernc.org/sqlite"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/internal/testenv"
	"github.com/stackprom/stackprom/sqlmetrics"
)

// backend is a real database reached through a database/sql driver.
type backend struct {
	name    string // database/sql driver name
	vendor  string
	errType string // type label of a syntax error
	dsn     func(t *testing.T) string
	// sleep is a query that runs for about ten seconds.
	sleep string
	// param is the placeholder for argument i (from 1).
	param func(i int) string
}

func dollar(i int) string { return fmt.Sprintf("$%d", i) }
func question(int) string { return "?" }
func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

var (
	postgres = backend{
		name: "pgx", vendor: sqlmetrics.PostgreSQL, errType: "*pgconn.PgError",
		dsn: func(t *testing.T) string {
			addr := testenv.Addr(t, "STACKPROM_POSTGRES_ADDR", "127.0.0.1:5432")
			return env("STACKPROM_POSTGRES_DSN", "postgres://postgres@"+addr+"/test?sslmode=disable")
		},
		sleep: "SELECT pg_sleep(10)", param: dollar,
	}
	mariadb = backend{
		name: "mysql", vendor: sqlmetrics.MySQL, errType: "*mysql.MySQLError",
		dsn: func(t *testing.T) string {
			addr := testenv.Addr(t, "STACKPROM_MYSQL_ADDR", "127.0.0.1:3306")
			return env("STACKPROM_MYSQL_DSN", "root@tcp("+addr+")/test?parseTime=true")
		},
		sleep: "SELECT SLEEP(10)", param: question,
	}
	sqlite = backend{
		name: "sqlite", vendor: sqlmetrics.SQLite, errType: "*sqlite.Error",
		dsn: func(t *testing.T) string {
			return "file:" + filepath.Join(t.TempDir(), "test.db") + "?_pragma=busy_timeout(5000)"
		},
		// A query that counts for a long time, interrupted by the context.
		sleep: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 1000000000) SELECT count(*) FROM c",
		param: question,
	}
	backends = []backend{postgres, mariadb, sqlite}
)

// open returns the backend's database wrapped, on a fresh registry, and the
// same database unwrapped.
func (b backend) open(t *testing.T, opts ...sqlmetrics.Option) (wrapped, raw *sql.DB, reg *prometheus.Registry) {
	t.Helper()
	dsn := b.dsn(t)
	reg = prometheus.NewRegistry()
	opts = append([]sqlmetrics.Option{stackprom.WithRegisterer(reg), sqlmetrics.WithAlias("test_" + b.name)}, opts...)
	wrapped, err := sqlmetrics.Open(b.name, dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wrapped.Close() })
	raw, err = sql.Open(b.name, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	if err := raw.Ping(); err != nil {
		testenv.Unavailable(t, "%s: %v", b.name, err)
	}
	return wrapped, raw, reg
}

// intParam is the placeholder for an integer argument i.
func (b backend) intParam(i int) string {
	if b.vendor == sqlmetrics.PostgreSQL {
		return b.param(i) + "::int"
	}
	return b.param(i)
}

func (b backend) labels() prometheus.Labels {
	return prometheus.Labels{"alias": "test_" + b.name, "vendor": b.vendor}
}

func (b backend) errLabels(typ string) prometheus.Labels {
	l := b.labels()
	l["type"] = typ
	return l
}

// table creates a table of its own for the test (name prefixed sqlm_, so
// that tests of other packages running at the same time do not collide) and
// drops it at the end.
func (b backend) table(t *testing.T, db *sql.DB, cols string) string {
	t.Helper()
	name := "sqlm_" + strings.ToLower(strings.NewReplacer("/", "_", " ", "_", "-", "_", ",", "_").Replace(t.Name()))
	if len(name) > 60 {
		name = name[:60]
	}
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+name); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE "+name+" ("+cols+")"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+name) })
	return name
}

// each runs f as a subtest for every backend.
func each(t *testing.T, f func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.vendor, func(t *testing.T) { f(t, b) })
	}
}
