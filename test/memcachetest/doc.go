// Package memcachetest tests adapters/memcachemetrics against a real
// memcached (STACKPROM_MEMCACHED_ADDR, default 127.0.0.1:11211). It lives
// in the test module so that the adapter's module requires nothing its
// users do not build. It has tests only.
package memcachetest
