package redismetrics

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/extra/redisprometheus/v9"
	"github.com/redis/go-redis/v9"
	"github.com/stackprom/stackprom/cachemetrics"
)

type prometheusCollector = prometheus.Collector

// Client is what Instrument needs of a go-redis client. *redis.Client,
// *redis.ClusterClient, *redis.Ring and every redis.UniversalClient have
// these methods.
type Client interface {
	AddHook(redis.Hook)
	PoolStats() *redis.PoolStats
}

// Subsystem is the middle part of the pool statistics' family names:
// [namespace_]redis_pool_hit_total and so on.
const Subsystem = "redis"

// Instrument builds a Hook (see New for the options), adds it to rdb,
// and registers rdb's connection-pool statistics with go-redis's own
// collector (extra/redisprometheus): redis_pool_hit_total,
// redis_pool_miss_total, redis_pool_timeout_total,
// redis_pool_conn_total_current, redis_pool_conn_idle_current and
// redis_pool_conn_stale_total, prefixed by stackprom.WithNamespace, with a
// backend label and the stackprom.WithConstLabels labels. Two clients with
// one backend name cannot both register pool statistics: give each its own
// name, or use New and AddHook for the second.
func Instrument(rdb Client, opts ...cachemetrics.Option) (*Hook, error) {
	h, err := New(opts...)
	if err != nil {
		return nil, err
	}
	col := redisprometheus.NewCollector(h.rec.Namespace(), Subsystem, rdb)
	if err := h.rec.Register(col); err != nil {
		return nil, fmt.Errorf("redismetrics: registering the pool statistics of backend %q: %w", h.rec.Backend(), err)
	}
	h.pool = col
	rdb.AddHook(h)
	return h, nil
}

// Unregister removes the pool statistics that Instrument registered, for a
// client that is closed while the registry lives on, and reports whether
// there were any. The hook keeps counting commands.
func (h *Hook) Unregister() bool {
	if h.pool == nil {
		return false
	}
	ok := h.rec.Unregister(h.pool)
	h.pool = nil
	return ok
}
