package live

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// maxMemory is the bound docs/live.md and NewLiveHandler's documentation
// state for the sampler's history.
const maxMemory = 10 << 20

// The history's memory at its caps, every ring full: the long series over
// the whole history, the short ones over the window, each with a label
// value of its own as long as one may be (128 bytes), the worst case.
// What is measured is what the store keeps once the gatherings it read
// are garbage: its rings, its map and the label values of its keys.
func TestMemoryAtCaps(t *testing.T) {
	long, short := int(DefaultHistory/DefaultStep)+1, int(DefaultWindow/DefaultStep)+2
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	vals := make(map[key]acc, MaxLong+MaxShort)
	name := func(i int) string { return fmt.Sprintf("%0128d", i) }
	for i := 0; len(vals) < MaxLong; i++ {
		vals[key{role: viewResponses, a: name(i)}] = acc{v: 1}
	}
	for i := 0; len(vals) < MaxLong+MaxShort; i++ {
		vals[key{role: viewLatency, a: name(MaxLong + i), le: 0.1}] = acc{v: 1}
	}
	s := newStore(long, short, MaxLong, MaxShort)
	start := time.Now().UnixMilli()
	for i := 0; i < long+1; i++ {
		for k, a := range vals {
			a.v++
			vals[k] = a
		}
		s.add(start+int64(i)*DefaultStep.Milliseconds(), vals)
	}
	vals = nil
	runtime.GC()
	runtime.ReadMemStats(&after)
	used := float64(after.HeapAlloc) - float64(before.HeapAlloc)
	if s.long != MaxLong || s.short != MaxShort || s.omitted != 0 {
		t.Fatalf("long %d, short %d, omitted %d", s.long, s.short, s.omitted)
	}
	values := float64(MaxLong*long+MaxShort*short) * 8
	t.Logf("%d samples, %d+%d series: %.2f MiB in all, %.2f MiB of it values", s.n, s.long, s.short, used/(1<<20), values/(1<<20))
	if used > maxMemory {
		t.Errorf("the history holds %.2f MiB at its caps, over the documented %d MiB", used/(1<<20), maxMemory>>20)
	}
	runtime.KeepAlive(s)
}
