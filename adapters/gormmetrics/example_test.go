package gormmetrics_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/glebarez/sqlite"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/gormmetrics"
	"github.com/stackprom/stackprom/modelmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	db, err := gorm.Open(sqlite.Open(filepath.Join(dir, "app.db")), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		panic(err)
	}
	if err := db.AutoMigrate(&Dog{}); err != nil {
		panic(err)
	}

	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	m := modelmetrics.MustNew(stackprom.WithRegisterer(reg))
	// Dog has func (Dog) MetricsModel() string { return "dog" }.
	if err := db.Use(gormmetrics.MustNew(m, gormmetrics.WithModels(&Dog{}))); err != nil {
		panic(err)
	}

	db.Create(&Dog{Name: "Cool"})
	db.Create(&[]Dog{{Name: "a"}, {Name: "b"}, {Name: "c"}}) // bulk: 3 rows
	db.Model(&Dog{}).Where("name = ?", "nobody").Update("age", 1)

	s, _ := stackpromtest.Gather(reg)
	for _, family := range []string{"model_inserts_total", "model_updates_total"} {
		v, _ := s.Value(family, prometheus.Labels{"model": "dog"})
		fmt.Println(family, v)
	}
	// Output:
	// model_inserts_total 4
	// model_updates_total 0
}
