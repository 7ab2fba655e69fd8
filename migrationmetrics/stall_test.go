package migrationmetrics_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/internal/migrationtest"
	"github.com/stackprom/stackprom/migrationmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// bound is the longest a step of these tests waits for what should happen
// at once.
const bound = 20 * time.Second

// stalling is a Source that answers at once until stall is called; then
// each read blocks until release, or until its context is done when it
// honours it (as database drivers do), and answers what release gives.
type stalling struct {
	honour  bool
	mu      sync.Mutex
	st      migrationmetrics.Status
	gate    chan struct{} // nil: answer at once
	reads   atomic.Int64
	entered chan struct{}
}

func newStalling(honour bool, st migrationmetrics.Status) *stalling {
	return &stalling{honour: honour, st: st, entered: make(chan struct{}, 64)}
}

func (s *stalling) stall() {
	s.mu.Lock()
	s.gate = make(chan struct{})
	s.mu.Unlock()
}

// release lets the blocked reads answer st, and the later ones at once.
func (s *stalling) release(st migrationmetrics.Status) {
	s.mu.Lock()
	s.st = st
	if s.gate != nil {
		close(s.gate)
		s.gate = nil
	}
	s.mu.Unlock()
}

func (s *stalling) Status(ctx context.Context) (migrationmetrics.Status, error) {
	s.reads.Add(1)
	select {
	case s.entered <- struct{}{}:
	default:
	}
	s.mu.Lock()
	gate := s.gate
	s.mu.Unlock()
	if gate != nil {
		done := ctx.Done()
		if !s.honour {
			done = nil
		}
		select {
		case <-gate:
		case <-done:
			return migrationmetrics.Status{}, ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st, nil
}

// scrapeWithin gathers reg, failing the test if the scrape does not return
// within bound: a scrape must never wait for a stalled read.
func scrapeWithin(t *testing.T, reg prometheus.Gatherer) migrationtest.Status {
	t.Helper()
	done := make(chan migrationtest.Status, 1)
	go func() { done <- migrationtest.Scrape(t, reg) }()
	select {
	case st := <-done:
		return st
	case <-time.After(bound):
		t.Fatalf("a scrape did not return within %v", bound)
		return migrationtest.Status{}
	}
}

func lastSuccess(t *testing.T, reg prometheus.Gatherer) float64 {
	t.Helper()
	v, _ := stackpromtest.Take(t, reg).Value("migrations_last_success_timestamp_seconds", prometheus.Labels{"connection": "default"})
	return v
}

// While the database stalls, scrapes return with the last known values;
// the read that stalls is the only one, and counts nothing until it ends.
// When the database answers again, the next scrape serves the new values.
func TestStalledSourceServesTheLastValues(t *testing.T) {
	reg := prometheus.NewRegistry()
	clk := migrationtest.NewClock()
	src := newStalling(false, migrationmetrics.Status{Applied: 2, Unapplied: 1, Version: 2})
	c := migrationmetrics.MustNew("", src, stackprom.WithRegisterer(reg), migrationmetrics.WithClock(clk.Now),
		migrationmetrics.WithTimeout(time.Hour), migrationmetrics.WithMaxWait(10*time.Millisecond))
	before := migrationtest.Status{Applied: 2, Unapplied: 1, Dirty: 0, Version: 2, Errors: 0}
	if got := scrapeWithin(t, reg); got != before {
		t.Fatalf("before the stall: %+v, want %+v", got, before)
	}
	t0 := float64(clk.Now().Unix())

	src.stall()
	clk.Add(30 * time.Second) // the time-to-live: the next scrape reads
	if got := scrapeWithin(t, reg); got != before {
		t.Errorf("scrape during the stall: %+v, want the last values %+v", got, before)
	}
	// More scrapes, concurrent ones too, while the read hangs: no new read.
	clk.Add(30 * time.Second)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got := scrapeWithin(t, reg); got != before {
				t.Errorf("concurrent scrape during the stall: %+v, want %+v", got, before)
			}
		})
	}
	wg.Wait()
	if n := src.reads.Load(); n != 2 {
		t.Errorf("%d reads, want 2: one before the stall, one that hangs", n)
	}
	if v := lastSuccess(t, reg); v != t0 {
		t.Errorf("last success %v during the stall, want the time of the last read that answered, %v", v, t0)
	}
	if c.Err() != nil {
		t.Errorf("Err() = %v while the read runs, want the last read's (nil)", c.Err())
	}

	// The database answers: the hung read records its answer.
	src.release(migrationmetrics.Status{Applied: 3, Version: 3})
	after := migrationtest.Status{Applied: 3, Unapplied: 0, Dirty: 0, Version: 3, Errors: 0}
	for deadline := time.Now().Add(bound); scrapeWithin(t, reg) != after; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the values did not follow the read that ended: %+v, want %+v", scrapeWithin(t, reg), after)
		}
	}
	if v := lastSuccess(t, reg); v != float64(clk.Now().Unix()) {
		t.Errorf("last success %v after recovery, want %v", v, clk.Now().Unix())
	}
}

// A Source that honours its context (a database driver) ends at the
// timeout: that read counts once; scrapes meanwhile serve the last values
// without counting, and the next read is due after the time-to-live.
func TestStalledSourceTimesOut(t *testing.T) {
	reg := prometheus.NewRegistry()
	clk := migrationtest.NewClock()
	src := newStalling(true, migrationmetrics.Status{Applied: 1, Unapplied: 2, Version: 1})
	c := migrationmetrics.MustNew("", src, stackprom.WithRegisterer(reg), migrationmetrics.WithClock(clk.Now),
		migrationmetrics.WithTimeout(500*time.Millisecond), migrationmetrics.WithMaxWait(0))
	// WithMaxWait(0): even the first scrape does not wait; the read it
	// started answers the next.
	if got := scrapeWithin(t, reg); got.Errors != 0 {
		t.Errorf("first scrape: %+v, want no error", got)
	}
	want := migrationtest.Status{Applied: 1, Unapplied: 2, Dirty: 0, Version: 1, Errors: 0}
	waitFor(t, reg, want)

	src.stall()
	clk.Add(30 * time.Second)
	if got := scrapeWithin(t, reg); got != want {
		t.Errorf("scrape as the read stalls: %+v, want %+v", got, want)
	}
	// At the timeout the read fails, once.
	want.Errors = 1
	waitFor(t, reg, want)
	if !errors.Is(c.Err(), context.DeadlineExceeded) {
		t.Errorf("Err() = %v, want the deadline", c.Err())
	}
	if n := src.reads.Load(); n != 2 {
		t.Errorf("%d reads, want 2", n)
	}
	// Within the time-to-live no read starts; after it, one does, and
	// counts once more.
	if got := scrapeWithin(t, reg); got != want {
		t.Errorf("within the time-to-live: %+v, want %+v", got, want)
	}
	clk.Add(30 * time.Second)
	scrapeWithin(t, reg)
	want.Errors = 2
	waitFor(t, reg, want)
	if n := src.reads.Load(); n != 3 {
		t.Errorf("%d reads, want 3", n)
	}
	src.release(migrationmetrics.Status{Applied: 3, Version: 3})
	clk.Add(30 * time.Second)
	scrapeWithin(t, reg)
	waitFor(t, reg, migrationtest.Status{Applied: 3, Unapplied: 0, Dirty: 0, Version: 3, Errors: 2})
}

// waitFor scrapes reg until it says want, for at most bound.
func waitFor(t *testing.T, reg prometheus.Gatherer, want migrationtest.Status) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for {
		got := scrapeWithin(t, reg)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %+v for %v, want %+v", got, bound, want)
		}
		time.Sleep(time.Millisecond)
	}
}

// Before the first read answers there is nothing to serve: a scrape of a
// stalled database shows no status, no error and no success yet, at once.
func TestStalledAtTheFirstRead(t *testing.T) {
	reg := prometheus.NewRegistry()
	src := newStalling(false, migrationmetrics.Status{Applied: 1})
	src.stall()
	defer src.release(migrationmetrics.Status{Applied: 1})
	migrationmetrics.MustNew("", src, stackprom.WithRegisterer(reg), migrationmetrics.WithMaxWait(10*time.Millisecond))
	want := migrationtest.Status{Applied: -1, Unapplied: -1, Dirty: -1, Version: -1, Errors: 0}
	if got := scrapeWithin(t, reg); got != want {
		t.Errorf("%+v, want %+v", got, want)
	}
	if v := lastSuccess(t, reg); v != 0 {
		t.Errorf("last success %v, want 0", v)
	}
}

// A read that answers within the wait is what the scrape serves.
func TestScrapeWaitsForAHealthyRead(t *testing.T) {
	reg := prometheus.NewRegistry()
	src := newStalling(false, migrationmetrics.Status{})
	src.stall()
	go func() {
		<-src.entered
		src.release(migrationmetrics.Status{Applied: 4, Version: 4})
	}()
	migrationmetrics.MustNew("", src, stackprom.WithRegisterer(reg), migrationmetrics.WithMaxWait(bound))
	want := migrationtest.Status{Applied: 4, Unapplied: 0, Dirty: 0, Version: 4, Errors: 0}
	if got := scrapeWithin(t, reg); got != want {
		t.Errorf("%+v, want the read the scrape started, %+v", got, want)
	}
}

// Refresh waits for the read running rather than starting another; a
// done context ends its wait, not the read.
func TestRefreshJoinsTheReadRunning(t *testing.T) {
	reg := prometheus.NewRegistry()
	src := newStalling(false, migrationmetrics.Status{})
	src.stall()
	c := migrationmetrics.MustNew("", src, stackprom.WithRegisterer(reg), migrationmetrics.WithMaxWait(0))
	scrapeWithin(t, reg) // starts the read, which hangs
	<-src.entered

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := c.Refresh(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Refresh with the read hanging = %v, want its context's deadline", err)
	}
	if n := src.reads.Load(); n != 1 {
		t.Errorf("%d reads, want the one Refresh joined", n)
	}
	done := make(chan error, 1)
	go func() {
		st, err := c.Refresh(context.Background())
		if err == nil && st.Applied != 5 {
			err = errors.New("not the read's answer")
		}
		done <- err
	}()
	src.release(migrationmetrics.Status{Applied: 5, Version: 5})
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Refresh: %v", err)
		}
	case <-time.After(bound):
		t.Fatal("Refresh did not return once the read answered")
	}
}
