// Package sqlmetrics instruments any database/sql driver with
// django-prometheus's six database families, without changing a query:
//
//	db_new_connections_total{alias,vendor}          every attempt to open a connection
//	db_new_connection_errors_total{alias,vendor}    attempts that failed
//	db_execute_total{alias,vendor}                  every statement, bulk ones included
//	db_execute_many_total{alias,vendor}             statements run by ExecMany
//	db_errors_total{alias,vendor,type}              failed statements, by Go error type
//	db_query_duration_seconds{alias,vendor}         every statement, failed ones included
//
// (django_db_… in the django naming preset), plus the pool statistics of
// client_golang's DBStatsCollector (go_sql_…{db_name=alias}).
//
// Open a database through it with Open (a registered driver name and a
// data source name) or OpenDB (a driver's connector, as pgx's stdlib and
// go-sql-driver/mysql offer), or wrap a driver.Driver with WrapDriver, a
// driver.Connector with WrapConnector, or a registered driver with Register.
//
// # What is counted
//
// Every Exec and Query that reaches the driver, through a *sql.DB, a
// *sql.Conn, a *sql.Tx or a prepared *sql.Stmt, counts one execution and one
// duration observation, failures included. A statement the driver hands back
// with driver.ErrSkip is counted once, when database/sql runs it as a
// prepared statement; a prepare that fails counts as one failed execution.
// Errors count by the Go type of the error ("*pgconn.PgError",
// "*mysql.MySQLError", "*sqlite.Error", or "context.Canceled",
// "context.DeadlineExceeded", "driver.ErrBadConn" for those sentinels),
// bounded by WithMaxErrorTypes; driver.ErrSkip, sql.ErrNoRows and io.EOF at
// the end of rows are not errors. Pings, transactions' BEGIN, COMMIT and
// ROLLBACK and session resets are not statements and count nothing, as in
// Django, where they do not pass through a cursor; except that a session
// reset finding a pooled connection broken counts one "driver.ErrBadConn"
// error, since on database/sql's last retry that failure reaches the
// application without a statement.
//
// An error that surfaces only once the driver has returned the rows (a
// failure in a later row, or a connection the server ends before the end
// of the result, which QueryRow's Scan reports as it closes the rows)
// counts too, once per query. By default the duration covers the driver
// call only: for a query, until the driver returns the rows, before they
// are read. WithDuration(UntilRowsClosed) times a query until its rows are
// closed. Either way recording costs a few atomic additions and no
// allocation: the wrapper of a query's rows is reused once database/sql
// has closed them.
//
// # Invisible wrapper
//
// Errors pass through unchanged, so errors.As still finds the driver's
// type. The wrapped driver is a driver.DriverContext exactly when the
// driver is, a wrapped connector an io.Closer exactly when the driver's is;
// a wrapped connection is a Pinger, SessionResetter, Validator and
// NamedValueChecker exactly when the driver's is, a statement a
// NamedValueChecker and ColumnConverter exactly when the driver's is, and
// rows offer NextResultSet exactly when the driver's do. Rows always offer
// the ColumnType interfaces, answering for one the driver's rows lack what
// database/sql answers without it. A wrapped connection always offers the
// context interfaces (ExecerContext, QueryerContext, ConnPrepareContext,
// ConnBeginTx) and a statement StmtExecContext and StmtQueryContext,
// because every statement must pass through them; when the driver lacks
// one, the wrapper does what database/sql does without it. Of the driver's
// pre-context driver.Execer and driver.Queryer the wrapped connection
// offers neither: database/sql never asks for them when a connection has
// ExecerContext and QueryerContext, and the wrapper falls back on them
// itself.
//
// # What db.Driver() and sql.Conn.Raw see
//
// database/sql opens every connection through a connector and uses the
// connector's Driver only to answer *sql.DB.Driver. For a database opened
// by Open or OpenDB, on a connector from WrapConnector, or on a wrapped
// driver.DriverContext registered with sql.Register, db.Driver() returns
// the driver's own driver, as it does without the wrapper: code that looks
// there for the driver's type finds it (modernc.org/sqlite's
// vtab.RegisterModule registers the module on that driver, a dialect
// switch sees *stdlib.Driver), and a connection opened with
// db.Driver().Open bypasses the metrics. For a wrapped driver that is not a
// DriverContext registered with sql.Register (what Register does for
// modernc.org/sqlite, say), database/sql returns the registered driver: the
// wrapper. The wrappers follow the Unwrap conventions of code that looks
// behind them: a wrapped driver's Unwrap() driver.Driver returns the
// driver, a wrapped connector's Unwrap() driver.Connector the connector.
//
// Inside sql.Conn.Raw, the function receives the wrapped connection, which
// has the methods listed above and no others. Its Unwrap() driver.Conn
// returns the driver's own connection, the convention of drivers that
// look behind wrappers (modernc.org/sqlite's Limit unwraps through it);
// Raw(dc) does the same for one's own code that needs the driver's type.
// Statements and rows have no Unwrap.
//
// For pgx used without database/sql (pgx.Conn, pgxpool), the module
// github.com/stackprom/stackprom/adapters/pgxmetrics records the same
// families through pgx's tracer; other data layers can record through a
// Recorder.
package sqlmetrics
