package cachetest_test

import (
	"fmt"

	"github.com/stackprom/stackprom/test/internal/cachetest"
)

// A test compares what its operations did to every cache family of a
// backend in one value, and a failure prints every count by name.
func ExampleCounts() {
	got := cachetest.Counts{Gets: 4, Hits: 2, Misses: 2, Sets: 1}
	fmt.Println(got == cachetest.Counts{Gets: 4, Hits: 2, Misses: 2, Sets: 1})
	fmt.Println(got)
	// Output:
	// true
	// gets 4 hits 2 misses 2 fails 0 sets 1 setFails 0 deletes 0 deleteFails 0
}
