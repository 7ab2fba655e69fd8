package sqlmetrics

import (
	"context"
	"database/sql/driver"
	"io"
)

// wrappedDriver wraps a driver.Driver: it counts every Open in new
// connections (and failures in connection errors) and wraps the connection.
type wrappedDriver struct {
	inner driver.Driver
	r     *Recorder
}

// driverContext is a wrappedDriver for a driver that is a
// driver.DriverContext; a driver that is not does not get one, so that
// database/sql takes the same path with or without the wrapper.
type driverContext struct {
	*wrappedDriver
	ctx driver.DriverContext
}

var (
	_ driver.Driver                       = (*wrappedDriver)(nil)
	_ driver.DriverContext                = driverContext{}
	_ interface{ Unwrap() driver.Driver } = (*wrappedDriver)(nil)
	_ interface{ Unwrap() driver.Driver } = driverContext{}
)

func wrapDriver(d driver.Driver, r *Recorder) driver.Driver {
	w := &wrappedDriver{inner: d, r: r}
	if dc, ok := d.(driver.DriverContext); ok {
		return driverContext{w, dc}
	}
	return w
}

// Unwrap returns the driver d wraps, for code that looks behind wrappers
// for a driver's own type (the Unwrap() driver.Driver convention).
func (d *wrappedDriver) Unwrap() driver.Driver { return d.inner }

// Open opens a connection through the driver.
func (d *wrappedDriver) Open(name string) (driver.Conn, error) {
	c, err := d.inner.Open(name)
	d.r.Connect(err)
	if err != nil {
		return nil, err
	}
	return newConn(c, d.r), nil
}

// OpenConnector returns the driver's connector for name, wrapped.
func (d driverContext) OpenConnector(name string) (driver.Connector, error) {
	c, err := d.ctx.OpenConnector(name)
	if err != nil {
		return nil, err
	}
	return wrapConnector(c, d.r), nil
}

// connector wraps a driver.Connector. closingConnector adds io.Closer when
// the driver's connector has it, so that sql.DB.Close closes it.
type connector struct {
	inner driver.Connector
	r     *Recorder
}

type closingConnector struct {
	*connector
	io.Closer
}

var (
	_ driver.Connector                       = (*connector)(nil)
	_ io.Closer                              = closingConnector{}
	_ interface{ Unwrap() driver.Connector } = (*connector)(nil)
	_ interface{ Unwrap() driver.Connector } = closingConnector{}
)

// wrapConnector wraps c.
func wrapConnector(c driver.Connector, r *Recorder) driver.Connector {
	w := &connector{inner: c, r: r}
	if cl, ok := c.(io.Closer); ok {
		return closingConnector{w, cl}
	}
	return w
}

// Connect opens a connection through the driver's connector.
func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	c.r.Connect(err)
	if err != nil {
		return nil, err
	}
	return newConn(conn, c.r), nil
}

// Driver returns the driver's connector's driver, unwrapped: database/sql
// opens every connection through Connect and uses Driver only to answer
// *sql.DB.Driver, which thus returns what it returns without the wrapper,
// so that code looking there for the driver's type (a driver's own
// registration functions, a dialect switch) finds it.
func (c *connector) Driver() driver.Driver { return c.inner.Driver() }

// Unwrap returns the driver's connector (the Unwrap() driver.Connector
// convention).
func (c *connector) Unwrap() driver.Connector { return c.inner }

// dsnConnector is database/sql's connector for a driver that is not a
// DriverContext.
type dsnConnector struct {
	dsn string
	d   driver.Driver
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.d }
