package redismetrics_test

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/redismetrics"
	"github.com/stackprom/stackprom/cachemetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

func Example() {
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	rdb := redis.NewClient(&redis.Options{
		Addr:   "127.0.0.1:6379",
		Dialer: newFakeRedis().Dial, // in a service: leave it out, to dial Addr
	})
	defer rdb.Close()
	if _, err := redismetrics.Instrument(rdb, stackprom.WithRegisterer(reg), cachemetrics.WithBackend("sessions")); err != nil {
		panic(err)
	}

	ctx := context.Background()
	rdb.Set(ctx, "foo1", "bar", 0)
	rdb.Get(ctx, "foo1")
	rdb.Get(ctx, "foofoo")          // redis.Nil: a miss, not a failure
	rdb.MGet(ctx, "foo1", "a", "b") // three gets: one hit, two misses
	rdb.Set(ctx, "empty", "", 0)    // an empty string…
	rdb.Get(ctx, "empty")           // …is a hit
	rdb.Del(ctx, "foo1", "empty")   // two deletes
	rdb.Incr(ctx, "visits")         // not a cache operation: not counted

	snap, err := stackpromtest.Gather(reg)
	if err != nil {
		panic(err)
	}
	for _, name := range []string{"cache_get_total", "cache_get_hits_total", "cache_get_misses_total",
		"cache_get_fail_total", "cache_set_total", "cache_delete_total"} {
		v, _ := snap.Value(name, prometheus.Labels{"backend": "sessions"})
		fmt.Println(name, v)
	}
	// Output:
	// cache_get_total 6
	// cache_get_hits_total 3
	// cache_get_misses_total 3
	// cache_get_fail_total 0
	// cache_set_total 2
	// cache_delete_total 2
}
