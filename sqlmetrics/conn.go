package sqlmetrics

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
)

//go:generate go run gen.go

// conn wraps a driver connection. It always offers ExecerContext,
// QueryerContext, ConnPrepareContext and ConnBeginTx, since every statement
// must pass through it; when the driver's connection lacks one of them, the
// wrapper does exactly what database/sql does without it (the legacy Execer
// or Queryer, else driver.ErrSkip so that database/sql prepares the
// statement; Prepare then a context check; Begin after the same option
// checks). composeConn adds Pinger, SessionResetter, Validator and
// NamedValueChecker exactly when the driver's connection has them, since
// database/sql behaves differently with them (a connection that is both a
// SessionResetter and a Validator survives a cancelled transaction).
type conn struct {
	inner   driver.Conn
	r       *Recorder
	execer  driver.ExecerContext
	queryer driver.QueryerContext
	//lint:ignore SA1019 the fallback database/sql uses
	execer0 driver.Execer
	//lint:ignore SA1019 the fallback database/sql uses
	queryer0 driver.Queryer
	preparer driver.ConnPrepareContext
	beginner driver.ConnBeginTx
	spare    *spareRows // shared with the connection's statements
}

var (
	_ driver.Conn                       = (*conn)(nil)
	_ driver.ExecerContext              = (*conn)(nil)
	_ driver.QueryerContext             = (*conn)(nil)
	_ driver.ConnPrepareContext         = (*conn)(nil)
	_ driver.ConnBeginTx                = (*conn)(nil)
	_ interface{ Unwrap() driver.Conn } = (*conn)(nil)
)

func newConn(inner driver.Conn, r *Recorder) driver.Conn {
	c := conn{inner: inner, r: r, spare: new(spareRows)}
	c.execer, _ = inner.(driver.ExecerContext)
	c.queryer, _ = inner.(driver.QueryerContext)
	//lint:ignore SA1019 the fallback database/sql uses
	c.execer0, _ = inner.(driver.Execer)
	//lint:ignore SA1019 the fallback database/sql uses
	c.queryer0, _ = inner.(driver.Queryer)
	c.preparer, _ = inner.(driver.ConnPrepareContext)
	c.beginner, _ = inner.(driver.ConnBeginTx)
	return composeConn(c)
}

// sessionResetter is the SessionResetter of a wrapped connection: a reset
// that finds the connection broken (driver.ErrBadConn) counts as an error
// of that type. database/sql then retries on another connection or, on its
// last try, fails the statement with that error before it reaches the
// driver, so that without this count such a failure would show nowhere.
type sessionResetter struct {
	inner driver.SessionResetter
	r     *Recorder
}

// ResetSession resets the driver's connection.
func (s sessionResetter) ResetSession(ctx context.Context) error {
	err := s.inner.ResetSession(ctx)
	if errors.Is(err, driver.ErrBadConn) {
		s.r.Error(err)
	}
	return err
}

// Raw returns the driver's own connection, for code that needs its type:
// inside sql.Conn.Raw, call Raw (the function) on the value it passes.
func (c *conn) Raw() driver.Conn { return c.inner }

// Unwrap returns the driver's own connection too, for drivers and tools
// that look behind wrappers through the Unwrap() driver.Conn convention
// (modernc.org/sqlite's Limit, for one).
func (c *conn) Unwrap() driver.Conn { return c.inner }

// Prepare prepares a statement without a context.
func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext prepares a statement. A failed prepare counts as one
// failed execution: the statement was sent and refused, and database/sql
// prepares a statement itself when the driver cannot run it directly.
func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	start := now()
	var s driver.Stmt
	var err error
	if c.preparer != nil {
		s, err = c.preparer.PrepareContext(ctx, query)
	} else {
		s, err = c.inner.Prepare(query)
		if err == nil {
			select {
			default:
			case <-ctx.Done():
				s.Close()
				s, err = nil, ctx.Err()
			}
		}
	}
	if err != nil {
		if err != driver.ErrSkip {
			c.r.done(ctx, start, err)
		}
		return nil, err
	}
	markBulk(ctx, c.r)
	return newStmt(s, c.r, query, c.spare), nil
}

// Close closes the driver's connection.
func (c *conn) Close() error { return c.inner.Close() }

// Begin starts a transaction without a context.
func (c *conn) Begin() (driver.Tx, error) {
	//lint:ignore SA1019 required by driver.Conn
	return c.inner.Begin()
}

// BeginTx starts a transaction; a driver without ConnBeginTx gets the
// checks database/sql makes.
func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if c.beginner != nil {
		return c.beginner.BeginTx(ctx, opts)
	}
	if opts.Isolation != driver.IsolationLevel(sql.LevelDefault) {
		return nil, errors.New("sql: driver does not support non-default isolation level")
	}
	if opts.ReadOnly {
		return nil, errors.New("sql: driver does not support read-only transactions")
	}
	//lint:ignore SA1019 the fallback database/sql uses
	tx, err := c.inner.Begin()
	if err == nil && ctx.Done() != nil {
		select {
		default:
		case <-ctx.Done():
			tx.Rollback()
			return nil, ctx.Err()
		}
	}
	return tx, err
}

// ExecContext runs a statement directly and records it, unless the driver
// returns driver.ErrSkip, which hands the statement back to database/sql to
// prepare (the prepared statement records it then).
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.execer == nil {
		if c.execer0 == nil {
			return nil, driver.ErrSkip
		}
		return c.exec0(ctx, query, args)
	}
	start := now()
	res, err := c.execer.ExecContext(ctx, query, args)
	if err != driver.ErrSkip {
		c.r.done(ctx, start, err)
		c.r.countModels(query, res, err)
	}
	return res, err
}

func (c *conn) exec0(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	start := now()
	values, err := namedValueToValue(args)
	if err != nil {
		return nil, err
	}
	var res driver.Result
	select {
	default:
		res, err = c.execer0.Exec(query, values)
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != driver.ErrSkip {
		c.r.done(ctx, start, err)
		c.r.countModels(query, res, err)
	}
	return res, err
}

// QueryContext runs a query directly and records it, unless the driver
// returns driver.ErrSkip (see ExecContext).
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if c.queryer == nil {
		if c.queryer0 == nil {
			return nil, driver.ErrSkip
		}
		return c.query0(ctx, query, args)
	}
	start := now()
	rows, err := c.queryer.QueryContext(ctx, query, args)
	if err == driver.ErrSkip {
		return nil, err
	}
	return c.r.rows(ctx, start, rows, err, c.spare)
}

func (c *conn) query0(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	start := now()
	values, err := namedValueToValue(args)
	if err != nil {
		return nil, err
	}
	var rows driver.Rows
	select {
	default:
		rows, err = c.queryer0.Query(query, values)
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err == driver.ErrSkip {
		return nil, err
	}
	return c.r.rows(ctx, start, rows, err, c.spare)
}

// namedValueToValue is database/sql's conversion for drivers without the
// context interfaces, with its error.
func namedValueToValue(named []driver.NamedValue) ([]driver.Value, error) {
	values := make([]driver.Value, len(named))
	for i, nv := range named {
		if nv.Name != "" {
			return nil, errors.New("sql: driver does not support the use of Named Parameters")
		}
		values[i] = nv.Value
	}
	return values, nil
}
