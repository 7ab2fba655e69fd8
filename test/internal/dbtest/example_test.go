package dbtest_test

import (
	"fmt"

	"github.com/stackprom/stackprom/test/internal/dbtest"
)

// A test ranges over the vendors and asks each for a fresh database.
func ExampleVendors() {
	for _, v := range dbtest.Vendors("stackprom_example_") {
		fmt.Println(v.Name)
	}
	// Output:
	// sqlite
	// postgresql
	// mysql
}
