package children

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// An exemplar client_golang would refuse (it panics) is dropped; the
// observation is kept.
func TestObserveDropsInvalidExemplars(t *testing.T) {
	for name, l := range map[string]prometheus.Labels{
		"too long":     {"trace_id": strings.Repeat("a", 200)},
		"bad name":     {"trace-id": "abc"},
		"bad utf8":     {"trace_id": "\xff"},
		"valid":        {"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"},
		"empty labels": {},
	} {
		t.Run(name, func(t *testing.T) {
			h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h", Help: "h"})
			Observe(context.Background(), h, 0.5, func(context.Context) prometheus.Labels { return l })
			if got := testutil.CollectAndCount(h); got != 1 {
				t.Fatalf("%d series", got)
			}
			if n := histogramCount(t, h); n != 1 {
				t.Errorf("count %d, want 1", n)
			}
		})
	}
}

func histogramCount(t *testing.T, h prometheus.Histogram) uint64 {
	t.Helper()
	mfs, err := func() (*prometheus.Registry, error) { r := prometheus.NewRegistry(); return r, r.Register(h) }()
	if err != nil {
		t.Fatal(err)
	}
	g, err := mfs.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return g[0].GetMetric()[0].GetHistogram().GetSampleCount()
}

// Past Max, every new value maps to the overflow child, under concurrency.
func TestBoundedOverflow(t *testing.T) {
	var mu sync.Mutex
	made := map[string]int{}
	b := Bounded[string]{Max: 5, New: func(v string) string {
		mu.Lock()
		made[v]++
		mu.Unlock()
		return "child:" + v
	}}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				b.Get(strings.Repeat("v", i%20+1))
			}
		}()
	}
	wg.Wait()
	if b.Len() != 6 {
		t.Errorf("%d values held, want 5 and the overflow", b.Len())
	}
	for v, n := range made {
		if n != 1 {
			t.Errorf("child of %q resolved %d times", v, n)
		}
	}
	if _, ok := made[Overflow]; !ok {
		t.Error("no overflow child")
	}
	if got := b.Get("a value never seen"); got != "child:"+Overflow {
		t.Errorf("new value past the cap got %q", got)
	}
}

func TestSlotKeepsTheFirst(t *testing.T) {
	var s Slot[int]
	if _, ok := s.Load(); ok {
		t.Fatal("empty slot loaded")
	}
	if got := s.Store(1); got != 1 {
		t.Fatal(got)
	}
	if got := s.Store(2); got != 1 {
		t.Errorf("second Store returned %d, want the first child", got)
	}
}
