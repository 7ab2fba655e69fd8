package migrationmetrics_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/internal/migrationtest"
	"github.com/stackprom/stackprom/migrationmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// source is a Source whose answer tests change; it counts its reads.
type source struct {
	mu    sync.Mutex
	st    migrationmetrics.Status
	err   error
	reads atomic.Int64
}

func (s *source) set(st migrationmetrics.Status, err error) {
	s.mu.Lock()
	s.st, s.err = st, err
	s.mu.Unlock()
}

func (s *source) Status(context.Context) (migrationmetrics.Status, error) {
	s.reads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st, s.err
}

// django-prometheus's test_migrations.py: an empty plan with a, b, c
// applied gives 3 / 0; plan {a} with b, c applied gives 2 / 1; the plan is
// computed once per database (here: once per time-to-live).
func TestDjangoMigrations(t *testing.T) {
	reg := prometheus.NewRegistry()
	known := []int64{1, 2, 3}
	one := &source{}
	one.set(migrationmetrics.Compare(known, []int64{1, 2, 3}), nil)
	two := &source{}
	two.set(migrationmetrics.Compare(known, []int64{2, 3}), nil)
	opts := []migrationmetrics.Option{stackprom.WithRegisterer(reg), stackprom.WithNaming(stackprom.NamingDjango)}
	migrationmetrics.MustNew("fakedb1", one, opts...)
	migrationmetrics.MustNew("fakedb2", two, opts...)

	s := stackpromtest.Take(t, reg)
	for _, c := range []struct {
		conn               string
		applied, unapplied float64
	}{{"fakedb1", 3, 0}, {"fakedb2", 2, 1}} {
		l := prometheus.Labels{"connection": c.conn}
		if v, _ := s.Value("django_migrations_applied_total", l); v != c.applied {
			t.Errorf("%s applied = %v, want %v", c.conn, v, c.applied)
		}
		if v, _ := s.Value("django_migrations_unapplied_total", l); v != c.unapplied {
			t.Errorf("%s unapplied = %v, want %v", c.conn, v, c.unapplied)
		}
	}
	stackpromtest.Take(t, reg)
	if one.reads.Load() != 1 || two.reads.Load() != 1 {
		t.Errorf("reads %d and %d within the time-to-live, want 1 each", one.reads.Load(), two.reads.Load())
	}
}

// The whole exposition, in both presets; the default one is lint-clean.
func TestExposition(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []migrationmetrics.Option
		golden string
	}{
		{"default", nil, `
# HELP migrations_applied Count of applied migrations by database connection
# TYPE migrations_applied gauge
migrations_applied{connection="default",service="shop"} 2
# HELP migrations_dirty 1 when a migration failed half-way on the database connection (the dirty flag), else 0.
# TYPE migrations_dirty gauge
migrations_dirty{connection="default",service="shop"} 1
# HELP migrations_last_success_timestamp_seconds Unix time of the last successful read of the migration status by database connection, 0 before the first.
# TYPE migrations_last_success_timestamp_seconds gauge
migrations_last_success_timestamp_seconds{connection="default",service="shop"} 1.7e+09
# HELP migrations_scrape_errors_total Count of failed reads of the migration status by database connection.
# TYPE migrations_scrape_errors_total counter
migrations_scrape_errors_total{connection="default",service="shop"} 0
# HELP migrations_unapplied Count of unapplied migrations by database connection
# TYPE migrations_unapplied gauge
migrations_unapplied{connection="default",service="shop"} 1
# HELP migrations_version Version of the last migration applied on the database connection, 0 when none is.
# TYPE migrations_version gauge
migrations_version{connection="default",service="shop"} 3
`},
		{"django", []migrationmetrics.Option{stackprom.WithNaming(stackprom.NamingDjango)}, `
# HELP django_migrations_applied_total Count of applied migrations by database connection
# TYPE django_migrations_applied_total gauge
django_migrations_applied_total{connection="default",service="shop"} 2
# HELP django_migrations_dirty 1 when a migration failed half-way on the database connection (the dirty flag), else 0.
# TYPE django_migrations_dirty gauge
django_migrations_dirty{connection="default",service="shop"} 1
# HELP django_migrations_last_success_timestamp_seconds Unix time of the last successful read of the migration status by database connection, 0 before the first.
# TYPE django_migrations_last_success_timestamp_seconds gauge
django_migrations_last_success_timestamp_seconds{connection="default",service="shop"} 1.7e+09
# HELP django_migrations_scrape_errors_total Count of failed reads of the migration status by database connection.
# TYPE django_migrations_scrape_errors_total counter
django_migrations_scrape_errors_total{connection="default",service="shop"} 0
# HELP django_migrations_unapplied_total Count of unapplied migrations by database connection
# TYPE django_migrations_unapplied_total gauge
django_migrations_unapplied_total{connection="default",service="shop"} 1
# HELP django_migrations_version Version of the last migration applied on the database connection, 0 when none is.
# TYPE django_migrations_version gauge
django_migrations_version{connection="default",service="shop"} 3
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			src := &source{}
			src.set(migrationmetrics.CompareVersion([]int64{1, 2, 3}, 3, true), nil)
			now := func() time.Time { return time.Unix(1_700_000_000, 0) }
			opts := append(tc.opts, stackprom.WithRegisterer(reg), migrationmetrics.WithClock(now),
				stackprom.WithConstLabels(prometheus.Labels{"service": "shop"}))
			migrationmetrics.MustNew("", src, opts...)
			if err := testutil.GatherAndCompare(reg, strings.NewReader(tc.golden)); err != nil {
				t.Error(err)
			}
			if tc.name == "default" {
				if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
					t.Errorf("lint: %v %v", problems, err)
				}
			}
		})
	}
}

func value(t *testing.T, s *stackpromtest.Snapshot, name string) (float64, bool) {
	t.Helper()
	return s.Value(name, prometheus.Labels{"connection": "default"})
}

func expect(t *testing.T, reg prometheus.Gatherer, applied, unapplied, errs float64) *stackpromtest.Snapshot {
	t.Helper()
	s := stackpromtest.Take(t, reg)
	for _, c := range []struct {
		name string
		want float64
	}{{"migrations_applied", applied}, {"migrations_unapplied", unapplied}, {"migrations_scrape_errors_total", errs}} {
		v, ok := value(t, s, c.name)
		if c.want < 0 {
			if ok {
				t.Errorf("%s = %v, want no series", c.name, v)
			}
			continue
		}
		if !ok || v != c.want {
			t.Errorf("%s = %v (present %v), want %v", c.name, v, ok, c.want)
		}
	}
	return s
}

// The gauges follow the database once the time-to-live has passed, without
// a restart, and not before.
func TestCacheFollowsMigrations(t *testing.T) {
	reg := prometheus.NewRegistry()
	clk := migrationtest.NewClock()
	src := &source{}
	known := []int64{1, 2, 3}
	src.set(migrationmetrics.CompareVersion(known, 2, false), nil)
	migrationmetrics.MustNew("", src, stackprom.WithRegisterer(reg), migrationmetrics.WithClock(clk.Now))

	expect(t, reg, 2, 1, 0)
	src.set(migrationmetrics.CompareVersion(known, 3, false), nil) // migrate up
	clk.Add(29 * time.Second)
	expect(t, reg, 2, 1, 0) // cached
	clk.Add(time.Second)
	expect(t, reg, 3, 0, 0)
	if n := src.reads.Load(); n != 2 {
		t.Errorf("%d reads, want 2", n)
	}
}

// An unreachable database: New succeeds without reading, the scrape
// answers with the error counter and no made-up status; once the database
// answers the gauges appear, and when it fails again they keep their
// values while the counter moves. Failures are cached like successes.
func TestUnreachable(t *testing.T) {
	reg := prometheus.NewRegistry()
	clk := migrationtest.NewClock()
	src := &source{}
	down := errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	src.set(migrationmetrics.Status{}, down)
	c, err := migrationmetrics.New("", src, stackprom.WithRegisterer(reg), migrationmetrics.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	if src.reads.Load() != 0 {
		t.Fatal("New read the database")
	}
	s := expect(t, reg, -1, -1, 1)
	if v, ok := value(t, s, "migrations_last_success_timestamp_seconds"); !ok || v != 0 {
		t.Errorf("last success = %v %v, want 0", v, ok)
	}
	if !errors.Is(c.Err(), down) || !strings.HasPrefix(c.Err().Error(), "migrationmetrics: ") {
		t.Errorf("Err() = %v", c.Err())
	}
	expect(t, reg, -1, -1, 1) // within the time-to-live: no new attempt
	src.set(migrationmetrics.Status{Applied: 2, Unapplied: 1, Version: 2}, nil)
	clk.Add(30 * time.Second)
	s = expect(t, reg, 2, 1, 1)
	if v, _ := value(t, s, "migrations_last_success_timestamp_seconds"); v != float64(clk.Now().Unix()) {
		t.Errorf("last success = %v, want %v", v, clk.Now().Unix())
	}
	if c.Err() != nil {
		t.Errorf("Err() after a success = %v", c.Err())
	}
	src.set(migrationmetrics.Status{}, down)
	clk.Add(30 * time.Second)
	expect(t, reg, 2, 1, 2)
	if n := src.reads.Load(); n != 3 {
		t.Errorf("%d reads, want 3", n)
	}
}

// A source that ignores its context: the scrape stops waiting at the
// timeout; later scrapes do not start another read while it runs.
func TestTimeout(t *testing.T) {
	reg := prometheus.NewRegistry()
	clk := migrationtest.NewClock()
	release := make(chan struct{})
	var reads atomic.Int64
	src := migrationmetrics.SourceFunc(func(context.Context) (migrationmetrics.Status, error) {
		if reads.Add(1) == 1 {
			<-release // a hung connection
		}
		return migrationmetrics.Status{Applied: 1}, nil
	})
	// The scrape waits for the read's outcome, the timeout, whatever the
	// machine's load: here the timeout is what is tested.
	c := migrationmetrics.MustNew("", src, stackprom.WithRegisterer(reg),
		migrationmetrics.WithClock(clk.Now), migrationmetrics.WithCacheTTL(0),
		migrationmetrics.WithTimeout(20*time.Millisecond), migrationmetrics.WithMaxWait(time.Minute))
	expect(t, reg, -1, -1, 1)
	if !errors.Is(c.Err(), context.DeadlineExceeded) {
		t.Errorf("Err() = %v", c.Err())
	}
	expect(t, reg, -1, -1, 2) // still running: no second read
	if reads.Load() != 1 {
		t.Errorf("%d reads while the first hangs, want 1", reads.Load())
	}
	close(release)
	// The hung read returns; the next scrape reads afresh.
	for i := 0; reads.Load() < 2; i++ {
		if i == 1000 {
			t.Fatal("no second read after the first returned")
		}
		stackpromtest.Take(t, reg)
		time.Sleep(time.Millisecond)
	}
	if st, err := c.Refresh(context.Background()); err != nil || st.Applied != 1 {
		t.Errorf("Refresh = %+v, %v", st, err)
	}
}

// A panicking or lying source is a scrape error, not a crash.
func TestBadSource(t *testing.T) {
	for name, src := range map[string]migrationmetrics.SourceFunc{
		"panic": func(context.Context) (migrationmetrics.Status, error) { panic("boom") },
		"negative": func(context.Context) (migrationmetrics.Status, error) {
			return migrationmetrics.Status{Applied: -1}, nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			c := migrationmetrics.MustNew("", src, stackprom.WithRegisterer(reg))
			expect(t, reg, -1, -1, 1)
			if c.Err() == nil {
				t.Error("no error")
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	reg := prometheus.NewRegistry()
	src := &source{}
	migrationmetrics.MustNew("main", src, stackprom.WithRegisterer(reg))
	for name, f := range map[string]func() error{
		"duplicate":  func() error { _, err := migrationmetrics.New("main", src, stackprom.WithRegisterer(reg)); return err },
		"nil source": func() error { _, err := migrationmetrics.New("x", nil); return err },
		"bad UTF-8":  func() error { _, err := migrationmetrics.New("\xff", src); return err },
		"const label": func() error {
			_, err := migrationmetrics.New("x", src, stackprom.WithConstLabels(prometheus.Labels{"connection": "x"}))
			return err
		},
		"ttl":     func() error { _, err := migrationmetrics.New("x", src, migrationmetrics.WithCacheTTL(-1)); return err },
		"timeout": func() error { _, err := migrationmetrics.New("x", src, migrationmetrics.WithTimeout(0)); return err },
		"clock":   func() error { _, err := migrationmetrics.New("x", src, migrationmetrics.WithClock(nil)); return err },
		"wait":    func() error { _, err := migrationmetrics.New("x", src, migrationmetrics.WithMaxWait(-1)); return err },
	} {
		if err := f(); err == nil || !strings.HasPrefix(err.Error(), "migrationmetrics: ") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Another connection on the same registry is fine.
	if _, err := migrationmetrics.New("replica", src, stackprom.WithRegisterer(reg)); err != nil {
		t.Error(err)
	}
}

// Concurrent scrapes within the time-to-live share one read.
func TestConcurrentScrapes(t *testing.T) {
	reg := prometheus.NewRegistry()
	src := &source{}
	src.set(migrationmetrics.Status{Applied: 3}, nil)
	migrationmetrics.MustNew("", src, stackprom.WithRegisterer(reg))
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := reg.Gather(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := src.reads.Load(); n != 1 {
		t.Errorf("%d reads for 8 concurrent scrapes, want 1", n)
	}
}
