package migrationtest_test

import (
	"fmt"
	"time"

	"github.com/stackprom/stackprom/internal/migrationtest"
)

// A test moves the clock past a collector's time-to-live instead of
// sleeping.
func ExampleClock() {
	clk := migrationtest.NewClock()
	start := clk.Now()
	clk.Add(30 * time.Second)
	fmt.Println(clk.Now().Sub(start))
	// Output: 30s
}
