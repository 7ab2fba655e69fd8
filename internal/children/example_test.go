package children_test

import (
	"fmt"

	"github.com/stackprom/stackprom/internal/children"
)

// A Bounded set hands out one child per value, and the overflow child
// past its limit.
func ExampleBounded() {
	made := 0
	views := children.Bounded[string]{Max: 2, New: func(v string) string { made++; return "child of " + v }}
	for _, v := range []string{"index", "help", "index", "/random/1", "/random/2"} {
		fmt.Println(views.Get(v))
	}
	fmt.Println(made, "children made")
	// Output:
	// child of index
	// child of help
	// child of index
	// child of <other>
	// child of <other>
	// 3 children made
}
