package sqlmetrics

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/internal/children"
)

// TestLabelOptionsChecked: an alias or vendor that no scrape could carry
// (invalid UTF-8, or longer than a label value from outside may be) is an
// error at construction, from every constructor, rather than a value cut
// or replaced behind the application's back.
func TestLabelOptionsChecked(t *testing.T) {
	bad := map[string]string{
		"invalid UTF-8": "db\xff",
		"too long":      strings.Repeat("a", children.MaxValueLen+1),
	}
	for what, v := range bad {
		for name, opt := range map[string]Option{"WithAlias": WithAlias(v), "WithVendor": WithVendor(v)} {
			opts := []Option{stackprom.WithRegisterer(prometheus.NewRegistry()), WithVendor("fake"), opt}
			_, err := NewRecorder(opts...)
			if err == nil || !strings.HasPrefix(err.Error(), "sqlmetrics: "+name) || !utf8.ValidString(err.Error()) {
				t.Errorf("NewRecorder(%s(%s)): %v", name, what, err)
			}
			if _, err := OpenDB(&fakeConnector{name: "x", d: fakeDriver{}}, opts...); err == nil {
				t.Errorf("OpenDB(%s(%s)): no error", name, what)
			}
			if _, err := WrapDriver(fakeDriver{}, opts...); err == nil {
				t.Errorf("WrapDriver(%s(%s)): no error", name, what)
			}
		}
	}
	// The longest accepted value, in multi-byte runes.
	long := strings.Repeat("é", children.MaxValueLen/2)
	if _, err := NewRecorder(WithAlias(long), WithVendor(long), stackprom.WithRegisterer(prometheus.NewRegistry())); err != nil {
		t.Errorf("a %d-byte alias and vendor: %v", len(long), err)
	}
}

// longError is an error type whose name, with its type arguments, is
// longer than a label value may be.
type longError[T any] struct{}

func (longError[T]) Error() string { return "long" }

type anErrorTypeWithAVeryLongNameThatADriverCouldWellHave struct{}

// TestErrorTypeBounded: the type label of an error is what children.Clean
// makes of its type name: at most children.MaxValueLen bytes, valid UTF-8.
func TestErrorTypeBounded(t *testing.T) {
	reg := prometheus.NewRegistry()
	r, err := NewRecorder(stackprom.WithRegisterer(reg), WithVendor("fake"))
	if err != nil {
		t.Fatal(err)
	}
	e := &longError[longError[longError[anErrorTypeWithAVeryLongNameThatADriverCouldWellHave]]]{}
	if n := len(errorType(e)); n <= children.MaxValueLen {
		t.Fatalf("the test's long type name has %d bytes", n)
	}
	for range 2 {
		r.Error(e)
	}
	r.Error(errors.New("short"))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "db_errors_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "type" {
					got[l.GetValue()] = m.GetCounter().GetValue()
				}
			}
		}
	}
	want := map[string]float64{children.Clean(errorType(e)): 2, "*errors.errorString": 1}
	if !maps.Equal(got, want) {
		t.Errorf("errors by type %v, want %v", got, want)
	}
	for typ := range got {
		if len(typ) > children.MaxValueLen || !utf8.ValidString(typ) {
			t.Errorf("type label %q: %d bytes", typ, len(typ))
		}
	}
	if n := testutil.CollectAndCount(reg, "db_errors_total"); n != 2 {
		t.Errorf("%d error series, want 2", n)
	}
}
