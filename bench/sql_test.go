package bench

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/XSAM/otelsql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/qustavo/sqlhooks/v2"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"modernc.org/sqlite"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/sqlmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// nopDriver is a database driver that does nothing, so that a wrapper's
// cost is not hidden by the database's: its statements allocate nothing.
type nopDriver struct{}

type nopConn struct{ rows nopRows }

type nopRows struct{ done bool }

func (nopDriver) Open(string) (driver.Conn, error) { return &nopConn{}, nil }

func (c *nopConn) Prepare(string) (driver.Stmt, error) { return nil, driver.ErrSkip }
func (c *nopConn) Close() error                        { return nil }
func (c *nopConn) Begin() (driver.Tx, error)           { return nil, driver.ErrSkip }
func (c *nopConn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) {
	return nil, driver.ErrSkip // sqlhooks requires the method
}
func (c *nopConn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	return driver.RowsAffected(1), nil
}
func (c *nopConn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	c.rows.done = false
	return &c.rows, nil
}
func (r *nopRows) Columns() []string { return []string{"n"} }
func (r *nopRows) Close() error      { return nil }
func (r *nopRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done, dest[0] = true, int64(1)
	return nil
}

// dsnConnector opens a driver's connections from a data source name.
type dsnConnector struct {
	d   driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.d }

// The databases: the do-nothing driver, and SQLite in memory (each
// connection its own database; the statements need no table).
var sqlDrivers = []struct {
	name   string
	vendor string
	d      driver.Driver
	dsn    string
}{
	{"nop", "nop", nopDriver{}, ""},
	{"sqlite", sqlmetrics.SQLite, &sqlite.Driver{}, ":memory:"},
}

// histogramHook is the sqlhooks variant: a prometheus histogram of query
// durations, the start time carried in the context as sqlhooks requires.
type histogramHook struct{ h prometheus.Observer }

type startKey struct{}

func (k histogramHook) Before(ctx context.Context, _ string, _ ...any) (context.Context, error) {
	return context.WithValue(ctx, startKey{}, time.Now()), nil
}

func (k histogramHook) After(ctx context.Context, _ string, _ ...any) (context.Context, error) {
	if t, ok := ctx.Value(startKey{}).(time.Time); ok {
		k.h.Observe(time.Since(t).Seconds())
	}
	return ctx, nil
}

var registered atomic.Int64

type sqlImpl struct {
	name  string
	open  func(tb testing.TB, reg *prometheus.Registry, d driver.Driver, dsn, vendor string) *sql.DB
	check func(tb testing.TB, reg *prometheus.Registry, vendor string)
}

var sqlImpls = []sqlImpl{
	{name: "raw", open: func(tb testing.TB, _ *prometheus.Registry, d driver.Driver, dsn, _ string) *sql.DB {
		return sql.OpenDB(dsnConnector{d, dsn})
	}},
	{name: "stackprom", open: func(tb testing.TB, reg *prometheus.Registry, d driver.Driver, dsn, vendor string) *sql.DB {
		db, err := sqlmetrics.OpenDB(dsnConnector{d, dsn}, sqlmetrics.WithVendor(vendor), stackprom.WithRegisterer(reg))
		if err != nil {
			tb.Fatal(err)
		}
		return db
	}, check: func(tb testing.TB, reg *prometheus.Registry, vendor string) {
		stackpromtest.AssertValue(tb, reg, 1, "db_execute_total", prometheus.Labels{"alias": "default", "vendor": vendor})
	}},
	{name: "otelsql", open: func(tb testing.TB, reg *prometheus.Registry, d driver.Driver, dsn, _ string) *sql.DB {
		exp, err := otelprom.New(otelprom.WithRegisterer(reg))
		if err != nil {
			tb.Fatal(err)
		}
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
		return otelsql.OpenDB(dsnConnector{d, dsn}, otelsql.WithMeterProvider(mp))
	}, check: func(tb testing.TB, reg *prometheus.Registry, _ string) {
		mfs, err := reg.Gather()
		if err != nil {
			tb.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "db_client_operation_duration_seconds" {
				return
			}
		}
		tb.Errorf("otelsql exported no operation duration")
	}},
	{name: "sqlhooks", open: func(tb testing.TB, reg *prometheus.Registry, d driver.Driver, dsn, _ string) *sql.DB {
		h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "sqlhooks_query_duration_seconds", Help: "Query duration."})
		reg.MustRegister(h)
		name := fmt.Sprintf("bench-sqlhooks-%d", registered.Add(1))
		sql.Register(name, sqlhooks.Wrap(d, histogramHook{h}))
		db, err := sql.Open(name, dsn)
		if err != nil {
			tb.Fatal(err)
		}
		return db
	}, check: func(tb testing.TB, reg *prometheus.Registry, _ string) {
		stackpromtest.AssertValue(tb, reg, 1, "sqlhooks_query_duration_seconds_count", nil)
	}},
}

var sqlOps = []struct {
	name string
	run  func(ctx context.Context, db *sql.DB) error
}{
	{"QueryRow", func(ctx context.Context, db *sql.DB) error {
		var n int64
		return db.QueryRowContext(ctx, "SELECT ?", int64(1)).Scan(&n)
	}},
	{"Exec", func(ctx context.Context, db *sql.DB) error {
		_, err := db.ExecContext(ctx, "SELECT ?", int64(1))
		return err
	}},
}

// TestSQLVariantsRecord checks that every benchmarked variant runs the
// statements and records them, so that the benchmark compares real work.
func TestSQLVariantsRecord(t *testing.T) {
	for _, d := range sqlDrivers {
		for _, im := range sqlImpls {
			t.Run(d.name+"/"+im.name, func(t *testing.T) {
				reg := prometheus.NewRegistry()
				db := im.open(t, reg, d.d, d.dsn, d.vendor)
				defer db.Close()
				if err := sqlOps[0].run(context.Background(), db); err != nil {
					t.Fatal(err)
				}
				if im.check != nil {
					im.check(t, reg, d.vendor)
				}
			})
		}
	}
}

// BenchmarkSQL runs QueryRowContext+Scan and ExecContext through each
// variant on each database, one at a time (mode=serial) or from
// GOMAXPROCS goroutines (mode=parallel), reporting CPU time per statement
// (cpu-ns/op) beside wall time.
func BenchmarkSQL(b *testing.B) {
	ctx := context.Background()
	for _, d := range sqlDrivers {
		for _, op := range sqlOps {
			for _, mode := range []string{"serial", "parallel"} {
				for _, im := range sqlImpls {
					b.Run("db="+d.name+"/op="+op.name+"/mode="+mode+"/impl="+im.name, func(b *testing.B) {
						db := im.open(b, prometheus.NewRegistry(), d.d, d.dsn, d.vendor)
						defer db.Close()
						db.SetMaxIdleConns(64)
						if err := op.run(ctx, db); err != nil { // open a connection outside the timing
							b.Fatal(err)
						}
						b.ReportAllocs()
						cpu := startCPU()
						if mode == "serial" {
							for b.Loop() {
								op.run(ctx, db)
							}
							cpu.report(b)
							return
						}
						b.ResetTimer()
						b.RunParallel(func(pb *testing.PB) {
							for pb.Next() {
								op.run(ctx, db)
							}
						})
						cpu.report(b)
					})
				}
			}
		}
	}
}
