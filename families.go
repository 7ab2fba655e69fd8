package stackprom

import (
	"slices"

	"github.com/stackprom/stackprom/internal/schema"
)

// Family describes one metric family stackprom can expose.
type Family struct {
	// Name is the family's name in the default preset, before any namespace.
	Name string
	// DjangoName is its name in the django preset, before any namespace.
	DjangoName string
	// Type is "counter", "gauge" or "histogram".
	Type string
	// Labels are the family's variable labels, in order.
	Labels []string
	// Help is the family's help text.
	Help string
	// Component is "http", "db", "cache", "model" or "migration".
	Component string
	// DjangoPrometheus is true when django-prometheus has the family too.
	DjangoPrometheus bool
}

// Families lists every family stackprom defines, in the order of the
// README's metric table. The slice is a copy.
func Families() []Family {
	out := make([]Family, len(schema.All))
	for i := range schema.All {
		f := &schema.All[i]
		out[i] = Family{
			Name:             f.Name,
			DjangoName:       f.DjangoName(),
			Type:             f.Kind.String(),
			Labels:           slices.Clone(f.Labels),
			Help:             f.Help,
			Component:        f.Component,
			DjangoPrometheus: f.Django0,
		}
	}
	return out
}

// FullName is the family's exposed name under a preset and namespace.
func (f Family) FullName(n Naming, namespace string) string {
	name := f.Name
	if n == NamingDjango {
		name = f.DjangoName
	}
	if namespace != "" {
		name = namespace + "_" + name
	}
	return name
}
