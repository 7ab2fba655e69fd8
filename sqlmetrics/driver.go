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
	_ driver.Driver        = (*wrappedDriver)(nil)
	_ driver.DriverContext = driverContext{}
)

func wrapDriver(d driver.Driver, r *Recorder) driver.Driver {
	w := &wrappedDriver{inner: d, r: r}
	if dc, ok := d.(driver.DriverContext); ok {
		return driverContext{w, dc}
	}
	return w
}

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
	return wrapConnector(c, d.r, d), nil
}

// connector wraps a driver.Connector. closingConnector adds io.Closer when
// the driver's connector has it, so that sql.DB.Close closes it.
type connector struct {
	inner driver.Connector
	r     *Recorder
	d     driver.Driver // the wrapped driver Driver returns
}

type closingConnector struct {
	*connector
	io.Closer
}

var (
	_ driver.Connector = (*connector)(nil)
	_ io.Closer        = closingConnector{}
)

// wrapConnector wraps c; d is the wrapped driver, or nil to wrap c's.
func wrapConnector(c driver.Connector, r *Recorder, d driver.Driver) driver.Connector {
	w := newConnector(c, r, d)
	if cl, ok := c.(io.Closer); ok {
		return closingConnector{w, cl}
	}
	return w
}

func newConnector(c driver.Connector, r *Recorder, d driver.Driver) *connector {
	if d == nil {
		if inner := c.Driver(); inner != nil {
			d = wrapDriver(inner, r)
		}
	}
	return &connector{inner: c, r: r, d: d}
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

// Driver returns the wrapped driver.
func (c *connector) Driver() driver.Driver { return c.d }

// dsnConnector is database/sql's connector for a driver that is not a
// DriverContext.
type dsnConnector struct {
	dsn string
	d   driver.Driver
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.d }
