package redistest_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/redismetrics"
	"github.com/stackprom/stackprom/cachemetrics"
	"github.com/stackprom/stackprom/internal/testenv"
	"github.com/stackprom/stackprom/stackpromtest"
	"github.com/stackprom/stackprom/test/internal/cachetest"
)

// django-prometheus's cache test (catalogue §10 item 8) on a real Redis:
// set foo1, get foo1 twice, get foofoo twice.
func TestDjangoCacheTest(t *testing.T) {
	rdb, reg := newClient(t)
	ctx := context.Background()
	p := prefix(t)
	s := stackpromtest.Take(t, reg)
	if err := rdb.Set(ctx, p+"foo1", "bar", 0).Err(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if v, err := rdb.Get(ctx, p+"foo1").Result(); err != nil || v != "bar" {
			t.Fatalf("get foo1 = %q, %v", v, err)
		}
	}
	for range 2 {
		if err := rdb.Get(ctx, p+"foofoo").Err(); err != redis.Nil {
			t.Fatalf("get foofoo: %v, want redis.Nil", err)
		}
	}
	want := cachetest.Counts{Gets: 4, Hits: 2, Misses: 2, Sets: 1}
	if got := cachetest.Diff(t, s, "redis"); got != want {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

// A stored empty string or "0" is a hit (django-prometheus #493).
func TestFalsyValuesAreHits(t *testing.T) {
	rdb, reg := newClient(t)
	ctx := context.Background()
	p := prefix(t)
	rdb.Set(ctx, p+"empty", "", 0)
	rdb.Set(ctx, p+"zero", 0, 0)
	rdb.Set(ctx, p+"false", false, 0)
	rdb.HSet(ctx, p+"hash", "empty", "")
	s := stackpromtest.Take(t, reg)
	for _, k := range []string{"empty", "zero", "false"} {
		if _, err := rdb.Get(ctx, p+k).Result(); err != nil {
			t.Errorf("get %s: %v", k, err)
		}
	}
	if v, err := rdb.HGet(ctx, p+"hash", "empty").Result(); err != nil || v != "" {
		t.Errorf("hget = %q, %v", v, err)
	}
	rdb.MGet(ctx, p+"empty", p+"zero")
	want := cachetest.Counts{Gets: 6, Hits: 6}
	if got := cachetest.Diff(t, s, "redis"); got != want {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

// Every classified command, through the typed methods and through Do in
// upper case, against a real Redis.
func TestCommands(t *testing.T) {
	rdb, reg := newClient(t)
	ctx := context.Background()
	p := prefix(t)
	k := func(s string) string { return p + s }
	rdb.Set(ctx, k("a"), "1", 0)
	rdb.Set(ctx, k("b"), "2", 0)
	rdb.HSet(ctx, k("h"), "f1", "x", "f2", "y")
	for _, c := range []struct {
		name string
		do   func()
		want cachetest.Counts
	}{
		{"GET hit", func() { rdb.Get(ctx, k("a")) }, cachetest.Counts{Gets: 1, Hits: 1}},
		{"GET miss", func() { rdb.Get(ctx, k("none")) }, cachetest.Counts{Gets: 1, Misses: 1}},
		{"GET upper case via Do", func() { rdb.Do(ctx, "GET", k("a")) }, cachetest.Counts{Gets: 1, Hits: 1}},
		{"GET mixed case miss via Do", func() { rdb.Do(ctx, "Get", k("none")) }, cachetest.Counts{Gets: 1, Misses: 1}},
		{"GETEX", func() { rdb.GetEx(ctx, k("a"), 0) }, cachetest.Counts{Gets: 1, Hits: 1}},
		{"GETDEL miss", func() { rdb.GetDel(ctx, k("none")) }, cachetest.Counts{Gets: 1, Misses: 1}},
		{"MGET", func() { rdb.MGet(ctx, k("a"), k("none"), k("b")) }, cachetest.Counts{Gets: 3, Hits: 2, Misses: 1}},
		{"MGET via Do", func() { rdb.Do(ctx, "MGET", k("a"), k("none")) }, cachetest.Counts{Gets: 2, Hits: 1, Misses: 1}},
		{"HGET hit", func() { rdb.HGet(ctx, k("h"), "f1") }, cachetest.Counts{Gets: 1, Hits: 1}},
		{"HGET miss", func() { rdb.HGet(ctx, k("h"), "nof") }, cachetest.Counts{Gets: 1, Misses: 1}},
		{"HMGET", func() { rdb.HMGet(ctx, k("h"), "f1", "f2", "nof") }, cachetest.Counts{Gets: 3, Hits: 2, Misses: 1}},
		{"GET on a hash fails", func() { rdb.Get(ctx, k("h")) }, cachetest.Counts{Gets: 1, Fails: 1}},
		{"MGET fails as a whole", func() { rdb.Do(ctx, "MGET") }, cachetest.Counts{Gets: 1, Fails: 1}},
		{"SET", func() { rdb.Set(ctx, k("c"), "3", 0) }, cachetest.Counts{Sets: 1}},
		{"SET NX refused is no failure", func() { rdb.SetNX(ctx, k("a"), "x", 0) }, cachetest.Counts{Sets: 1}},
		{"SET with NX argument refused", func() { rdb.SetArgs(ctx, k("a"), "x", redis.SetArgs{Mode: "NX"}) }, cachetest.Counts{Sets: 1}},
		{"SETEX via Do", func() { rdb.Do(ctx, "SETEX", k("d"), 60, "4") }, cachetest.Counts{Sets: 1}},
		{"PSETEX via Do", func() { rdb.Do(ctx, "PSETEX", k("e"), 60000, "5") }, cachetest.Counts{Sets: 1}},
		{"MSET", func() { rdb.MSet(ctx, k("f"), "6", k("g"), "7") }, cachetest.Counts{Sets: 2}},
		{"MSETNX", func() { rdb.MSetNX(ctx, k("f"), "6", k("g2"), "7") }, cachetest.Counts{Sets: 2}},
		{"HSET", func() { rdb.HSet(ctx, k("h2"), "a", 1, "b", 2, "c", 3) }, cachetest.Counts{Sets: 3}},
		{"HSETNX", func() { rdb.HSetNX(ctx, k("h2"), "a", 1) }, cachetest.Counts{Sets: 1}},
		{"HMSET", func() { rdb.HMSet(ctx, k("h3"), "a", 1, "b", 2) }, cachetest.Counts{Sets: 2}},
		{"SET with a wrong argument fails", func() { rdb.Do(ctx, "SET", k("x")) }, cachetest.Counts{Sets: 1, SetFails: 1}},
		{"DEL", func() { rdb.Del(ctx, k("c"), k("none")) }, cachetest.Counts{Deletes: 2}},
		{"UNLINK", func() { rdb.Unlink(ctx, k("d")) }, cachetest.Counts{Deletes: 1}},
		{"HDEL", func() { rdb.HDel(ctx, k("h2"), "a", "b") }, cachetest.Counts{Deletes: 2}},
		{"HDEL on a string fails", func() { rdb.HDel(ctx, k("a"), "f") }, cachetest.Counts{Deletes: 1, DeleteFails: 1}},
		{"INCR is not counted", func() { rdb.Incr(ctx, k("n")) }, cachetest.Counts{}},
		{"EXPIRE is not counted", func() { rdb.Expire(ctx, k("a"), 60e9) }, cachetest.Counts{}},
		{"PING is not counted", func() { rdb.Ping(ctx) }, cachetest.Counts{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := stackpromtest.Take(t, reg)
			c.do()
			if got := cachetest.Diff(t, s, "redis"); got != c.want {
				t.Errorf("got %v\nwant %v", got, c.want)
			}
		})
	}
}

// Pipelines and transactions count each command and are timed once, as
// the pipeline operation.
func TestPipelines(t *testing.T) {
	rdb, reg := newClient(t)
	ctx := context.Background()
	p := prefix(t)
	for _, c := range []struct {
		name string
		run  func(fn func(redis.Pipeliner) error) ([]redis.Cmder, error)
	}{
		{"pipeline", func(fn func(redis.Pipeliner) error) ([]redis.Cmder, error) { return rdb.Pipelined(ctx, fn) }},
		{"transaction", func(fn func(redis.Pipeliner) error) ([]redis.Cmder, error) { return rdb.TxPipelined(ctx, fn) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := stackpromtest.Take(t, reg)
			_, err := c.run(func(pipe redis.Pipeliner) error {
				pipe.Set(ctx, p+"a", "1", 0)
				pipe.Get(ctx, p+"a")
				pipe.Get(ctx, p+"none")
				pipe.MGet(ctx, p+"a", p+"none")
				pipe.Del(ctx, p+"a")
				pipe.Incr(ctx, p+"n")
				return nil
			})
			if err != nil && err != redis.Nil {
				t.Fatal(err)
			}
			want := cachetest.Counts{Gets: 4, Hits: 2, Misses: 2, Sets: 1, Deletes: 1}
			if got := cachetest.Diff(t, s, "redis"); got != want {
				t.Errorf("got %v\nwant %v", got, want)
			}
			for op, n := range map[string]float64{"pipeline": 1, "get": 0, "set": 0, "delete": 0} {
				s.AssertDiff(t, n, "cache_operation_duration_seconds_count", prometheus.Labels{"backend": "redis", "operation": op})
			}
		})
	}
	t.Run("pipeline of uncounted commands", func(t *testing.T) {
		s := stackpromtest.Take(t, reg)
		rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.Incr(ctx, p+"n")
			pipe.Ping(ctx)
			return nil
		})
		s.AssertDiff(t, 0, "cache_operation_duration_seconds_count", prometheus.Labels{"backend": "redis", "operation": "pipeline"})
	})
}

// A transaction that WATCH aborts ran none of its commands: none is counted.
func TestWatchAborted(t *testing.T) {
	rdb, reg := newClient(t)
	ctx := context.Background()
	p := prefix(t)
	other := redis.NewClient(&redis.Options{Addr: redisAddr(t), DB: testDB})
	defer other.Close()
	s := stackpromtest.Take(t, reg)
	err := rdb.Watch(ctx, func(tx *redis.Tx) error {
		other.Set(ctx, p+"w", "changed", 0) // not instrumented
		_, err := tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.Get(ctx, p+"w")
			pipe.Set(ctx, p+"w", "mine", 0)
			return nil
		})
		return err
	}, p+"w")
	if !errors.Is(err, redis.TxFailedErr) {
		t.Fatalf("Watch: %v, want redis.TxFailedErr", err)
	}
	if got := cachetest.Diff(t, s, "redis"); got != (cachetest.Counts{}) {
		t.Errorf("got %v, want nothing counted", got)
	}
}

// catalogue §10 item 9: an unreachable server gives gets +1 and failures
// +1, hits and misses unchanged; the client's retries count once.
func TestUnreachable(t *testing.T) {
	reg := prometheus.NewRegistry()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(testenv.FreePort(t)))
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: 2, DialerRetries: 2, DialerRetryTimeout: 10 * time.Millisecond})
	defer rdb.Close()
	if _, err := redismetrics.Instrument(rdb, stackprom.WithRegisterer(reg)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := stackpromtest.Take(t, reg)
	if err := rdb.Get(ctx, "foo").Err(); err == nil || err == redis.Nil {
		t.Fatalf("get from %s: %v, want a connection error", addr, err)
	}
	want := cachetest.Counts{Gets: 1, Fails: 1}
	if got := cachetest.Diff(t, s, "redis"); got != want {
		t.Errorf("get: got %v\nwant %v", got, want)
	}

	s = stackpromtest.Take(t, reg)
	rdb.Set(ctx, "foo", "bar", 0)
	rdb.Del(ctx, "foo")
	rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Get(ctx, "a")
		pipe.MGet(ctx, "b", "c")
		return nil
	})
	want = cachetest.Counts{Gets: 3, Fails: 3, Sets: 1, SetFails: 1, Deletes: 1, DeleteFails: 1}
	if got := cachetest.Diff(t, s, "redis"); got != want {
		t.Errorf("set, delete, pipeline: got %v\nwant %v", got, want)
	}
}

// Two caches on one Redis stay apart by name, each with its pool statistics.
func TestBackendsApart(t *testing.T) {
	addr := redisAddr(t)
	reg := prometheus.NewRegistry()
	ctx := context.Background()
	p := prefix(t)
	var clients []*redis.Client
	for _, name := range []string{"sessions", "pages"} {
		rdb := redis.NewClient(&redis.Options{Addr: addr, DB: testDB})
		defer rdb.Close()
		if _, err := redismetrics.Instrument(rdb, stackprom.WithRegisterer(reg), cachemetrics.WithBackend(name)); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, rdb)
	}
	clients[0].Get(ctx, p+"none")
	clients[1].Set(ctx, p+"x", "1", 0)
	clients[1].Get(ctx, p+"x")
	clients[1].Del(ctx, p+"x")
	stackpromtest.AssertValue(t, reg, 1, "cache_get_misses_total", prometheus.Labels{"backend": "sessions"})
	stackpromtest.AssertValue(t, reg, 0, "cache_get_hits_total", prometheus.Labels{"backend": "sessions"})
	stackpromtest.AssertValue(t, reg, 1, "cache_get_hits_total", prometheus.Labels{"backend": "pages"})
	for _, b := range []string{"sessions", "pages"} {
		if _, ok := stackpromtest.Value(t, reg, "redis_pool_conn_total_current", prometheus.Labels{"backend": b}); !ok {
			t.Errorf("no pool statistics for %s", b)
		}
	}

	// A second client under a name already taken cannot register its pool
	// statistics; New serves it.
	third := redis.NewClient(&redis.Options{Addr: addr, DB: testDB})
	defer third.Close()
	if _, err := redismetrics.Instrument(third, stackprom.WithRegisterer(reg), cachemetrics.WithBackend("pages")); err == nil {
		t.Error("Instrument with a backend name taken: no error")
	}
	h, err := redismetrics.New(stackprom.WithRegisterer(reg), cachemetrics.WithBackend("pages"))
	if err != nil {
		t.Fatal(err)
	}
	third.AddHook(h)
	third.Get(ctx, p+"none")
	stackpromtest.AssertValue(t, reg, 1, "cache_get_misses_total", prometheus.Labels{"backend": "pages"})
}

// Pool statistics come from go-redis's own collector, named with the
// namespace, labelled with the backend and constant labels, and go away
// with Unregister.
func TestPoolStatistics(t *testing.T) {
	rdb, reg := newClient(t, stackprom.WithNamespace("shop"), stackprom.WithConstLabels(prometheus.Labels{"service": "demo"}))
	ctx := context.Background()
	rdb.Get(ctx, prefix(t)+"none")
	l := prometheus.Labels{"backend": "redis", "service": "demo"}
	stackpromtest.AssertValue(t, reg, 1, "shop_redis_pool_conn_total_current", l)
	stackpromtest.AssertValue(t, reg, 1, "shop_cache_get_misses_total", l)
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	h, err := redismetrics.New(stackprom.WithRegisterer(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	if h.Unregister() {
		t.Error("Unregister on a hook without pool statistics: true")
	}
}

func TestUnregister(t *testing.T) {
	addr := redisAddr(t)
	reg := prometheus.NewRegistry()
	rdb := redis.NewClient(&redis.Options{Addr: addr, DB: testDB})
	h, err := redismetrics.Instrument(rdb, stackprom.WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	rdb.Close()
	if !h.Unregister() {
		t.Fatal("Unregister: false")
	}
	if n, _ := testutil.GatherAndCount(reg, "redis_pool_conn_total_current"); n != 0 {
		t.Errorf("%d pool series after Unregister", n)
	}
	// The backend name is free for a new client's pool statistics.
	rdb2 := redis.NewClient(&redis.Options{Addr: addr, DB: testDB})
	defer rdb2.Close()
	if _, err := redismetrics.Instrument(rdb2, stackprom.WithRegisterer(reg)); err != nil {
		t.Errorf("Instrument after Unregister: %v", err)
	}
}

func TestDjangoNaming(t *testing.T) {
	rdb, reg := newClient(t, stackprom.WithNaming(stackprom.NamingDjango))
	s := stackpromtest.Take(t, reg)
	rdb.Get(context.Background(), prefix(t)+"none")
	s.AssertDiff(t, 1, "django_cache_get_total", prometheus.Labels{"backend": "redis"})
	s.AssertDiff(t, 1, "django_cache_get_misses_total", prometheus.Labels{"backend": "redis"})
}

func TestOptionError(t *testing.T) {
	if _, err := redismetrics.New(cachemetrics.WithBackend("")); err == nil {
		t.Error("empty backend: no error")
	}
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	if _, err := redismetrics.Instrument(rdb, stackprom.WithNamespace("1bad")); err == nil {
		t.Error("bad namespace: no error")
	}
}
