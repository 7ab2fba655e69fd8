package sqltest_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/modelmetrics"
	"github.com/stackprom/stackprom/sqlmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
	"github.com/stackprom/stackprom/test/internal/dbtest"
)

// rebind turns ? placeholders into PostgreSQL's $n.
func rebind(driver, q string) string {
	if driver != "pgx" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func createTables(t *testing.T, db *sql.DB) {
	t.Helper()
	for _, q := range []string{
		"CREATE TABLE demo_dog (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, breed VARCHAR(100), age INTEGER)",
		"CREATE TABLE demo_lawn (id INTEGER PRIMARY KEY, location VARCHAR(100) NOT NULL)",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// store is the data layer under test: sqlc-style statements on a *sql.DB.
// With handCounts set, it is a hand-written repository: each
// method counts its rows affected itself.
type store struct {
	db         *sql.DB
	driver     string
	dog, lawn  *modelmetrics.Model // nil: the SQL-derived counters count
	t          *testing.T
	handCounts bool
}

func (s *store) exec(model *modelmetrics.Model, op modelmetrics.Op, q string, args ...any) {
	s.t.Helper()
	res, err := s.db.ExecContext(context.Background(), rebind(s.driver, q), args...)
	if err != nil {
		s.t.Fatalf("%s: %v", q, err)
	}
	if s.handCounts {
		n, err := res.RowsAffected()
		if err != nil {
			s.t.Fatal(err)
		}
		model.Add(op, n)
	}
}

func (s *store) insertDog(id int, name string) {
	s.exec(s.dog, modelmetrics.Insert, "-- name: CreateDog :exec\nINSERT INTO demo_dog (id, name) VALUES (?, ?)", id, name)
}

func (s *store) insertLawn(id int, location string) {
	s.exec(s.lawn, modelmetrics.Insert, `INSERT INTO demo_lawn (id, location) VALUES (?, ?)`, id, location)
}

func (s *store) updateDog(id int, breed string, age int) {
	s.exec(s.dog, modelmetrics.Update, "/* app='demo' */ UPDATE demo_dog SET breed = ?, age = ? WHERE id = ?", breed, age, id)
}

func (s *store) deleteDog(id int) {
	s.exec(s.dog, modelmetrics.Delete, "DELETE FROM demo_dog WHERE id = ?", id)
}

func (s *store) insertDogs(first, n int) {
	var b strings.Builder
	b.WriteString("INSERT INTO demo_dog (id, name) VALUES ")
	args := make([]any, 0, 2*n)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?)")
		args = append(args, first+i, "bulk")
	}
	s.exec(s.dog, modelmetrics.Insert, b.String(), args...)
}

func (s *store) renameNobody() {
	s.exec(s.dog, modelmetrics.Update, "UPDATE demo_dog SET name = ? WHERE id = ?", "nobody", 1_000_000)
}

var (
	dog  = prometheus.Labels{"model": "dog"}
	lawn = prometheus.Labels{"model": "lawn"}
)

// django-prometheus's model test (catalogue §10 item 6) on a data layer,
// then a bulk insert of 10 and an update of no row.
func djangoModels(t *testing.T, reg prometheus.Gatherer, s *store) {
	t.Helper()
	snap := stackpromtest.Take(t, reg)
	for _, family := range []string{"model_inserts_total", "model_updates_total", "model_deletes_total"} {
		for _, l := range []prometheus.Labels{dog, lawn} {
			if v, ok := snap.Value(family, l); !ok || v != 0 {
				t.Errorf("%s%v = %v (present %v) before any operation, want 0", family, l, v, ok)
			}
		}
	}
	s.insertDog(1, "Cool")
	snap.AssertDiff(t, 1, "model_inserts_total", dog)
	s.insertLawn(1, "Bordeaux")
	snap.AssertDiff(t, 1, "model_inserts_total", lawn)
	s.insertDog(2, "Kay")
	snap.AssertDiff(t, 2, "model_inserts_total", dog)
	// An attribute set in memory, not saved: nothing.
	snap.AssertDiff(t, 0, "model_updates_total", dog)
	s.updateDog(1, "Wolfhound", 0)
	snap.AssertDiff(t, 1, "model_updates_total", dog)
	s.updateDog(1, "Wolfhound", 9)
	snap.AssertDiff(t, 2, "model_updates_total", dog)
	s.deleteDog(1)
	snap.AssertDiff(t, 1, "model_deletes_total", dog)
	snap.AssertDiff(t, 2, "model_inserts_total", dog)
	snap.AssertDiff(t, 2, "model_updates_total", dog)

	snap = stackpromtest.Take(t, reg)
	s.insertDogs(100, 10)
	snap.AssertDiff(t, 10, "model_inserts_total", dog)
	s.renameNobody()
	snap.AssertDiff(t, 0, "model_updates_total", dog)
}

// The hand-written API: the repository counts its own rows affected.
func TestHandWritten(t *testing.T) {
	for _, v := range vendors {
		t.Run(v.Name, func(t *testing.T) {
			b := v.Fresh(t)
			db := dbtest.Open(t, b.Driver, b.DSN)
			createTables(t, db)
			reg := prometheus.NewRegistry()
			m := modelmetrics.MustNew(stackprom.WithRegisterer(reg))
			djangoModels(t, reg, &store{db: db, driver: b.Driver, dog: m.Model("dog"), lawn: m.Model("lawn"), t: t, handCounts: true})
		})
	}
}

// SQL-derived counters: the same statements through sqlmetrics with
// WithModels, and no counting code in the data layer.
func TestSQLDerived(t *testing.T) {
	for _, v := range vendors {
		t.Run(v.Name, func(t *testing.T) {
			b := v.Fresh(t)
			reg := prometheus.NewRegistry()
			m := modelmetrics.MustNew(stackprom.WithRegisterer(reg))
			tables := m.MustTables(map[string]string{"demo_dog": "dog", "demo_lawn": "lawn"})
			db, err := sqlmetrics.Open(b.Driver, b.DSN, stackprom.WithRegisterer(reg), sqlmetrics.WithModels(tables))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			createTables(t, db)
			djangoModels(t, reg, &store{db: db, driver: b.Driver, t: t})

			// Prepared statements count too; reads and raw DDL do not.
			snap := stackpromtest.Take(t, reg)
			st, err := db.Prepare(rebind(b.Driver, "DELETE FROM demo_dog WHERE id = ?"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			for id := 100; id < 103; id++ {
				if _, err := st.Exec(id); err != nil {
					t.Fatal(err)
				}
			}
			snap.AssertDiff(t, 3, "model_deletes_total", dog)
			var n int
			if err := db.QueryRow("SELECT COUNT(*) FROM demo_dog").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec("CREATE INDEX demo_dog_name ON demo_dog (name)"); err != nil {
				t.Fatal(err)
			}
			snap.AssertDiff(t, 3, "model_deletes_total", dog)
			snap.AssertDiff(t, 0, "model_inserts_total", dog)
		})
	}
}
