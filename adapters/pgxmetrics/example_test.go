package pgxmetrics_test

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/pgxmetrics"
	"github.com/stackprom/stackprom/sqlmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

func Example() {
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	tracer, err := pgxmetrics.New(stackprom.WithRegisterer(reg), sqlmetrics.WithAlias("main"))
	if err != nil {
		panic(err)
	}
	cfg, err := pgxpool.ParseConfig("postgres://app@db.internal:5432/shop")
	if err != nil {
		panic(err)
	}
	cfg.ConnConfig.Tracer = tracer                                // tracer.Chain(yours) keeps a tracer you had
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg) // connects lazily
	if err != nil {
		panic(err)
	}
	defer pool.Close()
	pgxmetrics.MustNewPoolCollector(pool, stackprom.WithRegisterer(reg), sqlmetrics.WithAlias("main"))

	// pgx calls the tracer for every query; here two calls by hand, so that
	// the example runs without a server: a query that worked, one that failed.
	ctx := tracer.TraceQueryStart(context.Background(), nil, pgx.TraceQueryStartData{SQL: "SELECT 1"})
	tracer.TraceQueryEnd(ctx, nil, pgx.TraceQueryEndData{CommandTag: pgconn.NewCommandTag("SELECT 1")})
	ctx = tracer.TraceQueryStart(context.Background(), nil, pgx.TraceQueryStartData{SQL: "SELEKT 1"})
	tracer.TraceQueryEnd(ctx, nil, pgx.TraceQueryEndData{Err: &pgconn.PgError{Code: "42601"}})

	s, _ := stackpromtest.Gather(reg)
	l := prometheus.Labels{"alias": "main", "vendor": "postgresql"}
	v, _ := s.Value("db_execute_total", l)
	fmt.Println("db_execute_total", v)
	l["type"] = "*pgconn.PgError"
	v, _ = s.Value("db_errors_total", l)
	fmt.Println(`db_errors_total{type="*pgconn.PgError"}`, v)
	v, _ = s.Value("pgxpool_max_connections", prometheus.Labels{"db_name": "main"})
	fmt.Println("pgxpool_max_connections", v == float64(cfg.MaxConns))
	// Output:
	// db_execute_total 2
	// db_errors_total{type="*pgconn.PgError"} 1
	// pgxpool_max_connections true
}
