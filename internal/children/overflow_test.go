package children_test

import (
	"testing"

	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/internal/children"
	"github.com/stackprom/stackprom/modelmetrics"
	"github.com/stackprom/stackprom/sqlmetrics"
)

// The packages spell out the overflow value for go doc; they must say what
// Bounded writes.
func TestPublicOverflowValues(t *testing.T) {
	for name, v := range map[string]string{
		"httpmetrics.Other":  httpmetrics.Other,
		"sqlmetrics.Other":   sqlmetrics.Other,
		"modelmetrics.Other": modelmetrics.Other,
	} {
		if v != children.Overflow {
			t.Errorf("%s = %q, want %q", name, v, children.Overflow)
		}
	}
}
