// Package migrationtest holds what the tests of migrationmetrics and its
// adapters (goosemetrics, migratemetrics) share: a clock the test moves by
// hand, and a scrape of the migration gauges of connection "default".
package migrationtest

import (
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom/stackpromtest"
)

// Clock is a clock tests move by hand; its Now suits
// migrationmetrics.WithClock. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock at a fixed instant (Unix time 1,700,000,000).
func NewClock() *Clock { return &Clock{t: time.Unix(1_700_000_000, 0)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Status is what a scrape says of connection "default": the four gauges
// and the scrape-error counter, -1 standing for an absent series.
type Status struct{ Applied, Unapplied, Dirty, Version, Errors float64 }

// Scrape gathers g and returns the Status of connection "default".
func Scrape(t testing.TB, g prometheus.Gatherer) Status {
	t.Helper()
	s := stackpromtest.Take(t, g)
	get := func(name string) float64 {
		v, ok := s.Value(name, prometheus.Labels{"connection": "default"})
		if !ok {
			return -1
		}
		return v
	}
	return Status{get("migrations_applied"), get("migrations_unapplied"), get("migrations_dirty"),
		get("migrations_version"), get("migrations_scrape_errors_total")}
}

// Check reports an error, saying what was checked, when Scrape of g is not
// want.
func Check(t testing.TB, what string, g prometheus.Gatherer, want Status) {
	t.Helper()
	if got := Scrape(t, g); got != want {
		t.Errorf("%s: got %+v, want %+v", what, got, want)
	}
}
