package drivertest

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stackprom/stackprom/sqlmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// The database tests of django-prometheus (tests/end2end/testapp/test_db.py),
// on each real database.

func TestDjangoInvalidSQL(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		db, raw, reg := b.open(t)
		ctx := context.Background()
		_, wantErr := raw.ExecContext(ctx, "SELEKT 1")
		s := stackpromtest.Take(t, reg)
		_, err := db.ExecContext(ctx, "SELEKT 1")
		if err == nil || reflect.TypeOf(err).String() != b.errType || err.Error() != wantErr.Error() {
			t.Fatalf("error %T %v, want the driver's %s %v", err, err, b.errType, wantErr)
		}
		s.AssertDiff(t, 1, "db_errors_total", b.errLabels(b.errType))
		s.AssertDiff(t, 1, "db_execute_total", b.labels())

		// With an argument, go-sql-driver/mysql hands the statement back to
		// database/sql to prepare, and the prepare fails: still one error.
		// pgx prepares it and fails with a *pgconn.PrepareError.
		_, wantErr = raw.ExecContext(ctx, "SELEKT "+b.param(1), 1)
		s = stackpromtest.Take(t, reg)
		_, err = db.ExecContext(ctx, "SELEKT "+b.param(1), 1)
		typ := reflect.TypeOf(wantErr).String()
		if reflect.TypeOf(err).String() != typ || err.Error() != wantErr.Error() {
			t.Fatalf("error with an argument: %T %v, want the driver's %T %v", err, err, wantErr, wantErr)
		}
		s.AssertDiff(t, 1, "db_errors_total", b.errLabels(typ))
		s.AssertDiff(t, 1, "db_execute_total", b.labels())
	})
}

func TestDjangoCounters(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		db, _, reg := b.open(t)
		ctx := context.Background()
		s := stackpromtest.Take(t, reg)
		for i := 0; i < 200; i++ {
			if _, err := db.ExecContext(ctx, "SELECT "+b.intParam(1), i); err != nil {
				t.Fatal(err)
			}
		}
		s.AssertCompare(t, func(before, after float64) bool { d := after - before; return d >= 200 && d < 205 },
			"a delta in [200, 205)", "db_execute_total", b.labels())
		s.AssertCompare(t, func(before, after float64) bool { d := after - before; return d >= 200 && d < 205 },
			"a delta in [200, 205)", "db_query_duration_seconds_count", b.labels())
	})
}

func TestDjangoExecuteMany(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		db, _, reg := b.open(t)
		ctx := context.Background()
		tbl := b.table(t, db, "id INTEGER, name VARCHAR(20)")
		s := stackpromtest.Take(t, reg)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := sqlmetrics.ExecMany(ctx, tx, "INSERT INTO "+tbl+" VALUES ("+b.param(1)+", "+b.param(2)+")",
			[][]any{{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if n, err := res.RowsAffected(); n != 4 || err != nil {
			t.Errorf("RowsAffected %d %v, want 4", n, err)
		}
		s.AssertDiff(t, 4, "db_execute_many_total", b.labels())
		s.AssertDiff(t, 4, "db_execute_total", b.labels())
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+tbl).Scan(&n); err != nil || n != 4 {
			t.Errorf("%d rows, %v; want 4", n, err)
		}
	})
}

// TestDjangoSelectOne is the postgres and mysql test: 20 × SELECT 1 gives
// an execution delta in [20, 25).
func TestDjangoSelectOne(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		db, _, reg := b.open(t)
		ctx := context.Background()
		s := stackpromtest.Take(t, reg)
		for i := 0; i < 20; i++ {
			var n int
			if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil || n != 1 {
				t.Fatal(n, err)
			}
		}
		s.AssertCompare(t, func(before, after float64) bool { d := after - before; return d >= 20 && d < 25 },
			"a delta in [20, 25)", "db_execute_total", b.labels())
		// No rows is not an error.
		err := db.QueryRowContext(ctx, "SELECT 1 WHERE 1 = 0").Scan(new(int))
		if !errors.Is(err, errNoRows) {
			t.Fatal(err)
		}
		if n := testutil.CollectAndCount(reg, "db_errors_total"); n != 0 {
			t.Errorf("%d error series, want none", n)
		}
	})
}

var errNoRows = sql.ErrNoRows
