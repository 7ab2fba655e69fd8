package modelmetrics

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stackprom/stackprom"
)

func newTables(t testing.TB, tables map[string]string, opts ...Option) (*Tables, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := MustNew(append(opts, stackprom.WithRegisterer(reg))...)
	tb, err := m.Tables(tables)
	if err != nil {
		t.Fatal(err)
	}
	return tb, reg
}

func TestLookup(t *testing.T) {
	tb, _ := newTables(t, map[string]string{
		"demo_dog":    "dog",
		"Demo_Lawn":   "lawn",
		"audit.dogs":  "audited dog",
		"public.cats": "cat",
	})
	for _, tc := range []struct {
		q     string
		op    Op
		table string
	}{
		{"INSERT INTO demo_dog (name) VALUES (?)", Insert, "demo_dog"},
		{`INSERT INTO "demo_dog" VALUES (1)`, Insert, "demo_dog"},
		{"INSERT INTO DEMO_DOG VALUES (1)", Insert, "demo_dog"},
		{"UPDATE public.demo_dog SET x = 1", Update, "demo_dog"},
		{"DELETE FROM `test`.`demo_dog`", Delete, "demo_dog"},
		{"DELETE FROM demo_lawn", Delete, "Demo_Lawn"},
		{"UPDATE audit.dogs SET x = 1", Update, "audit.dogs"},
		{`UPDATE "AUDIT"."DOGS" SET x = 1`, Update, "audit.dogs"},
		{"UPDATE dogs SET x = 1", 0, ""},        // listed only with its schema
		{"UPDATE other.dogs SET x = 1", 0, ""},  // another schema
		{"INSERT INTO cats VALUES (1)", 0, ""},  // the search path decides: unsure
		{"INSERT INTO lawns VALUES (1)", 0, ""}, // not listed
		{"SELECT * FROM demo_dog", 0, ""},
		{"INSERT INTO demo_dog VALUES (1); DELETE FROM demo_lawn", 0, ""},
	} {
		st := tb.Lookup(tc.q)
		if st.Op != tc.op || st.Table != tc.table || (st.Model == nil) != (tc.op == 0) {
			t.Errorf("Lookup(%q) = %v %q %v, want %v %q", tc.q, st.Op, st.Table, st.Model.Name(), tc.op, tc.table)
		}
		// The cached answer is the same.
		if again := tb.Lookup(tc.q); again != st {
			t.Errorf("Lookup(%q) again = %+v, first %+v", tc.q, again, st)
		}
	}
}

type result struct {
	n   int64
	err error
}

func (r result) RowsAffected() (int64, error) { return r.n, r.err }

func TestCount(t *testing.T) {
	tb, reg := newTables(t, map[string]string{"demo_dog": "dog"})
	tb.CountResult("INSERT INTO demo_dog VALUES (1), (2)", result{n: 2})
	tb.CountResult("UPDATE demo_dog SET x = 1", result{n: 0}) // no row: nothing
	tb.CountResult("UPDATE demo_dog SET x = 1", result{n: 3})
	tb.CountResult("DELETE FROM demo_dog", result{err: errors.New("not supported")})
	tb.CountResult("DELETE FROM demo_dog", nil)
	tb.Count("DELETE FROM demo_dog", 1)
	tb.CountResult("SELECT 1", result{n: 7})
	var none *Tables
	none.Count("DELETE FROM demo_dog", 1)
	none.CountResult("DELETE FROM demo_dog", result{n: 1})
	if none.Lookup("DELETE FROM demo_dog").Model != nil {
		t.Error("nil Tables found a model")
	}
	want := `
# HELP model_deletes_total Number of delete operations by model.
# TYPE model_deletes_total counter
model_deletes_total{model="dog"} 1
# HELP model_inserts_total Number of insert operations by model.
# TYPE model_inserts_total counter
model_inserts_total{model="dog"} 2
# HELP model_updates_total Number of update operations by model.
# TYPE model_updates_total counter
model_updates_total{model="dog"} 3
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"model_inserts_total", "model_updates_total", "model_deletes_total"); err != nil {
		t.Error(err)
	}
}

// The cache holds at most WithMaxStatements texts; past it statements are
// classified again, with the same answer.
func TestCacheBound(t *testing.T) {
	tb, _ := newTables(t, map[string]string{"demo_dog": "dog"}, WithMaxStatements(3))
	for i := 0; i < 10; i++ {
		q := "DELETE FROM demo_dog WHERE id = " + strings.Repeat("1", i+1)
		if st := tb.Lookup(q); st.Op != Delete {
			t.Fatalf("Lookup(%q) = %+v", q, st)
		}
	}
	if n := tb.cached(); n != 3 {
		t.Errorf("cache holds %d statements, want 3", n)
	}
	off, _ := newTables(t, map[string]string{"demo_dog": "dog"}, WithMaxStatements(0))
	if st := off.Lookup("DELETE FROM demo_dog"); st.Op != Delete || off.cached() != 0 {
		t.Errorf("without a cache: %+v, %d cached", st, off.cached())
	}
}

// A cached lookup, and an uncached one past the cache, allocate nothing;
// so does counting.
func TestLookupAllocs(t *testing.T) {
	tb, _ := newTables(t, map[string]string{"demo_dog": "dog"}, WithMaxStatements(1))
	tb.Lookup("INSERT INTO demo_dog VALUES (1)")
	for _, q := range []string{
		"INSERT INTO demo_dog VALUES (1)",              // cached
		"UPDATE \"DEMO_DOG\" SET x = 'y' WHERE id = 1", // past the cache
		"SELECT 1",
	} {
		if n := testing.AllocsPerRun(100, func() { tb.CountResult(q, result{n: 1}) }); n != 0 {
			t.Errorf("CountResult(%q): %v allocations", q, n)
		}
	}
}

func TestTablesErrors(t *testing.T) {
	m := MustNew(stackprom.WithRegisterer(nil))
	for _, tables := range []map[string]string{
		{"": "dog"}, {"a.": "dog"}, {"a b": "dog"}, {`"dogs"`: "dog"}, {"a.b.c": "dog"},
		{"dogs": ""}, {"\xff": "dog"},
	} {
		if _, err := m.Tables(tables); err == nil || !strings.HasPrefix(err.Error(), "modelmetrics: ") {
			t.Errorf("Tables(%q): %v", tables, err)
		}
	}
}

func BenchmarkCountResult(b *testing.B) {
	tb, _ := newTables(b, map[string]string{"demo_dog": "dog", "demo_lawn": "lawn"})
	for _, bc := range []struct{ name, q string }{
		{"insert", "-- name: CreateDog :execresult\nINSERT INTO demo_dog (name, breed, age) VALUES ($1, $2, $3)"},
		{"select", "SELECT id, name, breed, age FROM demo_dog WHERE id = $1"},
	} {
		var res interface{ RowsAffected() (int64, error) } = result{n: 1} // as a driver.Result arrives
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tb.CountResult(bc.q, res)
			}
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					tb.CountResult(bc.q, res)
				}
			})
		})
	}
	b.Run("uncached", func(b *testing.B) {
		tb, _ := newTables(b, map[string]string{"demo_dog": "dog"}, WithMaxStatements(0))
		q := "-- name: CreateDog :execresult\nINSERT INTO demo_dog (name, breed, age) VALUES ($1, $2, $3)"
		b.ReportAllocs()
		for b.Loop() {
			tb.CountResult(q, result{n: 1})
		}
	})
}

// TestCacheMemoryBound fills the statement cache with 1,000 distinct
// statements, of 512 bytes (the longest kept under their text) and of
// 64 KiB (as an application building statements with inline values could
// hand it), and measures the heap the cache keeps alive: statements longer
// than maxTextKey are cached under a digest, so it keeps none of their
// text.
func TestCacheMemoryBound(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 64 MiB")
	}
	for _, size := range []int{maxTextKey, 64 << 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			tb, _ := newTables(t, map[string]string{"demo_dog": "dog"})
			const n = 1000
			pad := strings.Repeat("x", size)
			for i := range n {
				prefix := fmt.Sprintf("DELETE FROM demo_dog WHERE id = %d /* ", i)
				q := prefix + pad[:size-len(prefix)-len(" */")] + " */"
				if st := tb.Lookup(q); st.Op != Delete {
					t.Fatalf("Lookup: %+v", st)
				}
			}
			// The heap with the cache, and without it.
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			with := ms.HeapAlloc
			if tb.cached() != n {
				t.Fatalf("the cache does not hold the %d statements", n)
			}
			tb.texts.Store(nil)
			tb.digests.Store(nil)
			runtime.GC()
			runtime.ReadMemStats(&ms)
			kept := int64(with) - int64(ms.HeapAlloc)
			runtime.KeepAlive(tb)
			t.Logf("%d distinct %d-byte statements: %.2f MiB kept alive by the cache", n, size, float64(kept)/(1<<20))
			if limit := int64(n*maxTextKey) + 1<<20; kept > limit {
				t.Errorf("the cache keeps %.1f MiB alive, more than %.1f MiB", float64(kept)/(1<<20), float64(limit)/(1<<20))
			}
		})
	}
}

// TestLongStatements: statements past maxText are cached under their
// digest, keep no text, and keep their own answers, also when two of them
// have one length and differ in one byte.
func TestLongStatements(t *testing.T) {
	tb, _ := newTables(t, map[string]string{"demo_dog": "dog", "demo_cat": "cat"})
	tb.maxText = 16
	pad := " /* " + strings.Repeat("y", 40) + " */"
	dog, cat := "DELETE FROM demo_dog"+pad, "DELETE FROM demo_cat"+pad
	short := "DELETE FROM t"
	for range 2 { // classified, then cached
		if st := tb.Lookup(dog); st.Op != Delete || st.Table != "demo_dog" {
			t.Errorf("Lookup(dog) = %+v", st)
		}
		if st := tb.Lookup(cat); st.Op != Delete || st.Table != "demo_cat" {
			t.Errorf("Lookup(cat) = %+v", st)
		}
		if st := tb.Lookup(short); st.Op != 0 {
			t.Errorf("Lookup(short) = %+v", st)
		}
	}
	digests, texts := *tb.digests.Load(), *tb.texts.Load()
	if len(digests) != 2 || len(texts) != 1 {
		t.Errorf("cache: %d digests, %d texts; want 2, 1", len(digests), len(texts))
	}
	for text := range texts {
		if len(text) > tb.maxText {
			t.Errorf("a %d-byte text kept", len(text))
		}
	}
	if n := testing.AllocsPerRun(100, func() { tb.Lookup(dog) }); n != 0 {
		t.Errorf("a cached long statement: %v allocations", n)
	}
}
