package drivertest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/sqlmetrics"
)

// The transparency suite: the same operations on a real driver, wrapped and
// unwrapped, give the same results and the same errors.

// ddl is a table with columns of several types.
func (b backend) ddl() string {
	switch b.vendor {
	case sqlmetrics.PostgreSQL:
		return "id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, amount NUMERIC(10,2), created TIMESTAMP, flag BOOLEAN, data BYTEA"
	case sqlmetrics.MySQL:
		return "id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, amount DECIMAL(10,2), created DATETIME, flag BOOLEAN, data BLOB"
	}
	return "id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, amount NUMERIC(10,2), created TIMESTAMP, flag BOOLEAN, data BLOB"
}

func (b backend) insert(tbl string) string {
	ps := make([]string, 6)
	for i := range ps {
		ps[i] = b.param(i + 1)
	}
	return "INSERT INTO " + tbl + " VALUES (" + strings.Join(ps, ", ") + ")"
}

var created = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// op runs on a database and a fresh table of b.ddl() and describes what it
// saw; errors are described by type and text.
type op struct {
	name string
	only string // a vendor, or "" for all
	run  func(ctx context.Context, b backend, db *sql.DB, tbl string) string
}

func describeErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%T: %v", err, err)
}

func rowsText(rows *sql.Rows, err error) string {
	if err != nil {
		return describeErr(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return describeErr(err)
		}
		out = append(out, fmt.Sprintf("%#v", vals))
	}
	return strings.Join(out, "\n") + " | " + describeErr(rows.Err())
}

func fill(ctx context.Context, b backend, db *sql.DB, tbl string) error {
	for i := 1; i <= 3; i++ {
		if _, err := db.ExecContext(ctx, b.insert(tbl), i, fmt.Sprintf("dog %d", i), fmt.Sprintf("%d.50", i),
			created.Add(time.Duration(i)*time.Hour), i%2 == 0, []byte{byte(i), 0, 255}); err != nil {
			return err
		}
	}
	return nil
}

var ops = []op{
	{name: "query", run: func(ctx context.Context, b backend, db *sql.DB, tbl string) string {
		if err := fill(ctx, b, db, tbl); err != nil {
			return describeErr(err)
		}
		return rowsText(db.QueryContext(ctx, "SELECT * FROM "+tbl+" ORDER BY id"))
	}},
	{name: "exec result", run: func(ctx context.Context, b backend, db *sql.DB, tbl string) string {
		res, err := db.ExecContext(ctx, b.insert(tbl), 7, "x", nil, nil, nil, nil)
		if err != nil {
			return describeErr(err)
		}
		n, nErr := res.RowsAffected()
		id, idErr := res.LastInsertId()
		return fmt.Sprint(n, describeErr(nErr), id, describeErr(idErr))
	}},
	{name: "duplicate key", run: func(ctx context.Context, b backend, db *sql.DB, tbl string) string {
		fill(ctx, b, db, tbl)
		_, err := db.ExecContext(ctx, b.insert(tbl), 1, "again", nil, nil, nil, nil)
		return describeErr(err)
	}},
	{name: "syntax error", run: func(ctx context.Context, b backend, db *sql.DB, tbl string) string {
		return rowsText(db.QueryContext(ctx, "SELEKT * FROM "+tbl))
	}},
	{name: "prepared statement", run: func(ctx context.Context, b backend, db *sql.DB, tbl string) string {
		ins, err := db.PrepareContext(ctx, b.insert(tbl))
		if err != nil {
			return describeErr(err)
		}
		defer ins.Close()
		var out []string
		for i := 1; i <= 2; i++ {
			_, err := ins.ExecContext(ctx, i, "p", "1.25", created, true, []byte("b"))
			out = append(out, describeErr(err))
		}
		sel, err := db.PrepareContext(ctx, "SELECT id, name FROM "+tbl+" WHERE id > "+b.intParam(1)+" ORDER BY id")
		if err != nil {
			return describeErr(err)
		}
		defer sel.Close()
		out = append(out, rowsText(sel.QueryContext(ctx, 0)))
		_, err = db.PrepareContext(ctx, "SELECT nope FROM "+tbl)
		return strings.Join(append(out, describeErr(err)), "\n")
	}},
	{name: "transactions", run: func(ctx context.Context, b backend, db *sql.DB, tbl string) string {
		var out []string
		for lvl := sql.LevelDefault; lvl <= sql.LevelLinearizable; lvl++ {
			for _, ro := range []bool{false, true} {
				tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: lvl, ReadOnly: ro})
				if err != nil {
					out = append(out, fmt.Sprint(lvl, ro, describeErr(err)))
					continue
				}
				var n int
				err = tx.QueryRowContext(ctx, "SELECT count(*) FROM "+tbl).Scan(&n)
				_, wErr := tx.ExecContext(ctx, b.insert(tbl), 100+int(lvl), "tx", nil, nil, nil, nil)
				out = append(out, fmt.Sprint(lvl, ro, n, describeErr(err), describeErr(wErr), describeErr(tx.Rollback())))
			}
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return describeErr(err)
		}
		tx.ExecContext(ctx, b.insert(tbl), 1, "kept", nil, nil, nil, nil)
		out = append(out, describeErr(tx.Commit()), describeErr(tx.Commit()))
		return strings.Join(out, "\n") + rowsText(db.QueryContext(ctx, "SELECT id, name FROM "+tbl))
	}},
	{name: "column types", run: func(ctx context.Context, b backend, db *sql.DB, tbl string) string {
		fill(ctx, b, db, tbl)
		rows, err := db.QueryContext(ctx, "SELECT id, name, amount, created, flag, data, 1 + 1 AS two FROM "+tbl)
		if err != nil {
			return describeErr(err)
		}
		defer rows.Close()
		cts, err := rows.ColumnTypes()
		if err != nil {
			return describeErr(err)
		}
		var out []string
		for _, ct := range cts {
			l, lok := ct.Length()
			n, nok := ct.Nullable()
			p, s, pok := ct.DecimalSize()
			out = append(out, fmt.Sprint(ct.Name(), ct.DatabaseTypeName(), ct.ScanType(), l, lok, n, nok, p, s, pok))
		}
		return strings.Join(out, "\n")
	}},
	{name: "named argument", run: func(ctx context.Context, b backend, db *sql.DB, tbl string) string {
		ref := b.intParam(1)
		if b.vendor == sqlmetrics.SQLite {
			ref = "@n"
		}
		return rowsText(db.QueryContext(ctx, "SELECT "+ref, sql.Named("n", 5)))
	}},
	{name: "array", only: sqlmetrics.PostgreSQL, run: func(ctx context.Context, b backend, db *sql.DB, tbl string) string {
		var s string
		err := db.QueryRowContext(ctx, "SELECT $1::int[]", []int32{1, 2, 3}).Scan(&s)
		var ss string
		err2 := db.QueryRowContext(ctx, "SELECT array_length($1::text[], 1)", []string{"a", "b"}).Scan(&ss)
		return s + describeErr(err) + ss + describeErr(err2)
	}},
	{name: "cancel mid-query", run: func(ctx context.Context, b backend, db *sql.DB, tbl string) string {
		c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		_, err := db.ExecContext(c, b.sleep)
		// The error's text and type can depend on the moment the driver
		// notices; what it means must not.
		canceled := errors.Is(err, context.DeadlineExceeded) || strings.Contains(fmt.Sprint(err), "cancel") ||
			strings.Contains(fmt.Sprint(err), "interrupt")
		var n int
		after := db.QueryRowContext(ctx, "SELECT 1").Scan(&n)
		return fmt.Sprint(err != nil, canceled, n, describeErr(after))
	}},
	{name: "conn raw", run: func(ctx context.Context, b backend, db *sql.DB, tbl string) string {
		conn, err := db.Conn(ctx)
		if err != nil {
			return describeErr(err)
		}
		defer conn.Close()
		var typ string
		err = conn.Raw(func(dc any) error { typ = reflect.TypeOf(sqlmetrics.Raw(dc)).String(); return nil })
		return typ + describeErr(err)
	}},
	{name: "closed database", run: func(ctx context.Context, b backend, db *sql.DB, tbl string) string {
		st, err := db.PrepareContext(ctx, "SELECT 1")
		if err != nil {
			return describeErr(err)
		}
		st.Close()
		_, err = st.ExecContext(ctx)
		return describeErr(err)
	}},
}

func TestTransparency(t *testing.T) {
	for _, mode := range []sqlmetrics.Duration{sqlmetrics.DriverCall, sqlmetrics.UntilRowsClosed} {
		t.Run(strings.ReplaceAll(mode.String(), " ", "_"), func(t *testing.T) {
			each(t, func(t *testing.T, b backend) {
				wrapped, raw, _ := b.open(t, sqlmetrics.WithDuration(mode))
				ctx := context.Background()
				for _, o := range ops {
					if o.only != "" && o.only != b.vendor {
						continue
					}
					t.Run(o.name, func(t *testing.T) {
						want := o.run(ctx, b, raw, b.table(t, raw, b.ddl()))
						got := o.run(ctx, b, wrapped, b.table(t, wrapped, b.ddl()))
						if got != want {
							t.Errorf("wrapped:\n%s\nunwrapped:\n%s", got, want)
						}
					})
				}
			})
		})
	}
}

// connector opens a driver's connections from a data source name, as
// database/sql does for a driver without OpenConnector.
type connector struct {
	d   driver.Driver
	dsn string
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.d }

func driverConnector(t *testing.T, d driver.Driver, dsn string) driver.Connector {
	if dc, ok := d.(driver.DriverContext); ok {
		c, err := dc.OpenConnector(dsn)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return connector{d, dsn}
}

var optional = map[string][]reflect.Type{
	"driver":    {reflect.TypeFor[driver.DriverContext]()},
	"connector": {reflect.TypeFor[io.Closer]()},
	"conn": {reflect.TypeFor[driver.Pinger](), reflect.TypeFor[driver.SessionResetter](), reflect.TypeFor[driver.Validator](),
		reflect.TypeFor[driver.NamedValueChecker]()},
	//lint:ignore SA1019 checked as the driver offers it
	"stmt": {reflect.TypeFor[driver.NamedValueChecker](), reflect.TypeFor[driver.ColumnConverter]()},
	// The rows wrapper offers the column type interfaces always, answering
	// as database/sql does without them (the "column types" operation
	// compares those answers).
	"rows": {reflect.TypeFor[driver.RowsNextResultSet]()},
}

func offered(kind string, v any) string {
	var out []string
	for _, it := range optional[kind] {
		if reflect.TypeOf(v).Implements(it) {
			out = append(out, it.String())
		}
	}
	return kind + ": " + strings.Join(out, ", ")
}

// TestInterfacesAsTheDriver checks, at the driver level, that every wrapper
// offers the optional interfaces of the driver's value, no more, no fewer.
func TestInterfacesAsTheDriver(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		dsn := b.dsn(t)
		_, raw, _ := b.open(t)
		d := raw.Driver()
		opts := []sqlmetrics.Option{stackprom.WithRegisterer(prometheus.NewRegistry()), sqlmetrics.WithDuration(sqlmetrics.UntilRowsClosed)}
		wd, err := sqlmetrics.WrapDriver(d, opts...)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		c := driverConnector(t, d, dsn)
		wc, err := sqlmetrics.WrapConnector(c, opts...)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := c.Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		wconn, err := wc.Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer wconn.Close()
		st, err := conn.Prepare("SELECT 1")
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		wst, err := wconn.Prepare("SELECT 1")
		if err != nil {
			t.Fatal(err)
		}
		defer wst.Close()
		rows, err := conn.(driver.QueryerContext).QueryContext(ctx, "SELECT 1", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		wrows, err := wconn.(driver.QueryerContext).QueryContext(ctx, "SELECT 1", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer wrows.Close()
		for _, p := range [][3]any{{"driver", d, wd}, {"connector", c, wc}, {"conn", conn, wconn}, {"stmt", st, wst}, {"rows", rows, wrows}} {
			want, got := offered(p[0].(string), p[1]), offered(p[0].(string), p[2])
			if got != want {
				t.Errorf("wrapped %s\nthe driver's %s", got, want)
			} else {
				t.Logf("%s (%T)", got, p[1])
			}
		}
	})
}
