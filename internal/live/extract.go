package live

import (
	"math"
	"strings"

	dto "github.com/prometheus/client_model/go"

	"github.com/stackprom/stackprom/internal/config"
	"github.com/stackprom/stackprom/internal/schema"
)

// extractor turns the series of one family into tracked series.
type extractor func(m *dto.Metric, add func(k key, v float64, created int64))

// extractors maps each exposed family name the page reads, under the
// naming preset and namespace, to its extractor. The database pool
// statistics keep client_golang's go_sql_ names, without namespace, as
// sqlmetrics registers them.
func extractors(n config.Naming, namespace string) map[string]extractor {
	name := func(defaultName string) string {
		f, ok := schema.Lookup(defaultName)
		if !ok {
			panic("live: no family " + defaultName)
		}
		out := f.Name
		if n == config.NamingDjango {
			out = f.DjangoName()
		}
		if namespace != "" {
			out = namespace + "_" + out
		}
		return out
	}
	counter := func(r role, labelA, labelB string) extractor {
		return func(m *dto.Metric, add func(key, float64, int64)) {
			if c := m.GetCounter(); c != nil {
				add(key{role: r, a: label(m, labelA), b: label(m, labelB)}, c.GetValue(), created(c.GetCreatedTimestamp()))
			}
		}
	}
	gauge := func(r role, labelA string) extractor {
		return func(m *dto.Metric, add func(key, float64, int64)) {
			if g := m.GetGauge(); g != nil {
				add(key{role: r, a: label(m, labelA)}, g.GetValue(), 0)
			}
		}
	}
	buckets := func(r role, labelA string) extractor {
		return func(m *dto.Metric, add func(key, float64, int64)) {
			h := m.GetHistogram()
			if h == nil {
				return
			}
			a, ct := label(m, labelA), created(h.GetCreatedTimestamp())
			sawInf := false
			for _, b := range h.GetBucket() {
				ub := b.GetUpperBound()
				sawInf = sawInf || math.IsInf(ub, +1)
				add(key{role: r, a: a, le: ub}, float64(b.GetCumulativeCount()), ct)
			}
			if !sawInf {
				// The exposition's le="+Inf" bucket is the count.
				add(key{role: r, a: a, le: math.Inf(+1)}, float64(h.GetSampleCount()), ct)
			}
		}
	}
	responses := func(m *dto.Metric, add func(key, float64, int64)) {
		c := m.GetCounter()
		if c == nil {
			return
		}
		v, ct, view := c.GetValue(), created(c.GetCreatedTimestamp()), label(m, "view")
		add(key{role: viewResponses, a: view}, v, ct)
		add(key{role: httpResponses}, v, ct)
		if strings.HasPrefix(label(m, "status"), "5") {
			add(key{role: view5xx, a: view}, v, ct)
			add(key{role: http5xx}, v, ct)
		}
	}
	return map[string]extractor{
		name(schema.HTTPResponsesByStatusView): responses,
		name(schema.HTTPLatencyByView):         buckets(viewLatency, "view"),
		name(schema.HTTPInFlight):              gauge(httpInFlight, ""),
		name(schema.DBExecute):                 counter(dbExecute, "alias", "vendor"),
		name(schema.DBErrors):                  counter(dbErrors, "alias", "type"),
		name(schema.DBQueryDuration):           buckets(dbDuration, "alias"),
		"go_sql_in_use_connections":            gauge(poolInUse, "db_name"),
		"go_sql_idle_connections":              gauge(poolIdle, "db_name"),
		"go_sql_max_open_connections":          gauge(poolMaxOpen, "db_name"),
		"go_sql_wait_count_total":              counter(poolWaits, "db_name", ""),
		name(schema.CacheGet):                  counter(cacheGets, "backend", ""),
		name(schema.CacheGetHits):              counter(cacheHits, "backend", ""),
		name(schema.CacheGetMisses):            counter(cacheMisses, "backend", ""),
		name(schema.CacheGetFail):              counter(cacheGetFails, "backend", ""),
		name(schema.CacheSetFail):              counter(cacheSetFails, "backend", ""),
		name(schema.CacheDeleteFail):           counter(cacheDeleteFails, "backend", ""),
		name(schema.ModelInserts):              counter(modelInserts, "model", ""),
		name(schema.ModelUpdates):              counter(modelUpdates, "model", ""),
		name(schema.ModelDeletes):              counter(modelDeletes, "model", ""),
		name(schema.ModelQueries):              counter(modelQueries, "model", ""),
		name(schema.MigrationsApplied):         gauge(migApplied, "connection"),
		name(schema.MigrationsUnapplied):       gauge(migUnapplied, "connection"),
		name(schema.MigrationsDirty):           gauge(migDirty, "connection"),
		name(schema.MigrationsVersion):         gauge(migVersion, "connection"),
		name(schema.MigrationsLastSuccess):     gauge(migLastRead, "connection"),
		name(schema.MigrationsScrapeErrors):    counter(migReadErrors, "connection", ""),
	}
}

// label is the value of the label called name, "" when name is "" or the
// series has no such label.
func label(m *dto.Metric, name string) string {
	if name == "" {
		return ""
	}
	for _, lp := range m.GetLabel() {
		if lp.GetName() == name {
			return lp.GetValue()
		}
	}
	return ""
}

// created is a created timestamp in milliseconds, 0 when there is none.
func created(ts interface {
	GetSeconds() int64
	GetNanos() int32
}) int64 {
	if ts == nil {
		return 0
	}
	s, n := ts.GetSeconds(), ts.GetNanos()
	if s == 0 && n == 0 {
		return 0
	}
	return s*1000 + int64(n)/1e6
}

// collect turns a gathering into the tracked series' values: each the sum
// of the exposed series it covers, with the earliest created timestamp
// among them (0 when one has none).
func collect(families []*dto.MetricFamily, ex map[string]extractor) map[key]acc {
	out := map[key]acc{}
	add := func(k key, v float64, ct int64) {
		a, seen := out[k]
		switch {
		case !seen:
			a.created = ct
		case ct == 0 || a.created == 0:
			a.created = 0
		case ct < a.created:
			a.created = ct
		}
		a.v += v
		out[k] = a
	}
	for _, mf := range families {
		e := ex[mf.GetName()]
		if e == nil {
			continue
		}
		for _, m := range mf.GetMetric() {
			e(m, add)
		}
	}
	return out
}
