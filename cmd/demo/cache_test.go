package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/internal/testenv"
	"github.com/stackprom/stackprom/stackpromtest"
)

// The cache view on each kind of cache the -cache flag takes: one get that
// misses, one set, one get that hits, per visit.
func TestCacheView(t *testing.T) {
	for _, c := range []struct {
		name, backend string
		spec          func(t *testing.T) string
	}{
		{"memory", "memory", func(*testing.T) string { return "memory" }},
		{"redis", "redis", func(t *testing.T) string {
			return "redis://" + testenv.Addr(t, "STACKPROM_REDIS_ADDR", "127.0.0.1:6379") + "/13"
		}},
		{"memcached", "memcached", func(t *testing.T) string {
			return "memcache://" + testenv.Addr(t, "STACKPROM_MEMCACHED_ADDR", "127.0.0.1:11211")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			dc, err := newCache(c.spec(t), stackprom.WithRegisterer(reg))
			if err != nil {
				t.Fatal(err)
			}
			defer dc.Close()
			srv := httptest.NewServer(cacheView(dc))
			defer srv.Close()
			s := stackpromtest.Take(t, reg)
			for range 3 {
				body := get(t, srv.URL)
				if !strings.Contains(body, "found false") || !strings.Contains(body, `found true, value "hello"`) {
					t.Errorf("page:\n%s", body)
				}
			}
			b := prometheus.Labels{"backend": c.backend}
			s.AssertDiff(t, 6, "cache_get_total", b)
			s.AssertDiff(t, 3, "cache_get_hits_total", b)
			s.AssertDiff(t, 3, "cache_get_misses_total", b)
			s.AssertDiff(t, 3, "cache_set_total", b)
			s.AssertDiff(t, 0, "cache_get_fail_total", b)
			s.AssertDiff(t, 6, "cache_operation_duration_seconds_count", prometheus.Labels{"backend": c.backend, "operation": "get"})
		})
	}
}

// With its cache down, the view still answers, and the failed get is
// counted.
func TestCacheViewCacheDown(t *testing.T) {
	reg := prometheus.NewRegistry()
	addr := "127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
	dc, err := newCache("memcache://"+addr, stackprom.WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(cacheView(dc))
	defer srv.Close()
	if body := get(t, srv.URL); !strings.Contains(body, "cache unavailable") {
		t.Errorf("page:\n%s", body)
	}
	stackpromtest.AssertValue(t, reg, 1, "cache_get_fail_total", prometheus.Labels{"backend": "memcached"})
}

func TestCacheFlag(t *testing.T) {
	for _, spec := range []string{"mongodb://x", "redis://[::1", "memory2"} {
		if _, err := newCache(spec, stackprom.WithRegisterer(prometheus.NewRegistry())); err == nil {
			t.Errorf("-cache %q: no error", spec)
		}
	}
	if _, err := app(true, settings{cache: "bogus"}, stackprom.WithRegisterer(prometheus.NewRegistry())); err == nil || !strings.Contains(err.Error(), "-cache") {
		t.Errorf("app with -cache bogus: %v", err)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d:\n%s", resp.StatusCode, b)
	}
	return string(b)
}
