package migrationmetrics_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/internal/migrationtest"
	"github.com/stackprom/stackprom/internal/testenv"
	"github.com/stackprom/stackprom/migrationmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// pushgateway starts the real prometheus-pushgateway on a spare loopback
// port and returns its URL; it is stopped by process id when the test ends.
func pushgateway(t *testing.T) string {
	t.Helper()
	prog := testenv.Program(t, "prometheus-pushgateway")
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	testenv.Start(t, addr, prog, "--web.listen-address="+addr, "--persistence.file=", "--log.level=warn")
	return "http://" + addr
}

// scrape reads what the Pushgateway exposes, as a Gatherer.
func scrape(t *testing.T, url string) prometheus.Gatherer {
	t.Helper()
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		p := expfmt.NewTextParser(model.UTF8Validation)
		mfs, err := p.TextToMetricFamilies(resp.Body)
		if err != nil {
			return nil, err
		}
		out := make([]*dto.MetricFamily, 0, len(mfs))
		for _, mf := range mfs {
			out = append(out, mf)
		}
		return out, nil
	})
}

// A migration job runs and exits: its status and run duration reach the
// Pushgateway, per connection, in the collector's preset.
func TestPushToPushgateway(t *testing.T) {
	url := pushgateway(t)
	clk := migrationtest.NewClock()
	known := []int64{1, 2, 3}
	version := int64(2)
	src := migrationmetrics.SourceFunc(func(context.Context) (migrationmetrics.Status, error) {
		return migrationmetrics.CompareVersion(known, version, false), nil
	})
	opts := []migrationmetrics.Option{stackprom.WithRegisterer(nil), migrationmetrics.WithClock(clk.Now)}
	main := migrationmetrics.MustNew("default", src, opts...)
	replica := migrationmetrics.MustNew("replica", migrationmetrics.SourceFunc(func(context.Context) (migrationmetrics.Status, error) {
		return migrationmetrics.Status{}, errors.New("replica down")
	}), opts...)

	err := migrationmetrics.Run(context.Background(), url, "migrate", main, func(context.Context) error {
		version = 3 // migrate up
		clk.Add(1500 * time.Millisecond)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A second connection pushed by the same job does not erase the first;
	// its read fails, and the error is returned after the push.
	if err := replica.Push(context.Background(), url, "migrate", time.Second); err == nil {
		t.Error("no error for the replica's failed read")
	}

	s := stackpromtest.Take(t, scrape(t, url))
	for _, c := range []struct {
		name string
		conn string
		want float64
	}{
		{"migrations_applied", "default", 3},
		{"migrations_unapplied", "default", 0},
		{"migrations_dirty", "default", 0},
		{"migrations_version", "default", 3},
		{"migrations_run_duration_seconds", "default", 1.5},
		{"migrations_scrape_errors_total", "default", 0},
		{"migrations_last_success_timestamp_seconds", "default", float64(clk.Now().UnixNano()) / 1e9},
		{"migrations_run_duration_seconds", "replica", 1},
		{"migrations_scrape_errors_total", "replica", 1},
	} {
		l := prometheus.Labels{"connection": c.conn, "instance": "", "job": "migrate"}
		if v, ok := s.Value(c.name, l); !ok || v != c.want {
			t.Errorf("%s%v = %v (present %v), want %v\n%s", c.name, l, v, ok, c.want, s.Series(c.name))
		}
	}
	if _, ok := s.Value("migrations_applied", prometheus.Labels{"connection": "replica", "instance": "", "job": "migrate"}); ok {
		t.Error("the replica, never read, has an applied gauge")
	}

	// A failed migration is returned, and pushed too.
	version = 0
	boom := errors.New("boom")
	err = migrationmetrics.Run(context.Background(), url, "migrate", main, func(context.Context) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("Run = %v, want the migration's error", err)
	}
	s = stackpromtest.Take(t, scrape(t, url))
	if v, _ := s.Value("migrations_unapplied", prometheus.Labels{"connection": "default", "instance": "", "job": "migrate"}); v != 3 {
		t.Errorf("unapplied after the failed run = %v, want 3", v)
	}
}

// A Pushgateway that is not there: Push returns an error naming the package.
func TestPushUnreachable(t *testing.T) {
	c := migrationmetrics.MustNew("", migrationmetrics.SourceFunc(func(context.Context) (migrationmetrics.Status, error) {
		return migrationmetrics.Status{}, nil
	}), stackprom.WithRegisterer(nil))
	url := fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t))
	if err := c.Push(context.Background(), url, "migrate", time.Second); err == nil {
		t.Error("no error")
	}
}
