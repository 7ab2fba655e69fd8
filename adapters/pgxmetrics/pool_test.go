package pgxmetrics_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/pgxmetrics"
	"github.com/stackprom/stackprom/sqlmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// lazyPool is a pool that has not connected: pgxpool connects on first use,
// and Stat answers without a server.
func lazyPool(t *testing.T, maxConns int32) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig("postgres://app@127.0.0.1:1/shop")
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// The pool families take the shared options as every other family does:
// registerer, namespace and constant labels, with the alias as db_name.
func TestPoolCollectorTakesTheSharedOptions(t *testing.T) {
	reg := prometheus.NewRegistry()
	shared := stackprom.Options(stackprom.WithRegisterer(reg), stackprom.WithNamespace("shop"),
		stackprom.WithConstLabels(prometheus.Labels{"service": "kennel"}))
	col, err := pgxmetrics.NewPoolCollector(lazyPool(t, 7), shared, sqlmetrics.WithAlias("main"))
	if err != nil {
		t.Fatal(err)
	}
	l := prometheus.Labels{"db_name": "main", "service": "kennel"}
	stackpromtest.AssertValue(t, reg, 7, "shop_pgxpool_max_connections", l)
	stackpromtest.AssertValue(t, reg, 0, "shop_pgxpool_open_connections", l)
	// The tracer's families of the alias are there too, with the same
	// namespace and labels.
	stackpromtest.AssertValue(t, reg, 0, "shop_db_execute_total",
		prometheus.Labels{"alias": "main", "vendor": "postgresql", "service": "kennel"})

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	pool := 0
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "shop_") {
			t.Errorf("family %s lacks the namespace", mf.GetName())
		}
		if strings.HasPrefix(mf.GetName(), "shop_pgxpool_") {
			pool++
		}
		for _, m := range mf.GetMetric() {
			if !hasLabel(m.GetLabel(), "service", "kennel") {
				t.Errorf("%s lacks the constant label: %v", mf.GetName(), m.GetLabel())
			}
		}
	}
	if pool != 13 {
		t.Errorf("%d pool families, want 13", pool)
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", err, problems)
	}

	if !col.Unregister() {
		t.Error("Unregister found nothing to unregister")
	}
	if _, ok := stackpromtest.Value(t, reg, "shop_pgxpool_max_connections", l); ok {
		t.Error("the pool families are still registered after Unregister")
	}
}

func hasLabel(pairs []*dto.LabelPair, name, value string) bool {
	for _, p := range pairs {
		if p.GetName() == name && p.GetValue() == value {
			return true
		}
	}
	return false
}

func TestPoolCollectorErrors(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := pgxmetrics.NewPoolCollector(lazyPool(t, 2), stackprom.WithRegisterer(reg)); err != nil {
		t.Fatal(err)
	}
	// A second pool with the same alias on the same registry.
	_, err := pgxmetrics.NewPoolCollector(lazyPool(t, 2), stackprom.WithRegisterer(reg))
	if err == nil || !strings.Contains(err.Error(), `pgxmetrics: registering the pool statistics of alias "default"`) {
		t.Errorf("second pool with one alias: error %v", err)
	}
	if _, err := pgxmetrics.NewPoolCollector(nil); err == nil {
		t.Error("nil pool: no error")
	}
	if _, err := pgxmetrics.NewPoolCollector(lazyPool(t, 2), sqlmetrics.WithAlias("")); err == nil {
		t.Error("invalid option: no error")
	}
	// With no registerer, nothing is registered and nothing fails.
	col, err := pgxmetrics.NewPoolCollector(lazyPool(t, 2), stackprom.WithRegisterer(nil))
	if err != nil {
		t.Fatalf("nil registerer: %v", err)
	}
	if col.Unregister() {
		t.Error("nil registerer: Unregister reports a registered collector")
	}
}
