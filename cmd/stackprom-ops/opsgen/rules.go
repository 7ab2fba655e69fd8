package opsgen

import (
	"fmt"
	"strings"
)

// The families the rules and the curated panels read, by default-preset
// name.
const (
	famRequestsBefore  = "http_requests_before_middlewares_total"
	famLatencyBefore   = "http_requests_latency_including_middlewares_seconds"
	famInFlight        = "http_requests_in_flight"
	famResponses       = "http_responses_by_status_view_method_total"
	famResponsesStatus = "http_responses_by_status_total"
	famLatency         = "http_requests_latency_by_view_method_seconds"
	famExceptions      = "http_exceptions_by_type_total"
	famExecute         = "db_execute_total"
	famDBErrors        = "db_errors_total"
	famQueryDuration   = "db_query_duration_seconds"
	famNewConns        = "db_new_connections_total"
	famNewConnErrors   = "db_new_connection_errors_total"
	famCacheGet        = "cache_get_total"
	famCacheHits       = "cache_get_hits_total"
	famCacheMisses     = "cache_get_misses_total"
	famCacheFail       = "cache_get_fail_total"
	famCacheSetFail    = "cache_set_fail_total"
	famCacheDelFail    = "cache_delete_fail_total"
	famCacheDuration   = "cache_operation_duration_seconds"
	famInserts         = "model_inserts_total"
	famUpdates         = "model_updates_total"
	famDeletes         = "model_deletes_total"
	famQueries         = "model_queries_total"
	famApplied         = "migrations_applied"
	famUnapplied       = "migrations_unapplied"
	famDirty           = "migrations_dirty"
	famVersion         = "migrations_version"
	famScrapeErrors    = "migrations_scrape_errors_total"
	famLastSuccess     = "migrations_last_success_timestamp_seconds"
)

// The alerts' thresholds; docs/operations.md says why each.
const (
	high5xxRatio      = 0.05 // of a view's responses
	slowP99Seconds    = 1    // a view's 99th percentile latency
	dbErrorRatio      = 0.05 // of an alias's statements
	cacheFailureRatio = 0.05 // of a backend's gets
)

// quantiles are the latency quantiles recorded by view.
var quantiles = []struct{ op, q string }{{"p50", "0.5"}, {"p95", "0.95"}, {"p99", "0.99"}}

// rate is sum by (labels) (rate(family{matchers}[window])).
func (g *gen) rate(family string, labels []string, window string, matchers ...string) string {
	return fmt.Sprintf("sum %s (rate(%s%s[%s]))", g.by(labels...), g.name(family), g.sel(matchers...), window)
}

// quantile is the q-quantile of histogram family by labels.
func (g *gen) quantile(q, family string, labels []string, window string, matchers ...string) string {
	return fmt.Sprintf("histogram_quantile(%s, sum %s (rate(%s_bucket%s[%s])))",
		q, g.by(append(labels, "le")...), g.name(family), g.sel(matchers...), window)
}

// ratio divides two expressions, one per line.
func ratio(num, den string) string { return num + "\n/\n" + den }

var (
	byJobView    = []string{"job", "view"}
	byJobAlias   = []string{"job", "alias"}
	byJobBackend = []string{"job", "backend"}
	byJobModel   = []string{"job", "model"}
)

// recordingRules are the recording rules, named level:metric:operations:
// the level is the labels kept (job and the component's own, and the
// constant labels), the metric the family's exposed name without _total.
func (g *gen) recordingRules() []Group {
	http := []Rule{
		{Record: "job_view:" + g.metric(famResponses) + ":rate5m",
			Expr: g.rate(famResponses, byJobView, "5m")},
		{Record: "job_view:" + g.metric(famResponses) + "_5xx:ratio_rate5m",
			Expr: ratio(g.rate(famResponses, byJobView, "5m", `status=~"5.."`), g.rate(famResponses, byJobView, "5m"))},
	}
	for _, q := range quantiles {
		http = append(http, Rule{Record: "job_view:" + g.metric(famLatency) + ":" + q.op + "_rate5m",
			Expr: g.quantile(q.q, famLatency, byJobView, "5m")})
	}
	db := []Rule{
		{Record: "job_alias:" + g.metric(famExecute) + ":rate5m", Expr: g.rate(famExecute, byJobAlias, "5m")},
		{Record: "job_alias:" + g.metric(famDBErrors) + ":rate5m", Expr: g.rate(famDBErrors, byJobAlias, "5m")},
		{Record: "job_alias:" + g.metric(famQueryDuration) + ":p99_rate5m", Expr: g.quantile("0.99", famQueryDuration, byJobAlias, "5m")},
	}
	cache := []Rule{
		{Record: "job_backend:" + g.metric(famCacheHits) + ":ratio_rate5m",
			Expr: ratio(g.rate(famCacheHits, byJobBackend, "5m"), g.rate(famCacheGet, byJobBackend, "5m"))},
	}
	var model []Rule
	for _, f := range []string{famInserts, famUpdates, famDeletes, famQueries} {
		model = append(model, Rule{Record: "job_model:" + g.metric(f) + ":rate5m", Expr: g.rate(f, byJobModel, "5m")})
	}
	return g.groups("rules", map[string][]Rule{"http": http, "db": db, "cache": cache, "model": model})
}

// components are the components in the order of the rule groups and the
// dashboard's rows.
var components = []struct{ id, title string }{
	{"http", "HTTP"}, {"db", "Database"}, {"cache", "Cache"}, {"model", "Models"}, {"migration", "Migrations"},
}

// groups puts the rules of each component into a group named
// stackprom.<component>.<kind>, in component order.
func (g *gen) groups(kind string, byComponent map[string][]Rule) []Group {
	var out []Group
	for _, c := range components {
		rules := byComponent[c.id]
		if len(rules) == 0 {
			continue
		}
		for i := range rules {
			rules[i] = g.rule(rules[i])
		}
		out = append(out, Group{Name: "stackprom." + c.id + "." + kind, Rules: rules})
	}
	return out
}

// alert completes an alert with its severity and annotations.
func (g *gen) alert(name, expr, forDur, severity, summary, description string) Rule {
	return Rule{
		Alert: name, Expr: expr, For: forDur,
		Labels: map[string]string{"severity": severity},
		Annotations: map[string]string{
			"summary":     summary,
			"description": description,
			"runbook_url": g.o.RunbookURL + "#" + strings.ToLower(name),
		},
	}
}

// alerts are the alerts, each on the raw families (not on the recording
// rules), so that alerts.yml works alone.
func (g *gen) alerts() []Group {
	http := []Rule{
		g.alert("HTTPHigh5xxRatio",
			ratio(g.rate(famResponses, byJobView, "5m", `status=~"5.."`), g.rate(famResponses, byJobView, "5m"))+
				fmt.Sprintf("\n> %g", high5xxRatio),
			"5m", "critical",
			"View {{ $labels.view }} of {{ $labels.job }} answers {{ $value | humanizePercentage }} of its requests with a 5xx status",
			"Over the last 5 minutes {{ $value | humanizePercentage }} of the responses of view {{ $labels.view }} (job {{ $labels.job }}) "+
				"had a 5xx status, above the threshold of 5%, for 5 minutes."),
		g.alert("HTTPSlowView",
			g.quantile("0.99", famLatency, byJobView, "5m")+fmt.Sprintf("\n> %d", slowP99Seconds),
			"10m", "warning",
			"View {{ $labels.view }} of {{ $labels.job }} is slow: 99th percentile {{ $value | humanizeDuration }}",
			"The 99th percentile of the time requests to view {{ $labels.view }} (job {{ $labels.job }}) spend inside After "+
				"has been above 1s for 10 minutes; over the last 5 minutes it is {{ $value | humanizeDuration }}."),
	}
	db := []Rule{
		g.alert("DatabaseErrors",
			ratio(g.rate(famDBErrors, byJobAlias, "5m"), g.rate(famExecute, byJobAlias, "5m"))+fmt.Sprintf("\n> %g", dbErrorRatio),
			"5m", "warning",
			"{{ $value | humanizePercentage }} of the statements of {{ $labels.job }} on database {{ $labels.alias }} fail",
			"Over the last 5 minutes {{ $value | humanizePercentage }} of the statements executed on database {{ $labels.alias }} "+
				"(job {{ $labels.job }}) failed, above the threshold of 5%, for 5 minutes."),
		g.alert("DatabaseConnectionErrors",
			g.rate(famNewConnErrors, byJobAlias, "5m")+"\n> 0",
			"5m", "critical",
			"{{ $labels.job }} fails to open connections to database {{ $labels.alias }}",
			"Opening a connection to database {{ $labels.alias }} (job {{ $labels.job }}) has failed for 5 minutes, "+
				"{{ $value | humanize }} times a second over the last 5 minutes."),
	}
	cache := []Rule{
		g.alert("CacheFailures",
			ratio(g.rate(famCacheFail, byJobBackend, "5m"), g.rate(famCacheGet, byJobBackend, "5m"))+fmt.Sprintf("\n> %g", cacheFailureRatio),
			"5m", "warning",
			"{{ $value | humanizePercentage }} of the gets of {{ $labels.job }} on cache {{ $labels.backend }} fail",
			"Over the last 5 minutes {{ $value | humanizePercentage }} of the gets on cache {{ $labels.backend }} (job {{ $labels.job }}) "+
				"failed (the server down or timing out, not misses), above the threshold of 5%, for 5 minutes."),
	}
	migration := []Rule{
		g.alert("MigrationsUnapplied",
			fmt.Sprintf("max %s (%s%s)\n> 0", g.by("job", "connection"), g.name(famUnapplied), g.sel()),
			"10m", "warning",
			"Database {{ $labels.connection }} of {{ $labels.job }} lacks {{ $value }} migrations",
			"The deployed binary of job {{ $labels.job }} knows {{ $value }} migrations that database connection "+
				"{{ $labels.connection }} has not applied, for more than 10 minutes."),
		g.alert("MigrationDirty",
			fmt.Sprintf("max %s (%s%s)\n> 0", g.by("job", "connection"), g.name(famDirty), g.sel()),
			"5m", "critical",
			"A migration of database {{ $labels.connection }} of {{ $labels.job }} failed half-way",
			"The migration table of database connection {{ $labels.connection }} (job {{ $labels.job }}) has carried "+
				"the dirty flag for 5 minutes: a migration failed half-way and nothing migrates until it is repaired."),
		g.alert("MigrationStatusUnreadable",
			fmt.Sprintf("time() - %s%s\n> 600", g.name(famLastSuccess), g.sel()),
			"5m", "warning",
			"{{ $labels.instance }} of {{ $labels.job }} cannot read the migration status of database {{ $labels.connection }}",
			"The last successful read of the migration status of database connection {{ $labels.connection }} by "+
				"{{ $labels.instance }} (job {{ $labels.job }}) is {{ $value | humanizeDuration }} old (as old as the epoch when "+
				"no read ever succeeded); until one does, the migration gauges keep the last values read."),
	}
	return g.groups("alerts", map[string][]Rule{"http": http, "db": db, "cache": cache, "migration": migration})
}
