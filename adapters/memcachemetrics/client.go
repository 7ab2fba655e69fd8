package memcachemetrics

import (
	"context"
	"errors"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/stackprom/stackprom/cachemetrics"
)

// Client is a *memcache.Client that records the cache families. It has the
// methods of *memcache.Client; set the client's fields (Timeout,
// MaxIdleConns, DialContext) on the client given to New. It is safe for
// concurrent use.
type Client struct {
	c   *memcache.Client
	rec *cachemetrics.Recorder
}

// New builds the cache families, registers them (see
// stackprom.WithRegisterer) and returns c instrumented. The backend label
// defaults to "memcached" (cachemetrics.WithBackend names the cache) and
// durations are observed (cachemetrics.WithLatency turns them off). It
// returns an error if c is nil, an option is invalid or a family clashes
// with another collector.
func New(c *memcache.Client, opts ...cachemetrics.Option) (*Client, error) {
	if c == nil {
		return nil, errors.New("memcachemetrics: New: nil client")
	}
	rec, err := cachemetrics.New(append([]cachemetrics.Option{cachemetrics.WithBackend(cachemetrics.Memcached)}, opts...)...)
	if err != nil {
		return nil, err
	}
	return &Client{c: c, rec: rec}, nil
}

// MustNew is New for use in a one-line setup; it panics on error.
func MustNew(c *memcache.Client, opts ...cachemetrics.Option) *Client {
	mc, err := New(c, opts...)
	if err != nil {
		panic(err)
	}
	return mc
}

// Raw returns the wrapped client; what is done through it is not counted.
func (c *Client) Raw() *memcache.Client { return c.c }

// Recorder returns the client's recorder.
func (c *Client) Recorder() *cachemetrics.Recorder { return c.rec }

var bg = context.Background()

// get records a get that returned err.
func (c *Client) get(start cachemetrics.Mark, err error) {
	switch {
	case err == nil:
		c.rec.Hit()
	case errors.Is(err, memcache.ErrCacheMiss):
		c.rec.Miss()
	default:
		c.rec.Fail()
	}
	c.rec.Since(bg, cachemetrics.OpGet, start)
}

// set records a write that returned err.
func (c *Client) set(start cachemetrics.Mark, err error) error {
	if errors.Is(err, memcache.ErrNotStored) || errors.Is(err, memcache.ErrCASConflict) || errors.Is(err, memcache.ErrCacheMiss) {
		c.rec.Set(nil)
	} else {
		c.rec.Set(err)
	}
	c.rec.Since(bg, cachemetrics.OpSet, start)
	return err
}

// Get is memcache.Client.Get, counted as a get.
func (c *Client) Get(key string) (*memcache.Item, error) {
	start := c.rec.Start()
	item, err := c.c.Get(key)
	c.get(start, err)
	return item, err
}

// GetAndTouch is memcache.Client.GetAndTouch, counted as a get.
func (c *Client) GetAndTouch(key string, expiration int32) (*memcache.Item, error) {
	start := c.rec.Start()
	item, err := c.c.GetAndTouch(key, expiration)
	c.get(start, err)
	return item, err
}

// GetMulti is memcache.Client.GetMulti, counted as one get per key: a hit
// for each key in the result, and for each other key a miss, or a failure
// when GetMulti returned an error. It is timed once.
func (c *Client) GetMulti(keys []string) (map[string]*memcache.Item, error) {
	start := c.rec.Start()
	m, err := c.c.GetMulti(keys)
	hits := 0
	for _, k := range keys {
		if _, ok := m[k]; ok {
			hits++
		}
	}
	if err != nil {
		c.rec.Gets(hits, 0, len(keys)-hits)
	} else {
		c.rec.Gets(hits, len(keys)-hits, 0)
	}
	c.rec.Since(bg, cachemetrics.OpGet, start)
	return m, err
}

// Set is memcache.Client.Set, counted as a set.
func (c *Client) Set(item *memcache.Item) error {
	start := c.rec.Start()
	return c.set(start, c.c.Set(item))
}

// Add is memcache.Client.Add, counted as a set; memcache.ErrNotStored (the
// key exists) is not a failure.
func (c *Client) Add(item *memcache.Item) error {
	start := c.rec.Start()
	return c.set(start, c.c.Add(item))
}

// Replace is memcache.Client.Replace, counted as a set; memcache.ErrNotStored
// (the key does not exist) is not a failure.
func (c *Client) Replace(item *memcache.Item) error {
	start := c.rec.Start()
	return c.set(start, c.c.Replace(item))
}

// Append is memcache.Client.Append, counted as a set; memcache.ErrNotStored
// is not a failure.
func (c *Client) Append(item *memcache.Item) error {
	start := c.rec.Start()
	return c.set(start, c.c.Append(item))
}

// Prepend is memcache.Client.Prepend, counted as a set; memcache.ErrNotStored
// is not a failure.
func (c *Client) Prepend(item *memcache.Item) error {
	start := c.rec.Start()
	return c.set(start, c.c.Prepend(item))
}

// CompareAndSwap is memcache.Client.CompareAndSwap, counted as a set;
// memcache.ErrCASConflict and memcache.ErrNotStored are not failures.
func (c *Client) CompareAndSwap(item *memcache.Item) error {
	start := c.rec.Start()
	return c.set(start, c.c.CompareAndSwap(item))
}

// Delete is memcache.Client.Delete, counted as a delete;
// memcache.ErrCacheMiss (the key was not there) is not a failure.
func (c *Client) Delete(key string) error {
	start := c.rec.Start()
	err := c.c.Delete(key)
	if errors.Is(err, memcache.ErrCacheMiss) {
		c.rec.Delete(nil)
	} else {
		c.rec.Delete(err)
	}
	c.rec.Since(bg, cachemetrics.OpDelete, start)
	return err
}

// Touch is memcache.Client.Touch, not counted.
func (c *Client) Touch(key string, seconds int32) error { return c.c.Touch(key, seconds) }

// Increment is memcache.Client.Increment, not counted.
func (c *Client) Increment(key string, delta uint64) (uint64, error) {
	return c.c.Increment(key, delta)
}

// Decrement is memcache.Client.Decrement, not counted.
func (c *Client) Decrement(key string, delta uint64) (uint64, error) {
	return c.c.Decrement(key, delta)
}

// DeleteAll is memcache.Client.DeleteAll, not counted.
func (c *Client) DeleteAll() error { return c.c.DeleteAll() }

// FlushAll is memcache.Client.FlushAll, not counted.
func (c *Client) FlushAll() error { return c.c.FlushAll() }

// Ping is memcache.Client.Ping, not counted.
func (c *Client) Ping() error { return c.c.Ping() }

// Close is memcache.Client.Close.
func (c *Client) Close() error { return c.c.Close() }
