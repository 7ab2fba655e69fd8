package opsgen

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/stackprom/stackprom"
)

// DefaultRunbookURL is where the alerts' runbook_url annotations point by
// default: the operations guide of the repository, one section per alert.
const DefaultRunbookURL = "https://github.com/stackprom/stackprom/blob/main/docs/operations.md"

// Options say which service the outputs are for: the options the service
// gives stackprom. The zero value is the default preset without namespace
// or constant labels.
type Options struct {
	// Naming is the service's naming preset (stackprom.WithNaming).
	Naming stackprom.Naming
	// Namespace is the prefix of every family (stackprom.WithNamespace).
	Namespace string
	// ConstLabels are the service's constant labels
	// (stackprom.WithConstLabels): every query selects them, and every
	// recording rule and alert keeps them.
	ConstLabels map[string]string
	// RunbookURL is the page the alerts' runbook_url annotations link to,
	// with "#" and the alert's name in lower case appended. Empty means
	// DefaultRunbookURL.
	RunbookURL string
}

// Bundle is what Generate produces for one set of Options: the recording
// rules, the alerts and the dashboard, as data; Files renders them.
type Bundle struct {
	// Options are the options the bundle was generated for, with the
	// runbook URL filled in.
	Options Options
	// Recording holds the recording rules, one group per component.
	Recording []Group
	// Alerting holds the alerts, one group per component.
	Alerting []Group
	// Variables are the dashboard's query variables, after its data source
	// variable: job, instance, view, alias and backend.
	Variables []Variable
	// Rows are the dashboard's rows, in order.
	Rows []Row
}

// Group is a Prometheus rule group.
type Group struct {
	Name  string
	Rules []Rule
}

// Rule is a recording rule (Record set) or an alert (Alert set).
type Rule struct {
	// Record is the name of the series a recording rule writes, by
	// Prometheus's level:metric:operations convention.
	Record string
	// Alert is the name of an alert.
	Alert string
	// Expr is the rule's PromQL expression.
	Expr string
	// For is how long an alert's condition must hold before it fires, as a
	// Prometheus duration ("5m"); empty fires at once.
	For string
	// Labels are added to the alert (its severity).
	Labels map[string]string
	// Annotations of an alert: summary, description and runbook_url.
	Annotations map[string]string
	// Families are the exposed names of the families Expr reads.
	Families []string
	// DjangoCompatible reports whether every family Expr reads is one
	// django-prometheus has, so that the rule works on a django-prometheus
	// service in the django preset.
	DjangoCompatible bool
}

// Name is the rule's Record or Alert.
func (r Rule) Name() string {
	if r.Alert != "" {
		return r.Alert
	}
	return r.Record
}

// Row is a row of the dashboard: one per component, and one collapsed row
// per component for the families no panel of the first shows.
type Row struct {
	Title     string
	Component string // "http", "db", "cache", "model" or "migration"
	Collapsed bool
	Panels    []Panel
}

// Panel is a dashboard panel.
type Panel struct {
	Title       string
	Description string
	// Kind is the Grafana panel type: "timeseries" or "stat".
	Kind string
	// Unit is the Grafana unit of the values ("reqps", "s", "percentunit", …).
	Unit string
	// RedFrom is the value from which a stat panel turns red; 0 for none.
	RedFrom float64
	Targets []Target
}

// Target is one query of a panel. Its expression holds Grafana's
// variables: $job, $instance, $view, $alias, $backend and
// $__rate_interval.
type Target struct {
	Expr   string
	Legend string
	// Families are the exposed names of the families Expr reads.
	Families []string
	// DjangoCompatible reports whether every family Expr reads is one
	// django-prometheus has.
	DjangoCompatible bool
}

// FileNames are the names of the files Files returns, in the order the
// command writes them.
var FileNames = []string{"dashboard.json", "rules.yml", "alerts.yml"}

var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
var namespaceName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// Generate builds the bundle for o. It fails on a namespace or constant
// label name that is not a valid Prometheus name, on a constant label that
// Prometheus or stackprom sets itself (job, instance, le, a family's own
// labels), and when the family table lacks a family the outputs need.
func Generate(o Options) (*Bundle, error) {
	if o.Naming != stackprom.NamingDefault && o.Naming != stackprom.NamingDjango {
		return nil, fmt.Errorf("opsgen: unknown naming preset %d", o.Naming)
	}
	if o.Namespace != "" && !namespaceName.MatchString(o.Namespace) {
		return nil, fmt.Errorf("opsgen: namespace %q is not a valid metric name prefix", o.Namespace)
	}
	if o.RunbookURL == "" {
		o.RunbookURL = DefaultRunbookURL
	}
	o.ConstLabels = maps.Clone(o.ConstLabels)
	g := &gen{o: o, byName: map[string]stackprom.Family{}, exposed: map[string]stackprom.Family{}}
	reserved := map[string]bool{"job": true, "instance": true, "le": true, "quantile": true, "db_name": true, "severity": true}
	for _, f := range stackprom.Families() {
		g.byName[f.Name] = f
		g.exposed[f.FullName(o.Naming, o.Namespace)] = f
		g.order = append(g.order, f)
		for _, l := range f.Labels {
			reserved[l] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(o.ConstLabels)) {
		if !labelName.MatchString(k) || strings.HasPrefix(k, "__") {
			return nil, fmt.Errorf("opsgen: constant label %q is not a valid label name", k)
		}
		if reserved[k] {
			return nil, fmt.Errorf("opsgen: constant label %q clashes with a label Prometheus or stackprom sets", k)
		}
		g.constNames = append(g.constNames, k)
		g.constMatch = append(g.constMatch, k+"="+strconv.Quote(o.ConstLabels[k]))
	}
	b := &Bundle{Options: o}
	b.Recording = g.recordingRules()
	b.Alerting = g.alerts()
	b.Variables = g.variables()
	b.Rows = g.rows()
	if g.err != nil {
		return nil, g.err
	}
	return b, nil
}

// gen holds what the rules and panels are built from.
type gen struct {
	o          Options
	byName     map[string]stackprom.Family // by default-preset name
	exposed    map[string]stackprom.Family // by exposed name
	order      []stackprom.Family
	constNames []string // sorted
	constMatch []string // name="value", sorted by name
	err        error
}

// name returns the exposed name of the family whose default-preset name is
// def, keeping an error when the table has no such family.
func (g *gen) name(def string) string {
	f, ok := g.byName[def]
	if !ok {
		if g.err == nil {
			g.err = fmt.Errorf("opsgen: stackprom.Families() has no family %q", def)
		}
		return def
	}
	return f.FullName(g.o.Naming, g.o.Namespace)
}

// metric is the metric part of a recording rule's name for family def: its
// exposed name without the _total of a counter, as the convention has it
// for rates.
func (g *gen) metric(def string) string {
	return strings.TrimSuffix(g.name(def), "_total")
}

// sel is a selector: the constant labels and extra matchers, in braces, or
// nothing when there are none.
func (g *gen) sel(extra ...string) string {
	m := append(slices.Clone(g.constMatch), extra...)
	if len(m) == 0 {
		return ""
	}
	return "{" + strings.Join(m, ", ") + "}"
}

// by is a grouping clause: the given labels, then the constant labels.
func (g *gen) by(labels ...string) string {
	return "by (" + strings.Join(append(slices.Clone(labels), g.constNames...), ", ") + ")"
}

// families returns the exposed names of the families expr reads (stackprom's
// and the pool statistics), in order of first use, and whether
// django-prometheus has every one.
func (g *gen) families(expr string) ([]string, bool) {
	var out []string
	django := true
	for _, id := range identifiers(expr) {
		name := id
		f, ok := g.exposed[name]
		if !ok {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if base, cut := strings.CutSuffix(id, suffix); cut {
					if bf, found := g.exposed[base]; found && bf.Type == "histogram" {
						f, ok, name = bf, true, base
					}
				}
			}
		}
		switch {
		case ok:
			django = django && f.DjangoPrometheus
		case slices.Contains(poolFamilies, id):
			django = false
		default:
			continue
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		django = false
	}
	return out, django
}

// identifiers returns the words of a PromQL expression outside string
// literals: metric names, functions, keywords and label names.
func identifiers(expr string) []string {
	var ids []string
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for j < len(expr) && expr[j] != c {
				if expr[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			i = j + 1
		case c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(expr) && (expr[j] == '_' || expr[j] == ':' || expr[j] >= 'a' && expr[j] <= 'z' ||
				expr[j] >= 'A' && expr[j] <= 'Z' || expr[j] >= '0' && expr[j] <= '9') {
				j++
			}
			ids = append(ids, expr[i:j])
			i = j
		case c >= '0' && c <= '9' || c == '$':
			// A number or duration (5m, 1e3), or a Grafana variable.
			j := i + 1
			for j < len(expr) && (expr[j] == '_' || expr[j] == '.' || expr[j] >= 'a' && expr[j] <= 'z' ||
				expr[j] >= 'A' && expr[j] <= 'Z' || expr[j] >= '0' && expr[j] <= '9') {
				j++
			}
			i = j
		default:
			i++
		}
	}
	return ids
}

// poolFamilies are the families of client_golang's DBStatsCollector that
// sqlmetrics registers for a *sql.DB (WithPoolStats): fixed names, no
// namespace or preset, the label db_name holding the alias; the constant
// labels apply.
var poolFamilies = []string{
	"go_sql_max_open_connections",
	"go_sql_open_connections",
	"go_sql_in_use_connections",
	"go_sql_idle_connections",
	"go_sql_wait_count_total",
	"go_sql_wait_duration_seconds_total",
	"go_sql_max_idle_closed_total",
	"go_sql_max_idle_time_closed_total",
	"go_sql_max_lifetime_closed_total",
}

// rule completes r with the families its expression reads.
func (g *gen) rule(r Rule) Rule {
	r.Families, r.DjangoCompatible = g.families(r.Expr)
	return r
}

// target builds a panel target.
func (g *gen) target(legend, expr string) Target {
	t := Target{Expr: expr, Legend: legend}
	t.Families, t.DjangoCompatible = g.families(expr)
	return t
}

// Rules returns every recording rule and alert of the bundle, in file
// order.
func (b *Bundle) Rules() []Rule {
	var out []Rule
	for _, gs := range [][]Group{b.Recording, b.Alerting} {
		for _, gr := range gs {
			out = append(out, gr.Rules...)
		}
	}
	return out
}

// Targets returns every target of every panel of the dashboard, in order.
func (b *Bundle) Targets() []Target {
	var out []Target
	for _, r := range b.Rows {
		for _, p := range r.Panels {
			out = append(out, p.Targets...)
		}
	}
	return out
}

// Files renders the bundle: FileNames mapped to their contents.
func (b *Bundle) Files() (map[string][]byte, error) {
	dash, err := b.DashboardJSON()
	if err != nil {
		return nil, err
	}
	return map[string][]byte{
		"dashboard.json": dash,
		"rules.yml":      b.ruleFile(b.Recording, "recording rules"),
		"alerts.yml":     b.ruleFile(b.Alerting, "alerts"),
	}, nil
}
