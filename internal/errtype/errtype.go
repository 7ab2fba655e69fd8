// Package errtype names the Go type of an error for the type labels of the
// exception and error families, the same way in every component.
package errtype

import (
	"context"
	"database/sql/driver"
	"errors"
	"reflect"
)

// Name returns the type label of err: "context.Canceled",
// "context.DeadlineExceeded" or "driver.ErrBadConn" when err is or wraps one
// of these sentinels (whose own type, *errors.errorString, says nothing),
// else the Go type of err as fmt's %T prints it ("*pgconn.PgError"). err
// must not be nil. It does not allocate.
func Name(err error) string {
	if s := sentinel(err); s != "" {
		return s
	}
	return reflect.TypeOf(err).String()
}

// Unwrapped is Name, except that the type is that of the innermost error
// beneath fmt.Errorf's wrappers: fmt.Errorf("loading: %w", err) is named
// after err, where Name would say "*fmt.wrapError". It does not allocate.
func Unwrapped(err error) string {
	if s := sentinel(err); s != "" {
		return s
	}
	for {
		t := reflect.TypeOf(err)
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		next := errors.Unwrap(err)
		if t.PkgPath() != "fmt" || next == nil {
			return reflect.TypeOf(err).String()
		}
		err = next
	}
}

func sentinel(err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "context.Canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "context.DeadlineExceeded"
	case errors.Is(err, driver.ErrBadConn):
		return "driver.ErrBadConn"
	}
	return ""
}
