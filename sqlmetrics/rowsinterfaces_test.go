package sqlmetrics

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
)

// maskConnector opens fake connections whose rows offer, of
// rowsInterfaces, those in mask.
type maskConnector struct{ mask uint }

func (c maskConnector) Connect(context.Context) (driver.Conn, error) {
	return &maskConn{mask: c.mask}, nil
}
func (maskConnector) Driver() driver.Driver { return fakeDriver{} }

type maskConn struct {
	fakeCtxConn
	mask uint
}

func (c *maskConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.fakeCtxConn.QueryContext(ctx, query, args)
	if err != nil {
		return nil, err
	}
	return offerRows(rows, rows, c.mask), nil
}

// TestRowsFallbacks: for driver rows lacking each combination of
// rowsInterfaces, what database/sql answers from them (ColumnTypes,
// NextResultSet, and Next at their end) is the same wrapped as unwrapped,
// so that the wrapper's answer for a missing interface is database/sql's.
func TestRowsFallbacks(t *testing.T) {
	for mask := uint(0); mask < 1<<len(rowsInterfaces); mask++ {
		lacks := "none"
		for i, n := range rowsInterfaces {
			if mask&(1<<i) == 0 {
				lacks = strings.TrimPrefix(lacks+","+n, "none,")
			}
		}
		t.Run("lacks="+lacks, func(t *testing.T) {
			raw := sql.OpenDB(maskConnector{mask})
			defer raw.Close()
			wrapped, err := OpenDB(maskConnector{mask}, WithVendor("fake"), stackprom.WithRegisterer(prometheus.NewRegistry()))
			if err != nil {
				t.Fatal(err)
			}
			defer wrapped.Close()
			if got, want := rowsAnswers(t, wrapped), rowsAnswers(t, raw); got != want {
				t.Errorf("wrapped:\n%s\nunwrapped:\n%s", got, want)
			}
		})
	}
}

// rowsAnswers describes what database/sql answers for a query's rows: the
// column types, then NextResultSet and the errors after it; and for rows
// read to their end, the errors after that.
func rowsAnswers(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	rows, err := db.Query("SELECT n")
	if err != nil {
		t.Fatal(err)
	}
	cts, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range cts {
		l, lok := ct.Length()
		n, nok := ct.Nullable()
		p, s, pok := ct.DecimalSize()
		fmt.Fprintln(&b, "column", ct.Name(), ct.ScanType(), ct.DatabaseTypeName(), l, lok, n, nok, p, s, pok)
	}
	more := rows.NextResultSet()
	_, colErr := rows.Columns()
	fmt.Fprintln(&b, "NextResultSet", more, rows.Err(), colErr, rows.Close())

	if rows, err = db.Query("SELECT n"); err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	_, colErr = rows.Columns()
	fmt.Fprintln(&b, "end", n, rows.Err(), colErr, rows.NextResultSet(), rows.Close())
	return b.String()
}
