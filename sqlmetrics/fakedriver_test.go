package sqlmetrics

import (
	"context"
	"database/sql/driver"

	"io"
	"reflect"
	"strings"
	"sync"
)

// The fake driver runs no SQL: a statement's text says what happens.
//
//	"ERR …"      fails with *fakeError; "ERR2 …", "ERR3 …" with other types
//	"SKIP …"     the connection returns driver.ErrSkip (the statement runs prepared)
//	"BADPREP …"  preparing fails with *fakeError
//	"ROWSERR …"  a query's rows fail after the first row with *fakeError
//	"CLOSEERR …" closing a query's rows fails with *fakeError
//	"LASTID …"   a prepared exec with the int64 argument id reports it as
//	             its LastInsertId, and fails with *fakeError for id < 0
//	"WAIT …"     blocks until the context is done, first calling the
//	             func() the context holds under waitingKey{}, if any
//	anything else succeeds: exec affects 1 row; query returns one row, n = 1
//
// Open fails with *fakeConnectError for the name "fail"; the connections
// opened for the name "badreset" fail every ResetSession with
// driver.ErrBadConn.
type fakeDriver struct{ legacy bool }

type fakeError struct{ msg string }

func (e *fakeError) Error() string { return "fake: " + e.msg }

type fakeError2 struct{}

func (fakeError2) Error() string { return "fake: second type" }

type fakeError3 []string

func (fakeError3) Error() string { return "fake: third type" }

type fakeConnectError struct{}

func (*fakeConnectError) Error() string { return "fake: cannot connect" }

// waitingKey is the context key of the func() a "WAIT" statement calls
// once it is waiting: tests end the context there, so that the driver,
// not database/sql before it, sees the context end.
type waitingKey struct{}

// endWhenWaiting returns a context that ends with err (context.Canceled or
// context.DeadlineExceeded) as soon as a "WAIT" statement waits on it.
func endWhenWaiting(err error) context.Context {
	c := &endingContext{Context: context.Background(), done: make(chan struct{}), err: err}
	return context.WithValue(c, waitingKey{}, func() { c.once.Do(func() { close(c.done) }) })
}

type endingContext struct {
	context.Context
	once sync.Once
	done chan struct{}
	err  error
}

func (c *endingContext) Done() <-chan struct{} { return c.done }

func (c *endingContext) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

func outcome(ctx context.Context, query string) error {
	switch {
	case strings.HasPrefix(query, "ERR "):
		return &fakeError{query}
	case strings.HasPrefix(query, "ERR2 "):
		return fakeError2{}
	case strings.HasPrefix(query, "ERR3 "):
		return fakeError3{}
	case strings.HasPrefix(query, "WAIT "):
		if waiting, ok := ctx.Value(waitingKey{}).(func()); ok {
			waiting()
		}
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

func (d fakeDriver) Open(name string) (driver.Conn, error) {
	if name == "fail" {
		return nil, &fakeConnectError{}
	}
	if d.legacy {
		return &fakeLegacyConn{}, nil
	}
	return &fakeCtxConn{badReset: name == "badreset"}, nil
}

type fakeDriverContext struct{ fakeDriver }

func (d fakeDriverContext) OpenConnector(name string) (driver.Connector, error) {
	if name == "bad dsn" {
		return nil, &fakeError{"bad dsn"}
	}
	return &fakeConnector{name: name, d: d}, nil
}

type fakeConnector struct {
	name   string
	d      driver.Driver
	closed int
}

func (c *fakeConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.name) }
func (c *fakeConnector) Driver() driver.Driver                        { return c.d }

type closingFakeConnector struct{ *fakeConnector }

func (c closingFakeConnector) Close() error { c.closed++; return nil }

// fakeLegacyConn has only the methods of driver.Conn and the legacy Execer
// and Queryer.
type fakeLegacyConn struct{ closed bool }

func (c *fakeLegacyConn) Prepare(query string) (driver.Stmt, error) {
	if strings.HasPrefix(query, "BADPREP ") {
		return nil, &fakeError{query}
	}
	return &fakeStmt{query: query}, nil
}
func (c *fakeLegacyConn) Close() error              { c.closed = true; return nil }
func (c *fakeLegacyConn) Begin() (driver.Tx, error) { return fakeTx{}, nil }

// fakeCtxConn has every context interface, and the others of
// connInterfaces.
type fakeCtxConn struct {
	fakeLegacyConn
	badReset bool
}

func (c *fakeCtxConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Prepare(query)
}

func (c *fakeCtxConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return fakeTx{}, nil
}

func (c *fakeCtxConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if strings.HasPrefix(query, "SKIP ") {
		return nil, driver.ErrSkip
	}
	if err := outcome(ctx, query); err != nil {
		return nil, err
	}
	return driver.RowsAffected(1), nil
}

func (c *fakeCtxConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if strings.HasPrefix(query, "SKIP ") {
		return nil, driver.ErrSkip
	}
	if err := outcome(ctx, query); err != nil {
		return nil, err
	}
	return newFakeRows(query), nil
}

func (c *fakeCtxConn) Ping(context.Context) error { return nil }
func (c *fakeCtxConn) ResetSession(context.Context) error {
	if c.badReset {
		return driver.ErrBadConn
	}
	return nil
}
func (c *fakeCtxConn) IsValid() bool                               { return !c.closed }
func (c *fakeCtxConn) CheckNamedValue(nv *driver.NamedValue) error { return driver.ErrSkip }

type fakeTx struct{}

func (fakeTx) Commit() error   { return nil }
func (fakeTx) Rollback() error { return nil }

type fakeStmt struct {
	query  string
	closed bool
}

func (s *fakeStmt) Close() error  { s.closed = true; return nil }
func (s *fakeStmt) NumInput() int { return -1 }
func (s *fakeStmt) Exec(args []driver.Value) (driver.Result, error) {
	if strings.HasPrefix(s.query, "LASTID ") && len(args) > 0 {
		id, _ := args[0].(int64)
		if id < 0 {
			return nil, &fakeError{"negative id"}
		}
		return fakeResult{id}, nil
	}
	if err := outcome(context.Background(), strings.TrimPrefix(s.query, "SKIP ")); err != nil {
		return nil, err
	}
	return driver.RowsAffected(1), nil
}
func (s *fakeStmt) Query(args []driver.Value) (driver.Rows, error) {
	q := strings.TrimPrefix(s.query, "SKIP ")
	if err := outcome(context.Background(), q); err != nil {
		return nil, err
	}
	return newFakeRows(q), nil
}

// The other stmtInterfaces, for the fakes of every combination.
func (s *fakeStmt) CheckNamedValue(*driver.NamedValue) error { return driver.ErrSkip }
func (s *fakeStmt) ColumnConverter(int) driver.ValueConverter {
	return driver.DefaultParameterConverter
}

// fakeResult is the result of a "LASTID" statement: one row, its id.
type fakeResult struct{ id int64 }

func (r fakeResult) LastInsertId() (int64, error) { return r.id, nil }
func (r fakeResult) RowsAffected() (int64, error) { return 1, nil }

type fakeRows struct {
	n         int
	fail      bool
	failClose bool
}

func newFakeRows(query string) *fakeRows {
	return &fakeRows{fail: strings.HasPrefix(query, "ROWSERR "), failClose: strings.HasPrefix(query, "CLOSEERR ")}
}

func (r *fakeRows) Columns() []string { return []string{"n"} }
func (r *fakeRows) Close() error {
	if r.failClose {
		return &fakeError{"closing rows"}
	}
	return nil
}
func (r *fakeRows) Next(dest []driver.Value) error {
	r.n++
	switch {
	case r.n == 1:
		dest[0] = int64(1)
		return nil
	case r.fail:
		return &fakeError{"reading rows"}
	}
	return io.EOF
}

// The other rowsInterfaces, for the fakes of every combination; the column
// types differ from database/sql's answers without the interfaces.
func (r *fakeRows) HasNextResultSet() bool                            { return false }
func (r *fakeRows) NextResultSet() error                              { return io.EOF }
func (r *fakeRows) ColumnTypeScanType(int) reflect.Type               { return reflect.TypeFor[int64]() }
func (r *fakeRows) ColumnTypeDatabaseTypeName(int) string             { return "INTEGER" }
func (r *fakeRows) ColumnTypeLength(int) (int64, bool)                { return 8, true }
func (r *fakeRows) ColumnTypeNullable(int) (bool, bool)               { return false, true }
func (r *fakeRows) ColumnTypePrecisionScale(int) (int64, int64, bool) { return 19, 0, true }

// The methods each optional Rows interface adds to driver.Rows, which they
// all embed: the fakes of every combination (offerRows) embed these, as
// embedding two interfaces with driver.Rows's methods would make those
// ambiguous.
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
