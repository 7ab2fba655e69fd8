// Package memcachemetrics counts the operations of a gomemcache client
// (github.com/bradfitz/gomemcache) with stackprom's cache families (see
// cachemetrics): gets, hits, misses and failures — django-prometheus's four —
// plus sets, deletes, their failures and the duration of each operation.
//
// gomemcache has no hooks, so New returns a *Client with the methods of
// *memcache.Client; swap the type and keep the calls:
//
//	mc, err := memcachemetrics.New(memcache.New("127.0.0.1:11211"))
//	…
//	item, err := mc.Get("foo") // memcache.ErrCacheMiss is a miss, not a failure
//
// What is counted:
//
//   - gets: Get and GetAndTouch (one each), GetMulti (one per key).
//     memcache.ErrCacheMiss is a miss; any other error a failure. A stored
//     empty value is a hit.
//   - sets: Set, Add, Replace, Append, Prepend and CompareAndSwap. A write
//     memcached refuses by design (memcache.ErrNotStored from Add on an
//     existing key, memcache.ErrCASConflict, memcache.ErrCacheMiss) is not a
//     failure.
//   - deletes: Delete. Deleting a key that is not there is not a failure.
//
// Touch, Increment, Decrement, DeleteAll, FlushAll, Ping and Close pass
// through uncounted: they read or write no cached value. The duration of
// each counted call is observed unless cachemetrics.WithLatency(false) says
// otherwise; GetMulti is timed once, as one get.
package memcachemetrics
