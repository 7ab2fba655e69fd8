package cachemetrics_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/cachemetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// store is a cache of the application's own, counted with a Recorder.
type store struct {
	mu  sync.Mutex
	m   map[string]string
	rec *cachemetrics.Recorder
}

func (s *store) Get(ctx context.Context, key string) (string, bool) {
	start := s.rec.Start()
	s.mu.Lock()
	v, ok := s.m[key]
	s.mu.Unlock()
	s.rec.Get(ok, nil)
	s.rec.Since(ctx, cachemetrics.OpGet, start)
	return v, ok
}

func (s *store) Set(ctx context.Context, key, value string) {
	start := s.rec.Start()
	s.mu.Lock()
	s.m[key] = value
	s.mu.Unlock()
	s.rec.Set(nil)
	s.rec.Since(ctx, cachemetrics.OpSet, start)
}

func Example() {
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	rec, err := cachemetrics.New(stackprom.WithRegisterer(reg), cachemetrics.WithBackend("sessions"))
	if err != nil {
		panic(err)
	}
	s := &store{m: map[string]string{}, rec: rec}

	ctx := context.Background()
	s.Set(ctx, "foo1", "bar")
	s.Get(ctx, "foo1")
	s.Get(ctx, "foo1")
	s.Get(ctx, "foofoo")
	s.Set(ctx, "empty", "")
	s.Get(ctx, "empty") // an empty string is still a hit

	snap, err := stackpromtest.Gather(reg)
	if err != nil {
		panic(err)
	}
	for _, name := range []string{"cache_get_total", "cache_get_hits_total", "cache_get_misses_total", "cache_set_total"} {
		v, _ := snap.Value(name, prometheus.Labels{"backend": "sessions"})
		fmt.Println(name, v)
	}
	n, _ := snap.Value("cache_operation_duration_seconds_count", prometheus.Labels{"backend": "sessions", "operation": "get"})
	fmt.Println("timed gets", n)
	// Output:
	// cache_get_total 4
	// cache_get_hits_total 3
	// cache_get_misses_total 1
	// cache_set_total 2
	// timed gets 4
}
