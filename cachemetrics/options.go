package cachemetrics

import (
	"fmt"
	"unicode/utf8"

	"github.com/stackprom/stackprom/internal/children"
	"github.com/stackprom/stackprom/internal/config"
)

// Option configures New and the cache adapters (redismetrics,
// memcachemetrics, ottermetrics). The options of package stackprom
// (registerer, namespace, naming, constant labels, buckets, exemplars) are
// Options, and so are this package's With… functions; no other component's
// options are.
type Option interface {
	config.CacheOption
}

// Backend names of the kinds of cache the adapters serve, their default
// backend label values.
const (
	Redis     = "redis"
	Memcached = "memcached"
	Memory    = "memory"
)

// DefaultBuckets are the default buckets of the operation duration family,
// in seconds: from 100 µs, a cache round trip on loopback, to 1 s.
// django-prometheus's latency buckets start at 10 ms, where no healthy cache
// operation lands, so WithLatencyBuckets does not apply to this family;
// stackprom.WithBuckets("cache_operation_duration_seconds", …) does.
var DefaultBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}

// WithBackend sets the backend label: the application's name for the cache,
// like a key of Django's CACHES ("default", "sessions"). Every adapter
// defaults it to its kind (Redis, Memcached, Memory); New needs it.
// The name must be non-empty valid UTF-8 of at most 128 bytes.
func WithBackend(name string) Option {
	return config.CacheFunc(func(c *config.Config) {
		if name == "" || !utf8.ValidString(name) || len(name) > children.MaxValueLen {
			c.Fail(fmt.Errorf("cachemetrics: WithBackend(%q): need a non-empty UTF-8 name of at most %d bytes", name, children.MaxValueLen))
			return
		}
		c.Cache.Backend = name
	})
}

// WithLatency turns the operation duration family on or off. Timing an
// operation reads the clock twice, which a network round trip hides and an
// in-process get does not, so the default is on for Redis and memcached
// and for New, and off for the in-process cache (ottermetrics).
func WithLatency(on bool) Option {
	return config.CacheFunc(func(c *config.Config) { c.Cache.NoLatency = !on })
}
