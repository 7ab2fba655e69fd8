package pgxtest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/pgxmetrics"
	"github.com/stackprom/stackprom/internal/testenv"
	"github.com/stackprom/stackprom/modelmetrics"
	"github.com/stackprom/stackprom/sqlmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

var labels = prometheus.Labels{"alias": "pgx", "vendor": "postgresql"}

func pgError() prometheus.Labels {
	return prometheus.Labels{"alias": "pgx", "vendor": "postgresql", "type": "*pgconn.PgError"}
}

func dsn(t *testing.T) string {
	addr := testenv.Addr(t, "STACKPROM_POSTGRES_ADDR", "127.0.0.1:5432")
	if v := os.Getenv("STACKPROM_POSTGRES_DSN"); v != "" {
		return v
	}
	return "postgres://postgres@" + addr + "/test?sslmode=disable"
}

// newPool opens a pool on the test database with a tracer on a fresh
// registry; next, if not nil, is chained.
func newPool(t *testing.T, next any) (*pgxpool.Pool, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	tr, err := pgxmetrics.New(stackprom.WithRegisterer(reg), sqlmetrics.WithAlias("pgx"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pgxpool.ParseConfig(dsn(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 4
	cfg.ConnConfig.Tracer = tr
	if next != nil {
		cfg.ConnConfig.Tracer = tr.Chain(next)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := pool.Ping(context.Background()); err != nil {
		testenv.Unavailable(t, "PostgreSQL: %v", err)
	}
	return pool, reg
}

func table(t *testing.T, pool *pgxpool.Pool) string {
	name := "sqlm_pgx_" + strings.ToLower(strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
	ctx := context.Background()
	if _, err := pool.Exec(ctx, "DROP TABLE IF EXISTS "+name); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "CREATE TABLE "+name+" (id INTEGER PRIMARY KEY, name TEXT)"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Exec(context.Background(), "DROP TABLE IF EXISTS "+name) })
	return name
}

// The database tests of django-prometheus, on pgxpool.

func TestDjangoInvalidSQL(t *testing.T) {
	pool, reg := newPool(t, nil)
	s := stackpromtest.Take(t, reg)
	_, err := pool.Exec(context.Background(), "SELEKT 1")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || err != error(pe) {
		t.Fatalf("error %T %v, want pgx's *pgconn.PgError unchanged", err, err)
	}
	s.AssertDiff(t, 1, "db_errors_total", pgError())
	s.AssertDiff(t, 1, "db_execute_total", labels)
}

func TestDjangoCounters(t *testing.T) {
	pool, reg := newPool(t, nil)
	s := stackpromtest.Take(t, reg)
	for i := 0; i < 200; i++ {
		if _, err := pool.Exec(context.Background(), "SELECT $1::int", i); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"db_execute_total", "db_query_duration_seconds_count"} {
		s.AssertCompare(t, func(b, a float64) bool { return a-b >= 200 && a-b < 205 }, "a delta in [200, 205)", name, labels)
	}
}

func TestDjangoBatchOfFour(t *testing.T) {
	pool, reg := newPool(t, nil)
	tbl := table(t, pool)
	s := stackpromtest.Take(t, reg)
	b := &pgx.Batch{}
	for i := 1; i <= 4; i++ {
		b.Queue("INSERT INTO "+tbl+" VALUES ($1, $2)", i, fmt.Sprint("dog ", i))
	}
	if err := pool.SendBatch(context.Background(), b).Close(); err != nil {
		t.Fatal(err)
	}
	s.AssertDiff(t, 4, "db_execute_many_total", labels)
	s.AssertDiff(t, 4, "db_execute_total", labels)
	s.AssertDiff(t, 1, "db_query_duration_seconds_count", labels)
}

func TestDjangoSelectOne(t *testing.T) {
	pool, reg := newPool(t, nil)
	s := stackpromtest.Take(t, reg)
	for i := 0; i < 20; i++ {
		var n int
		if err := pool.QueryRow(context.Background(), "SELECT 1").Scan(&n); err != nil || n != 1 {
			t.Fatal(n, err)
		}
	}
	s.AssertCompare(t, func(b, a float64) bool { return a-b >= 20 && a-b < 25 }, "a delta in [20, 25)", "db_execute_total", labels)
	if err := pool.QueryRow(context.Background(), "SELECT 1 WHERE false").Scan(new(int)); !errors.Is(err, pgx.ErrNoRows) {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(reg, "db_errors_total"); n != 0 {
		t.Errorf("no rows counted as an error: %d error series", n)
	}
}

func TestBatchWithAFailingQuery(t *testing.T) {
	pool, reg := newPool(t, nil)
	tbl := table(t, pool)
	s := stackpromtest.Take(t, reg)
	b := &pgx.Batch{}
	b.Queue("INSERT INTO " + tbl + " VALUES (1, 'a')")
	b.Queue("INSERT INTO " + tbl + " VALUES (1, 'again')") // duplicate key
	b.Queue("INSERT INTO " + tbl + " VALUES (2, 'b')")
	err := pool.SendBatch(context.Background(), b).Close()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" {
		t.Fatalf("batch error %T %v, want a unique violation", err, err)
	}
	s.AssertDiff(t, 3, "db_execute_many_total", labels) // by queued queries
	s.AssertDiff(t, 1, "db_errors_total", pgError())
}

func TestCopyFrom(t *testing.T) {
	pool, reg := newPool(t, nil)
	tbl := table(t, pool)
	s := stackpromtest.Take(t, reg)
	rows := [][]any{{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}, {5, "e"}}
	n, err := pool.CopyFrom(context.Background(), pgx.Identifier{tbl}, []string{"id", "name"}, pgx.CopyFromRows(rows))
	if err != nil || n != 5 {
		t.Fatal(n, err)
	}
	s.AssertDiff(t, 5, "db_execute_many_total", labels)
	s.AssertDiff(t, 5, "db_execute_total", labels)
	s.AssertDiff(t, 1, "db_query_duration_seconds_count", labels)

	// Copying the same rows again violates the primary key.
	_, err = pool.CopyFrom(context.Background(), pgx.Identifier{tbl}, []string{"id", "name"}, pgx.CopyFromRows(rows))
	if !errors.As(err, new(*pgconn.PgError)) {
		t.Fatalf("error %T %v", err, err)
	}
	s.AssertDiff(t, 6, "db_execute_total", labels)
	s.AssertDiff(t, 1, "db_errors_total", pgError())
}

func TestConnectToClosedPort(t *testing.T) {
	reg := prometheus.NewRegistry()
	tr, err := pgxmetrics.New(stackprom.WithRegisterer(reg), sqlmetrics.WithAlias("pgx"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://postgres@127.0.0.1:%d/test?connect_timeout=5", testenv.FreePort(t)))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Tracer = tr
	_, err = pgx.ConnectConfig(context.Background(), cfg)
	var ce *pgconn.ConnectError
	if !errors.As(err, &ce) || err != error(ce) {
		t.Fatalf("error %T %v, want pgx's *pgconn.ConnectError unchanged", err, err)
	}
	stackpromtest.AssertValue(t, reg, 1, "db_new_connections_total", labels)
	stackpromtest.AssertValue(t, reg, 1, "db_new_connection_errors_total", labels)
}

// appTracer is a tracer an application already had: it records the calls
// it sees and checks that its own context values reach its end calls.
type appTracer struct {
	mu    sync.Mutex
	calls map[string]int
}

type appKey struct{}

func (a *appTracer) add(ctx context.Context, what string) context.Context {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ctx != nil && strings.HasSuffix(what, "End") && ctx.Value(appKey{}) != "mine" {
		what += " without its context value"
	}
	a.calls[what]++
	return context.WithValue(ctx, appKey{}, "mine")
}

func (a *appTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return a.add(ctx, "QueryStart")
}
func (a *appTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	a.add(ctx, "QueryEnd")
}
func (a *appTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return a.add(ctx, "BatchStart")
}
func (a *appTracer) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchQueryData) {
	a.add(ctx, "BatchQuery")
}
func (a *appTracer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchEndData) {
	a.add(ctx, "BatchEnd")
}
func (a *appTracer) TraceConnectStart(ctx context.Context, _ pgx.TraceConnectStartData) context.Context {
	return a.add(ctx, "ConnectStart")
}
func (a *appTracer) TraceConnectEnd(ctx context.Context, _ pgx.TraceConnectEndData) {
	a.add(ctx, "ConnectEnd")
}
func (a *appTracer) TraceAcquireStart(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireStartData) context.Context {
	return a.add(ctx, "AcquireStart")
}
func (a *appTracer) TraceAcquireEnd(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireEndData) {
	a.add(ctx, "AcquireEnd")
}

func TestChain(t *testing.T) {
	app := &appTracer{calls: map[string]int{}}
	pool, reg := newPool(t, app)
	s := stackpromtest.Take(t, reg)
	ctx := context.Background()
	pool.Exec(ctx, "SELECT 1")
	b := &pgx.Batch{}
	b.Queue("SELECT 1")
	b.Queue("SELECT 2")
	pool.SendBatch(ctx, b).Close()
	s.AssertDiff(t, 3, "db_execute_total", labels)
	stackpromtest.AssertValue(t, reg, 1, "db_new_connections_total", labels)
	app.mu.Lock()
	defer app.mu.Unlock()
	want := map[string]int{"ConnectStart": 1, "ConnectEnd": 1, "QueryStart": 1, "QueryEnd": 1,
		"BatchStart": 1, "BatchQuery": 2, "BatchEnd": 1, "AcquireStart": 2, "AcquireEnd": 2}
	// The pool's Ping acquired once more, and pgxpool may open its
	// connection while Ping acquires.
	app.calls["AcquireStart"]--
	app.calls["AcquireEnd"]--
	if fmt.Sprint(app.calls) != fmt.Sprint(want) {
		t.Errorf("the chained tracer saw %v, want %v", app.calls, want)
	}
}

func TestPoolCollector(t *testing.T) {
	pool, _ := newPool(t, nil)
	reg := prometheus.NewRegistry()
	pgxmetrics.MustNewPoolCollector(pool, stackprom.WithRegisterer(reg), sqlmetrics.WithAlias("pgx"))
	pool.Exec(context.Background(), "SELECT 1")
	l := prometheus.Labels{"db_name": "pgx"}
	stackpromtest.AssertValue(t, reg, 4, "pgxpool_max_connections", l)
	stackpromtest.AssertValue(t, reg, 1, "pgxpool_open_connections", l)
	stackpromtest.AssertValue(t, reg, 0, "pgxpool_in_use_connections", l)
	stackpromtest.AssertValue(t, reg, 1, "pgxpool_new_connections_total", l)
	s := stackpromtest.Take(t, reg)
	pool.Exec(context.Background(), "SELECT 1")
	s.AssertDiff(t, 1, "pgxpool_acquires_total", l)
	// 13 pool series and 5 of the alias's database families (the errors
	// family has none yet).
	if n := testutil.CollectAndCount(reg); n != 18 {
		t.Errorf("%d series, want 18", n)
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", err, problems)
	}
}

// With sqlmetrics.WithModels, writes to listed tables count as model
// operations by pgx's rows affected: Exec, INSERT … RETURNING read with
// QueryRow (which database/sql cannot count), batches and CopyFrom.
func TestModels(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := modelmetrics.MustNew(stackprom.WithRegisterer(reg))
	name := "sqlm_pgx_models"
	tables := m.MustTables(map[string]string{name: "dog"})
	tr, err := pgxmetrics.New(stackprom.WithRegisterer(reg), sqlmetrics.WithModels(tables))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pgx.ParseConfig(dsn(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Tracer = tr
	ctx := context.Background()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		testenv.Unavailable(t, "PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	conn.Exec(ctx, "DROP TABLE IF EXISTS "+name)
	if _, err := conn.Exec(ctx, "CREATE TABLE "+name+" (id SERIAL PRIMARY KEY, name TEXT)"); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, "DROP TABLE IF EXISTS "+name)

	dog := prometheus.Labels{"model": "dog"}
	s := stackpromtest.Take(t, reg)
	if _, err := conn.Exec(ctx, "INSERT INTO "+name+" (name) VALUES ($1)", "rex"); err != nil {
		t.Fatal(err)
	}
	var id int
	if err := conn.QueryRow(ctx, "INSERT INTO "+name+" (name) VALUES ($1) RETURNING id", "ada").Scan(&id); err != nil {
		t.Fatal(err)
	}
	b := &pgx.Batch{}
	for _, n := range []string{"bo", "cy", "di"} {
		b.Queue("INSERT INTO "+name+" (name) VALUES ($1)", n)
	}
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{name}, []string{"name"},
		pgx.CopyFromRows([][]any{{"e"}, {"f"}, {"g"}, {"h"}, {"i"}})); err != nil {
		t.Fatal(err)
	}
	s.AssertDiff(t, 10, "model_inserts_total", dog)

	if _, err := conn.Exec(ctx, "UPDATE "+name+" SET name = upper(name) WHERE id <= 2"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "UPDATE "+name+" SET name = 'x' WHERE id = -1"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "DELETE FROM "+name+" WHERE id > 8"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO "+name+" (id) VALUES (1)"); err == nil {
		t.Fatal("duplicate key accepted")
	}
	s.AssertDiff(t, 2, "model_updates_total", dog)
	s.AssertDiff(t, 2, "model_deletes_total", dog)
	s.AssertDiff(t, 10, "model_inserts_total", dog) // the failed insert counts nothing
}
