package cachetest_test

import (
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/cachemetrics"
	"github.com/stackprom/stackprom/stackpromtest"
	"github.com/stackprom/stackprom/test/internal/cachetest"
)

func TestDiff(t *testing.T) {
	reg := prometheus.NewRegistry()
	r, err := cachemetrics.New(stackprom.WithRegisterer(reg), cachemetrics.WithBackend("sessions"))
	if err != nil {
		t.Fatal(err)
	}
	s := stackpromtest.Take(t, reg)
	failed := errors.New("down")
	r.Get(false, nil)
	r.Get(true, nil)
	r.Get(false, failed)
	r.Set(nil)
	r.Set(failed)
	r.Delete(failed)
	want := cachetest.Counts{Gets: 3, Hits: 1, Misses: 1, Fails: 1, Sets: 2, SetFails: 1, Deletes: 1, DeleteFails: 1}
	if got := cachetest.Diff(t, s, "sessions"); got != want {
		t.Errorf("Diff = %v, want %v", got, want)
	}
}
