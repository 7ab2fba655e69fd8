package main

// The end-to-end test of the generated operations files (cmd/stackprom-ops):
// a real Prometheus scrapes the demo in both presets, and a target shaped
// like a django-prometheus service, while the test sends a known load; then
// every recording rule and every dashboard query answers, and the counters
// equal the load.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/cmd/stackprom-ops/opsgen"
	"github.com/stackprom/stackprom/internal/testenv"
)

// rounds is how many times the load visits each route.
const rounds = 3

// request is one request of the load.
type request struct {
	method, path string
	status       int
	view         string // the view it is counted under
}

// loadRound is one visit of every route of the demo, and of a path no
// route matches.
var loadRound = []request{
	{"GET", "/", 200, "index"},
	{"POST", "/", 200, "index"},
	{"GET", "/help", 200, "help"},
	{"GET", "/slow", 200, "slow"},
	{"GET", "/objection", 500, "objection"},
	{"GET", "/file", 200, "file"},
	{"GET", "/download", 200, "download"}, // breaks off half-way: an abort
	{"GET", "/sql", 200, "sql"},
	{"GET", "/cache", 200, "cache"},
	{"POST", "/newlawn/bordeaux", 201, "newlawn"},
	{"GET", "/nowhere", 404, "<unnamed view>"},
}

// noData are the families the demo exposes no series of, whatever the
// load, so the panels that read only them have no data.
var noData = map[string]string{
	"migrations_run_duration_seconds": "pushed by migration jobs, which the demo does not run",
}

// opsTarget is one job Prometheus scrapes.
type opsTarget struct {
	job    string
	naming stackprom.Naming
	url    string         // the demo's base URL
	bundle *opsgen.Bundle // the outputs for its preset
}

func TestOperationsEndToEnd(t *testing.T) {
	begin := time.Now()
	var demos []*opsTarget
	for _, n := range []stackprom.Naming{stackprom.NamingDefault, stackprom.NamingDjango} {
		reg := prometheus.NewRegistry()
		h, err := app(true, settings{db: filepath.Join(t.TempDir(), "demo.db")}, stackprom.WithRegisterer(reg), stackprom.WithNaming(n))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		b, err := opsgen.Generate(opsgen.Options{Naming: n})
		if err != nil {
			t.Fatal(err)
		}
		demos = append(demos, &opsTarget{job: n.String(), naming: n, url: srv.URL, bundle: b})
	}
	def, dj := demos[0], demos[1]
	// A django-prometheus service: the families django-prometheus has, as
	// the django preset names them, with Python's le formatting.
	shim := httptest.NewServer(djangoPrometheusShape(t, dj.url+"/metrics"))
	t.Cleanup(shim.Close)
	djangoprom := &opsTarget{job: "djangoprom", naming: stackprom.NamingDjango, url: shim.URL, bundle: dj.bundle}

	files := map[string][]byte{}
	var cfg strings.Builder
	cfg.WriteString("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nrule_files:\n")
	for _, d := range demos {
		out, err := d.bundle.Files()
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"rules.yml", "alerts.yml"} {
			files[d.job+"-"+name] = out[name]
			fmt.Fprintf(&cfg, "  - %s-%s\n", d.job, name)
		}
	}
	cfg.WriteString("scrape_configs:\n")
	for _, d := range append(slices.Clone(demos), djangoprom) {
		fmt.Fprintf(&cfg, "  - job_name: %s\n    static_configs:\n      - targets: [%q]\n", d.job, strings.TrimPrefix(d.url, "http://"))
	}
	prom := testenv.StartPrometheus(t, testenv.PrometheusConfig{Config: cfg.String(), Files: files})
	started := time.Now()
	t.Logf("demos and Prometheus up in %.1fs", started.Sub(begin).Seconds())

	var wg sync.WaitGroup
	for _, d := range demos {
		wg.Go(func() { sendLoad(t, d.url) })
	}
	wg.Wait()
	loaded := time.Now()
	t.Logf("load sent (%d rounds of %d requests to each demo) in %.1fs", rounds, len(loadRound), loaded.Sub(started).Seconds())

	// The counters equal the load, once a scrape after it is stored.
	for _, d := range append(slices.Clone(demos), djangoprom) {
		for _, c := range expectedCounters(d.naming) {
			query := fmt.Sprintf(`sum by (%s) (%s{job=%q%s})`, c.by, c.family, d.job, c.matchers)
			testenv.Eventually(t, 20*time.Second, func() (bool, string) {
				res, err := prom.Query(query)
				if err != nil {
					return false, err.Error()
				}
				got := map[string]float64{}
				for _, s := range res {
					got[s.Metric[c.by]] = s.Value
				}
				return maps.Equal(got, c.want), fmt.Sprintf("%s = %v, want %v", query, got, c.want)
			})
		}
	}
	counted := time.Now()
	t.Logf("request, query, cache and model counters equal the load after %.1fs", counted.Sub(loaded).Seconds())

	for _, d := range append(slices.Clone(demos), djangoprom) {
		t.Run(d.job, func(t *testing.T) {
			onlyDjango := d == djangoprom
			for _, r := range d.bundle.Rules() {
				if r.Record == "" {
					continue
				}
				query := fmt.Sprintf("%s{job=%q}", r.Record, d.job)
				if onlyDjango && !r.DjangoCompatible {
					expectEmpty(t, prom, query, "a rule beyond django-prometheus")
					continue
				}
				testenv.Eventually(t, 20*time.Second, func() (bool, string) {
					res, err := prom.Query(query)
					if err != nil {
						return false, err.Error()
					}
					return len(res) > 0, "recording rule " + query + " has no series"
				})
			}
			for _, tg := range d.bundle.Targets() {
				query := interpolate(tg.Expr, d.job)
				if why, ok := readsNoData(tg); ok {
					expectEmpty(t, prom, query, why)
					continue
				}
				if onlyDjango && !tg.DjangoCompatible {
					expectEmpty(t, prom, query, "a target beyond django-prometheus")
					continue
				}
				res, err := prom.Query(query)
				if err != nil {
					t.Error(err)
					continue
				}
				if len(res) == 0 {
					t.Errorf("dashboard query %s has no data: make the load produce a series of %v, or list the family in noData with the reason the demo cannot", query, tg.Families)
				}
			}
			for _, v := range d.bundle.Variables {
				values := variableValues(t, prom, v, d.job)
				if len(values) == 0 {
					t.Errorf("variable %s (%s) lists no value for job %s", v.Name, v.Query, d.job)
				}
				if v.Name == "job" && !slices.Contains(values, d.job) {
					t.Errorf("variable job lists %v, not %s", values, d.job)
				}
			}
		})
	}
	checkRuleHealth(t, prom, len(def.bundle.Rules())+len(dj.bundle.Rules()))
	t.Logf("every recording rule and dashboard query answered after %.1fs more; %.1fs in all", time.Since(counted).Seconds(), time.Since(begin).Seconds())

	// promtool check metrics on the default preset's /metrics after the load.
	if out, clean := testenv.CheckMetrics(t, []byte(scrape(t, def.url+"/metrics"))); !clean {
		t.Errorf("promtool check metrics found problems in the demo's /metrics (default preset):\n%s", out)
	}
}

// checkRuleHealth fails unless Prometheus loaded want rules and evaluated
// every one, alerts included, without an error.
func checkRuleHealth(t *testing.T, prom *testenv.Prometheus, want int) {
	t.Helper()
	var res struct {
		Data struct {
			Groups []struct {
				File  string `json:"file"`
				Rules []struct {
					Name      string `json:"name"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	testenv.Eventually(t, 10*time.Second, func() (bool, string) {
		if err := prom.API("rules", nil, &res); err != nil {
			return false, err.Error()
		}
		n := 0
		var bad []string
		for _, g := range res.Data.Groups {
			for _, r := range g.Rules {
				n++
				if r.Health != "ok" {
					bad = append(bad, fmt.Sprintf("%s in %s: health %q %s", r.Name, filepath.Base(g.File), r.Health, r.LastError))
				}
			}
		}
		return n == want && len(bad) == 0, fmt.Sprintf("%d rules loaded, want %d; not ok: %v", n, want, bad)
	})
}

// sendLoad sends rounds visits of loadRound to the demo at base.
func sendLoad(t *testing.T, base string) {
	client := &http.Client{Timeout: 10 * time.Second}
	for range rounds {
		for _, r := range loadRound {
			var body io.Reader
			if r.method == "POST" {
				body = strings.NewReader(url.Values{"name": {"rex"}}.Encode())
			}
			req, _ := http.NewRequest(r.method, base+r.path, body)
			if body != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != r.status {
				t.Errorf("%s %s: status %d, want %d", r.method, r.path, resp.StatusCode, r.status)
			}
		}
	}
}

// counter is a family's expected values after the load, summed by one
// label.
type counter struct {
	family   string
	matchers string // more matchers, each after a comma
	by       string
	want     map[string]float64
}

// expectedCounters are the request, query, cache and model counters the
// load leaves, in the naming preset n: what the demo's README says each
// view does, times the rounds.
func expectedCounters(n stackprom.Naming) []counter {
	name := func(def string) string {
		for _, f := range stackprom.Families() {
			if f.Name == def {
				return f.FullName(n, "")
			}
		}
		panic("no family " + def)
	}
	views := map[string]float64{}
	for _, r := range loadRound {
		views[r.view] += rounds
	}
	sqlViews := float64(rounds) // GET /sql per round
	lawns := float64(rounds)    // POST /newlawn per round
	caches := float64(rounds)   // GET /cache per round
	return []counter{
		// Every response but the scrapes' own.
		{name("http_responses_by_status_view_method_total"), `, view!="/metrics"`, "view", views},
		{name("http_responses_by_status_view_method_total"), `, status=~"5.."`, "view", map[string]float64{"objection": rounds}},
		// 8 statements per /sql (create, 3 inserts in one ExecMany, count,
		// update, the failing select, delete), 1 per /newlawn.
		{name("db_execute_total"), "", "alias", map[string]float64{"default": 8*sqlViews + lawns}},
		{name("db_execute_many_total"), "", "alias", map[string]float64{"default": 3 * sqlViews}},
		{name("db_errors_total"), "", "alias", map[string]float64{"default": sqlViews}},
		// A get that misses, a set, a get that hits, per /cache.
		{name("cache_get_total"), "", "backend", map[string]float64{"memory": 2 * caches}},
		{name("cache_get_hits_total"), "", "backend", map[string]float64{"memory": caches}},
		{name("cache_get_misses_total"), "", "backend", map[string]float64{"memory": caches}},
		{name("cache_get_fail_total"), "", "backend", map[string]float64{"memory": 0}},
		// The /sql table counts as the model dog, demo_lawn as lawn.
		{name("model_inserts_total"), "", "model", map[string]float64{"dog": 3 * sqlViews, "lawn": lawns}},
		{name("model_updates_total"), "", "model", map[string]float64{"dog": sqlViews, "lawn": 0}},
		{name("model_deletes_total"), "", "model", map[string]float64{"dog": 3 * sqlViews, "lawn": 0}},
	}
}

// interpolate replaces the dashboard's variables as Grafana does when one
// job is selected and every instance, view, alias and backend.
func interpolate(expr, job string) string {
	return strings.NewReplacer(
		"$__rate_interval", "1m",
		`"$job"`, strconv.Quote(regexp.QuoteMeta(job)),
		`"$instance"`, `".*"`,
		`"$view"`, `".*"`,
		`"$alias"`, `".*"`,
		`"$backend"`, `".*"`,
	).Replace(expr)
}

// readsNoData reports whether a target reads only families the demo has
// no series of, and why.
func readsNoData(tg opsgen.Target) (string, bool) {
	var why []string
	for _, f := range tg.Families {
		w, ok := noData[strings.TrimPrefix(f, "django_")]
		if !ok {
			return "", false
		}
		why = append(why, f+": "+w)
	}
	return strings.Join(why, "; "), len(why) > 0
}

// expectEmpty fails unless query answers with no series: the panel shows
// no data rather than an error or a wrong value.
func expectEmpty(t *testing.T, prom *testenv.Prometheus, query, why string) {
	t.Helper()
	res, err := prom.Query(query)
	if err != nil {
		t.Errorf("%s (%s): %v", query, why, err)
	} else if len(res) > 0 {
		t.Errorf("%s (%s) has data: %v", query, why, res)
	}
}

// variableValues lists a dashboard variable's values as Grafana does for
// label_values(selector, label): the label's values over the selector's
// series.
func variableValues(t *testing.T, prom *testenv.Prometheus, v opsgen.Variable, job string) []string {
	t.Helper()
	inner, ok := strings.CutPrefix(v.Query, "label_values(")
	if !ok || !strings.HasSuffix(inner, ")") {
		t.Fatalf("variable %s: query %q is not label_values(…)", v.Name, v.Query)
	}
	inner = strings.TrimSuffix(inner, ")")
	i := strings.LastIndex(inner, ", ")
	selector, label := interpolate(inner[:i], job), inner[i+2:]
	var res struct {
		Data []string `json:"data"`
	}
	if err := prom.API("label/"+label+"/values", url.Values{"match[]": {selector}}, &res); err != nil {
		t.Fatal(err)
	}
	return res.Data
}

// djangoPrometheusShape serves what a django-prometheus service exposes,
// derived from a django-preset /metrics at src: only the families
// django-prometheus has (no in-flight gauge, no set, delete or latency of
// caches, no model queries, no dirty flag or migration version, no pool
// statistics, no Go runtime), with le values written as Python writes them
// (le="1.0", le="128.0").
func djangoPrometheusShape(t *testing.T, src string) http.Handler {
	keep := map[string]bool{}
	for _, f := range stackprom.Families() {
		if f.DjangoPrometheus {
			keep[f.DjangoName] = true
		}
	}
	le := regexp.MustCompile(`le="([0-9]+)"`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), "GET", src, nil)
		req.Header.Set("Accept", "text/plain; version=0.0.4")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		var out bytes.Buffer
		lines := bufio.NewScanner(resp.Body)
		lines.Buffer(nil, 1<<20)
		for lines.Scan() {
			line := lines.Text()
			name := line
			if f := strings.Fields(line); len(f) >= 3 && (f[1] == "HELP" || f[1] == "TYPE") {
				name = f[2]
			} else if i := strings.IndexAny(line, "{ "); i > 0 {
				name = line[:i]
			}
			base := name
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				if b, ok := strings.CutSuffix(name, s); ok && keep[b] {
					base = b
				}
			}
			if !keep[base] {
				continue
			}
			out.WriteString(le.ReplaceAllString(line, `le="$1.0"`) + "\n")
		}
		if err := lines.Err(); err != nil {
			t.Errorf("reading %s: %v", src, err)
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Write(out.Bytes())
	})
}
