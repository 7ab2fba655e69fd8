package modelmetrics

import (
	"fmt"

	"github.com/stackprom/stackprom/internal/config"
)

// Option configures New. The options of package stackprom (registerer,
// namespace, naming, constant labels) are Options, and so are this
// package's With… functions; no other component's options are.
type Option interface {
	config.ModelOption
}

// WithMaxModels caps the number of distinct model label values. Models
// declared past the cap share the "<other>" series, so code that derives
// model names from data cannot explode the series count. The default is
// 500.
func WithMaxModels(n int) Option {
	return config.ModelFunc(func(c *config.Config) {
		if n < 1 {
			c.Fail(fmt.Errorf("modelmetrics: WithMaxModels(%d): need at least 1", n))
			return
		}
		c.Model.MaxModels = n
	})
}

// WithMaxStatements sets how many distinct statement texts Tables keeps the
// classification of. Statements past it are classified again on each
// execution (a scan of the text, without allocation), so applications that
// build statements with inline values stay bounded in memory: a statement
// longer than 512 bytes is kept under a digest of its text, not the text,
// so the cache holds at most n × 512 bytes of text. The default is 1000
// (half a MiB of text at most); 0 turns the cache off.
func WithMaxStatements(n int) Option {
	return config.ModelFunc(func(c *config.Config) {
		if n < 0 {
			c.Fail(fmt.Errorf("modelmetrics: WithMaxStatements(%d): need at least 0", n))
			return
		}
		c.Model.MaxStatements = n
		if n == 0 {
			c.Model.MaxStatements = -1 // no cache; 0 means the default
		}
	})
}
