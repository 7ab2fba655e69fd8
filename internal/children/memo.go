package children

import (
	"sync/atomic"
	"unsafe"
)

// memoSlots is the number of strings a Memo remembers.
const memoSlots = 64

// memoMaxLen bounds the strings a Memo remembers, and so the memory it keeps
// alive.
const memoMaxLen = 256

// Memo remembers what a few strings resolved to, found by the address and
// length of the string's bytes rather than by hashing them: a label value
// that comes from the same constant or route table on every request (a
// ServeMux pattern, a view name, a Content-Type a handler sets) is resolved
// once and then found in a few nanoseconds, without a lock or an
// allocation. A remembered string stays alive, so its bytes cannot be
// reused for another string; a string built afresh per request is simply
// never found. The zero value is empty and ready to use.
type Memo[T any] struct {
	slots [memoSlots]atomic.Pointer[memoEntry[T]]
}

type memoEntry[T any] struct {
	key string
	v   T
}

func memoSlot(s string) int {
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	return int(((p >> 3) ^ (p >> 9) ^ uintptr(len(s))) % memoSlots)
}

// Get returns what s was remembered with, if s (the same bytes in memory,
// not merely equal ones) was.
func (m *Memo[T]) Get(s string) (T, bool) {
	if e := m.slots[memoSlot(s)].Load(); e != nil &&
		len(e.key) == len(s) && unsafe.StringData(e.key) == unsafe.StringData(s) {
		return e.v, true
	}
	var zero T
	return zero, false
}

// Put remembers v for s, unless s is empty or long or another string holds
// its slot: slots are taken once and kept, so two strings that share one
// never evict each other on every request.
func (m *Memo[T]) Put(s string, v T) {
	if len(s) == 0 || len(s) > memoMaxLen {
		return
	}
	slot := &m.slots[memoSlot(s)]
	if slot.Load() == nil {
		slot.CompareAndSwap(nil, &memoEntry[T]{key: s, v: v})
	}
}
