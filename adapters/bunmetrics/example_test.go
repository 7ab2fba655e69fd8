package bunmetrics_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/bunmetrics"
	"github.com/stackprom/stackprom/modelmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	sqldb, err := sql.Open("sqlite", filepath.Join(dir, "app.db"))
	if err != nil {
		panic(err)
	}
	db := bun.NewDB(sqldb, sqlitedialect.New())
	defer db.Close()
	ctx := context.Background()
	if _, err := db.NewCreateTable().Model((*Dog)(nil)).Exec(ctx); err != nil {
		panic(err)
	}

	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	m := modelmetrics.MustNew(stackprom.WithRegisterer(reg))
	// Dog has func (Dog) MetricsModel() string { return "dog" }.
	db = db.WithQueryHook(bunmetrics.MustNew(m, bunmetrics.WithModels(&Dog{})))

	db.NewInsert().Model(&Dog{Name: "Cool"}).Exec(ctx)
	db.NewInsert().Model(&[]Dog{{Name: "a"}, {Name: "b"}, {Name: "c"}}).Exec(ctx) // bulk: 3 rows
	db.NewUpdate().Model((*Dog)(nil)).Set("age = 1").Where("name = ?", "nobody").Exec(ctx)

	s, _ := stackpromtest.Gather(reg)
	for _, family := range []string{"model_inserts_total", "model_updates_total"} {
		v, _ := s.Value(family, prometheus.Labels{"model": "dog"})
		fmt.Println(family, v)
	}
	// Output:
	// model_inserts_total 4
	// model_updates_total 0
}
