package ottermetrics_test

import (
	"fmt"

	"github.com/maypok86/otter/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/ottermetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

func Example() {
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	c, err := ottermetrics.New(&otter.Options[string, int]{MaximumSize: 1000}, stackprom.WithRegisterer(reg))
	if err != nil {
		panic(err)
	}

	c.Set("foo1", 42)
	c.GetIfPresent("foo1")
	c.GetIfPresent("foofoo")
	c.Set("zero", 0)
	if v, found := c.GetIfPresent("zero"); found { // a stored zero is a hit
		fmt.Println("zero found:", v)
	}
	c.Invalidate("foo1")

	snap, err := stackpromtest.Gather(reg)
	if err != nil {
		panic(err)
	}
	for _, name := range []string{"cache_get_total", "cache_get_hits_total", "cache_get_misses_total",
		"cache_set_total", "cache_delete_total"} {
		v, _ := snap.Value(name, prometheus.Labels{"backend": "memory"})
		fmt.Println(name, v)
	}
	// Output:
	// zero found: 0
	// cache_get_total 3
	// cache_get_hits_total 2
	// cache_get_misses_total 1
	// cache_set_total 2
	// cache_delete_total 1
}
