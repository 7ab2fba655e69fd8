package livetest

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql"

	"github.com/stackprom/stackprom/internal/testenv"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "write docs/live.png, the README's screenshot, from the browser test")

// screenshot is the README's picture of the page, relative to this package.
const screenshot = "../../docs/live.png"

// rounds is how many times the load visits every route.
const rounds = 4

// request is one request of the load.
type request struct {
	method, path string
	status       int
	view         string
}

// loadRound visits every view of the demo once, and a path no route
// matches.
var loadRound = []request{
	{"GET", "/", 200, "index"},
	{"POST", "/", 200, "index"},
	{"GET", "/help", 200, "help"},
	{"GET", "/slow", 200, "slow"},
	{"GET", "/objection", 500, "objection"},
	{"GET", "/file", 200, "file"},
	{"GET", "/download", 200, "download"},
	{"GET", "/sql", 200, "sql"},
	{"GET", "/cache", 200, "cache"},
	{"POST", "/newlawn/bordeaux", 201, "newlawn"},
	{"GET", "/nowhere", 404, "<unnamed view>"},
}

// The live page in a real browser: headless Chromium loads /live from the
// demo, the test sends a known load, and once the page shows a sample
// taken after it, every number the page shows for the load's views,
// database alias, cache backend, models and migration connection equals
// what /metrics says over the same window, within the page's rounding;
// and every request the browser made went to the demo's origin.
func TestLivePageInBrowser(t *testing.T) {
	chromium := testenv.Program(t, "chromium")
	begin := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	demo := filepath.Join(dir, "demo")
	args := []string{"build", "-o", demo}
	if race {
		args = append(args, "-race")
	}
	build := exec.CommandContext(ctx, "go", append(args, "github.com/stackprom/stackprom/cmd/demo")...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the demo: %v\n%s", err, out)
	}
	built := time.Now()

	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	testenv.Start(t, addr, demo, "-addr", addr, "-db", filepath.Join(dir, "demo.db"))
	base := "http://" + addr
	before := scrape(t, base)

	// Every request of the tab, recorded from its first command on.
	var mu sync.Mutex
	var requests []string
	bctx := startBrowser(t, ctx, chromium, dir, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		case *network.EventWebSocketCreated:
			requests = append(requests, e.URL)
		}
	})
	if _, err := chromedp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(base+"/live"),
	); err != nil {
		t.Fatal(err)
	}
	opened := time.Now()
	// The first sample, taken when the page was requested, before the load.
	waitPage(t, bctx, `Number(document.getElementById('status').dataset.samples) >= 1`)
	firstSample := time.Now()

	sendLoad(t, base)
	loaded := time.Now()
	// A sample after the load, shown on the page.
	waitPage(t, bctx, fmt.Sprintf(`Number(document.getElementById('status').dataset.now) > %d && document.getElementById('views') !== null`, loaded.UnixMilli()))
	shown := time.Now()
	after := scrape(t, base)

	p, err := chromedp.Run(bctx, chromedp.Evaluate[pageContent](readPage))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the page says: %s", p.Status)
	window := p.Window
	if window <= 0 || p.Now-p.First >= int64(window*1000) {
		t.Fatalf("the window (%v s) does not reach back to the first sample (%d ms before the last)", window, p.Now-p.First)
	}
	delta := func(family string, match map[string]string) float64 {
		return sum(after, family, match) - sum(before, family, match)
	}
	c := &checker{t: t}

	// HTTP: every view of the load, and the totals.
	if !slices.Contains(p.Sections, "http") {
		t.Fatalf("no HTTP section; sections %v", p.Sections)
	}
	views := p.table(t, "views", "view")
	loadTotal, load5xx := 0.0, 0.0
	seen := map[string]bool{}
	for _, r := range loadRound {
		if seen[r.view] {
			continue
		}
		seen[r.view] = true
		row, ok := views[r.view]
		if !ok {
			t.Errorf("view %s is not shown; views %v", r.view, keys(views))
			continue
		}
		m := map[string]string{"view": r.view}
		all := delta("http_responses_by_status_view_method_total", m)
		errs := delta("http_responses_by_status_view_method_total", map[string]string{"view": r.view, "status": "5"})
		if want := float64(rounds * count(r.view)); all != want {
			t.Errorf("view %s: /metrics counts %v responses, the load sent %v", r.view, all, want)
		}
		loadTotal += all
		load5xx += errs
		c.rate("view "+r.view+" requests/s", row["requests"], all/window)
		c.ratio("view "+r.view+" 5xx", row["errors"], errs/all)
		buckets := bucketRates(before, after, "http_requests_latency_by_view_method_seconds", m, window)
		for _, q := range []struct {
			col string
			q   float64
		}{{"p50", 0.5}, {"p95", 0.95}, {"p99", 0.99}} {
			c.duration("view "+r.view+" "+q.col, row[q.col], bucketQuantile(q.q, buckets))
		}
		if html := row["trend:html"]; !strings.Contains(html, "<svg") || (!strings.Contains(html, "<polyline") && !strings.Contains(html, "<circle")) {
			t.Errorf("view %s: no chart in its row", r.view)
		}
	}
	// The totals count the page's own polls and the test's scrapes too,
	// which come on top of the load.
	others := delta("http_responses_by_status_view_method_total", nil) - loadTotal
	got, tol := parse(t, p.Cards["http-requests"])
	if lo, hi := loadTotal/window-tol, (loadTotal+others)/window*1.2+tol; got < lo || got > hi {
		t.Errorf("requests/s card %q: want between %.4g (the load) and %.4g (and every poll and scrape)", p.Cards["http-requests"], lo, hi)
	}
	if got, _ := parse(t, p.Cards["http-5xx"]); got <= 0 || got > load5xx/loadTotal*100 {
		t.Errorf("5xx card %q: want above 0 and at most the load's %.3g %%", p.Cards["http-5xx"], load5xx/loadTotal*100)
	}
	c.exact("in flight", p.Cards["http-inflight"], 0)

	// Database: the alias, its statements, errors, p99 and pool.
	aliases := p.table(t, "db-aliases", "alias")
	if row, ok := aliases["default"]; !ok {
		t.Errorf("alias default is not shown; aliases %v", keys(aliases))
	} else {
		m := map[string]string{"alias": "default"}
		c.rate("alias default statements/s", row["queries"], delta("db_execute_total", m)/window)
		c.rate("alias default errors/s", row["errors"], delta("db_errors_total", m)/window)
		c.duration("alias default p99", row["p99"], bucketQuantile(0.99, bucketRates(before, after, "db_query_duration_seconds", m, window)))
		pool := map[string]string{"db_name": "default"}
		c.exact("alias default in use", row["inUse"], sum(after, "go_sql_in_use_connections", pool))
		c.exact("alias default idle", row["idle"], sum(after, "go_sql_idle_connections", pool))
		c.exact("alias default max open", row["maxOpen"], sum(after, "go_sql_max_open_connections", pool))
		if row["vendor"] != "sqlite" {
			t.Errorf("alias default: vendor %q, want sqlite", row["vendor"])
		}
	}
	errRows := p.table(t, "db-errors", "type")
	if row, ok := errRows["*sqlite.Error"]; !ok {
		t.Errorf("error type *sqlite.Error is not shown; types %v", keys(errRows))
	} else {
		c.rate("errors *sqlite.Error", row["rate"], delta("db_errors_total", map[string]string{"alias": "default", "type": "*sqlite.Error"})/window)
	}

	// Cache.
	backends := p.table(t, "cache-backends", "backend")
	if row, ok := backends["memory"]; !ok {
		t.Errorf("backend memory is not shown; backends %v", keys(backends))
	} else {
		m := map[string]string{"backend": "memory"}
		gets := delta("cache_get_total", m)
		c.rate("backend memory gets/s", row["gets"], gets/window)
		c.ratio("backend memory hit ratio", row["hitRatio"], delta("cache_get_hits_total", m)/gets)
		c.rate("backend memory misses/s", row["misses"], delta("cache_get_misses_total", m)/window)
		c.rate("backend memory get failures/s", row["getFails"], delta("cache_get_fail_total", m)/window)
	}

	// Models.
	models := p.table(t, "models", "model")
	for _, model := range []string{"dog", "lawn"} {
		row, ok := models[model]
		if !ok {
			t.Errorf("model %s is not shown; models %v", model, keys(models))
			continue
		}
		m := map[string]string{"model": model}
		for _, f := range []struct{ col, family string }{
			{"inserts", "model_inserts_total"}, {"updates", "model_updates_total"},
			{"deletes", "model_deletes_total"}, {"queries", "model_queries_total"},
		} {
			c.rate("model "+model+" "+f.col, row[f.col], delta(f.family, m)/window)
		}
	}
	if d := delta("model_inserts_total", map[string]string{"model": "dog"}); d != 3*rounds {
		t.Errorf("/metrics counts %v dog inserts, the load made %d", d, 3*rounds)
	}

	// Migrations.
	migrations := p.table(t, "migrations", "connection")
	if row, ok := migrations["default"]; !ok {
		t.Errorf("connection default is not shown; connections %v", keys(migrations))
	} else {
		m := map[string]string{"connection": "default"}
		c.exact("migrations applied", row["applied"], sum(after, "migrations_applied", m))
		c.exact("migrations unapplied", row["unapplied"], sum(after, "migrations_unapplied", m))
		c.exact("migrations version", row["version"], sum(after, "migrations_version", m))
		if want := map[float64]string{0: "no", 1: "yes"}[sum(after, "migrations_dirty", m)]; row["dirty"] != want {
			t.Errorf("migrations dirty %q, want %q", row["dirty"], want)
		}
		if row["state"] != "up to date" || !strings.Contains(row["lastRead"], "before the sample") {
			t.Errorf("migrations state %q, last read %q", row["state"], row["lastRead"])
		}
	}
	if p.Charts < 3 {
		t.Errorf("%d charts on the page, want the HTTP, database and cache charts", p.Charts)
	}
	t.Logf("%d numbers on the page equal /metrics over the window, within its rounding", c.n)

	if *updateScreenshot {
		// A few more waves of load, one per sample, so that the charts
		// have lines to show.
		for i := 0; i < 8; i++ {
			sendLoad(t, base)
			if i%3 == 0 {
				sendLoad(t, base)
			}
			waitPage(t, bctx, fmt.Sprintf(`Number(document.getElementById('status').dataset.now) > %d`, time.Now().UnixMilli()))
		}
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(screenshot, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", screenshot, len(png))
	}

	// Every request the browser made went to the demo's origin.
	if err := chromedp.Cancel(bctx); err != nil {
		t.Error(err)
	}
	mu.Lock()
	defer mu.Unlock()
	polls := 0
	for _, u := range requests {
		pu, err := url.Parse(u)
		if err != nil || pu.Scheme+"://"+pu.Host != base {
			t.Errorf("the browser requested %s, outside the page's origin %s", u, base)
		}
		if err == nil && pu.Path == "/live" && pu.RawQuery == "format=json" {
			polls++
		}
	}
	if len(requests) == 0 || polls == 0 || requests[0] != base+"/live" {
		t.Errorf("the recorder saw %v: want the page first, then its polls", requests)
	}
	t.Logf("the browser made %d requests: the page %s, %d polls of its data, %s", len(requests), base+"/live", polls, otherRequests(requests))
	t.Logf("timing: demo built in %.1fs; demo and browser up, page open %.1fs later; first sample shown after %.1fs; load sent in %.1fs; a sample after it shown %.1fs later; %.1fs in all, %.1fs without the build",
		built.Sub(begin).Seconds(), opened.Sub(built).Seconds(), firstSample.Sub(opened).Seconds(), loaded.Sub(firstSample).Seconds(),
		shown.Sub(loaded).Seconds(), time.Since(begin).Seconds(), time.Since(built).Seconds())
}

// otherRequests lists the requests that are neither the page nor its polls.
func otherRequests(requests []string) string {
	var out []string
	for _, u := range requests {
		if !strings.HasSuffix(u, "/live") && !strings.HasSuffix(u, "/live?format=json") {
			out = append(out, u)
		}
	}
	if len(out) == 0 {
		return "nothing else"
	}
	return "and " + strings.Join(out, ", ")
}

// startBrowser starts headless Chromium with a fresh profile, in a process
// group of its own, and connects to it; when the test ends, the group is
// stopped by the browser's process id (SIGTERM, then SIGKILL).
func startBrowser(t *testing.T, ctx context.Context, chromium, dir string, listen func(ev any)) context.Context {
	t.Helper()
	port := testenv.FreePort(t)
	cmd := exec.Command(chromium,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
		"--disable-component-update", "--disable-sync", "--disable-quic", "--disable-default-apps",
		"--disable-extensions", "--mute-audio", "--hide-scrollbars", "--force-color-profile=srgb",
		"--font-render-hinting=none", "--lang=en-US",
		"--user-data-dir="+filepath.Join(dir, "chromium-profile"),
		"--remote-debugging-address=127.0.0.1", fmt.Sprintf("--remote-debugging-port=%d", port),
		"about:blank")
	cmd.Env = append(os.Environ(), "TZ=UTC")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		syscall.Kill(-pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			t.Logf("chromium's output:\n%s", out.String())
		}
	})
	// Chromium listens once it is up.
	debug := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get(debug + "/json/version")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case <-done:
			t.Fatalf("chromium exited: %s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromium did not listen on %s within 30s: %v", debug, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	actx, cancelAlloc := remote.NewAllocator(ctx, debug)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithListener(listen))
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	return bctx
}

// waitPage waits, 30 s at most, until cond is true in the page.
func waitPage(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		status, _ := chromedp.Run(ctx, chromedp.TextContent(chromedp.ID("status")))
		t.Fatalf("waiting for %s: %v (the page says %q)", cond, err, status)
	}
}

func count(view string) int {
	n := 0
	for _, r := range loadRound {
		if r.view == view {
			n++
		}
	}
	return n
}

func sendLoad(t *testing.T, base string) {
	t.Helper()
	for i := 0; i < rounds; i++ {
		for _, r := range loadRound {
			var body io.Reader
			req, err := http.NewRequest(r.method, base+r.path, body)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				if r.view == "download" { // breaks off half-way
					continue
				}
				t.Fatal(err)
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != r.status {
				t.Errorf("%s %s: %d, want %d", r.method, r.path, resp.StatusCode, r.status)
			}
			if err != nil && r.view != "download" {
				t.Error(err)
			}
		}
	}
}

// client is the test's HTTP client: every request bounded in time.
var client = &http.Client{Timeout: 10 * time.Second}

// scrape reads the demo's /metrics.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

// matches reports whether m has the labels of match; a value ending the
// match is a prefix ("5" matches every 5xx status).
func matches(m *dto.Metric, match map[string]string) bool {
	for name, want := range match {
		found := false
		for _, lp := range m.GetLabel() {
			if lp.GetName() == name && (lp.GetValue() == want || (len(want) == 1 && strings.HasPrefix(lp.GetValue(), want))) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// sum adds up a counter's or gauge's series that match.
func sum(mfs map[string]*dto.MetricFamily, family string, match map[string]string) float64 {
	total := 0.0
	if mf := mfs[family]; mf != nil {
		for _, m := range mf.GetMetric() {
			if matches(m, match) {
				total += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return total
}

// bucketRates are a histogram's buckets, summed over the series that
// match, as their increase between the scrapes over window: the rates
// over the window when every series starts from zero in it.
func bucketRates(before, after map[string]*dto.MetricFamily, family string, match map[string]string, window float64) promql.Buckets {
	byBound := map[float64]float64{}
	add := func(mfs map[string]*dto.MetricFamily, sign float64) {
		mf := mfs[family]
		if mf == nil {
			return
		}
		for _, m := range mf.GetMetric() {
			if !matches(m, match) {
				continue
			}
			h := m.GetHistogram()
			inf := false
			for _, b := range h.GetBucket() {
				byBound[b.GetUpperBound()] += sign * float64(b.GetCumulativeCount())
				inf = inf || math.IsInf(b.GetUpperBound(), +1)
			}
			if !inf { // the text format has it, a registry's gathering not
				byBound[math.Inf(+1)] += sign * float64(h.GetSampleCount())
			}
		}
	}
	add(after, 1)
	add(before, -1)
	var out promql.Buckets
	for ub, c := range byBound {
		out = append(out, promql.Bucket{UpperBound: ub, Count: c / window})
	}
	return out
}

func bucketQuantile(q float64, b promql.Buckets) float64 {
	v, _, _, _, _, _ := promql.BucketQuantile(q, slices.Clone(b))
	return v
}

// pageContent is what readPage returns: the status line and its data,
// the cards, every table's cells by column, the sections and charts.
type pageContent struct {
	Status   string
	Now      int64
	First    int64
	Window   float64
	Sections []string
	Cards    map[string]string
	Tables   map[string][]map[string]string
	Charts   int
}

// table is the rows of a table by the text of their cell in column key.
func (p *pageContent) table(t *testing.T, id, key string) map[string]map[string]string {
	t.Helper()
	rows, ok := p.Tables[id]
	if !ok {
		t.Errorf("no table %s on the page; tables %v", id, keys(p.Tables))
	}
	out := map[string]map[string]string{}
	for _, r := range rows {
		out[r[key]] = r
	}
	return out
}

// readPage reads the rendered page, as a reader sees it: text, not data.
const readPage = `(() => {
  const st = document.getElementById('status');
  const out = { status: st.textContent, now: Number(st.dataset.now), first: Number(st.dataset.first),
    window: Number(st.dataset.window), sections: [], cards: {}, tables: {}, charts: 0 };
  for (const s of document.querySelectorAll('main section')) out.sections.push(s.id);
  for (const c of document.querySelectorAll('.card')) out.cards[c.id] = c.querySelector('.v').textContent;
  for (const tb of document.querySelectorAll('table')) {
    out.tables[tb.id] = [...tb.querySelectorAll('tbody tr')].map(tr => {
      const row = {};
      for (const td of tr.querySelectorAll('td')) {
        row[td.dataset.col] = td.textContent;
        row[td.dataset.col + ':html'] = td.innerHTML;
      }
      return row;
    });
  }
  out.charts = document.querySelectorAll('.charts svg').length;
  return out;
})()`

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// number is a number as the page writes it: digits, an optional
// exponent, and a unit.
var number = regexp.MustCompile(`^(-?\d+(?:\.(\d+))?(?:e([+-]?\d+))?)\s*(%|ms|s)?$`)

// parse reads a number the page shows, in its base unit (seconds, a
// ratio for %), and the rounding it was shown with: half its last digit.
func parse(t *testing.T, text string) (v, tol float64) {
	t.Helper()
	m := number.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		t.Errorf("the page shows %q, not a number", text)
		return math.NaN(), 0
	}
	v, _ = strconv.ParseFloat(m[1], 64)
	exp := 0
	if m[3] != "" {
		exp, _ = strconv.Atoi(m[3])
	}
	tol = 0.5 * math.Pow(10, float64(exp-len(m[2])))
	switch m[4] {
	case "%":
		v, tol = v/100, tol/100
	case "ms":
		v, tol = v/1000, tol/1000
	}
	return v, tol
}

// checker compares what the page shows with what /metrics says.
type checker struct {
	t *testing.T
	n int
}

func (c *checker) near(what, text string, want float64) {
	c.t.Helper()
	if math.IsNaN(want) || math.IsInf(want, 0) {
		if text != "–" {
			c.t.Errorf("%s: the page shows %q, /metrics has no value", what, text)
		}
		return
	}
	got, tol := parse(c.t, text)
	if math.IsNaN(got) {
		return
	}
	if math.Abs(got-want) > tol+1e-12*math.Abs(want) {
		c.t.Errorf("%s: the page shows %q (%v ± %v), /metrics says %v", what, text, got, tol, want)
		return
	}
	c.n++
}

func (c *checker) rate(what, text string, want float64)     { c.t.Helper(); c.near(what, text, want) }
func (c *checker) ratio(what, text string, want float64)    { c.t.Helper(); c.near(what, text, want) }
func (c *checker) duration(what, text string, want float64) { c.t.Helper(); c.near(what, text, want) }

func (c *checker) exact(what, text string, want float64) {
	c.t.Helper()
	got, err := strconv.ParseFloat(text, 64)
	if err != nil || got != want {
		c.t.Errorf("%s: the page shows %q, /metrics says %v", what, text, want)
		return
	}
	c.n++
}
