package sqlmetrics

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"testing"

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

// TestNoAllocations checks the claim the benchmarks measure: in the default
// mode the wrapper adds no allocation to a statement, at the driver and
// through database/sql.
func TestNoAllocations(t *testing.T) {
	ctx := context.Background()
	r := testRecorder(t)
	inner := &nopConn{}
	w := newConn(inner, r).(*conn)
	for name, f := range map[string]func(){
		"ExecContext":  func() { w.ExecContext(ctx, "INSERT", nil) },
		"QueryContext": func() { w.QueryContext(ctx, "SELECT", nil) },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("driver level %s: %v allocations, want 0", name, n)
		}
	}

	raw := sql.OpenDB(nopConnector{})
	defer raw.Close()
	wrapped, err := OpenDB(nopConnector{}, WithVendor("nop"), stackprom.WithRegisterer(prometheus.NewRegistry()))
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
