// Package ottertest tests adapters/ottermetrics over otter caches: hits,
// misses, loads, sets and deletes, with otter's own statistics recorder
// kept. It lives in the test module so that the adapter's module requires
// nothing its users do not build. It has tests only.
package ottertest
