package redistest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/redismetrics"
	"github.com/stackprom/stackprom/internal/testenv"
	"github.com/stackprom/stackprom/stackpromtest"
	"github.com/stackprom/stackprom/test/internal/cachetest"
)

// The application of the outage test: GET /item?id=N reads the item from
// the cache, and on a miss or a cache failure computes it and tries to
// store it. It answers 200 whatever the cache does.
func itemHandler(rdb *redis.Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		key := "item:" + r.URL.Query().Get("id")
		v, err := rdb.Get(ctx, key).Result()
		switch {
		case err == nil:
		case errors.Is(err, redis.Nil):
			v = "computed " + key
			rdb.Set(ctx, key, v, time.Minute)
		default:
			v = "computed " + key + " (cache down)"
		}
		io.WriteString(w, v)
	})
}

// load sends n requests over 4 workers, calling during(i) before the i-th,
// and returns how many were answered with a status other than 200.
func load(t *testing.T, url string, n int, during func(i int)) int {
	t.Helper()
	var next, bad atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if during != nil {
					during(i)
				}
				resp, err := http.Get(fmt.Sprintf("%s/item?id=%d", url, i%10))
				if err != nil {
					bad.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return int(bad.Load())
}

// A Redis the test started, stopped under load and restarted: the
// application keeps answering, failures are counted while Redis is down
// (and no hit or miss), and hits resume once it is back.
func TestOutageUnderLoad(t *testing.T) {
	prog := testenv.Program(t, "redis-server")
	port := testenv.FreePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	proc := startRedisOn(t, prog, port)

	reg := prometheus.NewRegistry()
	rdb := redis.NewClient(&redis.Options{
		Addr: addr, MaxRetries: 1, DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second,
		DialerRetries: 1, DialerRetryTimeout: 10 * time.Millisecond,
	})
	defer rdb.Close()
	if _, err := redismetrics.Instrument(rdb, stackprom.WithRegisterer(reg)); err != nil {
		t.Fatal(err)
	}
	app := httptest.NewServer(itemHandler(rdb))
	defer app.Close()

	// Up: 10 items, so after the first ten misses everything hits.
	s := stackpromtest.Take(t, reg)
	if bad := load(t, app.URL, 200, nil); bad != 0 {
		t.Fatalf("up: %d requests failed", bad)
	}
	up := cachetest.Diff(t, s, "redis")
	t.Logf("up:        %v", up)
	if up.Hits < 100 || up.Fails != 0 || up.Gets != 200 {
		t.Errorf("up: %v, want 200 gets, at least 100 hits, no failure", up)
	}

	// Stopped under load: Redis is stopped by process id after the 50th
	// request of 300 has started; every request is still answered.
	s = stackpromtest.Take(t, reg)
	var once sync.Once
	stopped := make(chan struct{})
	bad := load(t, app.URL, 300, func(i int) {
		if i == 50 {
			once.Do(func() { proc.Stop(t); close(stopped) })
		}
		if i > 50 {
			<-stopped
		}
	})
	if bad != 0 {
		t.Errorf("during the outage %d of 300 requests were not answered with 200", bad)
	}
	during := cachetest.Diff(t, s, "redis")
	t.Logf("stopping:  %v", during)
	if during.Gets != 300 || during.Fails < 240 || during.Hits+during.Misses+during.Fails != 300 {
		t.Errorf("stopping: %v, want 300 gets, at least the 240 after the stop failed", during)
	}

	// Down: nothing answers, so every get fails and none is a hit or a miss.
	s = stackpromtest.Take(t, reg)
	if bad := load(t, app.URL, 100, nil); bad != 0 {
		t.Errorf("down: %d requests failed", bad)
	}
	if down := cachetest.Diff(t, s, "redis"); down != (cachetest.Counts{Gets: 100, Fails: 100, Sets: 0}) {
		t.Errorf("down: %v, want 100 gets, all failed", down)
	}

	// Back: a new server on the same port (empty, without persistence).
	startRedisOn(t, prog, port)
	waitFor(t, "the client to reach the restarted Redis", func() bool {
		return rdb.Ping(context.Background()).Err() == nil
	})
	s = stackpromtest.Take(t, reg)
	if bad := load(t, app.URL, 200, nil); bad != 0 {
		t.Errorf("back: %d requests failed", bad)
	}
	back := cachetest.Diff(t, s, "redis")
	t.Logf("back:      %v", back)
	if back.Hits < 100 || back.Fails != 0 {
		t.Errorf("back: %v, want at least 100 hits and no failure", back)
	}
}
