package opsgen

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	"github.com/stackprom/stackprom"
)

// Variable is a query variable of the dashboard: its name and the
// label_values query that lists its values.
type Variable struct {
	Name  string
	Query string
}

// variableOf maps a family label to the dashboard variable that filters it.
var variableOf = map[string]string{"view": "view", "alias": "alias", "backend": "backend"}

// dsel is the selector of family def on the dashboard: the constant
// labels, job and instance, the variables of the family's labels, then
// extra.
func (g *gen) dsel(def string, extra ...string) string {
	m := []string{`job=~"$job"`, `instance=~"$instance"`}
	for _, l := range g.byName[def].Labels {
		if v, ok := variableOf[l]; ok {
			m = append(m, l+`=~"$`+v+`"`)
		}
	}
	return g.sel(append(m, extra...)...)
}

// drate is sum by (labels) (rate(def{dashboard selector}[$__rate_interval])).
func (g *gen) drate(def string, labels []string, extra ...string) string {
	return fmt.Sprintf("sum %s(rate(%s%s[$__rate_interval]))", dby(labels), g.name(def), g.dsel(def, extra...))
}

// dquantile is the q-quantile of histogram def by labels on the dashboard.
func (g *gen) dquantile(q, def string, labels []string, extra ...string) string {
	return fmt.Sprintf("histogram_quantile(%s, sum %s(rate(%s_bucket%s[$__rate_interval])))",
		q, dby(append(slices.Clone(labels), "le")), g.name(def), g.dsel(def, extra...))
}

// dby is a dashboard grouping clause with a trailing space, or nothing.
func dby(labels []string) string {
	if len(labels) == 0 {
		return ""
	}
	return "by (" + strings.Join(labels, ", ") + ") "
}

// poolSel is the selector of the pool statistics on the dashboard.
func (g *gen) poolSel() string {
	return g.sel(`job=~"$job"`, `instance=~"$instance"`, `db_name=~"$alias"`)
}

const stackpromOnly = " Beyond django-prometheus: empty for a django-prometheus service."

// rows are the dashboard's rows: per component, the curated panels, then a
// collapsed row with a panel for each family of the component that none of
// them reads.
func (g *gen) rows() []Row {
	curated := map[string][]Panel{
		"http":      g.httpPanels(),
		"db":        g.dbPanels(),
		"cache":     g.cachePanels(),
		"model":     g.modelPanels(),
		"migration": g.migrationPanels(),
	}
	used := map[string]bool{}
	for _, ps := range curated {
		for _, p := range ps {
			for _, t := range p.Targets {
				for _, f := range t.Families {
					used[f] = true
				}
			}
		}
	}
	var rows []Row
	for _, c := range components {
		rows = append(rows, Row{Title: c.title, Component: c.id, Panels: curated[c.id]})
		var rest []Panel
		for _, f := range g.order {
			if f.Component == c.id && !used[f.FullName(g.o.Naming, g.o.Namespace)] {
				rest = append(rest, g.genericPanel(f))
			}
		}
		if len(rest) > 0 {
			rows = append(rows, Row{Title: c.title + ": every other family", Component: c.id, Collapsed: true, Panels: rest})
		}
	}
	return rows
}

// panel builds a panel; a panel whose targets all read families beyond
// django-prometheus says so in its description.
func panel(kind, title, unit, description string, targets ...Target) Panel {
	p := Panel{Title: title, Kind: kind, Unit: unit, Description: description, Targets: targets}
	if !slices.ContainsFunc(targets, func(t Target) bool { return t.DjangoCompatible }) {
		p.Description += stackpromOnly
	}
	return p
}

func (g *gen) httpPanels() []Panel {
	var latency []Target
	for _, q := range quantiles {
		latency = append(latency, g.target(q.op+" {{view}}", g.dquantile(q.q, famLatency, []string{"view"})))
	}
	return []Panel{
		panel("timeseries", "Requests per second by view", "reqps",
			"Responses per second by view, every status.",
			g.target("{{view}}", g.drate(famResponses, []string{"view"}))),
		panel("timeseries", "5xx ratio by view", "percentunit",
			"Share of each view's responses with a 5xx status (a panic answered 500 included).",
			g.target("{{view}}", ratio(g.drate(famResponses, []string{"view"}, `status=~"5.."`), g.drate(famResponses, []string{"view"})))),
		panel("timeseries", "Latency by view: p50, p95, p99", "s",
			"Time inside After (the middleware around the router), by view.", latency...),
		panel("timeseries", "Latency including middlewares: p50, p99", "s",
			"Time inside Before (the outermost middleware), for the whole service.",
			g.target("p50", g.dquantile("0.5", famLatencyBefore, nil)),
			g.target("p99", g.dquantile("0.99", famLatencyBefore, nil))),
		panel("timeseries", "Requests in flight", "short",
			"Requests inside Before now, by instance.",
			g.target("{{instance}}", fmt.Sprintf("sum by (instance) (%s%s)", g.name(famInFlight), g.dsel(famInFlight)))),
		panel("timeseries", "Responses per second by status", "reqps",
			"Every response, by exact status code.",
			g.target("{{status}}", g.drate(famResponsesStatus, []string{"status"}))),
		panel("timeseries", "Exceptions per second by type", "short",
			"Panics and errors reported with httpmetrics.ReportError, by Go type.",
			g.target("{{type}}", g.drate(famExceptions, []string{"type"}))),
	}
}

func (g *gen) dbPanels() []Panel {
	pool := func(family string) string {
		return fmt.Sprintf("sum by (db_name) (%s%s)", family, g.poolSel())
	}
	return []Panel{
		panel("timeseries", "Statements per second by alias", "ops",
			"Statements executed, each one of a bulk run included.",
			g.target("{{alias}}", g.drate(famExecute, []string{"alias"}))),
		panel("timeseries", "Statement errors per second by type", "ops",
			"Failed statements by alias and Go error type.",
			g.target("{{alias}} {{type}}", g.drate(famDBErrors, []string{"alias", "type"}))),
		panel("timeseries", "Statement duration by alias: p50, p99", "s",
			"Duration of each execution, failed ones included.",
			g.target("p50 {{alias}}", g.dquantile("0.5", famQueryDuration, []string{"alias"})),
			g.target("p99 {{alias}}", g.dquantile("0.99", famQueryDuration, []string{"alias"}))),
		panel("timeseries", "New connections per minute", "short",
			"Connections the driver opened, and openings that failed. A database/sql pool reuses its connections, "+
				"where Django opens one per request: expect far fewer than requests.",
			g.target("opened {{alias}}", g.drate(famNewConns, []string{"alias"})+" * 60"),
			g.target("failed {{alias}}", g.drate(famNewConnErrors, []string{"alias"})+" * 60")),
		panel("timeseries", "Connection pool", "short",
			"database/sql pool statistics (go_sql_…, label db_name = alias): connections in use, idle, and the maximum when one is set.",
			g.target("in use {{db_name}}", pool("go_sql_in_use_connections")),
			g.target("idle {{db_name}}", pool("go_sql_idle_connections")),
			g.target("max {{db_name}}", pool("go_sql_max_open_connections")+" > 0")),
		panel("timeseries", "Waiting for a connection", "s",
			"Seconds per second spent waiting for a free pooled connection.",
			g.target("{{db_name}}", fmt.Sprintf("sum by (db_name) (rate(go_sql_wait_duration_seconds_total%s[$__rate_interval]))", g.poolSel()))),
	}
}

func (g *gen) cachePanels() []Panel {
	byBackend := []string{"backend"}
	return []Panel{
		panel("timeseries", "Hit ratio by backend", "percentunit",
			"Gets that found the key, over every get.",
			g.target("{{backend}}", ratio(g.drate(famCacheHits, byBackend), g.drate(famCacheGet, byBackend)))),
		panel("timeseries", "Gets per second by backend", "ops",
			"Hits and misses; a failed get is neither.",
			g.target("hits {{backend}}", g.drate(famCacheHits, byBackend)),
			g.target("misses {{backend}}", g.drate(famCacheMisses, byBackend))),
		panel("timeseries", "Failures per second by backend", "ops",
			"Gets, sets and deletes that failed (server down, timeouts), never misses. "+
				"Set and delete failures are beyond django-prometheus.",
			g.target("get {{backend}}", g.drate(famCacheFail, byBackend)),
			g.target("set {{backend}}", g.drate(famCacheSetFail, byBackend)),
			g.target("delete {{backend}}", g.drate(famCacheDelFail, byBackend))),
		panel("timeseries", "Operation duration p99 by backend", "s",
			"Duration of gets, sets, deletes and pipelines.",
			g.target("{{backend}} {{operation}}", g.dquantile("0.99", famCacheDuration, []string{"backend", "operation"}))),
	}
}

func (g *gen) modelPanels() []Panel {
	byModel := []string{"model"}
	return []Panel{
		panel("timeseries", "Model writes per second", "ops",
			"Inserts, updates and deletes by model, counted by rows affected.",
			g.target("inserts {{model}}", g.drate(famInserts, byModel)),
			g.target("updates {{model}}", g.drate(famUpdates, byModel)),
			g.target("deletes {{model}}", g.drate(famDeletes, byModel))),
		panel("timeseries", "Model queries per second", "ops",
			"Reads by model.",
			g.target("{{model}}", g.drate(famQueries, byModel))),
	}
}

func (g *gen) migrationPanels() []Panel {
	maxBy := func(def string) string {
		return fmt.Sprintf("max by (connection) (%s%s)", g.name(def), g.dsel(def))
	}
	unapplied := panel("stat", "Unapplied migrations", "short",
		"Migrations the binary knows and the database has not applied, by connection (the most any instance sees).",
		g.target("{{connection}}", maxBy(famUnapplied)))
	unapplied.RedFrom = 1
	dirty := panel("stat", "Dirty flag", "short",
		"1 while a migration that failed half-way is recorded, by connection.",
		g.target("{{connection}}", maxBy(famDirty)))
	dirty.RedFrom = 1
	return []Panel{
		unapplied,
		panel("stat", "Applied migrations", "short", "Applied migrations by connection.",
			g.target("{{connection}}", maxBy(famApplied))),
		dirty,
		panel("stat", "Schema version by instance", "none",
			"Version of the last applied migration; instances that disagree run against different schemas.",
			g.target("{{instance}} {{connection}}", g.name(famVersion)+g.dsel(famVersion))),
		panel("timeseries", "Migration status read errors", "short",
			"Failed reads of the migration status per second, and the age of the last successful read.",
			g.target("errors {{instance}} {{connection}}", g.drate(famScrapeErrors, []string{"instance", "connection"})),
			g.target("age {{instance}} {{connection}}", "time() - "+g.name(famLastSuccess)+g.dsel(famLastSuccess))),
	}
}

// genericPanel shows a family no curated panel reads: a counter's rate, a
// gauge's value and a histogram's 99th percentile, by the family's labels.
func (g *gen) genericPanel(f stackprom.Family) Panel {
	name := f.FullName(g.o.Naming, g.o.Namespace)
	var legend []string
	for _, l := range f.Labels {
		legend = append(legend, "{{"+l+"}}")
	}
	unit := "short"
	switch {
	case strings.HasSuffix(f.Name, "_seconds"):
		unit = "s"
	case strings.HasSuffix(f.Name, "_bytes"):
		unit = "bytes"
	}
	var t Target
	title := name
	switch f.Type {
	case "counter":
		unit = "cps"
		title += ": per second"
		t = g.target(strings.Join(legend, " "), g.drate(f.Name, f.Labels))
	case "histogram":
		title += ": p99"
		t = g.target(strings.Join(legend, " "), g.dquantile("0.99", f.Name, f.Labels))
	default:
		legend = append([]string{"{{instance}}"}, legend...)
		t = g.target(strings.Join(legend, " "), name+g.dsel(f.Name))
	}
	if t.Legend == "" {
		t.Legend = name
	}
	return panel("timeseries", title, unit, f.Help, t)
}

// Title is the dashboard's title: "stackprom", the namespace, the preset.
func (b *Bundle) Title() string {
	t := "stackprom"
	if b.Options.Namespace != "" {
		t += " " + b.Options.Namespace
	}
	return t + " (" + b.Options.Naming.String() + " names)"
}

// UID is the dashboard's uid: the same for the same preset and namespace,
// so that importing a regenerated dashboard replaces the old one.
func (b *Bundle) UID() string {
	uid := "stackprom-" + b.Options.Naming.String()
	if b.Options.Namespace != "" {
		uid += "-" + strings.ReplaceAll(b.Options.Namespace, "_", "-")
	}
	if len(uid) > 40 { // Grafana's limit
		uid = uid[:40]
	}
	return uid
}

// DashboardJSON renders the dashboard as Grafana's JSON model, with a data
// source variable, so that it imports as it is. It is the classic
// (schema v1) model, which every Grafana imports, not the v2 resource only
// Grafana 12 with its new dashboard API reads.
func (b *Bundle) DashboardJSON() ([]byte, error) {
	ds := common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}
	//lint:ignore SA1019 the classic model imports into every Grafana; dashboardv2 needs Grafana 12's new API
	db := dashboard.NewDashboardBuilder(b.Title()).
		Uid(b.UID()).
		Description("Generated by stackprom-ops "+b.Options.Flags()+" from stackprom's family table.").
		Tags([]string{"stackprom", b.Options.Naming.String()}).
		Editable().
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Refresh("30s").
		Time("now-1h", "now").
		Timezone(common.TimeZoneBrowser).
		Annotation(dashboard.NewAnnotationQueryBuilder().
			Name("Annotations & Alerts").
			Datasource(common.DataSourceRef{Type: cog.ToPtr("grafana"), Uid: cog.ToPtr("-- Grafana --")}).
			Type("dashboard").
			BuiltIn(1).
			Enable(true).
			Hide(true).
			IconColor("rgba(0, 211, 255, 1)"))
	db.WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").Label("Data source").Type("prometheus"))
	for _, v := range b.Variables {
		db.WithVariable(dashboard.NewQueryVariableBuilder(v.Name).
			Label(v.Name).
			Datasource(ds).
			Query(dashboard.StringOrMap{String: cog.ToPtr(v.Query)}).
			Definition(v.Query).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
			Sort(dashboard.VariableSortAlphabeticalAsc).
			Multi(true).
			IncludeAll(true).
			AllValue(".*").
			Current(dashboard.VariableOption{
				Selected: cog.ToPtr(true),
				Text:     dashboard.StringOrArrayOfString{String: cog.ToPtr("All")},
				Value:    dashboard.StringOrArrayOfString{String: cog.ToPtr("$__all")},
			}))
	}
	id := uint32(0)
	next := func() uint32 { id++; return id }
	for _, r := range b.Rows {
		row := dashboard.NewRowBuilder(r.Title).Id(next())
		if !r.Collapsed {
			db.WithRow(row)
		} else {
			row.Collapsed(true)
		}
		for _, p := range r.Panels {
			pb := b.panelBuilder(p, ds, next())
			if r.Collapsed {
				row.WithPanel(pb)
			} else {
				db.WithPanel(pb)
			}
		}
		if r.Collapsed {
			db.WithRow(row)
		}
	}
	d, err := db.Build()
	if err != nil {
		return nil, fmt.Errorf("opsgen: building the dashboard: %w", err)
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("opsgen: encoding the dashboard: %w", err)
	}
	return append(out, '\n'), nil
}

// variables are the job, instance, view, alias and backend variables, each
// read from families django-prometheus has too, so that they list a Django
// service's values as well.
func (g *gen) variables() []Variable {
	var names []string
	for _, def := range []string{famRequestsBefore, famExecute, famCacheGet, famInserts, famApplied} {
		names = append(names, g.name(def))
	}
	anyFamily := `__name__=~"` + strings.Join(names, "|") + `"`
	scoped := g.sel(`job=~"$job"`, `instance=~"$instance"`)
	return []Variable{
		{"job", "label_values(" + g.sel(anyFamily) + ", job)"},
		{"instance", "label_values(" + g.sel(anyFamily, `job=~"$job"`) + ", instance)"},
		{"view", "label_values(" + g.name(famResponses) + scoped + ", view)"},
		{"alias", "label_values(" + g.name(famExecute) + scoped + ", alias)"},
		{"backend", "label_values(" + g.name(famCacheGet) + scoped + ", backend)"},
	}
}

// panelBuilder turns p into a Grafana panel builder.
func (b *Bundle) panelBuilder(p Panel, ds common.DataSourceRef, id uint32) cog.Builder[dashboard.Panel] {
	queries := make([]*prometheus.DataqueryBuilder, len(p.Targets))
	for i, t := range p.Targets {
		q := prometheus.NewDataqueryBuilder().
			Datasource(ds).
			RefId(string(rune('A' + i))).
			Expr(t.Expr).
			LegendFormat(t.Legend)
		if p.Kind == "stat" {
			q.Instant()
		} else {
			q.Range()
		}
		queries[i] = q
	}
	if p.Kind == "stat" {
		sb := stat.NewPanelBuilder().Id(id).Title(p.Title).Description(p.Description).Datasource(ds).
			Unit(p.Unit).Height(6).Span(6).
			ColorMode(common.BigValueColorModeBackground).GraphMode(common.BigValueGraphModeNone)
		steps := []dashboard.Threshold{{Color: "green"}}
		if p.RedFrom != 0 {
			steps = append(steps, dashboard.Threshold{Value: cog.ToPtr(p.RedFrom), Color: "red"})
		}
		sb.Thresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(steps))
		for _, q := range queries {
			sb.WithTarget(q)
		}
		return sb
	}
	tb := timeseries.NewPanelBuilder().Id(id).Title(p.Title).Description(p.Description).Datasource(ds).
		Unit(p.Unit).Height(8).Span(12).Min(0).FillOpacity(10)
	for _, q := range queries {
		tb.WithTarget(q)
	}
	return tb
}
