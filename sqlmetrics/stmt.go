package sqlmetrics

import (
	"context"
	"database/sql/driver"
)

// stmt wraps a prepared statement and records each execution. It always
// offers StmtExecContext and StmtQueryContext, falling back as database/sql
// does on the legacy Exec and Query; composeStmt adds NamedValueChecker and
// ColumnConverter exactly when the driver's statement has them, since they
// decide how database/sql converts arguments.
type stmt struct {
	inner   driver.Stmt
	r       *Recorder
	query   string     // for WithModels
	spare   *spareRows // its connection's
	execer  driver.StmtExecContext
	queryer driver.StmtQueryContext
}

var (
	_ driver.Stmt             = (*stmt)(nil)
	_ driver.StmtExecContext  = (*stmt)(nil)
	_ driver.StmtQueryContext = (*stmt)(nil)
)

func newStmt(inner driver.Stmt, r *Recorder, query string, spare *spareRows) driver.Stmt {
	s := stmt{inner: inner, r: r, query: query, spare: spare}
	s.execer, _ = inner.(driver.StmtExecContext)
	s.queryer, _ = inner.(driver.StmtQueryContext)
	return composeStmt(s)
}

// Close closes the driver's statement.
func (s *stmt) Close() error { return s.inner.Close() }

// NumInput returns the driver's statement's number of placeholders.
func (s *stmt) NumInput() int { return s.inner.NumInput() }

// Exec runs the statement without a context and records it.
func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	start := now()
	//lint:ignore SA1019 required by driver.Stmt
	res, err := s.inner.Exec(args)
	if err != driver.ErrSkip {
		s.r.done(context.Background(), start, err)
		s.r.countModels(s.query, res, err)
	}
	return res, err
}

// Query runs the statement without a context and records it.
func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	start := now()
	//lint:ignore SA1019 required by driver.Stmt
	rows, err := s.inner.Query(args)
	if err == driver.ErrSkip {
		return nil, err
	}
	return s.r.rows(context.Background(), start, rows, err, s.spare)
}

// ExecContext runs the statement and records it.
func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	start := now()
	var res driver.Result
	var err error
	if s.execer != nil {
		res, err = s.execer.ExecContext(ctx, args)
	} else {
		var values []driver.Value
		if values, err = namedValueToValue(args); err != nil {
			return nil, err
		}
		select {
		default:
			//lint:ignore SA1019 the fallback database/sql uses
			res, err = s.inner.Exec(values)
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err != driver.ErrSkip {
		s.r.done(ctx, start, err)
		s.r.countModels(s.query, res, err)
	}
	return res, err
}

// QueryContext runs the statement and records it.
func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	start := now()
	var rows driver.Rows
	var err error
	if s.queryer != nil {
		rows, err = s.queryer.QueryContext(ctx, args)
	} else {
		var values []driver.Value
		if values, err = namedValueToValue(args); err != nil {
			return nil, err
		}
		select {
		default:
			//lint:ignore SA1019 the fallback database/sql uses
			rows, err = s.inner.Query(values)
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err == driver.ErrSkip {
		return nil, err
	}
	return s.r.rows(ctx, start, rows, err, s.spare)
}

// onlyColumnConverter is driver.ColumnConverter under another name, as an
// embedded field named ColumnConverter would hide the method.
type onlyColumnConverter interface {
	ColumnConverter(idx int) driver.ValueConverter
}
