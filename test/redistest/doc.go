// Package redistest tests adapters/redismetrics against a real Redis
// (STACKPROM_REDIS_ADDR, default 127.0.0.1:6379): clients, clusters of
// shards, rings, pipelines, pool statistics, and a server stopped and
// restarted under load. It lives in the test module so that the adapter's
// module requires nothing its users do not build. It has tests only.
package redistest
