package cachemetrics

import (
	"fmt"
	"unicode/utf8"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/internal/config"
	"github.com/stackprom/stackprom/internal/schema"
)

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
var DefaultBuckets = schema.DefaultCacheBuckets

// WithBackend sets the backend label: the application's name for the cache,
// like a key of Django's CACHES ("default", "sessions"). Every adapter
// defaults it to its kind (Redis, Memcached, Memory); NewRecorder needs it.
// The name must be non-empty valid UTF-8.
func WithBackend(name string) stackprom.Option {
	return config.Func(func(c *config.Config) {
		if name == "" || !utf8.ValidString(name) {
			c.Fail(fmt.Errorf("cachemetrics: WithBackend(%q): need a non-empty UTF-8 name", name))
			return
		}
		c.Cache.Backend = name
	})
}

// WithLatency turns the operation duration family on or off. Timing an
// operation reads the clock twice, which a network round trip hides and an
// in-process get does not, so the default is on for Redis and memcached
// and for NewRecorder, and off for the in-process cache (ottermetrics).
func WithLatency(on bool) stackprom.Option {
	return config.Func(func(c *config.Config) { c.Cache.NoLatency = !on })
}
