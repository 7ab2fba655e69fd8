package bunmetrics_test

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/stackprom/stackprom/adapters/bunmetrics"
	"github.com/stackprom/stackprom/modelmetrics"
)

// Dog names its model label, as django-prometheus's
// ExportModelOperationsMixin("dog") does.
type Dog struct {
	bun.BaseModel `bun:"table:dogs"`
	ID            int64 `bun:",pk,autoincrement"`
	Name          string
}

func (Dog) MetricsModel() string { return "dog" }

// A service adds the hook once, to the *bun.DB it opened with its
// dialect. This example is compiled, not run: it needs a database (the
// repository's test module runs the same calls on SQLite, PostgreSQL and
// MariaDB).
func Example() {
	var db *bun.DB              // bun.NewDB(sqldb, pgdialect.New()), say
	m := modelmetrics.MustNew() // the default registry
	// Dog's series exist at zero from now on.
	db = db.WithQueryHook(bunmetrics.MustNew(m, bunmetrics.WithModels(&Dog{})))

	ctx := context.Background()
	db.NewInsert().Model(&Dog{Name: "Cool"}).Exec(ctx)                               // model_inserts_total{model="dog"} +1
	db.NewInsert().Model(&[]Dog{{Name: "a"}, {Name: "b"}, {Name: "c"}}).Exec(ctx)    // +3: a bulk insert counts its rows
	db.NewUpdate().Model((*Dog)(nil)).Set("name = ?", "x").Where("id = 1").Exec(ctx) // model_updates_total{model="dog"} +1
}

// New refuses what it cannot count with: a nil Metrics, a nil model.
func ExampleNew() {
	_, err := bunmetrics.New(nil)
	fmt.Println(err)
	// Output:
	// bunmetrics: New: nil Metrics
}
