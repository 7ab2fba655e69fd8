package memcachetest_test

import (
	"errors"
	"fmt"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/memcachemetrics"
	"github.com/stackprom/stackprom/cachemetrics"
	"github.com/stackprom/stackprom/internal/testenv"
	"github.com/stackprom/stackprom/stackpromtest"
	"github.com/stackprom/stackprom/test/internal/cachetest"
)

// newClient connects to the machine's memcached (STACKPROM_MEMCACHED_ADDR,
// default 127.0.0.1:11211; the test skips without one), instrumented on a
// fresh registry. Keys carry the test's name as a prefix, so that tests
// sharing the server do not collide.
func newClient(t *testing.T, opts ...cachemetrics.Option) (*memcachemetrics.Client, *prometheus.Registry, func(string) string) {
	t.Helper()
	addr := testenv.Addr(t, "STACKPROM_MEMCACHED_ADDR", "127.0.0.1:11211")
	reg := prometheus.NewRegistry()
	mc, err := memcachemetrics.New(memcache.New(addr), append([]cachemetrics.Option{stackprom.WithRegisterer(reg)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mc.Close() })
	p := "stackprom:memcachemetrics:" + strings.ReplaceAll(t.Name(), " ", "_") + ":" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	return mc, reg, func(k string) string { return p + k }
}

// django-prometheus's cache test (catalogue §10 item 8) on a real
// memcached: set foo1, get foo1 twice, get foofoo twice.
func TestDjangoCacheTest(t *testing.T) {
	mc, reg, k := newClient(t)
	s := stackpromtest.Take(t, reg)
	if err := mc.Set(&memcache.Item{Key: k("foo1"), Value: []byte("bar")}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if it, err := mc.Get(k("foo1")); err != nil || string(it.Value) != "bar" {
			t.Fatalf("get foo1: %v", err)
		}
	}
	for range 2 {
		if _, err := mc.Get(k("foofoo")); err != memcache.ErrCacheMiss {
			t.Fatalf("get foofoo: %v, want memcache.ErrCacheMiss", err)
		}
	}
	want := cachetest.Counts{Gets: 4, Hits: 2, Misses: 2, Sets: 1}
	if got := cachetest.Diff(t, s, "memcached"); got != want {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

// A stored empty value or "0" is a hit (django-prometheus #493).
func TestFalsyValuesAreHits(t *testing.T) {
	mc, reg, k := newClient(t)
	mc.Set(&memcache.Item{Key: k("empty")})
	mc.Set(&memcache.Item{Key: k("zero"), Value: []byte("0")})
	s := stackpromtest.Take(t, reg)
	for _, key := range []string{"empty", "zero"} {
		if _, err := mc.Get(k(key)); err != nil {
			t.Errorf("get %s: %v", key, err)
		}
	}
	mc.GetMulti([]string{k("empty"), k("zero")})
	if got := cachetest.Diff(t, s, "memcached"); got != (cachetest.Counts{Gets: 4, Hits: 4}) {
		t.Errorf("got %v, want 4 gets, 4 hits", got)
	}
}

func TestMethods(t *testing.T) {
	mc, reg, k := newClient(t)
	mc.Set(&memcache.Item{Key: k("a"), Value: []byte("1")})
	mc.Set(&memcache.Item{Key: k("n"), Value: []byte("5")})
	for _, c := range []struct {
		name string
		do   func() error
		want cachetest.Counts
	}{
		{"Get hit", func() error { _, err := mc.Get(k("a")); return err }, cachetest.Counts{Gets: 1, Hits: 1}},
		{"Get miss", func() error { _, err := mc.Get(k("none")); return ignore(err, memcache.ErrCacheMiss) }, cachetest.Counts{Gets: 1, Misses: 1}},
		{"Get malformed key fails", func() error { _, err := mc.Get("bad key"); return ignore(err, memcache.ErrMalformedKey) }, cachetest.Counts{Gets: 1, Fails: 1}},
		{"GetAndTouch hit", func() error { _, err := mc.GetAndTouch(k("a"), 60); return err }, cachetest.Counts{Gets: 1, Hits: 1}},
		{"GetAndTouch miss", func() error { _, err := mc.GetAndTouch(k("none"), 60); return ignore(err, memcache.ErrCacheMiss) }, cachetest.Counts{Gets: 1, Misses: 1}},
		{"GetMulti", func() error { _, err := mc.GetMulti([]string{k("a"), k("none"), k("n")}); return err }, cachetest.Counts{Gets: 3, Hits: 2, Misses: 1}},
		{"GetMulti malformed key fails", func() error {
			_, err := mc.GetMulti([]string{k("a"), "bad key"})
			return ignore(err, memcache.ErrMalformedKey)
		}, cachetest.Counts{Gets: 2, Fails: 2}},
		{"Set", func() error { return mc.Set(&memcache.Item{Key: k("b"), Value: []byte("2")}) }, cachetest.Counts{Sets: 1}},
		{"Add new", func() error { return mc.Add(&memcache.Item{Key: k("c"), Value: []byte("3")}) }, cachetest.Counts{Sets: 1}},
		{"Add existing is no failure", func() error {
			return ignore(mc.Add(&memcache.Item{Key: k("a"), Value: []byte("x")}), memcache.ErrNotStored)
		}, cachetest.Counts{Sets: 1}},
		{"Replace", func() error { return mc.Replace(&memcache.Item{Key: k("b"), Value: []byte("22")}) }, cachetest.Counts{Sets: 1}},
		{"Replace missing is no failure", func() error {
			return ignore(mc.Replace(&memcache.Item{Key: k("none"), Value: []byte("x")}), memcache.ErrNotStored)
		}, cachetest.Counts{Sets: 1}},
		{"Append", func() error { return mc.Append(&memcache.Item{Key: k("b"), Value: []byte("+")}) }, cachetest.Counts{Sets: 1}},
		{"Prepend", func() error { return mc.Prepend(&memcache.Item{Key: k("b"), Value: []byte("-")}) }, cachetest.Counts{Sets: 1}},
		{"CompareAndSwap", func() error {
			it, err := mc.Raw().Get(k("a"))
			if err != nil {
				return err
			}
			it.Value = []byte("cas")
			return mc.CompareAndSwap(it)
		}, cachetest.Counts{Sets: 1}},
		{"CompareAndSwap conflict is no failure", func() error {
			it, err := mc.Raw().Get(k("a"))
			if err != nil {
				return err
			}
			mc.Raw().Set(&memcache.Item{Key: k("a"), Value: []byte("changed")})
			it.Value = []byte("mine")
			return ignore(mc.CompareAndSwap(it), memcache.ErrCASConflict)
		}, cachetest.Counts{Sets: 1}},
		{"Set malformed key fails", func() error {
			return ignore(mc.Set(&memcache.Item{Key: "bad key"}), memcache.ErrMalformedKey)
		}, cachetest.Counts{Sets: 1, SetFails: 1}},
		{"Delete", func() error { return mc.Delete(k("b")) }, cachetest.Counts{Deletes: 1}},
		{"Delete missing is no failure", func() error { return ignore(mc.Delete(k("none")), memcache.ErrCacheMiss) }, cachetest.Counts{Deletes: 1}},
		{"Touch is not counted", func() error { return mc.Touch(k("a"), 60) }, cachetest.Counts{}},
		{"Increment is not counted", func() error { _, err := mc.Increment(k("n"), 1); return err }, cachetest.Counts{}},
		{"Decrement is not counted", func() error { _, err := mc.Decrement(k("n"), 1); return err }, cachetest.Counts{}},
		{"Ping is not counted", mc.Ping, cachetest.Counts{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := stackpromtest.Take(t, reg)
			if err := c.do(); err != nil {
				t.Fatal(err)
			}
			if got := cachetest.Diff(t, s, "memcached"); got != c.want {
				t.Errorf("got %v\nwant %v", got, c.want)
			}
		})
	}
	// Each counted call was timed, GetMulti once: 7 gets, 10 writes above
	// and the 2 before, 2 deletes.
	for op, n := range map[string]float64{"get": 7, "set": 12, "delete": 2} {
		stackpromtest.AssertValue(t, reg, n, "cache_operation_duration_seconds_count",
			prometheus.Labels{"backend": "memcached", "operation": op})
	}
}

// ignore turns the expected error into nil, and its absence into an error.
func ignore(err, expected error) error {
	if errors.Is(err, expected) {
		return nil
	}
	return fmt.Errorf("got %v, want %v", err, expected)
}

// catalogue §10 item 9: an unreachable server gives gets +1 and failures
// +1, hits and misses unchanged.
func TestUnreachable(t *testing.T) {
	reg := prometheus.NewRegistry()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(testenv.FreePort(t)))
	mc, err := memcachemetrics.New(memcache.New(addr), stackprom.WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	s := stackpromtest.Take(t, reg)
	if _, err := mc.Get("foo"); err == nil || errors.Is(err, memcache.ErrCacheMiss) {
		t.Fatalf("get from %s: %v, want a connection error", addr, err)
	}
	if got := cachetest.Diff(t, s, "memcached"); got != (cachetest.Counts{Gets: 1, Fails: 1}) {
		t.Errorf("get: got %v, want gets 1, fails 1", got)
	}
	s = stackpromtest.Take(t, reg)
	mc.GetMulti([]string{"a", "b"})
	mc.Set(&memcache.Item{Key: "a"})
	mc.Delete("a")
	want := cachetest.Counts{Gets: 2, Fails: 2, Sets: 1, SetFails: 1, Deletes: 1, DeleteFails: 1}
	if got := cachetest.Diff(t, s, "memcached"); got != want {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

// A memcached the test started, stopped and restarted: failures while it
// is down, hits again once it is back.
func TestRestart(t *testing.T) {
	prog := testenv.Program(t, "memcached")
	port := strconv.Itoa(testenv.FreePort(t))
	addr := "127.0.0.1:" + port
	start := func() *testenv.Process {
		return testenv.Start(t, addr, prog, "-u", "root", "-l", "127.0.0.1", "-p", port, "-m", "16")
	}
	proc := start()
	reg := prometheus.NewRegistry()
	mc, err := memcachemetrics.New(memcache.New(addr), stackprom.WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	item := &memcache.Item{Key: "k", Value: []byte("v")}
	round := func(n int) cachetest.Counts {
		s := stackpromtest.Take(t, reg)
		for range n {
			if _, err := mc.Get("k"); errors.Is(err, memcache.ErrCacheMiss) {
				mc.Set(item)
			}
		}
		return cachetest.Diff(t, s, "memcached")
	}
	if got := round(20); got != (cachetest.Counts{Gets: 20, Hits: 19, Misses: 1, Sets: 1}) {
		t.Errorf("up: %v", got)
	}
	proc.Stop(t)
	if got := round(20); got != (cachetest.Counts{Gets: 20, Fails: 20}) {
		t.Errorf("down: %v, want 20 failed gets", got)
	}
	start()
	if got := round(20); got != (cachetest.Counts{Gets: 20, Hits: 19, Misses: 1, Sets: 1}) {
		t.Errorf("back: %v", got)
	}
}

func TestBackendAndOptions(t *testing.T) {
	mc, reg, k := newClient(t, cachemetrics.WithBackend("sessions"), cachemetrics.WithLatency(false))
	mc.Get(k("none"))
	stackpromtest.AssertValue(t, reg, 1, "cache_get_misses_total", prometheus.Labels{"backend": "sessions"})
	if n, _ := stackpromtest.Value(t, reg, "cache_operation_duration_seconds_count", prometheus.Labels{"backend": "sessions", "operation": "get"}); n != 0 {
		t.Errorf("latency off, yet %v gets timed", n)
	}
	if mc.Recorder().Backend() != "sessions" {
		t.Errorf("backend %q", mc.Recorder().Backend())
	}
	if _, err := memcachemetrics.New(nil); err == nil || !strings.HasPrefix(err.Error(), "memcachemetrics: ") {
		t.Errorf("Wrap(nil): %v", err)
	}
	if _, err := memcachemetrics.New(memcache.New(), cachemetrics.WithBackend("")); err == nil {
		t.Error("empty backend: no error")
	}
}

// Client has every method of *memcache.Client, with the same signature, so
// that swapping the type keeps an application compiling.
func TestSameMethodSet(t *testing.T) {
	raw := reflect.TypeFor[*memcache.Client]()
	ours := reflect.TypeFor[*memcachemetrics.Client]()
	for i := range raw.NumMethod() {
		m := raw.Method(i)
		o, ok := ours.MethodByName(m.Name)
		if !ok {
			t.Errorf("Client lacks %s", m.Name)
			continue
		}
		// Compare signatures without the receiver.
		if sig(m.Type) != sig(o.Type) {
			t.Errorf("%s: %s, *memcache.Client has %s", m.Name, sig(o.Type), sig(m.Type))
		}
	}
}

func sig(f reflect.Type) string {
	var in, out []string
	for i := 1; i < f.NumIn(); i++ {
		in = append(in, f.In(i).String())
	}
	for i := range f.NumOut() {
		out = append(out, f.Out(i).String())
	}
	return "(" + strings.Join(in, ", ") + ") (" + strings.Join(out, ", ") + ")"
}
