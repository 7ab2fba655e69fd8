package modelmetrics

import (
	"strings"
	"testing"
)

// FuzzLookup: whatever the statement, the classifier does not panic, and a
// statement counts only for a listed table, through that table's model.
// The seeds below and testdata/fuzz/FuzzLookup run with every go test;
// go test -fuzz FuzzLookup explores further.
func FuzzLookup(f *testing.F) {
	listed := map[string]string{"demo_dog": "dog", "public.demo_lawn": "lawn", "Cats": "cat"}
	tb, _ := newTables(f, listed, WithMaxStatements(64))
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
