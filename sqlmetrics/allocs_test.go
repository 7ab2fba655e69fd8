package sqlmetrics

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
)

// nopConn is a driver connection that allocates nothing per statement.
type nopConn struct{ rows nopRows }

type nopRows struct{ done bool }

func (c *nopConn) Prepare(string) (driver.Stmt, error) { return nil, driver.ErrSkip }
func (c *nopConn) Close() error                        { return nil }
func (c *nopConn) Begin() (driver.Tx, error)           { return nil, driver.ErrSkip }
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
	r.done = true
	dest[0] = int64(1)
	return nil
}

type nopConnector struct{}

func (nopConnector) Connect(context.Context) (driver.Conn, error) { return &nopConn{}, nil }
func (nopConnector) Driver() driver.Driver                        { return nil }

// TestNoAllocations checks the claim the benchmarks measure: in either
// mode the wrapper adds no allocation to a statement, at the driver and
// through database/sql.
func TestNoAllocations(t *testing.T) {
	for _, mode := range []Duration{DriverCall, UntilRowsClosed} {
		t.Run(mode.String(), func(t *testing.T) { testNoAllocations(t, mode) })
	}
}

func testNoAllocations(t *testing.T, mode Duration) {
	ctx := context.Background()
	r := testRecorder(t, WithDuration(mode))
	inner := &nopConn{}
	w := newConn(inner, r).(*conn)
	for name, f := range map[string]func(){
		"ExecContext": func() { w.ExecContext(ctx, "INSERT", nil) },
		"QueryContext+Close": func() {
			rows, _ := w.QueryContext(ctx, "SELECT", nil)
			rows.Close()
		},
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("driver level %s: %v allocations, want 0", name, n)
		}
	}

	raw := sql.OpenDB(nopConnector{})
	defer raw.Close()
	wrapped, err := OpenDB(nopConnector{}, WithVendor("nop"), WithDuration(mode), stackprom.WithRegisterer(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	defer wrapped.Close()
	var n int
	ops := map[string]func(db *sql.DB) func(){
		"ExecContext": func(db *sql.DB) func() { return func() { db.ExecContext(ctx, "INSERT", 1) } },
		"QueryRowContext+Scan": func(db *sql.DB) func() {
			return func() { db.QueryRowContext(ctx, "SELECT", 1).Scan(&n) }
		},
	}
	for name, op := range ops {
		op(raw)() // open the connections first
		op(wrapped)()
		want := testing.AllocsPerRun(200, op(raw))
		if got := testing.AllocsPerRun(200, op(wrapped)); got != want {
			t.Errorf("database/sql %s: %v allocations wrapped, %v unwrapped", name, got, want)
		}
	}
}

// BenchmarkDriverLevel is the wrapper's own cost: a statement on the
// do-nothing connection, raw and wrapped, without database/sql around it.
func BenchmarkDriverLevel(b *testing.B) {
	ctx := context.Background()
	r, err := NewRecorder(WithVendor("nop"), stackprom.WithRegisterer(prometheus.NewRegistry()))
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"serial", "parallel"} {
		for _, impl := range []string{"raw", "wrapped"} {
			b.Run("op=Exec/mode="+mode+"/impl="+impl, func(b *testing.B) {
				newC := func() driver.ExecerContext {
					if impl == "raw" {
						return &nopConn{}
					}
					return newConn(&nopConn{}, r).(driver.ExecerContext)
				}
				b.ReportAllocs()
				if mode == "serial" {
					c := newC()
					for b.Loop() {
						c.ExecContext(ctx, "INSERT", nil)
					}
					return
				}
				b.RunParallel(func(pb *testing.PB) {
					c := newC()
					for pb.Next() {
						c.ExecContext(ctx, "INSERT", nil)
					}
				})
			})
		}
	}
	// A query read to its end and closed, as QueryRow's Scan does.
	dest := make([]driver.Value, 1)
	for _, mode := range []string{"serial", "parallel"} {
		for _, impl := range []string{"raw", "wrapped"} {
			b.Run("op=Query/mode="+mode+"/impl="+impl, func(b *testing.B) {
				newC := func() driver.QueryerContext {
					if impl == "raw" {
						return &nopConn{}
					}
					return newConn(&nopConn{}, r).(driver.QueryerContext)
				}
				query := func(c driver.QueryerContext, dest []driver.Value) {
					rows, _ := c.QueryContext(ctx, "SELECT", nil)
					for rows.Next(dest) == nil {
					}
					rows.Close()
				}
				b.ReportAllocs()
				if mode == "serial" {
					c := newC()
					for b.Loop() {
						query(c, dest)
					}
					return
				}
				b.RunParallel(func(pb *testing.PB) {
					c, dest := newC(), make([]driver.Value, 1)
					for pb.Next() {
						query(c, dest)
					}
				})
			})
		}
	}
	b.Run("op=clock", func(b *testing.B) {
		for b.Loop() {
			now()
		}
	})
	b.Run("op=record", func(b *testing.B) {
		start := now()
		for b.Loop() {
			r.Executed(ctx, 5*time.Millisecond, nil)
		}
		_ = start
	})
}
