package redistest_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/redismetrics"
	"github.com/stackprom/stackprom/cachemetrics"
	"github.com/stackprom/stackprom/internal/testenv"
)

// testDB is the database number of these tests on the machine's Redis, so
// that they share it with other packages' tests without colliding; keys
// carry the test's name as a prefix too, and are deleted at the end.
const testDB = 12

// redisAddr is the machine's Redis (STACKPROM_REDIS_ADDR, default
// 127.0.0.1:6379); the test skips without one.
func redisAddr(t *testing.T) string {
	t.Helper()
	return testenv.Addr(t, "STACKPROM_REDIS_ADDR", "127.0.0.1:6379")
}

// prefix is this test's key prefix.
func prefix(t *testing.T) string {
	return "stackprom:redismetrics:" + t.Name() + ":"
}

// newClient connects to the machine's Redis on testDB, instrumented on a
// fresh registry, and deletes the test's keys when it ends.
func newClient(t *testing.T, opts ...cachemetrics.Option) (*redis.Client, *prometheus.Registry) {
	t.Helper()
	addr := redisAddr(t)
	reg := prometheus.NewRegistry()
	rdb := redis.NewClient(&redis.Options{Addr: addr, DB: testDB})
	if _, err := redismetrics.Instrument(rdb, append([]cachemetrics.Option{stackprom.WithRegisterer(reg)}, opts...)...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		plain := redis.NewClient(&redis.Options{Addr: addr, DB: testDB})
		defer plain.Close()
		if keys, err := plain.Keys(ctx, prefix(t)+"*").Result(); err == nil && len(keys) > 0 {
			plain.Del(ctx, keys...)
		}
		rdb.Close()
	})
	return rdb, reg
}

// startRedis starts a redis-server of the test's own on a spare loopback
// port, without persistence, stopped by process id when the test ends.
func startRedis(t *testing.T, args ...string) (string, *testenv.Process) {
	t.Helper()
	prog := testenv.Program(t, "redis-server")
	port := testenv.FreePort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	return addr, startRedisOn(t, prog, port, args...)
}

func startRedisOn(t *testing.T, prog string, port int, args ...string) *testenv.Process {
	t.Helper()
	base := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", t.TempDir(), "--daemonize", "no", "--loglevel", "warning"}
	return testenv.Start(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), prog, append(base, args...)...)
}

// waitFor polls cond every 50 ms until it holds, failing the test after
// 30 s (a bound on a broken environment, not a performance assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30s for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func isClusterOK(ctx context.Context, c *redis.Client) bool {
	info, err := c.ClusterInfo(ctx).Result()
	return err == nil && strings.Contains(info, "cluster_state:ok")
}
