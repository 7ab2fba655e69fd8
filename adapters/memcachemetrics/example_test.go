package memcachemetrics_test

import (
	"fmt"

	"github.com/bradfitz/gomemcache/memcache"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/memcachemetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

func Example() {
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	raw := memcache.New("127.0.0.1:11211")
	raw.DialContext = newFakeMemcached().DialContext // in a service: leave it out, to dial the server
	mc, err := memcachemetrics.New(raw, stackprom.WithRegisterer(reg))
	if err != nil {
		panic(err)
	}

	mc.Set(&memcache.Item{Key: "foo1", Value: []byte("bar")})
	mc.Get("foo1")
	mc.Get("foofoo")                        // memcache.ErrCacheMiss: a miss, not a failure
	mc.GetMulti([]string{"foo1", "a", "b"}) // three gets: one hit, two misses
	mc.Set(&memcache.Item{Key: "empty"})    // an empty value…
	mc.Get("empty")                         // …is a hit
	mc.Delete("nothing")                    // a delete of a missing key is no failure

	snap, err := stackpromtest.Gather(reg)
	if err != nil {
		panic(err)
	}
	for _, name := range []string{"cache_get_total", "cache_get_hits_total", "cache_get_misses_total",
		"cache_get_fail_total", "cache_set_total", "cache_delete_total", "cache_delete_fail_total"} {
		v, _ := snap.Value(name, prometheus.Labels{"backend": "memcached"})
		fmt.Println(name, v)
	}
	// Output:
	// cache_get_total 6
	// cache_get_hits_total 3
	// cache_get_misses_total 3
	// cache_get_fail_total 0
	// cache_set_total 2
	// cache_delete_total 1
	// cache_delete_fail_total 0
}
