package sqlmetrics

import (
	"context"
	"database/sql/driver"
	"io"
	"reflect"
	"sync"
	"time"
)

// rows wraps the rows of a query, so that an error met reading or closing
// them is counted: in the DriverCall mode the query is already recorded and
// such an error counts in the errors family only; in the UntilRowsClosed
// mode the query is recorded when the rows are closed, with the first error
// met. The wrapper offers NextResultSet and the column type interfaces
// exactly when the driver's rows do (asRows), and comes from a pool: Close
// puts it back, since database/sql closes a driver's rows once and uses
// them no more after that.
type rows struct {
	inner driver.Rows
	r     *Recorder
	ctx   context.Context // nil in the DriverCall mode, where the rows record no duration
	start time.Duration
	err   error
	self  *pooledRows
}

// pooledRows is what the pool holds: rows, in the layout every rowsN
// wrapper type shares.
type pooledRows struct{ rows }

var rowsPool = sync.Pool{New: func() any { return new(pooledRows) }}

var _ driver.Rows = (*rows)(nil)

// rowsKind is the combination of rowsInterfaces a driver's rows type offers.
type rowsKind struct {
	typ  reflect.Type
	mask uint
}

// rowsMask returns the combination of rowsInterfaces inner offers, from a
// one-type cache: a driver's rows are of one type, and six type
// assertions per query would cost more than the rest of the wrapper.
func (r *Recorder) rowsMask(inner driver.Rows) uint {
	t := reflect.TypeOf(inner)
	if k := r.rowsKind.Load(); k != nil && k.typ == t {
		return k.mask
	}
	k := &rowsKind{typ: t, mask: rowsMask(inner)}
	r.rowsKind.Store(k)
	return k.mask
}

// rows records a query whose driver call started at start and returned
// inner and err, now or, in the UntilRowsClosed mode, when its rows close.
func (r *Recorder) rows(ctx context.Context, start time.Duration, inner driver.Rows, err error) (driver.Rows, error) {
	if err != nil {
		r.done(ctx, start, err)
		return inner, err
	}
	if !r.untilRowsClosed {
		r.done(ctx, start, nil)
		ctx = nil
	}
	p := rowsPool.Get().(*pooledRows)
	p.rows = rows{inner: inner, r: r, ctx: ctx, start: start, self: p}
	return asRows(p, r.rowsMask(inner)), nil
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

// Close closes the driver's rows, records the query in the
// UntilRowsClosed mode or counts the first error met in the DriverCall
// mode, and hands the wrapper back to its pool.
func (r *rows) Close() error {
	err := r.inner.Close()
	rec, ctx, start, first := r.r, r.ctx, r.start, r.err
	if first == nil && isError(err) {
		first = err
	}
	self := r.self
	*self = pooledRows{}
	rowsPool.Put(self)
	if rec.untilRowsClosed {
		rec.done(ctx, start, first)
	} else if first != nil {
		rec.Error(first)
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
