package buntest_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/schema"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/bunmetrics"
	"github.com/stackprom/stackprom/modelmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
	"github.com/stackprom/stackprom/test/internal/dbtest"
)

type Dog struct {
	bun.BaseModel `bun:"table:dogs"`
	ID            int64  `bun:",pk,autoincrement"`
	Name          string `bun:",type:varchar(100)"`
	Breed         string `bun:",type:varchar(100)"`
	Age           int
}

func (Dog) MetricsModel() string { return "dog" }

type Lawn struct {
	bun.BaseModel `bun:"table:lawns"`
	ID            int64  `bun:",pk,autoincrement"`
	Location      string `bun:",type:varchar(100)"`
}

func (*Lawn) MetricsModel() string { return "lawn" }

type Cat struct {
	bun.BaseModel `bun:"table:cats"`
	ID            int64  `bun:",pk,autoincrement"`
	Name          string `bun:",type:varchar(100)"`
}

func openBun(t *testing.T, b dbtest.Backend, opts ...bunmetrics.Option) (*bun.DB, *prometheus.Registry) {
	t.Helper()
	var d schema.Dialect
	switch b.Driver {
	case "sqlite":
		d = sqlitedialect.New()
	case "pgx":
		d = pgdialect.New()
	case "mysql":
		d = mysqldialect.New()
	}
	db := bun.NewDB(dbtest.Open(t, b.Driver, b.DSN), d)
	for _, m := range []any{(*Dog)(nil), (*Lawn)(nil), (*Cat)(nil)} {
		if _, err := db.NewCreateTable().Model(m).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewRegistry()
	m := modelmetrics.MustNew(stackprom.WithRegisterer(reg))
	db = db.WithQueryHook(bunmetrics.MustNew(m, append(opts, bunmetrics.WithModels(&Dog{}, &Lawn{}, &Cat{}))...))
	return db, reg
}

var (
	dog  = prometheus.Labels{"model": "dog"}
	lawn = prometheus.Labels{"model": "lawn"}
)

// django-prometheus's model test through bun, on SQLite, PostgreSQL and
// MariaDB; then bulk operations and updates that change nothing.
func TestDjangoModels(t *testing.T) {
	for _, v := range vendors {
		t.Run(v.Name, func(t *testing.T) {
			db, reg := openBun(t, v.Fresh(t))
			ctx := t.Context()
			must := func(_ any, err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			s := stackpromtest.Take(t, reg)
			for _, family := range []string{"model_inserts_total", "model_updates_total", "model_deletes_total", "model_queries_total"} {
				for _, l := range []prometheus.Labels{dog, lawn} {
					if got, ok := s.Value(family, l); !ok || got != 0 {
						t.Errorf("%s%v = %v (present %v) before any operation, want 0", family, l, got, ok)
					}
				}
			}

			cool := &Dog{Name: "Cool"}
			must(db.NewInsert().Model(cool).Exec(ctx))
			s.AssertDiff(t, 1, "model_inserts_total", dog)
			must(db.NewInsert().Model(&Lawn{Location: "Bordeaux"}).Exec(ctx))
			s.AssertDiff(t, 1, "model_inserts_total", lawn)
			must(db.NewInsert().Model(&Dog{Name: "Kay"}).Exec(ctx))
			s.AssertDiff(t, 2, "model_inserts_total", dog)

			cool.Breed = "Wolfhound" // not saved: nothing
			s.AssertDiff(t, 0, "model_updates_total", dog)
			must(db.NewUpdate().Model(cool).WherePK().Exec(ctx))
			s.AssertDiff(t, 1, "model_updates_total", dog)
			cool.Age = 9
			must(db.NewUpdate().Model(cool).WherePK().Exec(ctx))
			s.AssertDiff(t, 2, "model_updates_total", dog)

			must(db.NewDelete().Model(cool).WherePK().Exec(ctx))
			s.AssertDiff(t, 1, "model_deletes_total", dog)
			s.AssertDiff(t, 2, "model_inserts_total", dog)
			s.AssertDiff(t, 2, "model_updates_total", dog)

			// Beyond django-prometheus: bulk operations count their rows.
			s = stackpromtest.Take(t, reg)
			bulk := make([]Dog, 10)
			for i := range bulk {
				bulk[i].Name = "bulk"
			}
			must(db.NewInsert().Model(&bulk).Exec(ctx))
			s.AssertDiff(t, 10, "model_inserts_total", dog)
			must(db.NewUpdate().Model((*Dog)(nil)).Set("age = ?", 3).Where("name = ?", "bulk").Exec(ctx))
			s.AssertDiff(t, 10, "model_updates_total", dog)
			must(db.NewDelete().Model((*Dog)(nil)).Where("name = ?", "bulk").Exec(ctx))
			s.AssertDiff(t, 10, "model_deletes_total", dog)

			// An update that matched no row counts nothing.
			s = stackpromtest.Take(t, reg)
			must(db.NewUpdate().Model((*Dog)(nil)).Set("name = ?", "nobody").Where("id = ?", 1_000_000).Exec(ctx))
			s.AssertDiff(t, 0, "model_updates_total", dog)

			// Queries, a failed statement, raw SQL.
			var found []Dog
			must(nil, db.NewSelect().Model(&found).Where("name = ?", "Kay").Scan(ctx))
			s.AssertDiff(t, 1, "model_queries_total", dog)
			if _, err := db.NewUpdate().Model((*Dog)(nil)).Set("no_such_column = 1").Where("1 = 1").Exec(ctx); err == nil {
				t.Error("no error from a missing column")
			}
			must(db.ExecContext(ctx, "UPDATE dogs SET age = 1"))
			s.AssertDiff(t, 0, "model_updates_total", dog)

			// A model that does not name itself is not counted.
			must(db.NewInsert().Model(&Cat{Name: "Tom"}).Exec(ctx))
			if got := stackpromtest.Take(t, reg).Series("model_inserts_total"); got != s.Series("model_inserts_total") {
				t.Errorf("an unnamed model was counted: %s", got)
			}
		})
	}
}

// AllModels counts every model, unnamed ones under their table name.
func TestAllModels(t *testing.T) {
	db, reg := openBun(t, vendors[0].Fresh(t), bunmetrics.WithAllModels())
	ctx := t.Context()
	s := stackpromtest.Take(t, reg)
	if _, err := db.NewInsert().Model(&[]Cat{{Name: "Tom"}, {Name: "Felix"}}).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	s.AssertDiff(t, 2, "model_inserts_total", prometheus.Labels{"model": "cats"})
	if _, err := db.NewDelete().Table("cats").Where("name = ?", "Tom").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	s.AssertDiff(t, 1, "model_deletes_total", prometheus.Labels{"model": "cats"})
}
