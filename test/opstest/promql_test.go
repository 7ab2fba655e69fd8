package opstest

import (
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/cmd/stackprom-ops/opsgen"
)

// variants are the option sets the outputs are checked for: both presets
// as committed, and both with a namespace and constant labels.
func variants() []opsgen.Options {
	var out []opsgen.Options
	for _, n := range []stackprom.Naming{stackprom.NamingDefault, stackprom.NamingDjango} {
		out = append(out,
			opsgen.Options{Naming: n},
			opsgen.Options{Naming: n, Namespace: "shop", ConstLabels: map[string]string{"service": "shop", "region": `eu "west"`}})
	}
	return out
}

func generate(t *testing.T, o opsgen.Options) *opsgen.Bundle {
	t.Helper()
	b, err := opsgen.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// grafana replaces the dashboard's variables by what Grafana puts there:
// regular expressions, and a duration for $__rate_interval.
var grafana = strings.NewReplacer(
	"$__rate_interval", "1m",
	"$job", "shop", "$instance", ".*", "$view", ".*", "$alias", ".*", "$backend", ".*",
)

var promql = parser.NewParser(parser.Options{})

// metricNames returns the names of the series an expression selects, a
// histogram's _bucket suffix removed, in order of first use.
func metricNames(t *testing.T, e parser.Expr) []string {
	t.Helper()
	var names []string
	for _, ms := range parser.ExtractSelectors(e) {
		for _, m := range ms {
			if m.Name == model.MetricNameLabel {
				if m.Type != labels.MatchEqual {
					t.Errorf("%s: selects metric names by %s", e, m)
				}
				n := strings.TrimSuffix(m.Value, "_bucket")
				if !slices.Contains(names, n) {
					names = append(names, n)
				}
			}
		}
	}
	return names
}

// constMatchers checks that every selector of e selects the constant labels.
func constMatchers(t *testing.T, what string, e parser.Expr, want map[string]string) {
	t.Helper()
	for _, ms := range parser.ExtractSelectors(e) {
		got := map[string]string{}
		for _, m := range ms {
			if _, ok := want[m.Name]; ok && m.Type == labels.MatchEqual {
				got[m.Name] = m.Value
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: a selector has constant labels %v, want %v", what, got, want)
		}
	}
}

// Every rule, dashboard target and variable parses with Prometheus's own
// PromQL parser, selects the constant labels, and reads exactly the
// families opsgen lists for it.
func TestEveryExpressionParses(t *testing.T) {
	for _, o := range variants() {
		b := generate(t, o)
		want := o.ConstLabels
		if want == nil {
			want = map[string]string{}
		}
		n := 0
		for _, r := range b.Rules() {
			e, err := promql.ParseExpr(r.Expr)
			if err != nil {
				t.Errorf("%s: rule %s: %v\n%s", o.Flags(), r.Name(), err, r.Expr)
				continue
			}
			n++
			if got := metricNames(t, e); !slices.Equal(got, r.Families) {
				t.Errorf("%s: rule %s reads %v; opsgen says %v", o.Flags(), r.Name(), got, r.Families)
			}
			constMatchers(t, o.Flags()+" rule "+r.Name(), e, want)
			if r.Record != "" && !model.LegacyValidation.IsValidMetricName(r.Record) {
				t.Errorf("%s: record name %q is not a valid metric name", o.Flags(), r.Record)
			}
		}
		for _, tg := range b.Targets() {
			expr := grafana.Replace(tg.Expr)
			e, err := promql.ParseExpr(expr)
			if err != nil {
				t.Errorf("%s: dashboard target %q: %v\n%s", o.Flags(), tg.Legend, err, expr)
				continue
			}
			n++
			if got := metricNames(t, e); !slices.Equal(got, tg.Families) {
				t.Errorf("%s: target %s reads %v; opsgen says %v", o.Flags(), expr, got, tg.Families)
			}
			constMatchers(t, o.Flags()+" target "+expr, e, want)
		}
		for _, v := range b.Variables {
			inner := strings.TrimSuffix(strings.TrimPrefix(v.Query, "label_values("), ")")
			i := strings.LastIndex(inner, ", ")
			if i < 0 {
				t.Errorf("%s: variable %s: %q is not label_values(selector, label)", o.Flags(), v.Name, v.Query)
				continue
			}
			sel := grafana.Replace(inner[:i])
			if _, err := promql.ParseMetricSelector(sel); err != nil {
				t.Errorf("%s: variable %s: selector %s: %v", o.Flags(), v.Name, sel, err)
			}
			if !model.LegacyValidation.IsValidLabelName(inner[i+2:]) {
				t.Errorf("%s: variable %s lists label %q", o.Flags(), v.Name, inner[i+2:])
			}
			n++
		}
		if n < 60 {
			t.Errorf("%s: only %d expressions parsed", o.Flags(), n)
		}
	}
}

// The rule files pass Prometheus's own validation of rule files: names,
// expressions, durations, and the annotations' templates.
func TestRuleFilesValidate(t *testing.T) {
	for _, o := range variants() {
		files, err := generate(t, o).Files()
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"rules.yml", "alerts.yml"} {
			groups, errs := rulefmt.Parse(files[name], false, model.LegacyValidation, promql, slog.New(slog.DiscardHandler))
			for _, err := range errs {
				t.Errorf("%s: %s: %v", o.Flags(), name, err)
			}
			if groups != nil && len(groups.Groups) == 0 {
				t.Errorf("%s: %s has no group", o.Flags(), name)
			}
		}
	}
}
