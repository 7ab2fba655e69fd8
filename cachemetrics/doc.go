// Package cachemetrics counts cache operations with django-prometheus's four
// cache families — gets, hits, misses and failed gets, by backend — and the
// families django-prometheus lacks: sets, deletes, their failures, and the
// duration of each operation by backend and operation.
//
// A Recorder serves one cache. Its label children are resolved when it is
// built, so recording an operation takes a few atomic additions and no
// allocation:
//
//	rec, err := cachemetrics.New(cachemetrics.WithBackend("sessions"))
//	…
//	start := rec.Start()
//	v, found, err := store.Load(ctx, key)
//	rec.Get(found, err)
//	rec.Since(ctx, cachemetrics.OpGet, start)
//
// Any cache can be counted this way. The adapters count the common ones with
// nothing more than a constructor: redismetrics (a go-redis v9 hook for
// Client, ClusterClient, Ring and UniversalClient), memcachemetrics (a
// gomemcache client with the same methods) and ottermetrics (an in-process
// otter v2 cache, the embedded default of the demo).
//
// The backend label is the cache's name as the application configures it
// (WithBackend), so two caches of one kind stay apart; each adapter defaults
// it to the kind: "redis", "memcached", "memory". Unlike django-prometheus, a
// stored zero value, empty string or false is a hit: a get says whether it
// found the key, apart from what the value is. A miss is never a failure,
// and a failed get is counted in gets and failures but in neither hits nor
// misses, so gets = hits + misses + failures.
package cachemetrics
