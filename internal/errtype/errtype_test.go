package errtype

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
)

type valueError struct{}

func (valueError) Error() string { return "value" }

func TestNames(t *testing.T) {
	_, pathErr := os.Open("/no/such/file")
	for _, c := range []struct {
		err             error
		name, unwrapped string
	}{
		{context.Canceled, "context.Canceled", "context.Canceled"},
		{fmt.Errorf("query: %w", context.Canceled), "context.Canceled", "context.Canceled"},
		{fmt.Errorf("a: %w", fmt.Errorf("b: %w", context.DeadlineExceeded)), "context.DeadlineExceeded", "context.DeadlineExceeded"},
		{driver.ErrBadConn, "driver.ErrBadConn", "driver.ErrBadConn"},
		{io.ErrUnexpectedEOF, "*errors.errorString", "*errors.errorString"},
		{pathErr, "*fs.PathError", "*fs.PathError"},
		{fmt.Errorf("loading: %w", pathErr), "*fmt.wrapError", "*fs.PathError"},
		{fmt.Errorf("two: %w, %w", pathErr, io.EOF), "*fmt.wrapErrors", "*fmt.wrapErrors"},
		{fmt.Errorf("no wrapping: %v", pathErr), "*errors.errorString", "*errors.errorString"},
		{valueError{}, "errtype.valueError", "errtype.valueError"},
		{errors.Join(valueError{}), "*errors.joinError", "*errors.joinError"},
	} {
		if got := Name(c.err); got != c.name {
			t.Errorf("Name(%v) = %q, want %q", c.err, got, c.name)
		}
		if got := Unwrapped(c.err); got != c.unwrapped {
			t.Errorf("Unwrapped(%v) = %q, want %q", c.err, got, c.unwrapped)
		}
		if n := testing.AllocsPerRun(10, func() { Name(c.err); Unwrapped(c.err) }); n != 0 {
			t.Errorf("%v: %v allocations", c.err, n)
		}
	}
}
