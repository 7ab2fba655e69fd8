package sqlmetrics

import (
	"context"
	"database/sql"
	"errors"
	"iter"
	"slices"
	"sync/atomic"
)

// Preparer prepares statements: a *sql.Tx, a *sql.Conn or a *sql.DB.
type Preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// ExecMany is the Go counterpart of Python's executemany: it prepares query
// once on p and executes it once with each argument set, in order, stopping
// at the first error, which it returns unchanged. Run it on a *sql.Tx to make
// the run atomic, or on a *sql.Conn to keep it on one connection; on a
// *sql.DB, database/sql may spread the executions over connections.
//
// On a database opened through this package, each execution counts in
// executions and duration like any statement, and the run adds the number
// of argument sets it executed (the failed one included) to bulk
// executions. django-prometheus observes one duration for a whole
// executemany; here each execution is observed, so the duration count
// always equals the executions.
//
// The result's RowsAffected is the sum over the executions (or the first
// error a driver gave for it); its LastInsertId is the last execution's. On
// error, the result covers the executions before the failed one.
func ExecMany(ctx context.Context, p Preparer, query string, argSets [][]any) (sql.Result, error) {
	return ExecManySeq(ctx, p, query, slices.Values(argSets))
}

// ExecManySeq is ExecMany over a sequence of argument sets, which it reads
// once, so that a large run need not be held in memory. With an empty
// sequence it prepares nothing.
func ExecManySeq(ctx context.Context, p Preparer, query string, argSets iter.Seq[[]any]) (sql.Result, error) {
	run := &bulkRun{}
	ctx = context.WithValue(ctx, bulkKey{}, run)
	res := &manyResult{}
	var st *sql.Stmt
	n := 0
	defer func() {
		if st != nil {
			st.Close()
		}
		if r := run.r.Load(); r != nil && n > 0 {
			r.executeMany.Add(float64(n))
		}
	}()
	for args := range argSets {
		if st == nil {
			var err error
			if st, err = p.PrepareContext(ctx, query); err != nil {
				return res, err
			}
		}
		n++
		r, err := st.ExecContext(ctx, args...)
		if err != nil {
			return res, err
		}
		res.add(r)
	}
	return res, nil
}

// bulkKey marks the context of an ExecMany run; a wrapped connection that
// prepares a statement in it says which Recorder records the run.
type bulkKey struct{}

type bulkRun struct{ r atomic.Pointer[Recorder] }

func markBulk(ctx context.Context, r *Recorder) {
	if b, ok := ctx.Value(bulkKey{}).(*bulkRun); ok {
		b.r.Store(r)
	}
}

// manyResult sums the results of an ExecMany run.
type manyResult struct {
	affected int64
	err      error
	last     sql.Result
}

func (m *manyResult) add(r sql.Result) {
	m.last = r
	if m.err != nil {
		return
	}
	n, err := r.RowsAffected()
	if err != nil {
		m.err = err
		return
	}
	m.affected += n
}

// LastInsertId returns the last execution's.
func (m *manyResult) LastInsertId() (int64, error) {
	if m.last == nil {
		return 0, errors.New("sqlmetrics: ExecMany executed no statement")
	}
	return m.last.LastInsertId()
}

// RowsAffected returns the sum over the executions.
func (m *manyResult) RowsAffected() (int64, error) {
	if m.err != nil {
		return 0, m.err
	}
	return m.affected, nil
}
