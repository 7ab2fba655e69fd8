package gormmetrics_test

import (
	"fmt"

	"gorm.io/gorm"

	"github.com/stackprom/stackprom/adapters/gormmetrics"
	"github.com/stackprom/stackprom/modelmetrics"
)

// Dog names its model label, as django-prometheus's
// ExportModelOperationsMixin("dog") does.
type Dog struct {
	ID   uint
	Name string
}

func (Dog) MetricsModel() string { return "dog" }

// A service installs the plugin once, on the *gorm.DB it opened with its
// driver's dialector. This example is compiled, not run: it needs a
// database (the repository's test module runs the same calls on SQLite,
// PostgreSQL and MariaDB).
func Example() {
	var dialector gorm.Dialector // postgres.Open(dsn), mysql.Open(dsn), sqlite.Open(path)…
	db, err := gorm.Open(dialector, &gorm.Config{})
	if err != nil {
		panic(err)
	}
	m := modelmetrics.MustNew() // the default registry
	// Dog's series exist at zero from now on.
	if err := db.Use(gormmetrics.MustNew(m, gormmetrics.WithModels(&Dog{}))); err != nil {
		panic(err)
	}

	db.Create(&Dog{Name: "Cool"})                                  // model_inserts_total{model="dog"} +1
	db.Create(&[]Dog{{Name: "a"}, {Name: "b"}, {Name: "c"}})       // +3: a bulk insert counts its rows
	db.Model(&Dog{}).Where("name = ?", "Cool").Update("name", "x") // model_updates_total{model="dog"} +1
}

// New refuses what it cannot count with: a nil Metrics, a nil model.
func ExampleNew() {
	_, err := gormmetrics.New(modelmetrics.MustNew(), gormmetrics.WithModels(&Dog{}, nil))
	fmt.Println(err)
	// Output:
	// gormmetrics: WithModels: model 1 is nil
}
