// Package pgxmetrics records django-prometheus's six database families for
// applications that use pgx v5 directly or through pgxpool, through pgx's
// tracer hooks, and exposes pgxpool's statistics as a collector.
//
//	cfg, _ := pgxpool.ParseConfig(dsn)
//	tracer, err := pgxmetrics.New(sqlmetrics.WithAlias("main"))
//	cfg.ConnConfig.Tracer = tracer // or tracer.Chain(theTracerYouHad)
//	pool, err := pgxpool.NewWithConfig(ctx, cfg)
//	stats, err := pgxmetrics.NewPoolCollector(pool, sqlmetrics.WithAlias("main")) // registers itself
//
// What is counted, with the vendor label "postgresql":
//   - every Query, QueryRow and Exec: one execution and one duration
//     observation, failures included; pgx ends a query when its rows are
//     closed, so the duration runs until then;
//   - a batch: one execution and one bulk execution per queued query, one
//     duration observation for the whole batch, one error per failed query
//     (or one for the batch when it failed as a whole);
//   - CopyFrom: one execution and one bulk execution per row copied, one
//     duration observation; a failed copy also counts one failed execution;
//   - an explicit Prepare that fails: one failed execution;
//   - every connection attempt in new connections, a failed one in
//     connection errors too.
//
// Errors count by Go type ("*pgconn.PgError", "*pgconn.ConnectError",
// "context.Canceled", …), as in sqlmetrics; pgx.ErrNoRows is not an error.
//
// Use either this tracer or sqlmetrics's wrapper on a connection, not both:
// pgx's stdlib driver runs its statements through a pgx.Conn, so a
// database/sql database opened through sqlmetrics on a config that also
// carries this tracer would count each statement twice.
package pgxmetrics
