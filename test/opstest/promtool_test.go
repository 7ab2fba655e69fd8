package opstest

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/cmd/stackprom-ops/opsgen"
	"github.com/stackprom/stackprom/internal/testenv"
)

// writeRules writes a bundle's rule files into a new directory.
func writeRules(t *testing.T, b *opsgen.Bundle) string {
	t.Helper()
	files, err := b.Files()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// repoFile is a path from the repository's root.
func repoFile(parts ...string) string {
	return filepath.Join(append([]string{"..", ".."}, parts...)...)
}

// promtool check rules passes on every rule file: the generated ones of
// every variant and the committed ones under ops/; promtool check config
// on ops/prometheus.yml, the configuration the README starts Prometheus
// with, which loads the committed rules.
func TestPromtoolCheckRules(t *testing.T) {
	var files []string
	for _, o := range variants() {
		dir := writeRules(t, generate(t, o))
		files = append(files, filepath.Join(dir, "rules.yml"), filepath.Join(dir, "alerts.yml"))
	}
	for _, preset := range []string{"default", "django"} {
		files = append(files, repoFile("ops", preset, "rules.yml"), repoFile("ops", preset, "alerts.yml"))
	}
	out, ok := testenv.Promtool(t, nil, append([]string{"check", "rules"}, files...)...)
	if !ok {
		t.Errorf("promtool check rules:\n%s", out)
	}
	if n := strings.Count(out, "SUCCESS"); n != len(files) {
		t.Errorf("promtool check rules: %d files passed, want %d:\n%s", n, len(files), out)
	}
	out, ok = testenv.Promtool(t, nil, "check", "config", repoFile("ops", "prometheus.yml"))
	if !ok || !strings.Contains(out, "SUCCESS: 2 rule files found") {
		t.Errorf("promtool check config ops/prometheus.yml:\n%s", out)
	}
}

// The unit tests below run on every variant: each gives a recording rule a
// known input and its value, or makes an alert fire (after its for
// duration, not before) and stay quiet on input that is fine. Every rule
// must have its case, and every case a rule.
func TestPromtoolTestRules(t *testing.T) {
	for _, o := range variants() {
		t.Run(strings.NewReplacer(" ", "_", "'", "").Replace(o.Flags()), func(t *testing.T) {
			b := generate(t, o)
			u := newUnit(t, o)
			for _, r := range b.Rules() {
				u.add(r)
			}
			u.checkCoverage()
			dir := writeRules(t, b)
			tests, err := json.MarshalIndent(u.file, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			// JSON is YAML.
			path := filepath.Join(dir, "rules_test.yml")
			if err := os.WriteFile(path, tests, 0o600); err != nil {
				t.Fatal(err)
			}
			out, ok := testenv.Promtool(t, nil, "test", "rules", path)
			if !ok || !strings.Contains(out, "SUCCESS") {
				t.Errorf("promtool test rules:\n%s\ntests:\n%s", out, tests)
			}
			t.Logf("%d test groups: %d recording rules, %d alerts firing and quiet", len(u.file.Tests), u.records, u.alerts)
		})
	}
}

// The file promtool test rules reads.
type unitFile struct {
	RuleFiles          []string    `json:"rule_files"`
	EvaluationInterval string      `json:"evaluation_interval"`
	Tests              []testGroup `json:"tests"`
}

type testGroup struct {
	Name        string      `json:"name"`
	Interval    string      `json:"interval"`
	InputSeries []inputSpec `json:"input_series"`
	ExprTests   []exprTest  `json:"promql_expr_test,omitempty"`
	AlertTests  []alertTest `json:"alert_rule_test,omitempty"`
}

type inputSpec struct {
	Series string `json:"series"`
	Values string `json:"values"`
}

type exprTest struct {
	Expr       string      `json:"expr"`
	EvalTime   string      `json:"eval_time"`
	ExpSamples []expSample `json:"exp_samples"`
}

type expSample struct {
	Labels string  `json:"labels"`
	Value  float64 `json:"value"`
}

type alertTest struct {
	EvalTime  string     `json:"eval_time"`
	Alertname string     `json:"alertname"`
	ExpAlerts []expAlert `json:"exp_alerts"`
}

type expAlert struct {
	ExpLabels      map[string]string `json:"exp_labels"`
	ExpAnnotations map[string]string `json:"exp_annotations"`
}

// unit builds the unit tests of one variant.
type unit struct {
	t       *testing.T
	o       opsgen.Options
	defRec  map[string]string // record name in this variant → in the default preset without namespace
	file    unitFile
	covered map[string]bool
	records int
	alerts  int
}

func newUnit(t *testing.T, o opsgen.Options) *unit {
	t.Helper()
	// Rules come in one order in every variant, so a recording rule's
	// default-preset name keys its case.
	plain := generate(t, opsgen.Options{}).Rules()
	rules := generate(t, o).Rules()
	if len(plain) != len(rules) {
		t.Fatalf("%d rules in %s, %d in the default preset", len(rules), o.Flags(), len(plain))
	}
	u := &unit{t: t, o: o, defRec: map[string]string{}, covered: map[string]bool{}}
	for i, r := range rules {
		u.defRec[r.Name()] = plain[i].Name()
	}
	u.file = unitFile{RuleFiles: []string{"rules.yml", "alerts.yml"}, EvaluationInterval: "1m"}
	return u
}

// job and instance of every input series.
const job, instance = "shop", "10.0.0.1:8000"

// name is a family's exposed name in the variant.
func (u *unit) name(def string) string {
	for _, f := range stackprom.Families() {
		if f.Name == def {
			return f.FullName(u.o.Naming, u.o.Namespace)
		}
	}
	u.t.Fatalf("no family %s", def)
	return ""
}

// labels renders a label set: job, instance, the constant labels, then
// the given name=value pairs.
func (u *unit) labels(withInstance bool, pairs ...string) string {
	m := map[string]string{"job": job}
	if withInstance {
		m["instance"] = instance
	}
	maps.Copy(m, u.o.ConstLabels)
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+strconv.Quote(m[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// series is an input series of family def (with suffix, such as _bucket).
func (u *unit) series(def, suffix, values string, pairs ...string) inputSpec {
	return inputSpec{Series: u.name(def) + suffix + u.labels(true, pairs...), Values: values}
}

// perMinute is a counter growing by n every minute for 30 minutes: with
// the 1m interval its rate is n/60 per second.
func perMinute(n int) string { return fmt.Sprintf("0+%dx30", n) }

// constant is a gauge at v for 30 minutes.
func constant(v int) string { return fmt.Sprintf("%d+0x30", v) }

// histogram is the buckets of histogram def, labelled with pairs, whose
// observations all fall in (lo, hi]: n a minute; the bounds are among
// django-prometheus's latency buckets.
func (u *unit) histogram(def string, lo, hi float64, n int, pairs ...string) []inputSpec {
	var out []inputSpec
	for _, le := range []float64{0.1, 0.25, 0.5, 1, 2.5} {
		grow := 0
		if le >= hi {
			grow = n
		}
		if le <= lo || le >= hi {
			out = append(out, u.series(def, "_bucket", perMinute(grow), append(slices.Clone(pairs), "le", strconv.FormatFloat(le, 'g', -1, 64))...))
		}
	}
	out = append(out, u.series(def, "_bucket", perMinute(n), append(slices.Clone(pairs), "le", "+Inf")...))
	return out
}

// quantile is histogram_quantile's answer for observations all in (lo,
// hi]: linear interpolation inside the bucket, computed as Prometheus does.
func quantile(q, lo, hi, rate float64) float64 { return lo + (hi-lo)*(q*rate/rate) }

// recordCase is the input of a recording rule and its value.
type recordCase struct {
	input []inputSpec
	want  []expSample // labels beyond the level's job and constant labels
}

// alertCase makes an alert fire, and stay quiet.
type alertCase struct {
	fire, quiet []inputSpec
	pending     string            // an eval time at which the condition holds but not yet for long enough
	at          string            // an eval time at which it fires
	labels      map[string]string // of the firing alert, beyond job, the constant labels and severity
	summary     string
	description string
}

// sample is an expected sample of a recording rule in the variant.
func (u *unit) sample(rec string, v float64, pairs ...string) expSample {
	return expSample{Labels: rec + u.labels(false, pairs...), Value: v}
}

// recordCases are the recording rules' cases, by their default-preset
// name.
func (u *unit) recordCases(rec string) map[string]recordCase {
	responses := []inputSpec{
		u.series("http_responses_by_status_view_method_total", "", perMinute(120), "status", "200", "view", "index", "method", "GET"),
		u.series("http_responses_by_status_view_method_total", "", perMinute(60), "status", "500", "view", "index", "method", "POST"),
		u.series("http_responses_by_status_view_method_total", "", perMinute(60), "status", "200", "view", "help", "method", "GET"),
	}
	latency := u.histogram("http_requests_latency_by_view_method_seconds", 0.25, 0.5, 60, "view", "index", "method", "GET")
	hits := []inputSpec{
		u.series("cache_get_total", "", perMinute(240), "backend", "redis"),
		u.series("cache_get_hits_total", "", perMinute(180), "backend", "redis"),
	}
	model := func(def string) recordCase {
		return recordCase{
			input: []inputSpec{u.series(def, "", perMinute(60), "model", "dog"), u.series(def, "", perMinute(0), "model", "lawn")},
			want:  []expSample{u.sample(rec, 1, "model", "dog"), u.sample(rec, 0, "model", "lawn")},
		}
	}
	return map[string]recordCase{
		"job_view:http_responses_by_status_view_method:rate5m": {responses,
			[]expSample{u.sample(rec, 1, "view", "help"), u.sample(rec, 3, "view", "index")}},
		// A view without 5xx responses has no ratio.
		"job_view:http_responses_by_status_view_method_5xx:ratio_rate5m": {responses,
			[]expSample{u.sample(rec, 1.0/3, "view", "index")}},
		"job_view:http_requests_latency_by_view_method_seconds:p50_rate5m": {latency,
			[]expSample{u.sample(rec, quantile(0.5, 0.25, 0.5, 1), "view", "index")}},
		"job_view:http_requests_latency_by_view_method_seconds:p95_rate5m": {latency,
			[]expSample{u.sample(rec, quantile(0.95, 0.25, 0.5, 1), "view", "index")}},
		"job_view:http_requests_latency_by_view_method_seconds:p99_rate5m": {latency,
			[]expSample{u.sample(rec, quantile(0.99, 0.25, 0.5, 1), "view", "index")}},
		"job_alias:db_execute:rate5m": {
			[]inputSpec{u.series("db_execute_total", "", perMinute(120), "alias", "default", "vendor", "postgresql")},
			[]expSample{u.sample(rec, 2, "alias", "default")}},
		"job_alias:db_errors:rate5m": {
			[]inputSpec{
				u.series("db_errors_total", "", perMinute(60), "alias", "default", "vendor", "postgresql", "type", "*pgconn.PgError"),
				u.series("db_errors_total", "", perMinute(60), "alias", "default", "vendor", "postgresql", "type", "*net.OpError"),
			},
			[]expSample{u.sample(rec, 2, "alias", "default")}},
		"job_alias:db_query_duration_seconds:p99_rate5m": {
			u.histogram("db_query_duration_seconds", 0.25, 0.5, 60, "alias", "default", "vendor", "postgresql"),
			[]expSample{u.sample(rec, quantile(0.99, 0.25, 0.5, 1), "alias", "default")}},
		"job_backend:cache_get_hits:ratio_rate5m": {hits,
			[]expSample{u.sample(rec, 0.75, "backend", "redis")}},
		"job_model:model_inserts:rate5m": model("model_inserts_total"),
		"job_model:model_updates:rate5m": model("model_updates_total"),
		"job_model:model_deletes:rate5m": model("model_deletes_total"),
		"job_model:model_queries:rate5m": model("model_queries_total"),
	}
}

// alertCases are the alerts' cases, by name.
func (u *unit) alertCases() map[string]alertCase {
	responses := func(ok, failed int) []inputSpec {
		return []inputSpec{
			u.series("http_responses_by_status_view_method_total", "", perMinute(ok), "status", "200", "view", "index", "method", "GET"),
			u.series("http_responses_by_status_view_method_total", "", perMinute(failed), "status", "503", "view", "index", "method", "GET"),
		}
	}
	latency := "http_requests_latency_by_view_method_seconds"
	ratio := func(errs, all string, failed, total int, pairs ...string) []inputSpec {
		return []inputSpec{u.series(errs, "", perMinute(failed), pairs...), u.series(all, "", perMinute(total), pairs...)}
	}
	db := []string{"alias", "default", "vendor", "postgresql"}
	cache := []string{"backend", "redis"}
	return map[string]alertCase{
		// 25% of 5xx fires; exactly 5% (the threshold) does not.
		"HTTPHigh5xxRatio": {
			fire: responses(180, 60), quiet: responses(1140, 60), pending: "4m", at: "10m",
			labels:      map[string]string{"view": "index"},
			summary:     "View index of shop answers 25% of its requests with a 5xx status",
			description: "Over the last 5 minutes 25% of the responses of view index (job shop) had a 5xx status, above the threshold of 5%, for 5 minutes.",
		},
		// A 99th percentile in (1s, 2.5s] fires; one in (0.5s, 1s] does not.
		"HTTPSlowView": {
			fire:    u.histogram(latency, 1, 2.5, 60, "view", "index", "method", "GET"),
			quiet:   u.histogram(latency, 0.5, 1, 60, "view", "index", "method", "GET"),
			pending: "9m", at: "15m",
			labels:      map[string]string{"view": "index"},
			summary:     "View index of shop is slow: 99th percentile 2.485s",
			description: "The 99th percentile of the time requests to view index (job shop) spend inside After has been above 1s for 10 minutes; over the last 5 minutes it is 2.485s.",
		},
		"DatabaseErrors": {
			fire:  ratio("db_errors_total", "db_execute_total", 60, 600, append(slices.Clone(db), "type", "*pgconn.PgError")...),
			quiet: ratio("db_errors_total", "db_execute_total", 0, 600, append(slices.Clone(db), "type", "*pgconn.PgError")...),
			// db_errors_total has a type label db_execute_total lacks.
			pending: "4m", at: "10m",
			labels:      map[string]string{"alias": "default"},
			summary:     "10% of the statements of shop on database default fail",
			description: "Over the last 5 minutes 10% of the statements executed on database default (job shop) failed, above the threshold of 5%, for 5 minutes.",
		},
		"DatabaseConnectionErrors": {
			fire:    []inputSpec{u.series("db_new_connection_errors_total", "", perMinute(60), db...)},
			quiet:   []inputSpec{u.series("db_new_connection_errors_total", "", perMinute(0), db...)},
			pending: "4m", at: "10m",
			labels:      map[string]string{"alias": "default"},
			summary:     "shop fails to open connections to database default",
			description: "Opening a connection to database default (job shop) has failed for 5 minutes, 1 times a second over the last 5 minutes.",
		},
		"CacheFailures": {
			fire:    ratio("cache_get_fail_total", "cache_get_total", 60, 600, cache...),
			quiet:   ratio("cache_get_fail_total", "cache_get_total", 0, 600, cache...),
			pending: "4m", at: "10m",
			labels:      map[string]string{"backend": "redis"},
			summary:     "10% of the gets of shop on cache redis fail",
			description: "Over the last 5 minutes 10% of the gets on cache redis (job shop) failed (the server down or timing out, not misses), above the threshold of 5%, for 5 minutes.",
		},
		// Unapplied for 10 minutes fires, not at 9.
		"MigrationsUnapplied": {
			fire:    []inputSpec{u.series("migrations_unapplied", "", constant(2), "connection", "default")},
			quiet:   []inputSpec{u.series("migrations_unapplied", "", constant(0), "connection", "default")},
			pending: "9m", at: "11m",
			labels:      map[string]string{"connection": "default"},
			summary:     "Database default of shop lacks 2 migrations",
			description: "The deployed binary of job shop knows 2 migrations that database connection default has not applied, for more than 10 minutes.",
		},
		"MigrationDirty": {
			fire:    []inputSpec{u.series("migrations_dirty", "", constant(1), "connection", "default")},
			quiet:   []inputSpec{u.series("migrations_dirty", "", constant(0), "connection", "default")},
			pending: "4m", at: "6m",
			labels:      map[string]string{"connection": "default"},
			summary:     "A migration of database default of shop failed half-way",
			description: "The migration table of database connection default (job shop) has carried the dirty flag for 5 minutes: a migration failed half-way and nothing migrates until it is repaired.",
		},
		// The test clock starts at the epoch: a last success that stays at
		// 0 ages with it, one that follows the clock (+60 every minute)
		// stays fresh.
		"MigrationStatusUnreadable": {
			fire:    []inputSpec{u.series("migrations_last_success_timestamp_seconds", "", constant(0), "connection", "default")},
			quiet:   []inputSpec{u.series("migrations_last_success_timestamp_seconds", "", perMinute(60), "connection", "default")},
			pending: "14m", at: "20m",
			labels:      map[string]string{"connection": "default", "instance": instance},
			summary:     "10.0.0.1:8000 of shop cannot read the migration status of database default",
			description: "The last successful read of the migration status of database connection default by 10.0.0.1:8000 (job shop) is 20m 0s old (as old as the epoch when no read ever succeeded); until one does, the migration gauges keep the last values read.",
		},
	}
}

// add adds the unit tests of rule r.
func (u *unit) add(r opsgen.Rule) {
	def := u.defRec[r.Name()]
	if r.Record != "" {
		c, ok := u.recordCases(r.Record)[def]
		if !ok {
			u.t.Errorf("recording rule %s (%s in the default preset) has no unit test", r.Record, def)
			return
		}
		u.covered[def] = true
		u.records++
		u.file.Tests = append(u.file.Tests, testGroup{
			Name: r.Record, Interval: "1m", InputSeries: c.input,
			ExprTests: []exprTest{{Expr: r.Record, EvalTime: "10m", ExpSamples: c.want}},
		})
		return
	}
	c, ok := u.alertCases()[r.Alert]
	if !ok {
		u.t.Errorf("alert %s has no unit test", r.Alert)
		return
	}
	u.covered[r.Alert] = true
	u.alerts++
	labels := map[string]string{"job": job, "severity": r.Labels["severity"]}
	maps.Copy(labels, u.o.ConstLabels)
	maps.Copy(labels, c.labels)
	annotations := map[string]string{"summary": c.summary, "description": c.description, "runbook_url": r.Annotations["runbook_url"]}
	u.file.Tests = append(u.file.Tests,
		testGroup{
			Name: r.Alert + " fires", Interval: "1m", InputSeries: c.fire,
			AlertTests: []alertTest{
				{EvalTime: c.pending, Alertname: r.Alert}, // pending: not yet
				{EvalTime: c.at, Alertname: r.Alert, ExpAlerts: []expAlert{{ExpLabels: labels, ExpAnnotations: annotations}}},
			},
		},
		testGroup{
			Name: r.Alert + " stays quiet", Interval: "1m", InputSeries: c.quiet,
			AlertTests: []alertTest{{EvalTime: c.at, Alertname: r.Alert}, {EvalTime: "30m", Alertname: r.Alert}},
		})
}

// checkCoverage fails for a case no rule used.
func (u *unit) checkCoverage() {
	for name := range u.recordCases("x") {
		if !u.covered[name] {
			u.t.Errorf("the unit test of recording rule %s has no rule", name)
		}
	}
	for name := range u.alertCases() {
		if !u.covered[name] {
			u.t.Errorf("the unit test of alert %s has no rule", name)
		}
	}
}
