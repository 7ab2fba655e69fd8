package stackprom_test

// Tests of Handler: formats, compression, exemplars, gathering errors and
// the credential checks. Helpers shared by the other test files of the
// package are at the end.

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
)

const openMetricsAccept = "application/openmetrics-text; version=1.0.0"

func TestHandlerServesTextFormatByDefault(t *testing.T) {
	reg := prometheus.NewRegistry()
	jobs := newCounter(reg, "jobs_done_total")
	jobs.Add(3)

	rec := get(t, stackprom.MustNewHandler(stackprom.WithRegisterer(reg)), "/metrics")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200; body:\n%s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q, want the text format", ct)
	}
	if ce := rec.Header().Get("Content-Encoding"); ce != "" {
		t.Errorf("Content-Encoding %q without Accept-Encoding, want none", ce)
	}
	mfs := parseText(t, rec.Body)
	wantSample(t, mfs, 3, "jobs_done_total", nil)
	// The handler's own error counter is registered on the registry and
	// exists at zero for both causes.
	wantSample(t, mfs, 0, "promhttp_metric_handler_errors_total", map[string]string{"cause": "gathering"})
	wantSample(t, mfs, 0, "promhttp_metric_handler_errors_total", map[string]string{"cause": "encoding"})
}

func TestHandlerCompressesWhenAsked(t *testing.T) {
	reg := prometheus.NewRegistry()
	newCounter(reg, "jobs_done_total").Add(5)
	h := stackprom.MustNewHandler(stackprom.WithRegisterer(reg))

	rec := get(t, h, "/metrics", "Accept-Encoding", "gzip")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", rec.Code)
	}
	if ce := rec.Header().Get("Content-Encoding"); ce != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", ce)
	}
	if v := rec.Header().Values("Vary"); !containsFold(v, "Accept-Encoding") {
		t.Errorf("Vary %q does not name Accept-Encoding", v)
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatalf("body is not gzip: %v", err)
	}
	wantSample(t, parseText(t, zr), 5, "jobs_done_total", nil)
}

// traceKey is the context key the tests keep a trace id under, standing in
// for an OpenTelemetry span.
type traceKey struct{}

func traceExemplar(ctx context.Context) prometheus.Labels {
	if id, ok := ctx.Value(traceKey{}).(string); ok {
		return prometheus.Labels{"trace_id": id}
	}
	return nil
}

func TestHandlerNegotiatesOpenMetricsWithExemplars(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := httpmetrics.MustNew(stackprom.WithRegisterer(reg), stackprom.WithExemplar(traceExemplar))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dogs/{id}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "a dog\n") })
	app := m.Instrument(mux)

	const traceID = "0af7651916cd43dd8448eb211c80319c"
	req := httptest.NewRequest(http.MethodGet, "/dogs/7", nil)
	app.ServeHTTP(httptest.NewRecorder(), req.WithContext(context.WithValue(req.Context(), traceKey{}, traceID)))
	// A request without a trace adds an observation but no exemplar.
	app.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/dogs/8", nil))

	h := stackprom.MustNewHandler(stackprom.WithRegisterer(reg))
	rec := get(t, h, "/metrics", "Accept", openMetricsAccept)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text; version=1.0.0") {
		t.Fatalf("Content-Type %q, want OpenMetrics 1.0.0", ct)
	}
	body := rec.Body.String()
	if !strings.HasSuffix(body, "# EOF\n") {
		t.Errorf("OpenMetrics body does not end with # EOF:\n%s", body)
	}
	exemplars := parseExemplars(t, body)
	if len(exemplars) != 2 {
		t.Errorf("%d exemplars, want one on each latency histogram:\n%v", len(exemplars), exemplars)
	}
	for _, c := range []struct {
		bucket string
		labels map[string]string
	}{
		{"http_requests_latency_by_view_method_seconds_bucket", map[string]string{"view": "/dogs/{id}", "method": "GET"}},
		{"http_requests_latency_including_middlewares_seconds_bucket", map[string]string{}},
	} {
		var found []exemplar
		for _, e := range exemplars {
			if e.name == c.bucket && sameLabels(withoutLE(e.labels), c.labels) {
				found = append(found, e)
			}
		}
		if len(found) != 1 {
			t.Errorf("%s%v: %d exemplars, want 1; all: %v", c.bucket, c.labels, len(found), exemplars)
			continue
		}
		e := found[0]
		if !sameLabels(e.exemplar, map[string]string{"trace_id": traceID}) {
			t.Errorf("%s: exemplar labels %v, want trace_id=%s", c.bucket, e.exemplar, traceID)
		}
		le, err := strconv.ParseFloat(e.labels["le"], 64)
		if err != nil || !(e.value >= 0 && e.value <= le) {
			t.Errorf("%s: exemplar value %v is not in the bucket le=%q it is attached to", c.bucket, e.value, e.labels["le"])
		}
		if !e.hasTime {
			t.Errorf("%s: exemplar without a timestamp", c.bucket)
		}
	}

	// The text format carries no exemplars, and still parses.
	text := get(t, h, "/metrics")
	if ct := text.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("without Accept: Content-Type %q, want text", ct)
	}
	wantSample(t, parseText(t, text.Body), 2, "http_requests_by_method_total", map[string]string{"method": "GET"})
}

// failingCollector stands for a collector whose backend is down: it
// describes one family and sends an invalid metric for it on every scrape.
type failingCollector struct{ desc *prometheus.Desc }

func newFailingCollector() failingCollector {
	return failingCollector{prometheus.NewDesc("backend_up", "Whether the backend answers.", nil, nil)}
}

func (c failingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }
func (c failingCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.NewInvalidMetric(c.desc, errors.New("backend unreachable"))
}

// lineLog records what the handler logs.
type lineLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *lineLog) Println(v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}

func (l *lineLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

func TestHandlerServesOtherFamiliesWhenACollectorFails(t *testing.T) {
	for _, c := range []struct {
		name       string
		opts       func(reg *prometheus.Registry) []stackprom.HandlerOption
		wantErrors bool // promhttp_metric_handler_errors_total is in reg
	}{
		{"registerer", func(reg *prometheus.Registry) []stackprom.HandlerOption {
			return []stackprom.HandlerOption{stackprom.WithRegisterer(reg)}
		}, true},
		// Only the gatherer named: the error counter still goes where it is
		// scraped, not into the default registry.
		{"gatherer", func(reg *prometheus.Registry) []stackprom.HandlerOption {
			return []stackprom.HandlerOption{stackprom.WithGatherer(reg)}
		}, true},
		{"nil registerer", func(reg *prometheus.Registry) []stackprom.HandlerOption {
			return []stackprom.HandlerOption{stackprom.WithRegisterer(nil), stackprom.WithGatherer(reg)}
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			newCounter(reg, "jobs_done_total").Add(2)
			reg.MustRegister(newFailingCollector())
			var log lineLog
			h := stackprom.MustNewHandler(append(c.opts(reg), stackprom.WithErrorLog(&log))...)

			first := get(t, h, "/metrics")
			if first.Code != http.StatusOK {
				t.Fatalf("status %d, want 200 with the families that could be gathered; body:\n%s", first.Code, first.Body)
			}
			mfs := parseText(t, first.Body)
			wantSample(t, mfs, 2, "jobs_done_total", nil)
			if _, ok := mfs["backend_up"]; ok {
				t.Errorf("the failing family was served: %v", mfs["backend_up"])
			}
			lines := log.all()
			if len(lines) != 1 || !strings.Contains(lines[0], "backend unreachable") {
				t.Errorf("error log %q, want one line with the collector's error", lines)
			}

			// The next scrape shows the first one's error.
			mfs = parseText(t, get(t, h, "/metrics").Body)
			_, present := mfs["promhttp_metric_handler_errors_total"]
			switch {
			case c.wantErrors:
				wantSample(t, mfs, 1, "promhttp_metric_handler_errors_total", map[string]string{"cause": "gathering"})
				wantSample(t, mfs, 0, "promhttp_metric_handler_errors_total", map[string]string{"cause": "encoding"})
			case present:
				t.Errorf("WithRegisterer(nil) registered promhttp_metric_handler_errors_total")
			}
		})
	}
}

func TestHandlerAnswers500WhenNothingCanBeGathered(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newFailingCollector())
	var log lineLog
	rec := get(t, stackprom.MustNewHandler(stackprom.WithRegisterer(nil), stackprom.WithGatherer(reg), stackprom.WithErrorLog(&log)), "/metrics")
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500; body:\n%s", rec.Code, rec.Body)
	}
	if !strings.Contains(rec.Body.String(), "backend unreachable") {
		t.Errorf("body %q does not report the error", rec.Body)
	}
	if len(log.all()) != 1 {
		t.Errorf("error log %q, want one line", log.all())
	}
}

func TestHandlerChecksCredentials(t *testing.T) {
	basic := func(user, pass string) string {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.SetBasicAuth(user, pass)
		return r.Header.Get("Authorization")
	}
	const (
		basicChallenge  = `Basic realm="metrics", charset="UTF-8"`
		bearerChallenge = `Bearer realm="metrics"`
	)
	for _, c := range []struct {
		name          string
		opt           stackprom.HandlerOption
		authorization string // "" sends none
		want          int
		challenge     string // WWW-Authenticate of a 401
	}{
		{"basic/none", stackprom.WithBasicAuth("prom", "s3cret"), "", 401, basicChallenge},
		{"basic/wrong password", stackprom.WithBasicAuth("prom", "s3cret"), basic("prom", "guess"), 401, basicChallenge},
		{"basic/wrong user", stackprom.WithBasicAuth("prom", "s3cret"), basic("root", "s3cret"), 401, basicChallenge},
		{"basic/password as bearer token", stackprom.WithBasicAuth("prom", "s3cret"), "Bearer s3cret", 401, basicChallenge},
		{"basic/right", stackprom.WithBasicAuth("prom", "s3cret"), basic("prom", "s3cret"), 200, ""},
		{"bearer/none", stackprom.WithBearerToken("t0ken"), "", 401, bearerChallenge},
		{"bearer/wrong", stackprom.WithBearerToken("t0ken"), "Bearer guess", 401, bearerChallenge},
		{"bearer/prefix of the token", stackprom.WithBearerToken("t0ken"), "Bearer t0k", 401, bearerChallenge},
		{"bearer/token and more", stackprom.WithBearerToken("t0ken"), "Bearer t0ken2", 401, bearerChallenge},
		{"bearer/no scheme", stackprom.WithBearerToken("t0ken"), "t0ken", 401, bearerChallenge},
		{"bearer/other scheme", stackprom.WithBearerToken("t0ken"), "Basic t0ken", 401, bearerChallenge},
		{"bearer/no space", stackprom.WithBearerToken("t0ken"), "Bearert0ken", 401, bearerChallenge},
		{"bearer/basic credentials", stackprom.WithBearerToken("t0ken"), basic("prom", "t0ken"), 401, bearerChallenge},
		{"bearer/right", stackprom.WithBearerToken("t0ken"), "Bearer t0ken", 200, ""},
		{"bearer/scheme in lower case", stackprom.WithBearerToken("t0ken"), "bearer t0ken", 200, ""},
		{"bearer/two spaces", stackprom.WithBearerToken("t0ken"), "Bearer  t0ken", 200, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			newCounter(reg, "jobs_done_total").Add(1)
			h, err := stackprom.NewHandler(stackprom.WithRegisterer(reg), c.opt)
			if err != nil {
				t.Fatal(err)
			}
			var header []string
			if c.authorization != "" {
				header = []string{"Authorization", c.authorization}
			}
			rec := get(t, h, "/metrics", header...)
			if rec.Code != c.want {
				t.Fatalf("status %d, want %d", rec.Code, c.want)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != c.challenge {
				t.Errorf("WWW-Authenticate %q, want %q", got, c.challenge)
			}
			if c.want == 200 {
				wantSample(t, parseText(t, rec.Body), 1, "jobs_done_total", nil)
			} else if strings.Contains(rec.Body.String(), "jobs_done_total") {
				t.Errorf("a 401 response leaks metrics:\n%s", rec.Body)
			}
		})
	}
}

// ---- helpers shared by the package's tests ----

func newCounter(reg prometheus.Registerer, name string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: "A counter of the test."})
	reg.MustRegister(c)
	return c
}

// get serves a GET request for target on h, with header pairs.
func get(t testing.TB, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// parseText parses the text exposition format.
func parseText(t testing.TB, r io.Reader) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("parsing the exposition: %v", err)
	}
	return mfs
}

// sampleValue is the value of the counter, gauge or untyped series name
// with exactly these labels.
func sampleValue(mfs map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	mf, ok := mfs[name]
	if !ok {
		return 0, false
	}
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, lp := range m.GetLabel() {
			have[lp.GetName()] = lp.GetValue()
		}
		if !sameLabels(have, labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}

func wantSample(t testing.TB, mfs map[string]*dto.MetricFamily, want float64, name string, labels map[string]string) {
	t.Helper()
	got, ok := sampleValue(mfs, name, labels)
	if !ok || got != want {
		t.Errorf("%s%v = %v (present: %v), want %v; the family is:\n%v", name, labels, got, ok, want, mfs[name])
	}
}

func sameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func withoutLE(l map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range l {
		if k != "le" {
			out[k] = v
		}
	}
	return out
}

func containsFold(values []string, want string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), want) {
				return true
			}
		}
	}
	return false
}

// exemplar is one OpenMetrics sample line that carries an exemplar.
type exemplar struct {
	name     string
	labels   map[string]string
	exemplar map[string]string
	value    float64
	hasTime  bool
}

// parseExemplars returns the sample lines of an OpenMetrics exposition that
// carry an exemplar: `name{labels} value # {labels} value [timestamp]`.
func parseExemplars(t testing.TB, body string) []exemplar {
	t.Helper()
	var out []exemplar
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, labels, rest, err := splitSeries(line)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		_, ex, ok := strings.Cut(rest, " # ")
		if !ok {
			continue
		}
		_, exLabels, exRest, err := splitSeries(ex)
		if err != nil {
			t.Fatalf("exemplar of line %q: %v", line, err)
		}
		fields := strings.Fields(exRest)
		if len(fields) < 1 || len(fields) > 2 {
			t.Fatalf("exemplar of line %q: want a value and an optional timestamp, got %q", line, exRest)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil || math.IsNaN(v) {
			t.Fatalf("exemplar value of line %q: %q", line, fields[0])
		}
		out = append(out, exemplar{name, labels, exLabels, v, len(fields) == 2})
	}
	return out
}

// splitSeries splits `name{a="1",b="2"} rest` (name and labels optional)
// into its parts, unquoting label values.
func splitSeries(s string) (name string, labels map[string]string, rest string, err error) {
	i := strings.IndexAny(s, "{ ")
	if i < 0 {
		return s, nil, "", nil
	}
	name, s = s[:i], s[i:]
	labels = map[string]string{}
	if s[0] == '{' {
		s = s[1:]
		for {
			s = strings.TrimLeft(s, ",")
			if strings.HasPrefix(s, "}") {
				s = s[1:]
				break
			}
			eq := strings.Index(s, `="`)
			if eq < 0 {
				return "", nil, "", fmt.Errorf("no label value in %q", s)
			}
			key := s[:eq]
			s = s[eq+1:]
			quoted, err := strconv.QuotedPrefix(s)
			if err != nil {
				return "", nil, "", fmt.Errorf("label %s: %w", key, err)
			}
			labels[key], err = strconv.Unquote(quoted)
			if err != nil {
				return "", nil, "", fmt.Errorf("label %s: %w", key, err)
			}
			s = s[len(quoted):]
		}
	}
	return name, labels, strings.TrimPrefix(s, " "), nil
}

func TestHandlerWithBothCredentialsAcceptsTheToken(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := stackprom.MustNewHandler(stackprom.WithRegisterer(reg), stackprom.WithBasicAuth("prom", "s3cret"), stackprom.WithBearerToken("t0ken"))
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth("prom", "s3cret")
	if rec := get(t, h, "/metrics", "Authorization", r.Header.Get("Authorization")); rec.Code != http.StatusUnauthorized {
		t.Errorf("basic credentials: status %d, want 401", rec.Code)
	}
	if rec := get(t, h, "/metrics", "Authorization", "Bearer t0ken"); rec.Code != http.StatusOK {
		t.Errorf("bearer token: status %d, want 200", rec.Code)
	}
}
