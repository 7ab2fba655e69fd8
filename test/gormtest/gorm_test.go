package gormtest_test

import (
	"testing"

	"github.com/glebarez/sqlite"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/gormmetrics"
	"github.com/stackprom/stackprom/modelmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
	"github.com/stackprom/stackprom/test/internal/dbtest"
)

// Dog and Lawn name their models, as django-prometheus's test app's Dog and
// Lawn use ExportModelOperationsMixin("dog") and ("lawn").
type Dog struct {
	ID    uint
	Name  string `gorm:"size:100"`
	Breed string `gorm:"size:100"`
	Age   int
}

func (Dog) MetricsModel() string { return "dog" }

type Lawn struct {
	ID       uint
	Location string `gorm:"size:100"`
}

func (*Lawn) MetricsModel() string { return "lawn" }

// Cat does not name itself: counted only with AllModels.
type Cat struct {
	ID   uint
	Name string `gorm:"size:100"`
}

func openGorm(t *testing.T, b dbtest.Backend, opts ...gormmetrics.Option) (*gorm.DB, *prometheus.Registry) {
	opts = append(opts, gormmetrics.WithModels(&Dog{}, &Lawn{}, &Cat{}))
	t.Helper()
	var d gorm.Dialector
	switch b.Driver {
	case "sqlite":
		d = sqlite.Open(b.DSN)
	case "pgx":
		d = postgres.Open(b.DSN)
	case "mysql":
		d = mysql.Open(b.DSN)
	}
	db, err := gorm.Open(d, &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlDB.Close() })
	if err := db.AutoMigrate(&Dog{}, &Lawn{}, &Cat{}); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	if err := db.Use(gormmetrics.MustNew(modelmetrics.MustNew(stackprom.WithRegisterer(reg)), opts...)); err != nil {
		t.Fatal(err)
	}
	return db, reg
}

func must(t *testing.T, db *gorm.DB) {
	t.Helper()
	if db.Error != nil {
		t.Fatal(db.Error)
	}
}

var (
	dog  = prometheus.Labels{"model": "dog"}
	lawn = prometheus.Labels{"model": "lawn"}
)

// django-prometheus's model test (tests/end2end/testapp/test_models.py),
// through GORM, on SQLite, PostgreSQL and MariaDB; then what it does not
// count: bulk operations and updates that change nothing.
func TestDjangoModels(t *testing.T) {
	for _, v := range vendors {
		t.Run(v.Name, func(t *testing.T) {
			db, reg := openGorm(t, v.Fresh(t))
			s := stackpromtest.Take(t, reg)
			for _, family := range []string{"model_inserts_total", "model_updates_total", "model_deletes_total", "model_queries_total"} {
				for _, l := range []prometheus.Labels{dog, lawn} {
					if got, ok := s.Value(family, l); !ok || got != 0 {
						t.Errorf("%s%v = %v (present %v) before any operation, want 0", family, l, got, ok)
					}
				}
			}

			cool := Dog{Name: "Cool"}
			must(t, db.Create(&cool))
			s.AssertDiff(t, 1, "model_inserts_total", dog)
			must(t, db.Create(&Lawn{Location: "Bordeaux"}))
			s.AssertDiff(t, 1, "model_inserts_total", lawn)
			must(t, db.Save(&Dog{Name: "Kay"}))
			s.AssertDiff(t, 2, "model_inserts_total", dog)

			cool.Breed = "Wolfhound" // not saved: nothing
			s.AssertDiff(t, 0, "model_updates_total", dog)
			must(t, db.Save(&cool))
			s.AssertDiff(t, 1, "model_updates_total", dog)
			cool.Age = 9
			must(t, db.Save(&cool))
			s.AssertDiff(t, 2, "model_updates_total", dog)

			must(t, db.Delete(&cool))
			s.AssertDiff(t, 1, "model_deletes_total", dog)
			s.AssertDiff(t, 2, "model_inserts_total", dog)
			s.AssertDiff(t, 2, "model_updates_total", dog)

			// Beyond django-prometheus: bulk operations count their rows.
			s = stackpromtest.Take(t, reg)
			bulk := make([]Dog, 10)
			for i := range bulk {
				bulk[i].Name = "bulk"
			}
			must(t, db.Create(&bulk))
			s.AssertDiff(t, 10, "model_inserts_total", dog)
			must(t, db.Model(&Dog{}).Where("name = ?", "bulk").Update("age", 3))
			s.AssertDiff(t, 10, "model_updates_total", dog)
			must(t, db.Where("name = ?", "bulk").Delete(&Dog{}))
			s.AssertDiff(t, 10, "model_deletes_total", dog)

			// An update that matched no row counts nothing (django counts it).
			s = stackpromtest.Take(t, reg)
			must(t, db.Model(&Dog{}).Where("id = ?", 1_000_000).Update("name", "nobody"))
			s.AssertDiff(t, 0, "model_updates_total", dog)

			// Queries, and a failed statement.
			var found []Dog
			must(t, db.Where("name = ?", "Kay").Find(&found))
			s.AssertDiff(t, 1, "model_queries_total", dog)
			if err := db.Table("no_such_table").Model(&Dog{}).Where("1 = 1").Update("name", "x").Error; err == nil {
				t.Error("no error from a missing table")
			}
			s.AssertDiff(t, 0, "model_updates_total", dog)

			// A model that does not name itself is not counted.
			must(t, db.Create(&Cat{Name: "Tom"}))
			if got := stackpromtest.Take(t, reg).Series("model_inserts_total"); got != s.Series("model_inserts_total") {
				t.Errorf("an unnamed model was counted: %s", got)
			}
		})
	}
}

// AllModels counts every model, unnamed ones under their table name.
func TestAllModels(t *testing.T) {
	db, reg := openGorm(t, vendors[0].Fresh(t), gormmetrics.WithAllModels())
	s := stackpromtest.Take(t, reg)
	must(t, db.Create(&[]Cat{{Name: "Tom"}, {Name: "Felix"}}))
	s.AssertDiff(t, 2, "model_inserts_total", prometheus.Labels{"model": "cats"})
	must(t, db.Create(&Dog{Name: "Rex"}))
	s.AssertDiff(t, 1, "model_inserts_total", dog)
	must(t, db.Table("cats").Where("name = ?", "Tom").Delete(map[string]any{}))
	s.AssertDiff(t, 1, "model_deletes_total", prometheus.Labels{"model": "cats"})
}

// Installing the plugin twice is refused by GORM, not a panic.
func TestUseTwice(t *testing.T) {
	db, _ := openGorm(t, vendors[0].Fresh(t))
	if err := db.Use(gormmetrics.MustNew(modelmetrics.MustNew(stackprom.WithRegisterer(nil)))); err == nil {
		t.Error("no error for a second install")
	}
}

// Declaring something that is not a model fails the install.
func TestDeclareError(t *testing.T) {
	db, err := gorm.Open(sqlite.Open(t.TempDir()+"/x.db"), &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		t.Fatal(err)
	}
	p := gormmetrics.MustNew(modelmetrics.MustNew(stackprom.WithRegisterer(nil)), gormmetrics.WithModels(42))
	if err := db.Use(p); err == nil {
		t.Error("no error for a model that is not a struct")
	}
}
