package sqlmetrics

import (
	"context"
	"database/sql/driver"
	"io"
	"reflect"
	"time"
)

// rows wraps the rows of a query in the UntilRowsClosed mode: the query is
// recorded when they are closed, with the first error met reading them.
// composeRows adds NextResultSet and the column type interfaces exactly when
// the driver's rows have them.
type rows struct {
	inner driver.Rows
	r     *Recorder
	ctx   context.Context
	start time.Duration
	err   error
	done  bool
}

var _ driver.Rows = (*rows)(nil)

// rows records a query whose driver call started at start and returned
// inner and err, or defers the record to the rows' Close.
func (r *Recorder) rows(ctx context.Context, start time.Duration, inner driver.Rows, err error) (driver.Rows, error) {
	if err != nil || !r.untilRowsClosed {
		r.done(ctx, start, err)
		return inner, err
	}
	return composeRows(rows{inner: inner, r: r, ctx: ctx, start: start}), nil
}

// Columns returns the driver's column names.
func (r *rows) Columns() []string { return r.inner.Columns() }

// Next reads the next row, keeping the first error other than io.EOF.
func (r *rows) Next(dest []driver.Value) error {
	err := r.inner.Next(dest)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return err
}

// Close closes the driver's rows and records the query.
func (r *rows) Close() error {
	err := r.inner.Close()
	if !r.done {
		r.done = true
		if r.err == nil {
			r.err = err
		}
		r.r.done(r.ctx, r.start, r.err)
		r.ctx = nil
	}
	return err
}

// The methods each optional Rows interface adds to driver.Rows, which they
// all embed.
type (
	onlyRowsNextResultSet interface {
		HasNextResultSet() bool
		NextResultSet() error
	}
	onlyRowsColumnTypeScanType         interface{ ColumnTypeScanType(index int) reflect.Type }
	onlyRowsColumnTypeDatabaseTypeName interface{ ColumnTypeDatabaseTypeName(index int) string }
	onlyRowsColumnTypeLength           interface {
		ColumnTypeLength(index int) (length int64, ok bool)
	}
	onlyRowsColumnTypeNullable interface {
		ColumnTypeNullable(index int) (nullable, ok bool)
	}
	onlyRowsColumnTypePrecisionScale interface {
		ColumnTypePrecisionScale(index int) (precision, scale int64, ok bool)
	}
)
