package config_test

import (
	"fmt"

	"github.com/stackprom/stackprom/internal/config"
)

// Options apply in order over the defaults; invalid ones are reported by New.
func ExampleNew() {
	c, err := config.New([]config.HTTPOption{
		config.Shared(func(c *config.Config) { c.Namespace = "shop" }),
		config.HTTPFunc(func(c *config.Config) { c.Fail(fmt.Errorf("httpmetrics: an invalid option")) }),
	})
	fmt.Println(c.Namespace, c.HTTP.MaxViews, err)
	// Output:
	// shop 500 httpmetrics: an invalid option
}
