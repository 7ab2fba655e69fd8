package sqlmetrics

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/modelmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// WithModels counts writes to listed tables by rows affected (the fake
// driver affects 1 row per Exec), on the direct and the prepared path, and
// nothing for queries, failures and other tables.
func TestWithModels(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	m := modelmetrics.MustNew(stackprom.WithRegisterer(reg))
	tables := m.MustTables(map[string]string{"demo_dog": "dog"})
	db, _ := openFake(t, WithModels(tables))
	dog := prometheus.Labels{"model": "dog"}

	s := stackpromtest.Take(t, reg)
	if _, err := db.ExecContext(ctx, "INSERT INTO demo_dog (name) VALUES (?)", "Cool"); err != nil {
		t.Fatal(err)
	}
	s.AssertDiff(t, 1, "model_inserts_total", dog)
	st, err := db.PrepareContext(ctx, "UPDATE demo_dog SET name = ?")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.ExecContext(ctx, "x")
	st.ExecContext(ctx, "y")
	s.AssertDiff(t, 2, "model_updates_total", dog)
	db.QueryContext(ctx, "DELETE FROM demo_dog RETURNING id") // a query: not counted
	db.ExecContext(ctx, "DELETE FROM demo_lawn")              // not listed
	db.ExecContext(ctx, "ERR DELETE FROM demo_dog")           // failed
	s.AssertDiff(t, 0, "model_deletes_total", dog)

	// Without the option nothing is derived, and a nil option turns it off.
	off, _ := openFake(t, WithModels(tables), WithModels(nil))
	off.ExecContext(ctx, "INSERT INTO demo_dog (name) VALUES (?)", "Kay")
	s.AssertDiff(t, 1, "model_inserts_total", dog)
}

// The legacy driver runs every statement prepared.
func TestWithModelsLegacy(t *testing.T) {
	reg := prometheus.NewRegistry()
	tables := modelmetrics.MustNew(stackprom.WithRegisterer(reg)).MustTables(map[string]string{"demo_dog": "dog"})
	db, err := OpenDB(&fakeConnector{name: "x", d: fakeDriver{legacy: true}},
		stackprom.WithRegisterer(prometheus.NewRegistry()), WithVendor("fake"), WithModels(tables))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := stackpromtest.Take(t, reg)
	if _, err := db.Exec("DELETE FROM demo_dog WHERE id = ?", 1); err != nil {
		t.Fatal(err)
	}
	s.AssertDiff(t, 1, "model_deletes_total", prometheus.Labels{"model": "dog"})
}

// Counting adds no allocation to an Exec.
func TestWithModelsAllocs(t *testing.T) {
	ctx := context.Background()
	tables := modelmetrics.MustNew(stackprom.WithRegisterer(nil)).MustTables(map[string]string{"demo_dog": "dog"})
	plain, _ := openFake(t)
	counted, _ := openFake(t, WithModels(tables))
	q := "INSERT INTO demo_dog (name) VALUES ('x')"
	base := testing.AllocsPerRun(200, func() { plain.ExecContext(ctx, q) })
	with := testing.AllocsPerRun(200, func() { counted.ExecContext(ctx, q) })
	if with > base {
		t.Errorf("Exec allocates %v with WithModels, %v without", with, base)
	}
}
