package modelmetrics_test

import (
	"reflect"
	"testing"

	"github.com/stackprom/stackprom/modelmetrics"
)

type dog struct{ Name string }

func (dog) MetricsModel() string { return "dog" }

type lawn struct{ Location string }

func (*lawn) MetricsModel() string { return "lawn" }

type cat struct{}

func TestNameOf(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
		ok   bool
	}{
		{dog{}, "dog", true},
		{&dog{}, "dog", true},
		{[]dog{}, "dog", true},
		{&[]*dog{}, "dog", true},
		{[2]dog{}, "dog", true},
		{lawn{}, "lawn", true},
		{&lawn{}, "lawn", true},
		{&[]lawn{}, "lawn", true},
		{cat{}, "", false},
		{&[]cat{}, "", false},
		{map[string]any{}, "", false},
	} {
		got, ok := modelmetrics.NameOf(reflect.TypeOf(tc.v))
		if got != tc.want || ok != tc.ok {
			t.Errorf("NameOf(%T) = %q %v, want %q %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := modelmetrics.NameOf(nil); ok {
		t.Error("NameOf(nil) found a name")
	}
}
