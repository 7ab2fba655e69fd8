package modelmetrics_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/modelmetrics"
)

// Declared models exist at zero, in both presets, with django-prometheus's
// help texts; the exposition is lint-clean.
func TestExposition(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []modelmetrics.Option
		golden string
	}{
		{"default", nil, `
# HELP model_deletes_total Number of delete operations by model.
# TYPE model_deletes_total counter
model_deletes_total{model="dog"} 1
model_deletes_total{model="lawn"} 0
# HELP model_inserts_total Number of insert operations by model.
# TYPE model_inserts_total counter
model_inserts_total{model="dog"} 12
model_inserts_total{model="lawn"} 0
# HELP model_queries_total Number of query operations by model.
# TYPE model_queries_total counter
model_queries_total{model="dog"} 1
model_queries_total{model="lawn"} 0
# HELP model_updates_total Number of update operations by model.
# TYPE model_updates_total counter
model_updates_total{model="dog"} 2
model_updates_total{model="lawn"} 0
`},
		{"django", []modelmetrics.Option{stackprom.WithNaming(stackprom.NamingDjango), stackprom.WithNamespace("shop")}, `
# HELP shop_django_model_deletes_total Number of delete operations by model.
# TYPE shop_django_model_deletes_total counter
shop_django_model_deletes_total{model="dog"} 1
shop_django_model_deletes_total{model="lawn"} 0
# HELP shop_django_model_inserts_total Number of insert operations by model.
# TYPE shop_django_model_inserts_total counter
shop_django_model_inserts_total{model="dog"} 12
shop_django_model_inserts_total{model="lawn"} 0
# HELP shop_django_model_queries_total Number of query operations by model.
# TYPE shop_django_model_queries_total counter
shop_django_model_queries_total{model="dog"} 1
shop_django_model_queries_total{model="lawn"} 0
# HELP shop_django_model_updates_total Number of update operations by model.
# TYPE shop_django_model_updates_total counter
shop_django_model_updates_total{model="dog"} 2
shop_django_model_updates_total{model="lawn"} 0
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			m := modelmetrics.MustNew(append(tc.opts, stackprom.WithRegisterer(reg))...)
			dog := m.Model("dog")
			m.Model("lawn")
			dog.Inserted(1)
			dog.Inserted(1)
			dog.Inserted(10)
			dog.Updated(1)
			dog.Updated(0) // matched no row: nothing
			dog.Updated(1)
			dog.Deleted(1)
			dog.Deleted(-1)
			dog.Queried()
			if err := testutil.GatherAndCompare(reg, strings.NewReader(tc.golden)); err != nil {
				t.Error(err)
			}
			problems, err := testutil.GatherAndLint(reg)
			if err != nil || len(problems) > 0 {
				t.Errorf("lint: %v %v", problems, err)
			}
		})
	}
}

// Two Metrics on one registry share the families; a model declared twice
// is the same *Model.
func TestShared(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := modelmetrics.MustNew(stackprom.WithRegisterer(reg))
	b := modelmetrics.MustNew(stackprom.WithRegisterer(reg))
	if first, again := a.Model("dog"), a.Model("dog"); first != again {
		t.Error("Model returned two values for one name")
	}
	a.Model("dog").Inserted(1)
	b.Model("dog").Inserted(2)
	if got := testutil.ToFloat64(b.Model("dog").Counter(modelmetrics.Insert)); got != 3 {
		t.Errorf("shared inserts = %v, want 3", got)
	}
}

// Names past the cap share "<other>"; empty and invalid names get a valid
// label value instead of a panic.
func TestBoundedNames(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := modelmetrics.MustNew(stackprom.WithRegisterer(reg), modelmetrics.WithMaxModels(2))
	if got := m.Model("").Name(); got != modelmetrics.Unnamed {
		t.Errorf("empty name: %q", got)
	}
	if got := m.Model("a\xffb").Name(); got != "a\uFFFDb" {
		t.Errorf("invalid UTF-8: %q", got)
	}
	for _, n := range []string{"c", "d", "e"} {
		if got := m.Model(n).Name(); got != modelmetrics.Other {
			t.Errorf("model %q past the cap: %q", n, got)
		}
	}
	if n := testutil.CollectAndCount(reg, "model_inserts_total"); n != 3 {
		t.Errorf("%d series, want 3 (two names and <other>)", n)
	}
	// A long name is cut to 128 bytes.
	name := strings.Repeat("dog", 100)
	long := modelmetrics.MustNew(stackprom.WithRegisterer(prometheus.NewRegistry())).Model(name).Name()
	if len(long) > 128 || !strings.HasSuffix(long, "…") || !strings.HasPrefix(name, strings.TrimSuffix(long, "…")) {
		t.Errorf("long name: %q (%d bytes)", long, len(long))
	}
}

func TestNilModel(t *testing.T) {
	var m *modelmetrics.Model
	m.Inserted(1)
	m.Updated(1)
	m.Deleted(1)
	m.Queried()
	if m.Name() != "" || m.Counter(modelmetrics.Insert) != nil {
		t.Error("nil model has a name or counter")
	}
}

func TestOptionErrors(t *testing.T) {
	for _, o := range []modelmetrics.Option{modelmetrics.WithMaxModels(0), modelmetrics.WithMaxStatements(-1)} {
		if _, err := modelmetrics.New(stackprom.WithRegisterer(nil), o); err == nil || !strings.HasPrefix(err.Error(), "modelmetrics: ") {
			t.Errorf("error %v", err)
		}
	}
	// A family name taken by another kind of collector.
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "model_inserts_total", Help: "x"}))
	if _, err := modelmetrics.New(stackprom.WithRegisterer(reg)); err == nil {
		t.Error("no error for a clashing family")
	}
}

func TestOpString(t *testing.T) {
	for op, want := range map[modelmetrics.Op]string{
		modelmetrics.Insert: "insert", modelmetrics.Update: "update", modelmetrics.Delete: "delete",
		modelmetrics.Query: "query", 9: "Op(9)",
	} {
		if op.String() != want {
			t.Errorf("%d: %q", op, op.String())
		}
	}
}

func BenchmarkModel(b *testing.B) {
	m := modelmetrics.MustNew(stackprom.WithRegisterer(prometheus.NewRegistry()))
	dog := m.Model("dog")
	b.Run("Inserted", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dog.Inserted(1)
		}
	})
	b.Run("Inserted/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				dog.Inserted(1)
			}
		})
	})
	b.Run("Model lookup", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.Model("dog").Updated(2)
		}
	})
}
