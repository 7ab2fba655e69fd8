package schema_test

import (
	"fmt"

	"github.com/stackprom/stackprom/internal/config"
	"github.com/stackprom/stackprom/internal/schema"
)

// A family has one name per preset, and the namespace prefixes either.
func ExampleFullName() {
	f, _ := schema.Lookup(schema.HTTPRequestsByMethod)
	for _, c := range []*config.Config{
		{Naming: config.NamingDefault},
		{Naming: config.NamingDjango},
		{Naming: config.NamingDjango, Namespace: "shop"},
	} {
		fmt.Println(schema.FullName(c, f))
	}
	// Output:
	// http_requests_by_method_total
	// django_http_requests_total_by_method_total
	// shop_django_http_requests_total_by_method_total
}
