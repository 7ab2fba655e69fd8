package migratetest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/migratemetrics"
	"github.com/stackprom/stackprom/migrationmetrics"
	"github.com/stackprom/stackprom/test/internal/dbtest"
)

// migrationScrape is what one scrape of /metrics said of connection
// "default", and how long it took.
type migrationScrape struct {
	applied, unapplied, errors, lastSuccess float64
	took                                    time.Duration
}

var scrapeClient = &http.Client{Timeout: 20 * time.Second}

func scrapeMigrations(t *testing.T, url string) migrationScrape {
	t.Helper()
	start := time.Now()
	resp, err := scrapeClient.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%s", url, resp.StatusCode, err, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	get := func(name string) float64 {
		for _, m := range mfs[name].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "connection" && l.GetValue() == "default" {
					if m.Counter != nil {
						return m.GetCounter().GetValue()
					}
					return m.GetGauge().GetValue()
				}
			}
		}
		return -1
	}
	return migrationScrape{get("migrations_applied"), get("migrations_unapplied"),
		get("migrations_scrape_errors_total"), get("migrations_last_success_timestamp_seconds"), took}
}

// A PostgreSQL server that stalls (SIGSTOP) does not stall the scrapes: each
// answers within a second with the last values read, every scrape reads
// (WithCacheTTL(0)) but only one read runs at a time, the read that hangs
// counts as one error at its timeout, and the last-success time stays at
// the read before the stall. Resumed (SIGCONT), the server answers again,
// and the gauges follow a migration applied then.
func TestStalledDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own PostgreSQL")
	}
	pg := dbtest.StartPostgres(t)
	b := dbtest.Backend{Driver: "pgx", DSN: pg.DSN()}
	m := migrator(t, b, "migrations")
	if err := m.Steps(2); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	src := migratemetrics.MustNew(sourceOf(t, "migrations"), dbtest.Open(t, "pgx", pg.DSN()))
	migrationmetrics.MustNew("default", src, stackprom.WithRegisterer(reg),
		migrationmetrics.WithCacheTTL(0), migrationmetrics.WithTimeout(2*time.Second))
	srv := httptest.NewServer(stackprom.MustNewHandler(stackprom.WithRegisterer(reg)))
	defer srv.Close()
	url := srv.URL + "/metrics"

	before := scrapeMigrations(t, url)
	if before.applied != 2 || before.unapplied != 1 || before.errors != 0 || before.lastSuccess <= 0 {
		t.Fatalf("before the stall: %+v, want 2 applied, 1 unapplied, no error", before)
	}

	pg.Pause()
	stalled := false
	check := func(s migrationScrape) {
		t.Helper()
		if s.took >= time.Second {
			t.Errorf("a scrape during the stall took %v, want less than 1s", s.took)
		}
		if s.applied != 2 || s.unapplied != 1 || s.lastSuccess != before.lastSuccess {
			t.Errorf("a scrape during the stall: %+v, want the last values and last success %v", s, before.lastSuccess)
		}
	}
	for range 3 { // within the read's timeout: nothing counted yet
		s := scrapeMigrations(t, url)
		check(s)
		if s.errors != 0 {
			t.Errorf("a scrape before the stalled read's timeout counts %v errors, want 0", s.errors)
		}
	}
	// At its timeout the stalled read counts, once; a new one starts and
	// stalls in turn (connections are accepted, never answered).
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		s := scrapeMigrations(t, url)
		check(s)
		if s.errors >= 1 {
			stalled = true
			break
		}
		if time.Now().After(deadline) {
			break
		}
	}
	if !stalled {
		t.Fatal("the stalled read did not count as an error within 30s")
	}

	pg.Resume()
	if err := m.Steps(1); err != nil {
		t.Fatal(err)
	}
	var after migrationScrape
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		after = scrapeMigrations(t, url)
		if after.applied == 3 && after.unapplied == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after SIGCONT and a migration: %+v, want 3 applied, 0 unapplied within 30s", after)
		}
	}
	if after.lastSuccess <= before.lastSuccess {
		t.Errorf("last success %v after recovery, want later than %v", after.lastSuccess, before.lastSuccess)
	}
}
