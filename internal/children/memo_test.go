package children

import (
	"strconv"
	"strings"
	"testing"
)

func TestMemo(t *testing.T) {
	var m Memo[int]
	s := "/dogs/{id}"
	if _, ok := m.Get(s); ok {
		t.Fatal("an empty Memo found a string")
	}
	m.Put(s, 1)
	if v, ok := m.Get(s); !ok || v != 1 {
		t.Fatalf("Get(%q) = %v, %v; want 1, true", s, v, ok)
	}
	// Equal bytes elsewhere in memory are not the remembered string.
	if _, ok := m.Get(strings.Clone(s)); ok {
		t.Error("a copy of the string was found")
	}
	// A prefix shares the address but not the length.
	if _, ok := m.Get(s[:5]); ok {
		t.Error("a prefix of the string was found")
	}
	// A slot is kept by its first string.
	m.Put(s, 2)
	if v, _ := m.Get(s); v != 1 {
		t.Errorf("Put replaced a remembered value: %v", v)
	}
	// Empty and long strings are never remembered.
	m.Put("", 3)
	long := strings.Repeat("x", memoMaxLen+1)
	m.Put(long, 4)
	if _, ok := m.Get(long); ok {
		t.Error("a long string was remembered")
	}
	// Many strings: each is found with its own value or not at all.
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = "/view/" + strconv.Itoa(i)
		m.Put(keys[i], i)
	}
	found := 0
	for i, k := range keys {
		if v, ok := m.Get(k); ok {
			found++
			if v != i {
				t.Fatalf("Get(%q) = %d", k, v)
			}
		}
	}
	if found == 0 || found > memoSlots {
		t.Errorf("%d of 1000 strings found, want 1..%d", found, memoSlots)
	}
}

func TestMemoAllocations(t *testing.T) {
	var m Memo[int]
	s := "application/json; charset=utf-8"
	m.Put(s, 1)
	if a := testing.AllocsPerRun(100, func() { m.Get(s) }); a != 0 {
		t.Errorf("Get allocates %v times", a)
	}
	// Once a slot is taken, a Put of another string in it allocates nothing.
	for i := range 10000 {
		m.Put("x"+strconv.Itoa(i), i) // fill the slots
	}
	other := strings.Repeat("y", 10)
	if a := testing.AllocsPerRun(100, func() { m.Put(other, 2) }); a != 0 {
		if _, ok := m.Get(other); !ok {
			t.Errorf("a Put that kept nothing allocates %v times", a)
		}
	}
}
