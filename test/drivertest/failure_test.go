package drivertest

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/internal/testenv"
	"github.com/stackprom/stackprom/sqlmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
	"github.com/stackprom/stackprom/test/internal/dbtest"
)

// TestConnectToClosedPort: nothing listens on the port; the connection
// error is counted and the driver's error comes back unchanged.
func TestConnectToClosedPort(t *testing.T) {
	port := testenv.FreePort(t)
	for _, c := range []struct {
		driver, dsn, vendor string
	}{
		{"pgx", fmt.Sprintf("postgres://postgres@127.0.0.1:%d/test?sslmode=disable&connect_timeout=5", port), sqlmetrics.PostgreSQL},
		{"mysql", fmt.Sprintf("root@tcp(127.0.0.1:%d)/test?timeout=5s", port), sqlmetrics.MySQL},
	} {
		t.Run(c.vendor, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			db, err := sqlmetrics.Open(c.driver, c.dsn, stackprom.WithRegisterer(reg))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			raw, err := sql.Open(c.driver, c.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			wantErr := raw.Ping()
			err = db.Ping()
			if err == nil || reflect.TypeOf(err) != reflect.TypeOf(wantErr) || err.Error() != wantErr.Error() {
				t.Fatalf("error %T %v, want the driver's %T %v", err, err, wantErr, wantErr)
			}
			l := prometheus.Labels{"alias": "default", "vendor": c.vendor}
			// database/sql tries a failing connection once more (ErrBadConn
			// retries do not apply to connecting), so 1 or 2 attempts.
			s := stackpromtest.Take(t, reg)
			v, _ := s.Value("db_new_connection_errors_total", l)
			n, _ := s.Value("db_new_connections_total", l)
			if v < 1 || v != n {
				t.Errorf("connection errors %v, connections %v; want every attempt failed, at least one", v, n)
			}
			t.Logf("%s: %d attempts, error %T", c.vendor, int(v), err)
		})
	}
}

// TestDatabaseStoppedUnderLoad: while four workers query a PostgreSQL, it
// stops; queries fail with counted errors; it comes back and the pool
// recovers. Bounded: at most 3000 queries a worker, 2 s each, and each
// phase waits at most 60 s.
func TestDatabaseStoppedUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own PostgreSQL")
	}
	srv := dbtest.StartPostgres(t)
	reg := prometheus.NewRegistry()
	db, err := sqlmetrics.Open("pgx", srv.DSN(), stackprom.WithRegisterer(reg), sqlmetrics.WithAlias("load"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(4)
	l := prometheus.Labels{"alias": "load", "vendor": sqlmetrics.PostgreSQL}
	before := stackpromtest.Take(t, reg)

	var ok, failed atomic.Int64
	var failures errorTally
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 3000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				var n int
				if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&n); err == nil {
					ok.Add(1)
				} else {
					failed.Add(1)
					failures.add(err)
				}
				cancel()
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 60s (ok %d, failed %d)", what, ok.Load(), failed.Load())
			}
		}
	}
	waitFor("100 queries", func() bool { return ok.Load() >= 100 })
	if failed.Load() != 0 {
		t.Fatalf("%d queries failed with the database up", failed.Load())
	}

	srv.Stop()
	okStopped := ok.Load()
	waitFor("20 failures", func() bool { return failed.Load() >= 20 })

	srv.Start()
	failedBack := failed.Load()
	waitFor("recovery", func() bool { return ok.Load() >= okStopped+200 })
	close(stop)
	wg.Wait()
	stop = make(chan struct{})
	after := stackpromtest.Take(t, reg)

	// Queries failed with counted errors, and reconnection attempts with
	// counted connection errors: every failed query is counted as one or
	// the other (or more than once, as database/sql retries).
	var errs float64
	for typ := range stackpromtest.LabelValues(t, reg, "db_errors_total", "type") {
		v, _ := after.Value("db_errors_total", withType(l, typ))
		errs += v
		t.Logf("errors: %s %v", typ, v)
	}
	connErrs, _ := after.Value("db_new_connection_errors_total", l)
	t.Logf("%d ok before the stop, %d failed until the restart, %d in all (%v statement errors, %v connection errors)",
		okStopped, failedBack, failed.Load(), errs, connErrs)
	if connErrs < 1 {
		t.Error("no connection error counted while the database was down")
	}
	if errs+connErrs < float64(failed.Load()) {
		t.Logf("the queries failed with: %s", failures.String())
		t.Errorf("%d queries failed, %v errors counted", failed.Load(), errs+connErrs)
	}
	// Every query is counted, failed or not: those that reached the driver
	// in executions, the others as connection errors.
	exec, _ := after.Value("db_execute_total", l)
	exec0, _ := before.Value("db_execute_total", l)
	if exec-exec0 < float64(okStopped+200) {
		t.Errorf("executions %v, want at least the %d successful queries", exec-exec0, okStopped+200)
	}
	// The pool recovered: a fresh run of queries all succeed.
	for i := 0; i < 50; i++ {
		if err := db.QueryRow("SELECT 1").Scan(new(int)); err != nil {
			t.Fatalf("after recovery: %v", err)
		}
	}
}

func withType(l prometheus.Labels, typ string) prometheus.Labels {
	out := prometheus.Labels{"type": typ}
	for k, v := range l {
		out[k] = v
	}
	return out
}

// errorTally counts errors by type and message, for the log of a failure.
type errorTally struct {
	mu sync.Mutex
	n  map[string]int
}

func (e *errorTally) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.n == nil {
		e.n = map[string]int{}
	}
	e.n[fmt.Sprintf("%T: %v", err, err)]++
}

func (e *errorTally) String() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var b strings.Builder
	for k, v := range e.n {
		fmt.Fprintf(&b, "\n\t%d × %s", v, k)
	}
	return b.String()
}
