package drivertest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
	"modernc.org/sqlite/vtab"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/sqlmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// modernc.org/sqlite's own API on a database opened through sqlmetrics:
// the functions that look for the driver's connection or driver behind
// the *sql.DB find them.

func sqliteDSN(t *testing.T) string {
	return "file:" + filepath.Join(t.TempDir(), "own.db") + "?_pragma=busy_timeout(5000)"
}

// TestSQLiteLimit: sqlite.Limit reaches the driver's connection behind the
// wrapper (it unwraps through Unwrap() driver.Conn), and the limit it sets
// holds for the statements run through the wrapper on that connection.
func TestSQLiteLimit(t *testing.T) {
	ctx := context.Background()
	db, err := sqlmetrics.Open("sqlite", sqliteDSN(t), stackprom.WithRegisterer(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	length, err := msqlite.Limit(conn, sqlite3.SQLITE_LIMIT_LENGTH, -1)
	if err != nil {
		t.Fatalf("sqlite.Limit on a wrapped connection: %v", err)
	}
	if length <= 0 {
		t.Errorf("SQLITE_LIMIT_LENGTH = %d", length)
	}
	old, err := msqlite.Limit(conn, sqlite3.SQLITE_LIMIT_SQL_LENGTH, 100)
	if err != nil {
		t.Fatal(err)
	}
	long := "SELECT 1 /*" + strings.Repeat("x", 200) + "*/"
	if _, err := conn.ExecContext(ctx, long); err == nil || !strings.Contains(err.Error(), "too big") {
		t.Errorf("a 200-byte statement past a 100-byte limit: %v", err)
	}
	if now, err := msqlite.Limit(conn, sqlite3.SQLITE_LIMIT_SQL_LENGTH, old); err != nil || now != 100 {
		t.Errorf("restoring the limit: was %d, %v; want 100", now, err)
	}
	if _, err := conn.ExecContext(ctx, long); err != nil {
		t.Errorf("after restoring the limit: %v", err)
	}
}

// TestSQLiteModule: vtab.RegisterModule on a wrapped database registers the
// module on the driver the database connects through, not on the package's
// default driver, and the module is usable through the wrapper. A private
// *sqlite.Driver tells the two apart.
func TestSQLiteModule(t *testing.T) {
	ways := map[string]func(t *testing.T, d *msqlite.Driver, reg *prometheus.Registry) *sql.DB{
		"OpenDB": func(t *testing.T, d *msqlite.Driver, reg *prometheus.Registry) *sql.DB {
			db, err := sqlmetrics.OpenDB(connector{d, sqliteDSN(t)}, stackprom.WithRegisterer(reg))
			if err != nil {
				t.Fatal(err)
			}
			return db
		},
		"Open": func(t *testing.T, d *msqlite.Driver, reg *prometheus.Registry) *sql.DB {
			name := fmt.Sprintf("sqlm-private-sqlite-%d", privateDrivers.Add(1))
			sql.Register(name, d)
			db, err := sqlmetrics.Open(name, sqliteDSN(t), stackprom.WithRegisterer(reg))
			if err != nil {
				t.Fatal(err)
			}
			return db
		},
	}
	for way, open := range ways {
		t.Run(way, func(t *testing.T) {
			ctx := context.Background()
			reg := prometheus.NewRegistry()
			private := &msqlite.Driver{}
			db := open(t, private, reg)
			defer db.Close()
			// A name of its own: a module that lands on the default driver
			// stays there for the rest of the process.
			module := fmt.Sprintf("sqlm_counter_%d", privateDrivers.Add(1))
			if err := vtab.RegisterModule(db, module, counterModule{}); err != nil {
				t.Fatal(err)
			}
			// Registered on the private driver: it refuses the name again.
			if err := private.RegisterModule(module, counterModule{}); err == nil {
				t.Errorf("the module is not registered on the wrapped database's driver (db.Driver() is %T)", db.Driver())
			}
			// Not on the default one: a database on it does not know it.
			other, err := sql.Open("sqlite", ":memory:")
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			if _, err := other.ExecContext(ctx, "CREATE VIRTUAL TABLE c USING "+module); err == nil {
				t.Errorf("the module leaked to the package's default driver")
			}
			// Usable through the wrapper, and counted.
			s := stackpromtest.Take(t, reg)
			if _, err := db.ExecContext(ctx, "CREATE VIRTUAL TABLE c USING "+module); err != nil {
				t.Fatal(err)
			}
			var sum int
			if err := db.QueryRowContext(ctx, "SELECT sum(n) FROM c").Scan(&sum); err != nil || sum != 6 {
				t.Errorf("sum over the virtual table: %d, %v; want 6", sum, err)
			}
			s.AssertDiff(t, 2, "db_execute_total", prometheus.Labels{"alias": "default", "vendor": sqlmetrics.SQLite})
		})
	}
}

// TestSQLiteWrappedDriverUnwraps: a driver wrapped with WrapDriver and
// registered with sql.Register is what db.Driver() returns, as database/sql
// returns the registered driver; its Unwrap leads to the driver's own.
func TestSQLiteWrappedDriverUnwraps(t *testing.T) {
	private := &msqlite.Driver{}
	w, err := sqlmetrics.WrapDriver(private, stackprom.WithRegisterer(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("sqlm-wrapped-sqlite-%d", privateDrivers.Add(1))
	sql.Register(name, w)
	db, err := sql.Open(name, sqliteDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, ok := db.Driver().(interface{ Unwrap() driver.Driver })
	if !ok {
		t.Fatalf("db.Driver() = %T, without Unwrap() driver.Driver", db.Driver())
	}
	if u.Unwrap() != driver.Driver(private) {
		t.Errorf("Unwrap() = %T %p, want the private driver %p", u.Unwrap(), u.Unwrap(), private)
	}
}

var privateDrivers atomic.Int64

// counterModule is a virtual table module whose tables hold one column, n,
// with the rows 1, 2, 3.
type counterModule struct{}

func (counterModule) Create(ctx vtab.Context, args []string) (vtab.Table, error) {
	return counterModule{}.Connect(ctx, args)
}

func (counterModule) Connect(ctx vtab.Context, args []string) (vtab.Table, error) {
	if err := ctx.Declare("CREATE TABLE x(n INTEGER)"); err != nil {
		return nil, err
	}
	return counterTable{}, nil
}

type counterTable struct{}

func (counterTable) BestIndex(*vtab.IndexInfo) error { return nil }
func (counterTable) Open() (vtab.Cursor, error)      { return &counterCursor{}, nil }
func (counterTable) Disconnect() error               { return nil }
func (counterTable) Destroy() error                  { return nil }

type counterCursor struct{ n int64 }

func (c *counterCursor) Filter(int, string, []vtab.Value) error { c.n = 1; return nil }
func (c *counterCursor) Next() error                            { c.n++; return nil }
func (c *counterCursor) Eof() bool                              { return c.n > 3 }
func (c *counterCursor) Column(int) (vtab.Value, error)         { return c.n, nil }
func (c *counterCursor) Rowid() (int64, error)                  { return c.n, nil }
func (c *counterCursor) Close() error                           { return nil }

// TestSQLiteExecManyLastInsertID: ExecMany's LastInsertId is the last
// execution's (SQLite's last_insert_rowid after it), not the largest or the
// first, wrapped and unwrapped alike; after a failure, the last one that
// succeeded.
func TestSQLiteExecManyLastInsertID(t *testing.T) {
	ctx := context.Background()
	wrapped, raw, _ := sqlite.open(t)
	for name, db := range map[string]*sql.DB{"wrapped": wrapped, "unwrapped": raw} {
		t.Run(name, func(t *testing.T) {
			tbl := sqlite.table(t, db, "id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL")
			q := "INSERT INTO " + tbl + " VALUES (?, ?)"
			res, err := sqlmetrics.ExecMany(ctx, db, q, [][]any{{5, "a"}, {9, "b"}, {2, "c"}})
			if err != nil {
				t.Fatal(err)
			}
			if id, err := res.LastInsertId(); id != 2 || err != nil {
				t.Errorf("LastInsertId = %d, %v; want 2, the last execution's", id, err)
			}
			if n, err := res.RowsAffected(); n != 3 || err != nil {
				t.Errorf("RowsAffected = %d, %v; want 3", n, err)
			}
			// The third set repeats a key: the result covers the two before it.
			res, err = sqlmetrics.ExecMany(ctx, db, q, [][]any{{7, "d"}, {3, "e"}, {5, "again"}, {8, "f"}})
			if err == nil {
				t.Fatal("a duplicate key: no error")
			}
			if id, err := res.LastInsertId(); id != 3 || err != nil {
				t.Errorf("after a failure: LastInsertId = %d, %v; want 3", id, err)
			}
			if n, err := res.RowsAffected(); n != 2 || err != nil {
				t.Errorf("after a failure: RowsAffected = %d, %v; want 2", n, err)
			}
		})
	}
}
