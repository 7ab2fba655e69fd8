package sqlmetrics

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/stackpromtest"
)

// openFake opens a database on the fake driver with a fresh registry.
func openFake(t *testing.T, opts ...Option) (*sql.DB, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	opts = append([]Option{stackprom.WithRegisterer(reg), WithVendor("fake"), WithAlias("main")}, opts...)
	db, err := OpenDB(&fakeConnector{name: "x", d: fakeDriverContext{}}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, reg
}

var mainLabels = prometheus.Labels{"alias": "main", "vendor": "fake"}

func withType(typ string) prometheus.Labels {
	return prometheus.Labels{"alias": "main", "vendor": "fake", "type": typ}
}

func TestCounting(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name               string
		run                func(t *testing.T, db *sql.DB)
		executions, errors float64
		errType            string
	}{
		{"exec", func(t *testing.T, db *sql.DB) { db.ExecContext(ctx, "INSERT x") }, 1, 0, ""},
		{"exec error", func(t *testing.T, db *sql.DB) { db.ExecContext(ctx, "ERR x") }, 1, 1, "*sqlmetrics.fakeError"},
		{"query row", func(t *testing.T, db *sql.DB) {
			var n int
			if err := db.QueryRowContext(ctx, "SELECT n").Scan(&n); err != nil || n != 1 {
				t.Fatal(n, err)
			}
		}, 1, 0, ""},
		{"query error", func(t *testing.T, db *sql.DB) { db.QueryContext(ctx, "ERR x") }, 1, 1, "*sqlmetrics.fakeError"},
		{"prepared twice", func(t *testing.T, db *sql.DB) {
			st, err := db.PrepareContext(ctx, "INSERT x")
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			st.ExecContext(ctx)
			st.QueryRowContext(ctx).Scan(new(int))
		}, 2, 0, ""},
		{"failed prepare", func(t *testing.T, db *sql.DB) { db.PrepareContext(ctx, "BADPREP x") }, 1, 1, "*sqlmetrics.fakeError"},
		{"ErrSkip runs prepared, counted once", func(t *testing.T, db *sql.DB) {
			if _, err := db.ExecContext(ctx, "SKIP INSERT x"); err != nil {
				t.Fatal(err)
			}
			db.QueryRowContext(ctx, "SKIP SELECT n").Scan(new(int))
		}, 2, 0, ""},
		{"ErrSkip then failing", func(t *testing.T, db *sql.DB) { db.ExecContext(ctx, "SKIP ERR2 x") }, 1, 1, "sqlmetrics.fakeError2"},
		{"transaction", func(t *testing.T, db *sql.DB) {
			tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
			if err != nil {
				t.Fatal(err)
			}
			tx.ExecContext(ctx, "INSERT x")
			tx.ExecContext(ctx, "ERR3 x")
			tx.Rollback()
		}, 2, 1, "sqlmetrics.fakeError3"},
		{"canceled", func(t *testing.T, db *sql.DB) {
			if _, err := db.ExecContext(endWhenWaiting(context.Canceled), "WAIT x"); !errors.Is(err, context.Canceled) {
				t.Fatal(err)
			}
		}, 1, 1, "context.Canceled"},
		{"deadline", func(t *testing.T, db *sql.DB) {
			if _, err := db.QueryContext(endWhenWaiting(context.DeadlineExceeded), "WAIT x"); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatal(err)
			}
		}, 1, 1, "context.DeadlineExceeded"},
		{"error reading rows", func(t *testing.T, db *sql.DB) {
			rows, err := db.QueryContext(ctx, "ROWSERR SELECT n")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
			}
			var fe *fakeError
			if !errors.As(rows.Err(), &fe) {
				t.Fatalf("rows error %T %v", rows.Err(), rows.Err())
			}
			rows.Close()
		}, 1, 1, "*sqlmetrics.fakeError"},
		{"error closing rows", func(t *testing.T, db *sql.DB) {
			// What a connection the server ends between a row and the end of
			// the result does: QueryRow's Scan fails as it closes the rows.
			var fe *fakeError
			if err := db.QueryRowContext(ctx, "CLOSEERR SELECT n").Scan(new(int)); !errors.As(err, &fe) {
				t.Fatalf("Scan: %T %v", err, err)
			}
		}, 1, 1, "*sqlmetrics.fakeError"},
		{"ping is no statement", func(t *testing.T, db *sql.DB) { db.PingContext(ctx) }, 0, 0, ""},
	}
	for _, tc := range cases {
		for _, mode := range []Duration{DriverCall, UntilRowsClosed} {
			t.Run(tc.name+"/"+mode.String(), func(t *testing.T) {
				db, reg := openFake(t, WithDuration(mode))
				db.PingContext(ctx) // open the connection first
				s := stackpromtest.Take(t, reg)
				tc.run(t, db)
				s.AssertDiff(t, tc.executions, "db_execute_total", mainLabels)
				s.AssertDiff(t, tc.executions, "db_query_duration_seconds_count", mainLabels)
				s.AssertDiff(t, 0, "db_execute_many_total", mainLabels)
				if tc.errType != "" {
					s.AssertDiff(t, tc.errors, "db_errors_total", withType(tc.errType))
				} else if got := testutil.CollectAndCount(reg, "db_errors_total"); got != 0 {
					t.Errorf("%d error series, want none", got)
				}
			})
		}
	}
}

func TestConnections(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := []Option{stackprom.WithRegisterer(reg), WithVendor("fake"), WithAlias("main"), WithPoolStats(false)}
	good, err := OpenDB(&fakeConnector{name: "x", d: fakeDriver{}}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	bad, err := OpenDB(&fakeConnector{name: "fail", d: fakeDriver{}}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	s := stackpromtest.Take(t, reg)
	if err := good.Ping(); err != nil {
		t.Fatal(err)
	}
	err = bad.Ping()
	var ce *fakeConnectError
	if !errors.As(err, &ce) || err != error(ce) {
		t.Fatalf("connect error %T %v, want the driver's *fakeConnectError unchanged", err, err)
	}
	// As in django-prometheus, new connections counts every attempt.
	s.AssertDiff(t, 2, "db_new_connections_total", mainLabels)
	s.AssertDiff(t, 1, "db_new_connection_errors_total", mainLabels)
	s.AssertDiff(t, 0, "db_execute_total", mainLabels)
}

func TestErrorTypes(t *testing.T) {
	r := testRecorder(t, WithMaxErrorTypes(2))
	for _, err := range []error{nil, driver.ErrSkip, sql.ErrNoRows, fmt.Errorf("pgx: %w", sql.ErrNoRows), io.EOF} {
		if r.Error(err) {
			t.Errorf("%v counted as an error", err)
		}
	}
	cases := []struct {
		err  error
		want string
	}{
		{&fakeError{}, "*sqlmetrics.fakeError"},
		{fmt.Errorf("query: %w", context.Canceled), "context.Canceled"},
		{context.DeadlineExceeded, "context.DeadlineExceeded"},
		{driver.ErrBadConn, "driver.ErrBadConn"},
		{io.ErrUnexpectedEOF, "*errors.errorString"},
		{fakeError2{}, "sqlmetrics.fakeError2"},
	}
	for _, c := range cases {
		if got := errorType(c.err); got != c.want {
			t.Errorf("errorType(%v) = %q, want %q", c.err, got, c.want)
		}
		if n := testing.AllocsPerRun(10, func() { errorType(c.err) }); n != 0 {
			t.Errorf("errorType(%v) allocates %v times", c.err, n)
		}
		if !r.Error(c.err) {
			t.Errorf("%v not counted", c.err)
		}
	}
	// Two types kept, then every other type is one "<other>" series.
	if got := r.errors.Len(); got != 3 {
		t.Errorf("%d error series, want 2 types and %s", got, Other)
	}
}

// TestBrokenSessionReset: database/sql resets a pooled connection before
// reusing it; a reset that finds it broken counts one driver.ErrBadConn
// (database/sql then runs the query on a new connection), and the query
// counts once.
func TestBrokenSessionReset(t *testing.T) {
	reg := prometheus.NewRegistry()
	db, err := OpenDB(&fakeConnector{name: "badreset", d: fakeDriver{}}, stackprom.WithRegisterer(reg),
		WithVendor("fake"), WithAlias("main"), WithPoolStats(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "INSERT x"); err != nil { // the connection goes back to the pool
		t.Fatal(err)
	}
	s := stackpromtest.Take(t, reg)
	if _, err := db.ExecContext(ctx, "INSERT x"); err != nil {
		t.Fatal(err)
	}
	s.AssertDiff(t, 1, "db_errors_total", withType("driver.ErrBadConn"))
	s.AssertDiff(t, 1, "db_execute_total", mainLabels)
	s.AssertDiff(t, 1, "db_new_connections_total", mainLabels)
}

// TestRowsOpenTogether: two queries open at once on one connection (the
// second cannot have the connection's spare wrapper), closed in the other
// order, each count their own error; the next query counts none.
func TestRowsOpenTogether(t *testing.T) {
	for _, mode := range []Duration{DriverCall, UntilRowsClosed} {
		t.Run(mode.String(), func(t *testing.T) {
			db, reg := openFake(t, WithDuration(mode))
			ctx := context.Background()
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			s := stackpromtest.Take(t, reg)
			first, err := conn.QueryContext(ctx, "ROWSERR SELECT n")
			if err != nil {
				t.Fatal(err)
			}
			second, err := conn.QueryContext(ctx, "CLOSEERR SELECT n")
			if err != nil {
				t.Fatal(err)
			}
			for first.Next() {
			}
			if first.Err() == nil {
				t.Fatal("the first query's rows did not fail")
			}
			if err := second.Close(); err == nil {
				t.Fatal("the second query's rows closed without their error")
			}
			first.Close()
			var n int
			if err := conn.QueryRowContext(ctx, "SELECT n").Scan(&n); err != nil || n != 1 {
				t.Fatal(n, err)
			}
			s.AssertDiff(t, 3, "db_execute_total", mainLabels)
			s.AssertDiff(t, 3, "db_query_duration_seconds_count", mainLabels)
			s.AssertDiff(t, 2, "db_errors_total", withType("*sqlmetrics.fakeError"))
		})
	}
}

func TestUntilRowsClosed(t *testing.T) {
	defer swapClock(time.Second)()
	db, reg := openFake(t, WithDuration(UntilRowsClosed))
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s := stackpromtest.Take(t, reg)
	rows, err := conn.QueryContext(ctx, "SELECT n")
	if err != nil {
		t.Fatal(err)
	}
	s.AssertDiff(t, 0, "db_execute_total", mainLabels) // not until the rows are closed
	for rows.Next() {
		now() // reading takes time: one clock step
	}
	rows.Close()
	s.AssertDiff(t, 1, "db_execute_total", mainLabels)
	s.AssertDiff(t, 2, "db_query_duration_seconds_sum", mainLabels) // start, read, close: two steps
	if got := testutil.CollectAndCount(reg, "db_errors_total"); got != 0 {
		t.Errorf("io.EOF at the end of rows counted: %d error series", got)
	}

	rows, err = conn.QueryContext(ctx, "ROWSERR SELECT n")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
	}
	var fe *fakeError
	if !errors.As(rows.Err(), &fe) {
		t.Fatalf("rows error %T %v", rows.Err(), rows.Err())
	}
	rows.Close()
	s.AssertDiff(t, 2, "db_execute_total", mainLabels)
	s.AssertDiff(t, 1, "db_errors_total", withType("*sqlmetrics.fakeError"))

	// QueryRow closes its rows itself; Exec is timed as before.
	conn.QueryRowContext(ctx, "SELECT n").Scan(new(int))
	conn.ExecContext(ctx, "INSERT x")
	s.AssertDiff(t, 4, "db_execute_total", mainLabels)
	s.AssertDiff(t, 4, "db_query_duration_seconds_count", mainLabels)
}

func TestExposition(t *testing.T) {
	for _, naming := range []stackprom.Naming{stackprom.NamingDefault, stackprom.NamingDjango} {
		t.Run(naming.String(), func(t *testing.T) {
			defer swapClock(20 * time.Millisecond)()
			db, reg := openFake(t, stackprom.WithNaming(naming), WithPoolStats(false),
				stackprom.WithBuckets("db_query_duration_seconds", 0.01, 0.1))
			ctx := context.Background()
			db.ExecContext(ctx, "INSERT x")
			db.ExecContext(ctx, "ERR x")
			tx, _ := db.Begin()
			ExecMany(ctx, tx, "INSERT x", [][]any{{1}, {2}, {3}})
			tx.Commit()
			p := ""
			if naming == stackprom.NamingDjango {
				p = "django_"
			}
			want := strings.ReplaceAll(`
# HELP P_db_errors_total Counter of execution errors by database, vendor and exception type.
# TYPE P_db_errors_total counter
P_db_errors_total{alias="main",type="*sqlmetrics.fakeError",vendor="fake"} 1
# HELP P_db_execute_many_total Counter of executed statements in bulk operations by database and by vendor.
# TYPE P_db_execute_many_total counter
P_db_execute_many_total{alias="main",vendor="fake"} 3
# HELP P_db_execute_total Counter of executed statements by database and by vendor, including bulk executions.
# TYPE P_db_execute_total counter
P_db_execute_total{alias="main",vendor="fake"} 5
# HELP P_db_new_connection_errors_total Counter of connection failures by database and by vendor.
# TYPE P_db_new_connection_errors_total counter
P_db_new_connection_errors_total{alias="main",vendor="fake"} 0
# HELP P_db_new_connections_total Counter of created connections by database and by vendor.
# TYPE P_db_new_connections_total counter
P_db_new_connections_total{alias="main",vendor="fake"} 1
# HELP P_db_query_duration_seconds Histogram of query duration by database and vendor.
# TYPE P_db_query_duration_seconds histogram
P_db_query_duration_seconds_bucket{alias="main",vendor="fake",le="0.01"} 0
P_db_query_duration_seconds_bucket{alias="main",vendor="fake",le="0.1"} 5
P_db_query_duration_seconds_bucket{alias="main",vendor="fake",le="+Inf"} 5
P_db_query_duration_seconds_sum{alias="main",vendor="fake"} 0.1
P_db_query_duration_seconds_count{alias="main",vendor="fake"} 5
`, "P_", p)
			if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
				t.Error(err)
			}
			if naming == stackprom.NamingDefault {
				problems, err := testutil.GatherAndLint(reg)
				if err != nil || len(problems) > 0 {
					t.Errorf("lint: %v %v", err, problems)
				}
			}
		})
	}
}

func TestExecMany(t *testing.T) {
	ctx := context.Background()
	db, reg := openFake(t)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	targets := map[string]Preparer{"db": db, "conn": conn}
	for name, p := range targets {
		t.Run(name, func(t *testing.T) {
			s := stackpromtest.Take(t, reg)
			res, err := ExecMany(ctx, p, "INSERT x", [][]any{{1}, {2}, {3}, {4}})
			if err != nil {
				t.Fatal(err)
			}
			if n, err := res.RowsAffected(); n != 4 || err != nil {
				t.Errorf("RowsAffected = %d, %v; want 4", n, err)
			}
			s.AssertDiff(t, 4, "db_execute_many_total", mainLabels)
			s.AssertDiff(t, 4, "db_execute_total", mainLabels)
			s.AssertDiff(t, 4, "db_query_duration_seconds_count", mainLabels)
		})
	}
	t.Run("transaction, failing", func(t *testing.T) {
		s := stackpromtest.Take(t, reg)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		_, err = ExecMany(ctx, tx, "ERR x", [][]any{{1}, {2}})
		var fe *fakeError
		if !errors.As(err, &fe) || err != error(fe) {
			t.Fatalf("error %T %v, want the driver's unchanged", err, err)
		}
		s.AssertDiff(t, 1, "db_execute_many_total", mainLabels) // stopped at the first
		s.AssertDiff(t, 1, "db_errors_total", withType("*sqlmetrics.fakeError"))
	})
	t.Run("last insert id", func(t *testing.T) {
		// The last execution's id: not the first, the largest or the sum.
		res, err := ExecMany(ctx, db, "LASTID x", [][]any{{5}, {9}, {2}})
		if err != nil {
			t.Fatal(err)
		}
		if id, err := res.LastInsertId(); id != 2 || err != nil {
			t.Errorf("LastInsertId = %d, %v; want 2", id, err)
		}
		if n, err := res.RowsAffected(); n != 3 || err != nil {
			t.Errorf("RowsAffected = %d, %v; want 3", n, err)
		}
		// Stopped by a failure: the last execution before it.
		res, err = ExecMany(ctx, db, "LASTID x", [][]any{{7}, {3}, {-1}, {8}})
		var fe *fakeError
		if !errors.As(err, &fe) {
			t.Fatalf("error %T %v, want the driver's", err, err)
		}
		if id, err := res.LastInsertId(); id != 3 || err != nil {
			t.Errorf("after a failure: LastInsertId = %d, %v; want 3", id, err)
		}
		if n, err := res.RowsAffected(); n != 2 || err != nil {
			t.Errorf("after a failure: RowsAffected = %d, %v; want 2", n, err)
		}
		// Failing at once: no execution to report.
		res, err = ExecMany(ctx, db, "LASTID x", [][]any{{-1}})
		if err == nil {
			t.Fatal("no error")
		}
		if _, err := res.LastInsertId(); err == nil {
			t.Error("LastInsertId with no successful execution: no error")
		}
	})
	t.Run("empty", func(t *testing.T) {
		s := stackpromtest.Take(t, reg)
		res, err := ExecMany(ctx, db, "BADPREP x", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := res.LastInsertId(); err == nil {
			t.Error("LastInsertId of an empty run: no error")
		}
		s.AssertDiff(t, 0, "db_execute_total", mainLabels)
	})
	t.Run("not instrumented", func(t *testing.T) {
		raw := sql.OpenDB(&fakeConnector{name: "x", d: fakeDriver{}})
		defer raw.Close()
		s := stackpromtest.Take(t, reg)
		if _, err := ExecMany(ctx, raw, "INSERT x", [][]any{{1}}); err != nil {
			t.Fatal(err)
		}
		s.AssertDiff(t, 0, "db_execute_many_total", mainLabels)
	})
}

func TestPoolStats(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := []Option{stackprom.WithRegisterer(reg), WithVendor("fake"), WithAlias("main"),
		stackprom.WithConstLabels(prometheus.Labels{"service": "shop"})}
	db, err := OpenDB(&fakeConnector{name: "x", d: fakeDriver{}}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	db.Ping()
	stackpromtest.AssertValue(t, reg, 1, "go_sql_open_connections", prometheus.Labels{"db_name": "main", "service": "shop"})
	if _, err := OpenDB(&fakeConnector{name: "x", d: fakeDriver{}}, opts...); err == nil ||
		!strings.Contains(err.Error(), `sqlmetrics: pool statistics for alias "main" are already registered`) {
		t.Errorf("second database with the same alias: %v", err)
	}
	other, err := OpenDB(&fakeConnector{name: "x", d: fakeDriver{}}, append(opts, WithPoolStats(false))...)
	if err != nil {
		t.Fatal(err)
	}
	other.Close()
	db.Close()
	if n := testutil.CollectAndCount(reg, "go_sql_open_connections"); n != 0 {
		t.Errorf("%d pool series after Close, want none", n)
	}
	// The alias is free again.
	db, err = OpenDB(&fakeConnector{name: "x", d: fakeDriver{}}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	// The driver's connector is closed with the database when it can be.
	fc := closingFakeConnector{&fakeConnector{name: "x", d: fakeDriver{}}}
	db, err = OpenDB(fc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if fc.closed != 1 {
		t.Errorf("driver's connector closed %d times, want 1", fc.closed)
	}
}

func TestVendor(t *testing.T) {
	for name, want := range map[string]string{
		"github.com/jackc/pgx/v5/stdlib": PostgreSQL, "pgx": PostgreSQL, "postgres": PostgreSQL, "github.com/lib/pq": PostgreSQL,
		"github.com/go-sql-driver/mysql": MySQL, "mysql": MySQL,
		"modernc.org/sqlite": SQLite, "github.com/mattn/go-sqlite3": SQLite, "sqlite3": SQLite,
		"github.com/microsoft/go-mssqldb": "",
	} {
		if got := vendorFromName(name); got != want {
			t.Errorf("vendorFromName(%q) = %q, want %q", name, got, want)
		}
	}
	_, err := WrapDriver(fakeDriver{}, stackprom.WithRegisterer(nil))
	if err == nil || !strings.Contains(err.Error(), "sqlmetrics.WithVendor") {
		t.Errorf("undetectable vendor: %v, want an error naming WithVendor", err)
	}
	// A wrapped driver wrapped again keeps its vendor.
	w, err := WrapDriver(fakeDriver{}, WithVendor("fake"), stackprom.WithRegisterer(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WrapDriver(w, stackprom.WithRegisterer(nil)); err != nil {
		t.Error(err)
	}
}

func init() {
	sql.Register("sqlmetrics-test-fake", fakeDriverContext{})
}

func TestOpenAndRegister(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := []Option{stackprom.WithRegisterer(reg), WithVendor("fake"), WithAlias("main")}
	if _, err := Open("no-such-driver", "x", opts...); err == nil || !strings.Contains(err.Error(), `sql: unknown driver "no-such-driver"`) {
		t.Errorf("unknown driver: %v, want database/sql's error", err)
	}
	if _, err := Open("sqlmetrics-test-fake", "bad dsn", opts...); !errors.As(err, new(*fakeError)) {
		t.Errorf("bad data source name: %v, want the driver's error", err)
	}
	db, err := Open("sqlmetrics-test-fake", "x", opts...)
	if err != nil {
		t.Fatal(err)
	}
	s := stackpromtest.Take(t, reg)
	db.Exec("INSERT x")
	db.Close()
	s.AssertDiff(t, 1, "db_execute_total", mainLabels)

	name, err := Register("sqlmetrics-test-fake", opts...)
	if err != nil {
		t.Fatal(err)
	}
	db, err = sql.Open(name, "x")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Exec("INSERT x")
	s.AssertDiff(t, 2, "db_execute_total", mainLabels)
	if _, err := NewRecorder(WithAlias(""), WithVendor("x")); err == nil {
		t.Error("empty alias accepted")
	}
	if _, err := NewRecorder(); err == nil || !strings.Contains(err.Error(), "WithVendor") {
		t.Errorf("NewRecorder without a vendor: %v", err)
	}
}

func TestRaw(t *testing.T) {
	db, _ := openFake(t)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		if _, ok := Raw(dc).(*fakeCtxConn); !ok {
			return fmt.Errorf("Raw gave %T", Raw(dc))
		}
		if Raw(42) != 42 {
			return errors.New("Raw changed a value that is no wrapper")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
