package routertest_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/stackprom/stackprom/test/internal/routertest"
)

// RandomPath draws the same paths for the same seed, so that a hostile
// traffic test sends the same requests on every run.
func ExampleRandomPath() {
	a := routertest.RandomPath(rand.New(rand.NewPCG(1, 2)))
	b := routertest.RandomPath(rand.New(rand.NewPCG(1, 2)))
	fmt.Println(a == b, a != "")
	// Output: true true
}
