package modelmetrics

import "reflect"

// Named is implemented by model types that name their model, the Go
// counterpart of class Dog(ExportModelOperationsMixin("dog"), Model): the
// ORM adapters (gormmetrics, bunmetrics) count the operations of a model
// whose type has this method, under the name it returns. The method is
// called once per type, on its zero value.
//
//	func (Dog) MetricsModel() string { return "dog" }
type Named interface {
	MetricsModel() string
}

var namedType = reflect.TypeFor[Named]()

// NameOf returns the model name of t, the type of a model value as an ORM
// hands it over (Dog, *Dog, []Dog, *[]*Dog, …): the MetricsModel of its
// element type, by value or pointer receiver, and true; or "" and false
// when the type has no such method. Adapters call it once per type.
func NameOf(t reflect.Type) (string, bool) {
	for t != nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			if t.Implements(namedType) && t.Kind() == reflect.Pointer {
				return reflect.New(t.Elem()).Interface().(Named).MetricsModel(), true
			}
			t = t.Elem()
			continue
		}
		if t.Implements(namedType) || reflect.PointerTo(t).Implements(namedType) {
			return reflect.New(t).Interface().(Named).MetricsModel(), true
		}
		return "", false
	}
	return "", false
}
