package modelmetrics_test

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/modelmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// A hand-written repository counts its operations by rows affected.
func Example() {
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	m := modelmetrics.MustNew(stackprom.WithRegisterer(reg))
	dog := m.Model("dog") // its series exist at zero from here on

	// In the repository, after each statement: dog.Inserted(res.RowsAffected()).
	dog.Inserted(1)
	dog.Inserted(10) // a bulk insert of 10 rows
	dog.Updated(0)   // an UPDATE that matched no row counts nothing
	dog.Deleted(1)

	s, _ := stackpromtest.Gather(reg)
	for _, family := range []string{"model_inserts_total", "model_updates_total", "model_deletes_total"} {
		v, _ := s.Value(family, prometheus.Labels{"model": "dog"})
		fmt.Println(family, v)
	}
	// Output:
	// model_inserts_total 11
	// model_updates_total 0
	// model_deletes_total 1
}

// Tables derives model operations from SQL statements; sqlmetrics calls
// CountResult after each Exec when opened with sqlmetrics.WithModels.
func ExampleMetrics_Tables() {
	m := modelmetrics.MustNew(stackprom.WithRegisterer(prometheus.NewRegistry()))
	tables := m.MustTables(map[string]string{"demo_dog": "dog", "demo_lawn": "lawn"})

	for _, q := range []string{
		"-- name: CreateDog :exec\nINSERT INTO demo_dog (name) VALUES ($1)",
		`UPDATE "public"."demo_dog" SET age = age + 1`,
		"WITH old AS (SELECT id FROM demo_dog) DELETE FROM demo_lawn WHERE dog IN (SELECT id FROM old)",
		"INSERT INTO demo_dog (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET name = excluded.name",
		"SELECT * FROM demo_dog",
	} {
		st := tables.Lookup(q)
		fmt.Printf("%v %q %q\n", st.Op, st.Table, st.Model.Name())
	}
	// Output:
	// insert "demo_dog" "dog"
	// update "demo_dog" "dog"
	// delete "demo_lawn" "lawn"
	// Op(0) "" ""
	// Op(0) "" ""
}
