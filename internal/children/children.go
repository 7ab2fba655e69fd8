// Package children resolves label children once and hands them out on the
// hot path without locks or allocations.
package children

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom/internal/config"
)

// Overflow is the label value that stands for every value past a Bounded
// set's limit.
const Overflow = "<other>"

// Slot holds one child, resolved on first use. The zero value is empty.
type Slot[T any] struct{ p atomic.Pointer[T] }

// Load returns the child and true once one is stored.
func (s *Slot[T]) Load() (T, bool) {
	if p := s.p.Load(); p != nil {
		return *p, true
	}
	var zero T
	return zero, false
}

// Store keeps v unless a child is already held, and returns the child held.
// Two goroutines racing to resolve the same child get the same vector child
// anyway, so either may win.
func (s *Slot[T]) Store(v T) T {
	if s.p.CompareAndSwap(nil, &v) {
		return v
	}
	return *s.p.Load()
}

// Bounded maps label values to children, at most Max distinct values; any
// further value maps to the Overflow child, so hostile or misconfigured input
// cannot grow the number of series. Reads take no lock and do not allocate.
type Bounded[T any] struct {
	// Max is the number of distinct values kept; 0 means no limit.
	Max int
	// New resolves the child of a value. It is called once per value, under
	// a lock, with a value the set owns.
	New func(value string) T

	m  atomic.Pointer[map[string]T]
	mu sync.Mutex
}

// Get returns the child of value.
func (b *Bounded[T]) Get(value string) T {
	if m := b.m.Load(); m != nil {
		if t, ok := (*m)[value]; ok {
			return t
		}
	}
	return b.slow(value)
}

func (b *Bounded[T]) slow(value string) T {
	b.mu.Lock()
	defer b.mu.Unlock()
	var old map[string]T
	if p := b.m.Load(); p != nil {
		old = *p
	}
	if t, ok := old[value]; ok {
		return t
	}
	if b.Max > 0 && len(old) >= b.Max {
		value = Overflow
		if t, ok := old[value]; ok {
			return t
		}
	}
	value = strings.Clone(value) // never retain a caller's larger buffer
	t := b.New(value)
	m := make(map[string]T, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	m[value] = t
	b.m.Store(&m)
	return t
}

// Len is the number of distinct values held, the overflow value included.
func (b *Bounded[T]) Len() int {
	if m := b.m.Load(); m != nil {
		return len(*m)
	}
	return 0
}

// Observe records v on o, with the exemplar ex returns for ctx when ex is
// set and returns labels. Without ex it is one call of o.Observe.
func Observe(ctx context.Context, o prometheus.Observer, v float64, ex func(context.Context) prometheus.Labels) {
	if ex == nil {
		o.Observe(v)
		return
	}
	observeWithExemplar(ctx, o, v, ex)
}

func observeWithExemplar(ctx context.Context, o prometheus.Observer, v float64, ex func(context.Context) prometheus.Labels) {
	if l := ex(ctx); l != nil && validExemplar(l) {
		if eo, ok := o.(prometheus.ExemplarObserver); ok {
			eo.ObserveWithExemplar(v, l)
			return
		}
	}
	o.Observe(v)
}

// validExemplar reports whether client_golang accepts l as exemplar labels
// (it panics otherwise): valid UTF-8 label names and values, at most
// prometheus.ExemplarMaxRunes runes in all. An exemplar that fails is
// dropped; the observation is kept.
func validExemplar(l prometheus.Labels) bool {
	runes := 0
	for k, v := range l {
		if !config.ValidName(k) || !utf8.ValidString(v) {
			return false
		}
		runes += utf8.RuneCountInString(k) + utf8.RuneCountInString(v)
	}
	return runes <= prometheus.ExemplarMaxRunes
}
