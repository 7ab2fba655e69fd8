// Package redismetrics counts the cache operations of a go-redis v9 client
// with stackprom's cache families (see cachemetrics): gets, hits, misses and
// failures — django-prometheus's four — plus sets, deletes, their failures
// and the duration of each operation.
//
// It is a redis.Hook, so it works unchanged on *redis.Client,
// *redis.ClusterClient, *redis.Ring and any redis.UniversalClient, counts
// each command once however many retries, redirections or nodes serve it,
// and costs a command only function calls and a few atomic additions:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	if _, err := redismetrics.Instrument(rdb, cachemetrics.WithBackend("sessions")); err != nil {
//		return err
//	}
//
// Commands are classified by name (in any letter case):
//
//   - gets: GET, GETEX, GETDEL and HGET (one each), MGET (one per key) and
//     HMGET (one per field). redis.Nil and nil entries are misses; a stored
//     empty string is a hit.
//   - sets: SET, SETEX, SETNX, PSETEX and HSETNX (one each), MSET and MSETNX
//     (one per key), HSET and HMSET (one per field). A write refused by
//     design (SET … NX on an existing key) is not a failure.
//   - deletes: DEL and UNLINK (one per key), HDEL (one per field). Deleting
//     a key that does not exist is not a failure.
//
// Other commands (INCR, EXPIRE, …) are not counted. Any error other than
// redis.Nil is a failure of the operation: connection refused, timeout,
// pool timeout, a server error. Pipelines and transactions are counted per
// command, and timed once as the "pipeline" operation; the commands of a
// transaction that WATCH aborted (redis.TxFailedErr) did not run and are
// not counted.
//
// Instrument also registers go-redis's own connection-pool statistics
// (github.com/redis/go-redis/extra/redisprometheus) as redis_pool_…
// families with a backend label.
package redismetrics
