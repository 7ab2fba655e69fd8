package sqlmetrics_test

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/sqlmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

func Example() {
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry

	// With a real driver, one of:
	//   db, err := sqlmetrics.Open("pgx", "postgres://…")                    // by driver name
	//   db, err := sqlmetrics.OpenDB(stdlib.GetConnector(*cfg))              // from a connector
	//   db, err := sqlmetrics.Open("sqlite", "file:app.db", sqlmetrics.WithAlias("cache"))
	// Here a toy driver stands in, so it needs its vendor named.
	db, err := sqlmetrics.OpenDB(toyConnector{}, sqlmetrics.WithVendor("toy"), stackprom.WithRegisterer(reg))
	if err != nil {
		panic(err)
	}
	defer db.Close()

	ctx := context.Background()
	var n int
	db.QueryRowContext(ctx, "SELECT 1").Scan(&n)
	db.ExecContext(ctx, "INSERT INTO dogs(name) VALUES(?)", "Rex")
	db.ExecContext(ctx, "SELEKT oops") // fails: counted, and the error is the driver's

	// A bulk insert, in a transaction: three executions, three bulk ones.
	tx, _ := db.BeginTx(ctx, nil)
	sqlmetrics.ExecMany(ctx, tx, "INSERT INTO dogs(name) VALUES(?)", [][]any{{"Ada"}, {"Bo"}, {"Cy"}})
	tx.Commit()

	s, _ := stackpromtest.Gather(reg)
	l := prometheus.Labels{"alias": "default", "vendor": "toy"}
	for _, name := range []string{"db_new_connections_total", "db_execute_total", "db_execute_many_total", "db_query_duration_seconds_count"} {
		v, _ := s.Value(name, l)
		fmt.Printf("%s %v\n", name, v)
	}
	v, _ := s.Value("db_errors_total", prometheus.Labels{"alias": "default", "vendor": "toy", "type": "*sqlmetrics_test.toyError"})
	fmt.Println("db_errors_total{type=\"*sqlmetrics_test.toyError\"}", v)
	v, _ = s.Value("go_sql_open_connections", prometheus.Labels{"db_name": "default"})
	fmt.Println("go_sql_open_connections", v)
	// Output:
	// db_new_connections_total 1
	// db_execute_total 6
	// db_execute_many_total 3
	// db_query_duration_seconds_count 6
	// db_errors_total{type="*sqlmetrics_test.toyError"} 1
	// go_sql_open_connections 1
}

// toy is a driver that runs nothing: statements starting with SELECT return
// one row holding 1, those starting with INSERT affect one row, and any
// other fails with *toyError.
type (
	toyConnector struct{}
	toyConn      struct{}
	toyStmt      struct{ query string }
	toyRows      struct{ done bool }
	toyError     struct{ query string }
)

func (toyConnector) Connect(context.Context) (driver.Conn, error) { return toyConn{}, nil }
func (toyConnector) Driver() driver.Driver                        { return nil }

func (toyConn) Prepare(q string) (driver.Stmt, error) { return toyStmt{q}, nil }
func (toyConn) Close() error                          { return nil }
func (toyConn) Begin() (driver.Tx, error)             { return toyConn{}, nil }
func (toyConn) Commit() error                         { return nil }
func (toyConn) Rollback() error                       { return nil }

func (toyConn) ExecContext(_ context.Context, q string, _ []driver.NamedValue) (driver.Result, error) {
	if !strings.HasPrefix(q, "INSERT") {
		return nil, &toyError{q}
	}
	return driver.RowsAffected(1), nil
}

func (toyConn) QueryContext(_ context.Context, q string, _ []driver.NamedValue) (driver.Rows, error) {
	if !strings.HasPrefix(q, "SELECT") {
		return nil, &toyError{q}
	}
	return &toyRows{}, nil
}

func (s toyStmt) Close() error  { return nil }
func (s toyStmt) NumInput() int { return -1 }
func (s toyStmt) Exec([]driver.Value) (driver.Result, error) {
	return toyConn{}.ExecContext(context.Background(), s.query, nil)
}
func (s toyStmt) Query([]driver.Value) (driver.Rows, error) {
	return toyConn{}.QueryContext(context.Background(), s.query, nil)
}

func (r *toyRows) Columns() []string { return []string{"n"} }
func (r *toyRows) Close() error      { return nil }
func (r *toyRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done, dest[0] = true, int64(1)
	return nil
}

func (e *toyError) Error() string { return "toy: cannot run " + e.query }
