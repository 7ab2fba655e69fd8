package config_test

import (
	"fmt"

	"github.com/stackprom/stackprom/internal/config"
)

// Options apply in order over the defaults; invalid ones are reported by New.
func ExampleNew() {
	c, err := config.New([]config.Option{
		config.Func(func(c *config.Config) { c.Namespace = "shop" }),
		config.Func(func(c *config.Config) { c.Fail(fmt.Errorf("stackprom: an invalid option")) }),
	})
	fmt.Println(c.Namespace, c.HTTP.MaxViews, err)
	// Output:
	// shop 500 stackprom: an invalid option
}
