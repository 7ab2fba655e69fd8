package redistest_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/redismetrics"
	"github.com/stackprom/stackprom/stackpromtest"
	"github.com/stackprom/stackprom/test/internal/cachetest"
)

// shardScenario sets 100 keys, reads them back with GET and MGET-less
// pipelines, reads 50 missing keys and deletes 20, through the instrumented
// client, and checks the counts.
func shardScenario(t *testing.T, rdb redis.UniversalClient, reg *prometheus.Registry) {
	t.Helper()
	ctx := context.Background()
	s := stackpromtest.Take(t, reg)
	for i := range 100 {
		if err := rdb.Set(ctx, "k"+strconv.Itoa(i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		if err := rdb.Get(ctx, "k"+strconv.Itoa(i)).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		if err := rdb.Get(ctx, "missing"+strconv.Itoa(i)).Err(); err != redis.Nil {
			t.Fatalf("get missing: %v", err)
		}
	}
	// A pipeline across shards: go-redis splits it by node, the hook sees
	// it whole.
	cmds, err := rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i := range 20 {
			pipe.Del(ctx, "k"+strconv.Itoa(i))
		}
		return nil
	})
	if err != nil || len(cmds) != 20 {
		t.Fatalf("pipeline: %d commands, %v", len(cmds), err)
	}
	want := cachetest.Counts{Gets: 150, Hits: 100, Misses: 50, Sets: 100, Deletes: 20}
	if got := cachetest.Diff(t, s, "redis"); got != want {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

// keysOn returns the number of keys each server holds.
func keysOn(t *testing.T, addrs ...string) []int64 {
	t.Helper()
	var n []int64
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		size, err := c.DBSize(context.Background()).Result()
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		n = append(n, size)
	}
	return n
}

// A Ring over two redis-server processes the test starts: every command is
// counted once, whichever shard serves it, and both shards serve.
func TestRing(t *testing.T) {
	a, _ := startRedis(t)
	b, _ := startRedis(t)
	reg := prometheus.NewRegistry()
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": a, "b": b}})
	defer ring.Close()
	if _, err := redismetrics.Instrument(ring, stackprom.WithRegisterer(reg)); err != nil {
		t.Fatal(err)
	}
	shardScenario(t, ring, reg)
	n := keysOn(t, a, b)
	t.Logf("keys per shard: %v", n)
	if n[0] == 0 || n[1] == 0 || n[0]+n[1] != 80 {
		t.Errorf("keys per shard %v, want 80 spread over both", n)
	}
	if v, ok := stackpromtest.Value(t, reg, "redis_pool_conn_total_current", prometheus.Labels{"backend": "redis"}); !ok || v < 2 {
		t.Errorf("ring pool connections %v (present %v), want at least one per shard", v, ok)
	}
}

// A Redis Cluster of two masters the test starts and joins (slots 0-8191
// and 8192-16383): every command is counted once at the cluster client,
// not again at the node it is routed to.
func TestCluster(t *testing.T) {
	ctx := context.Background()
	var addrs []string
	var nodes []*redis.Client
	for range 2 {
		addr, _ := startRedis(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "2000")
		addrs = append(addrs, addr)
		c := redis.NewClient(&redis.Options{Addr: addr})
		defer c.Close()
		nodes = append(nodes, c)
	}
	for i, c := range nodes {
		lo, hi := i*8192, i*8192+8191
		if err := c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", lo, hi).Err(); err != nil {
			t.Fatalf("ADDSLOTSRANGE on %s: %v", addrs[i], err)
		}
	}
	host, port, _ := strings.Cut(addrs[1], ":")
	if err := nodes[0].ClusterMeet(ctx, host, port).Err(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the cluster to be ok on both nodes", func() bool {
		return isClusterOK(ctx, nodes[0]) && isClusterOK(ctx, nodes[1])
	})

	reg := prometheus.NewRegistry()
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	defer cluster.Close()
	if _, err := redismetrics.Instrument(cluster, stackprom.WithRegisterer(reg)); err != nil {
		t.Fatal(err)
	}
	// Both nodes must be known before the keys are counted, or a stale slot
	// map could send a command to the wrong node (counted once anyway).
	waitFor(t, "the cluster client to see both masters", func() bool {
		var n atomic.Int32 // ForEachMaster calls its function concurrently
		err := cluster.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { n.Add(1); return nil })
		return err == nil && n.Load() == 2
	})
	shardScenario(t, cluster, reg)
	n := keysOn(t, addrs...)
	t.Logf("keys per node: %v", n)
	if n[0] == 0 || n[1] == 0 || n[0]+n[1] != 80 {
		t.Errorf("keys per node %v, want 80 spread over both", n)
	}
}
