package modelmetrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
)

// FuzzLookup: whatever the statement, the classifier does not panic, a
// cached answer is the uncached one (statements cached under their text or
// their digest), and a statement counts only for a listed table, through
// that table's model, which the statement names.
// The seeds below and testdata/fuzz/FuzzLookup run with every go test;
// go test -fuzz FuzzLookup explores further.
func FuzzLookup(f *testing.F) {
	listed := map[string]string{"demo_dog": "dog", "public.demo_lawn": "lawn", "Cats": "cat"}
	m := MustNew(WithMaxStatements(64), stackprom.WithRegisterer(prometheus.NewRegistry()))
	tb := m.MustTables(listed)
	// The same tables caching every statement past 8 bytes under its
	// digest, so that both caches are explored.
	short := m.MustTables(listed)
	short.maxText = 8
	for _, q := range []string{
		"INSERT INTO demo_dog (name) VALUES ($1)",
		"-- name: UpdateLawn :exec\nUPDATE public.demo_lawn SET location = $1 WHERE id = $2",
		"DELETE FROM `cats` WHERE id = ?",
		`WITH x AS (SELECT 1) INSERT INTO "demo_dog" SELECT * FROM x ON CONFLICT DO NOTHING`,
		"INSERT INTO demo_dog VALUES ('a;b', $$c$$, 'it''s') RETURNING id",
		"UPDATE demo_dog d SET name = 'x' FROM demo_lawn l WHERE l.id = d.lawn",
		"/* a */ DELETE /* b */ FROM [Cats] -- c\n;",
		"SELECT * FROM demo_dog",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		st := tb.Lookup(q)
		if st != tb.Lookup(q) {
			t.Fatalf("Lookup(%q) changed between calls", q)
		}
		// The cache never changes an answer, under the text or the digest.
		if uncached := *tb.lookup(q); st != uncached {
			t.Fatalf("Lookup(%q) = %+v, uncached %+v", q, st, uncached)
		}
		for range 2 {
			if got := short.Lookup(q); got != st {
				t.Fatalf("Lookup(%q) = %+v cached under a digest, %+v under the text", q, got, st)
			}
		}
		if (st.Op == 0) != (st.Model == nil) || (st.Op == 0) != (st.Table == "") {
			t.Fatalf("Lookup(%q) = %+v: partial answer", q, st)
		}
		if st.Op == 0 {
			return
		}
		if st.Op != Insert && st.Op != Update && st.Op != Delete {
			t.Fatalf("Lookup(%q): op %v", q, st.Op)
		}
		if _, ok := listed[st.Table]; !ok {
			t.Fatalf("Lookup(%q): table %q is not listed", q, st.Table)
		}
		if want := listed[st.Table]; st.Model.Name() != want {
			t.Fatalf("Lookup(%q): model %q, the table's is %q", q, st.Model.Name(), want)
		}
		// The classifier names what the statement says, never more.
		tg := classify(q)
		if tg.op != st.Op || !strings.Contains(q, tg.name) || !strings.Contains(q, tg.schema) {
			t.Fatalf("classify(%q) = %+v, Lookup %+v", q, tg, st)
		}
		name := st.Table[strings.LastIndexByte(st.Table, '.')+1:]
		if !strings.EqualFold(tg.name, name) {
			t.Fatalf("Lookup(%q): statement names %q, found %q", q, tg.name, st.Table)
		}
	})
}
