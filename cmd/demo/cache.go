package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
	"github.com/maypok86/otter/v2"
	"github.com/redis/go-redis/v9"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/memcachemetrics"
	"github.com/stackprom/stackprom/adapters/ottermetrics"
	"github.com/stackprom/stackprom/adapters/redismetrics"
	"github.com/stackprom/stackprom/cachemetrics"
	"github.com/stackprom/stackprom/httpmetrics"
)

// demoCache is what the cache view needs of a cache.
type demoCache interface {
	Get(ctx context.Context, key string) (value string, found bool, err error)
	Set(ctx context.Context, key, value string) error
	Close() error
}

// keyTTL bounds how long the view's keys live on a shared server.
const keyTTL = time.Minute

// newCache opens the cache that spec names (see the -cache flag), counted
// with stackprom's cache families on the registry of shared.
func newCache(spec string, shared stackprom.Option) (demoCache, error) {
	switch {
	case spec == "" || spec == "memory":
		// The demo shows every family, so it times the in-process cache
		// too, which ottermetrics does not do by default.
		c, err := ottermetrics.New(&otter.Options[string, string]{MaximumSize: 10_000},
			shared, cachemetrics.WithLatency(true))
		if err != nil {
			return nil, err
		}
		return memoryCache{c}, nil
	case strings.HasPrefix(spec, "redis://"), strings.HasPrefix(spec, "rediss://"):
		o, err := redis.ParseURL(spec)
		if err != nil {
			return nil, fmt.Errorf("-cache: %w", err)
		}
		rdb := redis.NewClient(o)
		if _, err := redismetrics.Instrument(rdb, shared); err != nil {
			rdb.Close()
			return nil, err
		}
		return redisCache{rdb}, nil
	case strings.HasPrefix(spec, "memcache://"):
		servers := strings.Split(strings.TrimSuffix(strings.TrimPrefix(spec, "memcache://"), "/"), ",")
		mc, err := memcachemetrics.New(memcache.New(servers...), shared)
		if err != nil {
			return nil, err
		}
		return memcacheCache{mc}, nil
	}
	return nil, fmt.Errorf("-cache %q: want memory, redis://host:port/db or memcache://host:port", spec)
}

type memoryCache struct {
	c *ottermetrics.Cache[string, string]
}

func (m memoryCache) Get(_ context.Context, key string) (string, bool, error) {
	v, ok := m.c.GetIfPresent(key)
	return v, ok, nil
}

func (m memoryCache) Set(_ context.Context, key, value string) error {
	m.c.Set(key, value)
	return nil
}

func (m memoryCache) Close() error {
	m.c.StopAllGoroutines()
	return nil
}

type redisCache struct{ rdb *redis.Client }

func (r redisCache) Get(ctx context.Context, key string) (string, bool, error) {
	v, err := r.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	return v, err == nil, err
}

func (r redisCache) Set(ctx context.Context, key, value string) error {
	return r.rdb.Set(ctx, key, value, keyTTL).Err()
}

func (r redisCache) Close() error { return r.rdb.Close() }

type memcacheCache struct{ mc *memcachemetrics.Client }

func (m memcacheCache) Get(_ context.Context, key string) (string, bool, error) {
	it, err := m.mc.Get(key)
	if errors.Is(err, memcache.ErrCacheMiss) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return string(it.Value), true, nil
}

func (m memcacheCache) Set(_ context.Context, key, value string) error {
	return m.mc.Set(&memcache.Item{Key: key, Value: []byte(value), Expiration: int32(keyTTL / time.Second)})
}

func (m memcacheCache) Close() error { return m.mc.Close() }

// cacheRoutes adds the cache view, on the cache spec (-cache) names.
func cacheRoutes(mux *http.ServeMux, spec string, shared stackprom.Option) error {
	c, err := newCache(spec, shared)
	if err != nil {
		return err
	}
	mux.Handle("GET /cache", httpmetrics.NamedFunc("cache", cacheView(c)))
	return nil
}

var (
	bootID  = time.Now().UnixNano()
	visitID atomic.Int64
)

// cacheView does what django-prometheus's cache tests do, once per
// request: a get that misses (a key no request used before), a set, and a
// get that hits. A cache that fails does not fail the view: it says so in
// the page, as a service that serves without its cache would.
func cacheView(c demoCache) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		key := fmt.Sprintf("stackprom:demo:%d:%d", bootID, visitID.Add(1))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, found, err := c.Get(ctx, key)
		if err != nil {
			fmt.Fprintf(w, "cache unavailable, served without it: %v\n", err)
			return
		}
		fmt.Fprintf(w, "get %s: found %v\n", key, found)
		if err := c.Set(ctx, key, "hello"); err != nil {
			fmt.Fprintf(w, "set %s failed: %v\n", key, err)
			return
		}
		io.WriteString(w, "set "+key+"\n")
		v, found, err := c.Get(ctx, key)
		fmt.Fprintf(w, "get %s: found %v, value %q, error %v\n", key, found, v, err)
	}
}
