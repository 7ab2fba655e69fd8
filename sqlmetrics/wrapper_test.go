package sqlmetrics

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
)

var ifaceTypes = map[string]reflect.Type{
	"Pinger":            reflect.TypeFor[driver.Pinger](),
	"SessionResetter":   reflect.TypeFor[driver.SessionResetter](),
	"Validator":         reflect.TypeFor[driver.Validator](),
	"NamedValueChecker": reflect.TypeFor[driver.NamedValueChecker](),
	//lint:ignore SA1019 checked as the driver offers it
	"ColumnConverter":                reflect.TypeFor[driver.ColumnConverter](),
	"RowsNextResultSet":              reflect.TypeFor[driver.RowsNextResultSet](),
	"RowsColumnTypeScanType":         reflect.TypeFor[driver.RowsColumnTypeScanType](),
	"RowsColumnTypeDatabaseTypeName": reflect.TypeFor[driver.RowsColumnTypeDatabaseTypeName](),
	"RowsColumnTypeLength":           reflect.TypeFor[driver.RowsColumnTypeLength](),
	"RowsColumnTypeNullable":         reflect.TypeFor[driver.RowsColumnTypeNullable](),
	"RowsColumnTypePrecisionScale":   reflect.TypeFor[driver.RowsColumnTypePrecisionScale](),
}

func implements(v any, t reflect.Type) bool { return reflect.TypeOf(v).Implements(t) }

func testRecorder(t *testing.T, opts ...Option) *Recorder {
	t.Helper()
	opts = append([]Option{stackprom.WithRegisterer(prometheus.NewRegistry()), WithVendor("fake")}, opts...)
	r, err := NewRecorder(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// checkExact checks that w offers each of names exactly when mask says
// the driver's value does, and that the driver's value agrees.
func checkExact(t *testing.T, what string, inner, w any, names []string, mask uint) {
	t.Helper()
	for i, n := range names {
		want := mask&(1<<i) != 0
		if got := implements(inner, ifaceTypes[n]); got != want {
			t.Fatalf("%s mask %b: the fake offers %s: %v, want %v", what, mask, n, got, want)
		}
		if got := implements(w, ifaceTypes[n]); got != want {
			t.Errorf("%s mask %b: the wrapper offers %s: %v, the driver's: %v", what, mask, n, got, want)
		}
	}
}

func TestConnInterfacesExact(t *testing.T) {
	r := testRecorder(t)
	always := []reflect.Type{
		reflect.TypeFor[driver.ExecerContext](), reflect.TypeFor[driver.QueryerContext](),
		reflect.TypeFor[driver.ConnPrepareContext](), reflect.TypeFor[driver.ConnBeginTx](),
		reflect.TypeFor[interface{ Raw() driver.Conn }](), reflect.TypeFor[interface{ Unwrap() driver.Conn }](),
	}
	never := []reflect.Type{reflect.TypeFor[driver.Execer](), reflect.TypeFor[driver.Queryer]()} //lint:ignore SA1019 checked absent
	for mask := uint(0); mask < 1<<len(connInterfaces); mask++ {
		inner := offerConn(&fakeLegacyConn{}, &fakeCtxConn{}, mask)
		w := newConn(inner, r)
		checkExact(t, "conn", inner, w, connInterfaces, mask)
		for _, it := range always {
			if !implements(w, it) {
				t.Errorf("conn mask %b: the wrapper lacks %v", mask, it)
			}
		}
		for _, it := range never {
			if implements(w, it) {
				t.Errorf("conn mask %b: the wrapper offers the legacy %v", mask, it)
			}
		}
		if Raw(w) != inner {
			t.Errorf("conn mask %b: Raw does not return the driver's connection", mask)
		}
		if u, ok := w.(interface{ Unwrap() driver.Conn }); !ok || u.Unwrap() != inner {
			t.Errorf("conn mask %b: Unwrap does not return the driver's connection", mask)
		}
	}
}

func TestStmtInterfacesExact(t *testing.T) {
	r := testRecorder(t)
	for mask := uint(0); mask < 1<<len(stmtInterfaces); mask++ {
		inner := offerStmt(&fakeStmt{}, &fakeStmt{}, mask)
		w := newStmt(inner, r, "", new(spareRows))
		checkExact(t, "stmt", inner, w, stmtInterfaces, mask)
		if !implements(w, reflect.TypeFor[driver.StmtExecContext]()) || !implements(w, reflect.TypeFor[driver.StmtQueryContext]()) {
			t.Errorf("stmt mask %b: the wrapper lacks the context interfaces", mask)
		}
	}
}

// TestRowsInterfaces: the rows wrapper offers RowsNextResultSet exactly
// when the driver's rows do, and the column type interfaces always
// (TestRowsFallbacks checks their answers).
func TestRowsInterfaces(t *testing.T) {
	for _, mode := range []Duration{DriverCall, UntilRowsClosed} {
		r := testRecorder(t, WithDuration(mode))
		// Without a connection (from the pool), and with one whose spare
		// wrapper sees each type of rows in turn.
		for _, spare := range []*spareRows{nil, new(spareRows)} {
			for mask := uint(0); mask < 1<<len(rowsInterfaces); mask++ {
				inner := offerRows(&fakeRows{}, &fakeRows{}, mask)
				// Twice, so that the second wrapper is a reused one.
				for range 2 {
					w, err := r.rows(context.Background(), now(), inner, nil, spare)
					if err != nil {
						t.Fatal(err)
					}
					if w == inner {
						t.Fatalf("%v: rows not wrapped", mode)
					}
					checkExact(t, "rows", inner, w, rowsInterfaces[:1], mask) // RowsNextResultSet
					for _, n := range rowsInterfaces[1:] {
						if !implements(w, ifaceTypes[n]) {
							t.Errorf("rows mask %b: the wrapper lacks %s", mask, n)
						}
					}
					if err := w.Close(); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
}

// TestRowsReleased: a closed wrapper goes back to its pool zeroed, keeping
// nothing of its query (rows, context, error) for the next one to inherit.
func TestRowsReleased(t *testing.T) {
	type ctxKey struct{}
	for _, mode := range []Duration{DriverCall, UntilRowsClosed} {
		r := testRecorder(t, WithDuration(mode))
		ctx := context.WithValue(context.Background(), ctxKey{}, "first")
		w, _ := r.rows(ctx, now(), &fakeRows{fail: true}, nil, nil)
		dest := make([]driver.Value, 1)
		w.Next(dest)
		if err := w.Next(dest); err == nil {
			t.Fatal("the second row did not fail")
		}
		w.Close()
		if v := w.(*nextResultSetRows); *v != (nextResultSetRows{}) {
			t.Errorf("%v: the closed wrapper keeps %+v", mode, *v)
		}
		// The next query, whichever wrapper it gets, fails nothing.
		before := r.errors.Len()
		w, _ = r.rows(context.Background(), now(), &fakeRows{}, nil, nil)
		for w.Next(dest) == nil {
		}
		w.Close()
		if got := r.errors.Len(); got != before {
			t.Errorf("%v: a clean query after a failed one added error series (%d → %d)", mode, before, got)
		}
	}
}

func TestDriverAndConnectorInterfacesExact(t *testing.T) {
	for _, d := range []driver.Driver{fakeDriver{}, fakeDriverContext{}} {
		w, err := WrapDriver(d, WithVendor("fake"), stackprom.WithRegisterer(nil))
		if err != nil {
			t.Fatal(err)
		}
		_, want := d.(driver.DriverContext)
		if _, got := w.(driver.DriverContext); got != want {
			t.Errorf("%T: wrapper is a DriverContext: %v, want %v", d, got, want)
		}
		if u, ok := w.(interface{ Unwrap() driver.Driver }); !ok || u.Unwrap() != d {
			t.Errorf("%T: the wrapped driver does not Unwrap to the driver", d)
		}
	}
	for _, c := range []driver.Connector{&fakeConnector{d: fakeDriver{}}, closingFakeConnector{&fakeConnector{d: fakeDriver{}}}} {
		w, err := WrapConnector(c, WithVendor("fake"), stackprom.WithRegisterer(nil))
		if err != nil {
			t.Fatal(err)
		}
		_, want := c.(io.Closer)
		if _, got := w.(io.Closer); got != want {
			t.Errorf("%T: wrapper is an io.Closer: %v, want %v", c, got, want)
		}
		// Driver is the driver's own, as *sql.DB.Driver returns it without
		// the wrapper (see TestDBDriver).
		if w.Driver() != c.Driver() {
			t.Errorf("%T: Driver() = %T, want the driver's own %T", c, w.Driver(), c.Driver())
		}
		if u, ok := w.(interface{ Unwrap() driver.Connector }); !ok || u.Unwrap() != c {
			t.Errorf("%T: the wrapped connector does not Unwrap to the connector", c)
		}
	}
}

// TestDBDriver: *sql.DB.Driver returns, for a database opened through this
// package, what it returns without the wrapper, so that code that looks
// for the driver's type there finds it; for a wrapped driver registered
// with sql.Register, database/sql returns that registered driver (for a
// driver.DriverContext, the driver of its connectors), which unwraps to
// the driver.
func TestDBDriver(t *testing.T) {
	opts := []Option{WithVendor("fake"), stackprom.WithRegisterer(nil)}
	for _, d := range []driver.Driver{fakeDriver{}, fakeDriverContext{}} {
		c := &fakeConnector{name: "x", d: d}
		for way, open := range map[string]func() (*sql.DB, error){
			"OpenDB": func() (*sql.DB, error) { return OpenDB(c, opts...) },
			"WrapConnector": func() (*sql.DB, error) {
				w, err := WrapConnector(c, opts...)
				if err != nil {
					return nil, err
				}
				return sql.OpenDB(w), nil
			},
		} {
			db, err := open()
			if err != nil {
				t.Fatal(err)
			}
			if db.Driver() != d {
				t.Errorf("%s, %T: db.Driver() = %T, want the driver's own", way, d, db.Driver())
			}
			db.Close()
		}
	}
	for i, d := range []driver.Driver{fakeDriver{}, fakeDriverContext{}} {
		w, err := WrapDriver(d, opts...)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("sqlmetrics-test-dbdriver-%d", i)
		sql.Register(name, w)
		db, err := sql.Open(name, "x")
		if err != nil {
			t.Fatal(err)
		}
		got := db.Driver()
		if _, ok := d.(driver.DriverContext); ok {
			// database/sql asks the wrapped driver for a connector.
			if got != d {
				t.Errorf("registered %T: db.Driver() = %T, want the driver's own", d, got)
			}
		} else if u, ok := got.(interface{ Unwrap() driver.Driver }); !ok || u.Unwrap() != d {
			t.Errorf("registered %T: db.Driver() = %T, which does not Unwrap to the driver", d, got)
		}
		db.Close()
	}
}

// TestLegacyFallbacks runs the same operations on a driver with none of the
// context interfaces, wrapped and unwrapped: results and errors are equal.
func TestLegacyFallbacks(t *testing.T) {
	raw := sql.OpenDB(dsnConnector{dsn: "x", d: fakeDriver{legacy: true}})
	defer raw.Close()
	wrapped, err := OpenDB(dsnConnector{dsn: "x", d: fakeDriver{legacy: true}}, WithVendor("fake"),
		stackprom.WithRegisterer(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	defer wrapped.Close()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	ops := []struct {
		name string
		run  func(db *sql.DB) (any, error)
	}{
		{"exec", func(db *sql.DB) (any, error) {
			res, err := db.Exec("INSERT x")
			if err != nil {
				return nil, err
			}
			return res.RowsAffected()
		}},
		{"exec error", func(db *sql.DB) (any, error) { return db.Exec("ERR x") }},
		{"query", func(db *sql.DB) (any, error) {
			var n int
			err := db.QueryRow("SELECT n").Scan(&n)
			return n, err
		}},
		{"query error", func(db *sql.DB) (any, error) { return db.Query("ERR x") }},
		{"bad prepare", func(db *sql.DB) (any, error) { return db.Exec("BADPREP x") }},
		{"named argument", func(db *sql.DB) (any, error) { return db.Exec("INSERT x", sql.Named("a", 1)) }},
		{"isolation level", func(db *sql.DB) (any, error) {
			return db.BeginTx(context.Background(), &sql.TxOptions{Isolation: sql.LevelSerializable})
		}},
		{"read-only", func(db *sql.DB) (any, error) {
			return db.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
		}},
		{"canceled begin", func(db *sql.DB) (any, error) { return db.BeginTx(canceled, nil) }},
		{"canceled exec", func(db *sql.DB) (any, error) { return db.ExecContext(canceled, "INSERT x") }},
		{"transaction", func(db *sql.DB) (any, error) {
			tx, err := db.Begin()
			if err != nil {
				return nil, err
			}
			if _, err := tx.Exec("INSERT x"); err != nil {
				return nil, err
			}
			return nil, tx.Commit()
		}},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			want, wantErr := op.run(raw)
			got, gotErr := op.run(wrapped)
			if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) ||
				reflect.TypeOf(wantErr) != reflect.TypeOf(gotErr) {
				t.Fatalf("error: wrapped %T %v, unwrapped %T %v", gotErr, gotErr, wantErr, wantErr)
			}
			if wantErr == nil && !reflect.DeepEqual(normal(want), normal(got)) {
				t.Fatalf("result: wrapped %v, unwrapped %v", got, want)
			}
		})
	}
}

// normal drops what differs by construction between two databases.
func normal(v any) any {
	switch v.(type) {
	case *sql.Tx, *sql.Rows, sql.Result:
		return nil
	}
	return v
}

func TestClockDuration(t *testing.T) {
	defer swapClock(time.Millisecond)()
	a, b := now(), now()
	if b-a != time.Millisecond {
		t.Fatalf("fake clock step %v", b-a)
	}
}

// swapClock makes now advance by step at each call; it returns the undo.
func swapClock(step time.Duration) func() {
	n := 0
	old := now
	now = func() time.Duration { n++; return time.Duration(n) * step }
	return func() { now = old }
}
