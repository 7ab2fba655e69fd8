package sqlmetrics

import (
	"context"
	"database/sql/driver"
	"io"
	"sync"
	"time"
)

// rows wraps the rows of a query, so that an error met reading or closing
// them is counted: in the DriverCall mode the query is already recorded and
// such an error counts in the errors family only; in the UntilRowsClosed
// mode the query is recorded when the rows are closed, with the first error
// met. The wrapper always offers the column type interfaces, and
// NextResultSet exactly when the driver's rows do (rowsinterfaces.go). It
// is reused: each connection keeps one (spareRows) for its rows, and a
// query whose connection's is in use takes one from a pool. Close gives it
// back, since database/sql closes a driver's rows once and uses them no
// more after that.
type rows struct {
	inner driver.Rows
	r     *Recorder
	ctx   context.Context // nil in the DriverCall mode, where the rows record no duration
	start time.Duration
	err   error
	self  *pooledRows
	spare *spareRows // when self is spare's
}

// pooledRows is a reusable rows wrapper, in the layout nextResultSetRows
// shares.
type pooledRows struct{ rows }

var rowsPool = sync.Pool{New: func() any { return new(pooledRows) }}

var _ driver.Rows = (*rows)(nil)

// spareRows is a connection's own rows wrapper. database/sql runs a
// connection's queries and statements and closes their rows under one
// lock, so it needs no lock of its own.
type spareRows struct {
	p    pooledRows
	busy bool
}

// take returns a rows wrapper: spare's own unless it is in use (a
// connection with two open queries) or nil, else one from the pool.
func (spare *spareRows) take() *pooledRows {
	if spare == nil || spare.busy {
		p := rowsPool.Get().(*pooledRows)
		p.self = p
		return p
	}
	spare.busy = true
	spare.p.self, spare.p.spare = &spare.p, spare
	return &spare.p
}

// rows records a query whose driver call started at start and returned
// inner and err, now or, in the UntilRowsClosed mode, when its rows close.
// spare is the connection's (nil outside a connection).
func (r *Recorder) rows(ctx context.Context, start time.Duration, inner driver.Rows, err error, spare *spareRows) (driver.Rows, error) {
	if err != nil {
		r.done(ctx, start, err)
		return inner, err
	}
	if !r.untilRowsClosed {
		r.done(ctx, start, nil)
	}
	p := spare.take()
	p.inner, p.r = inner, r
	if r.untilRowsClosed {
		p.ctx, p.start = ctx, start
	}
	if _, ok := inner.(driver.RowsNextResultSet); ok {
		return (*nextResultSetRows)(p), nil
	}
	return p, nil
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
// mode, and hands the wrapper back to its connection or the pool.
func (r *rows) Close() error {
	err := r.inner.Close()
	rec, ctx, start, first := r.r, r.ctx, r.start, r.err
	if first == nil && isError(err) {
		first = err
	}
	self, spare := r.self, r.spare
	*self = pooledRows{}
	if spare != nil {
		spare.busy = false
	} else {
		rowsPool.Put(self)
	}
	if rec.untilRowsClosed {
		rec.done(ctx, start, first)
	} else if first != nil {
		rec.Error(first)
	}
	return err
}
