package sqlmetrics

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/stackprom/stackprom/internal/config"
)

// WrapDriver returns d wrapped: connections it opens count in new
// connections (failed ones in connection errors too), and every statement
// run on them counts in executions, duration and errors. The result offers
// driver.DriverContext exactly when d does, and its Unwrap() driver.Driver
// returns d. Options: WithAlias, WithVendor
// (needed only when d is not a PostgreSQL, MySQL or SQLite driver),
// WithDuration, WithMaxErrorTypes and the shared stackprom options.
func WrapDriver(d driver.Driver, opts ...Option) (driver.Driver, error) {
	c, err := config.New(opts)
	if err != nil {
		return nil, err
	}
	vendor, err := vendorOf(c, d)
	if err != nil {
		return nil, err
	}
	r, err := newRecorder(c, vendor)
	if err != nil {
		return nil, err
	}
	return wrapDriver(d, r), nil
}

// WrapConnector returns c wrapped, as WrapDriver wraps a driver; the result
// is an io.Closer exactly when c is, its Driver is c's (so *sql.DB.Driver
// is as without the wrapper) and its Unwrap() driver.Connector returns c.
// Pass it to sql.OpenDB, or use OpenDB, which also registers pool
// statistics.
func WrapConnector(c driver.Connector, opts ...Option) (driver.Connector, error) {
	cfg, err := config.New(opts)
	if err != nil {
		return nil, err
	}
	vendor, err := vendorOf(cfg, c, c.Driver())
	if err != nil {
		return nil, err
	}
	r, err := newRecorder(cfg, vendor)
	if err != nil {
		return nil, err
	}
	return wrapConnector(c, r), nil
}

var registerMu sync.Mutex
var registered atomic.Int64

// Register wraps the driver registered with database/sql as driverName (see
// WrapDriver) and registers the wrapped driver under a new name, which it
// returns: pass that name to sql.Open. The driver is found by opening
// driverName with an empty data source name, which a driver that is a
// driver.DriverContext must accept; for one that does not, wrap the driver
// with WrapDriver and call sql.Register yourself.
func Register(driverName string, opts ...Option) (string, error) {
	d, err := driverNamed(driverName, "")
	if err != nil {
		return "", fmt.Errorf("sqlmetrics: Register: %w", err)
	}
	if !hasVendor(opts) {
		if v := vendorFromName(driverName); v != "" {
			opts = append([]Option{WithVendor(v)}, opts...)
		}
	}
	w, err := WrapDriver(d, opts...)
	if err != nil {
		return "", err
	}
	registerMu.Lock()
	defer registerMu.Unlock()
	var name string
	for {
		name = fmt.Sprintf("sqlmetrics-%s-%d", driverName, registered.Add(1))
		if !registeredDriver(name) {
			break
		}
	}
	sql.Register(name, w)
	return name, nil
}

func registeredDriver(name string) bool {
	for _, n := range sql.Drivers() {
		if n == name {
			return true
		}
	}
	return false
}

// driverNamed returns the driver registered as name; dsn is passed to its
// OpenConnector, which does not connect.
func driverNamed(name, dsn string) (driver.Driver, error) {
	db, err := sql.Open(name, dsn)
	if err != nil {
		return nil, err
	}
	d := db.Driver()
	db.Close()
	return d, nil
}

// Open opens a *sql.DB on the driver registered as driverName, as sql.Open
// does, with the driver wrapped (see WrapDriver), and registers its pool
// statistics (see WithPoolStats). Errors of the driver (an unknown driver, a
// data source name it cannot parse) are returned unchanged.
func Open(driverName, dsn string, opts ...Option) (*sql.DB, error) {
	d, err := driverNamed(driverName, dsn)
	if err != nil {
		return nil, err
	}
	c, err := config.New(opts)
	if err != nil {
		return nil, err
	}
	vendor, err := vendorOf(c, d, driverName)
	if err != nil {
		return nil, err
	}
	var ic driver.Connector = dsnConnector{dsn: dsn, d: d}
	if dc, ok := d.(driver.DriverContext); ok {
		if ic, err = dc.OpenConnector(dsn); err != nil {
			return nil, err
		}
	}
	return openDB(c, vendor, ic)
}

// OpenDB opens a *sql.DB on a driver's connector, as sql.OpenDB does, with
// the connector wrapped (see WrapConnector), and registers its pool
// statistics (see WithPoolStats). It is the way in for drivers configured
// through a connector: pgx's stdlib.GetConnector, mysql.NewConnector.
func OpenDB(c driver.Connector, opts ...Option) (*sql.DB, error) {
	cfg, err := config.New(opts)
	if err != nil {
		return nil, err
	}
	vendor, err := vendorOf(cfg, c, c.Driver())
	if err != nil {
		return nil, err
	}
	return openDB(cfg, vendor, c)
}

func openDB(c *config.Config, vendor string, ic driver.Connector) (*sql.DB, error) {
	r, err := newRecorder(c, vendor)
	if err != nil {
		return nil, err
	}
	dc := &dbConnector{connector: &connector{inner: ic, r: r}}
	dc.closer, _ = ic.(io.Closer)
	db := sql.OpenDB(dc)
	if !c.SQL.NoPoolStats && c.Registerer != nil {
		unregister, err := registerPoolStats(c, db, r.alias)
		if err != nil {
			db.Close()
			return nil, err
		}
		dc.unregister = unregister
	}
	return db, nil
}

// dbConnector is the connector of a *sql.DB opened by Open or OpenDB: when
// the DB is closed it unregisters the pool statistics, then closes the
// driver's connector if that is an io.Closer.
type dbConnector struct {
	*connector
	closer     io.Closer
	unregister func()
	once       sync.Once
}

var _ io.Closer = (*dbConnector)(nil)

// Close unregisters the pool statistics and closes the driver's connector.
func (c *dbConnector) Close() error {
	c.once.Do(func() {
		if c.unregister != nil {
			c.unregister()
		}
	})
	if c.closer != nil {
		return c.closer.Close()
	}
	return nil
}

// Raw returns the driver's own connection when driverConn is a connection
// of a wrapped driver, else driverConn itself. Use it inside sql.Conn.Raw,
// whose function receives the wrapper (which also has the Unwrap()
// driver.Conn that drivers looking behind wrappers call):
//
//	conn.Raw(func(dc any) error {
//		pc := sqlmetrics.Raw(dc).(*stdlib.Conn).Conn() // the *pgx.Conn
//		…
//	})
func Raw(driverConn any) any {
	if c, ok := driverConn.(interface{ Raw() driver.Conn }); ok {
		if _, ours := driverConn.(interface{ recorder() *Recorder }); ours {
			return c.Raw()
		}
	}
	return driverConn
}

func (c *conn) recorder() *Recorder { return c.r }

// vendorOf returns the vendor set by WithVendor, else the one detected from
// hints (drivers, connectors, driver names), else an error.
func vendorOf(c *config.Config, hints ...any) (string, error) {
	if c.SQL.Vendor != "" {
		return c.SQL.Vendor, nil
	}
	for _, h := range hints {
		if v := detectVendor(h); v != "" {
			return v, nil
		}
	}
	return "", fmt.Errorf("sqlmetrics: cannot tell the vendor of driver %T; set it with sqlmetrics.WithVendor", hints[0])
}

func detectVendor(h any) string {
	switch h := h.(type) {
	case nil:
		return ""
	case string:
		return vendorFromName(h)
	case *wrappedDriver:
		return h.r.vendor
	case driverContext:
		return h.r.vendor
	case *connector:
		return h.r.vendor
	case closingConnector:
		return h.r.vendor
	case *dbConnector:
		return h.r.vendor
	}
	t := reflect.TypeOf(h)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return vendorFromName(t.PkgPath())
}

// vendorFromName maps a driver's package path or registered name to a
// vendor, or "": the first of SQLite, MySQL and PostgreSQL whose names it
// holds, in ASCII letters of either case (Unicode case folding would read
// "SQLİTE", with a dotted capital I, as sqlite).
func vendorFromName(s string) string {
	s = lowerASCII(s)
	switch {
	case strings.Contains(s, "sqlite"):
		return SQLite
	case strings.Contains(s, "mysql"), strings.Contains(s, "mariadb"):
		return MySQL
	case strings.Contains(s, "postgres"), strings.Contains(s, "pgx"), strings.Contains(s, "lib/pq"),
		strings.Contains(s, "pgdriver"), s == "pq":
		return PostgreSQL
	}
	return ""
}

// lowerASCII returns s with its ASCII letters in lower case, and every
// other byte as it is.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// hasVendor reports whether opts set a vendor.
func hasVendor(opts []Option) bool {
	c, _ := config.New(opts)
	return c != nil && c.SQL.Vendor != ""
}
