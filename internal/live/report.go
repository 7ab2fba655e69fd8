package live

import (
	"cmp"
	"math"
	"slices"
	"strconv"
)

// num is a float64 that encodes as a JSON number, or null when it is not
// a finite number (no data).
type num float64

func (n num) MarshalJSON() ([]byte, error) { return appendNum(float64(n), -1), nil }

// cnum is a chart's num: 4 significant digits are ample for a line a few
// hundred pixels high, and keep the JSON small.
type cnum float64

func (n cnum) MarshalJSON() ([]byte, error) { return appendNum(float64(n), 4), nil }

func appendNum(f float64, prec int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null")
	}
	return strconv.AppendFloat(nil, f, 'g', prec, 64)
}

// none is a num without data.
var none = num(math.NaN())

// report is what the page's JSON holds: the last sample's time, the
// windows, and each component whose families exist (nil otherwise).
type report struct {
	Now       int64   `json:"now"`       // the last sample's time, Unix milliseconds; 0 before the first
	First     int64   `json:"first"`     // the oldest sample the history holds
	Samples   int     `json:"samples"`   // samples in the history
	InWindow  int     `json:"inWindow"`  // samples in the rate window
	Step      float64 `json:"step"`      // seconds between samples
	Window    float64 `json:"window"`    // the rate window, seconds
	History   float64 `json:"history"`   // the history's length, seconds
	Chart     float64 `json:"chart"`     // the range of each chart point's rate, seconds
	Naming    string  `json:"naming"`    // the naming preset read
	Namespace string  `json:"namespace"` // the namespace read
	Omitted   int     `json:"omitted"`   // series left out for the caps
	Times     []int64 `json:"times"`     // the charts' sample times

	HTTP       *httpReport    `json:"http,omitempty"`
	DB         *dbReport      `json:"db,omitempty"`
	Cache      []cacheRow     `json:"cache,omitempty"`
	Models     []modelRow     `json:"models,omitempty"`
	Migrations []migrationRow `json:"migrations,omitempty"`
}

type httpReport struct {
	Requests   num       `json:"requests"`   // responses per second
	ErrorRatio num       `json:"errorRatio"` // 5xx share of them
	InFlight   num       `json:"inFlight"`   // requests in flight now
	Chart      chartData `json:"chart"`      // requests/s and 5xx/s over the history
	Views      []viewRow `json:"views"`
}

type viewRow struct {
	View       string `json:"view"`
	Requests   num    `json:"requests"`
	ErrorRatio num    `json:"errorRatio"`
	P50        num    `json:"p50"`
	P95        num    `json:"p95"`
	P99        num    `json:"p99"`
	Chart      []cnum `json:"chart"` // requests/s over the history
}

type dbReport struct {
	Aliases []aliasRow `json:"aliases"`
	Errors  []errorRow `json:"errors"`
	Chart   chartData  `json:"chart"` // statements/s by alias
}

type aliasRow struct {
	Alias    string `json:"alias"`
	Vendor   string `json:"vendor"`
	Queries  num    `json:"queries"`
	Errors   num    `json:"errors"`
	P99      num    `json:"p99"`
	InUse    num    `json:"inUse"`
	Idle     num    `json:"idle"`
	MaxOpen  num    `json:"maxOpen"`
	Waits    num    `json:"waits"`
	HasPool  bool   `json:"hasPool"`
	HasStats bool   `json:"hasStats"` // stackprom's families (not only pool statistics)
}

type errorRow struct {
	Alias string `json:"alias"`
	Type  string `json:"type"`
	Rate  num    `json:"rate"`
}

type cacheRow struct {
	Backend      string `json:"backend"`
	Gets         num    `json:"gets"`
	HitRatio     num    `json:"hitRatio"`
	Misses       num    `json:"misses"`
	GetFails     num    `json:"getFails"`
	SetFails     num    `json:"setFails"`
	DeleteFails  num    `json:"deleteFails"`
	HitRatioLine []cnum `json:"chart"` // hit ratio over the history
}

type modelRow struct {
	Model   string `json:"model"`
	Inserts num    `json:"inserts"`
	Updates num    `json:"updates"`
	Deletes num    `json:"deletes"`
	Queries num    `json:"queries"`
}

type migrationRow struct {
	Connection string `json:"connection"`
	Applied    num    `json:"applied"`
	Unapplied  num    `json:"unapplied"`
	Dirty      num    `json:"dirty"`
	Version    num    `json:"version"`
	LastRead   int64  `json:"lastRead"`   // Unix milliseconds of the last successful read, 0 for none
	ReadErrors num    `json:"readErrors"` // failed reads per second
}

// chartData is lines over the report's Times.
type chartData struct {
	Lines []line `json:"lines"`
}

type line struct {
	Name   string `json:"name"`
	Values []cnum `json:"values"`
}

// windows are the report's durations, in milliseconds.
type windows struct {
	step, window, history, chart int64
}

// build computes the report from the store: every rate is PromQL's
// rate(…[window]) at the last sample's time, every quantile
// histogram_quantile over those rates, every chart point rate(…[chart])
// at its sample's time.
func build(s *store, w windows, naming, namespace string) *report {
	r := &report{
		Step: float64(w.step) / 1000, Window: float64(w.window) / 1000,
		History: float64(w.history) / 1000, Chart: float64(w.chart) / 1000,
		Naming: naming, Namespace: namespace, Omitted: s.omitted,
	}
	now, ok := s.lastTime()
	if !ok {
		return r
	}
	r.Now = now
	r.Times = s.sampleTimes()
	r.First, r.Samples = r.Times[0], len(r.Times)
	for _, t := range r.Times {
		if t > now-w.window {
			r.InWindow++
		}
	}
	// Group the series by role and first label.
	type group struct {
		role role
		a    string
	}
	groups := map[group][]key{}
	for k := range s.series {
		g := group{k.role, k.a}
		groups[g] = append(groups[g], k)
	}
	names := func(rs ...role) []string {
		seen := map[string]bool{}
		var out []string
		for g := range groups {
			if slices.Contains(rs, g.role) && !seen[g.a] {
				seen[g.a] = true
				out = append(out, g.a)
			}
		}
		slices.Sort(out)
		return out
	}
	// rateOf is the rate over the window of the sum of a group's series
	// (one series but for the le-less roles that keep a second label).
	rateOf := func(rl role, a string) num {
		ks := groups[group{rl, a}]
		if len(ks) == 0 {
			return none
		}
		total, any := 0.0, false
		for _, k := range ks {
			if v, ok := rate(s.points(s.series[k]), now, w.window); ok {
				total += v
				any = true
			}
		}
		if !any {
			return none
		}
		return num(total)
	}
	rateOr0 := func(rl role, a string, present bool) num {
		v := rateOf(rl, a)
		if math.IsNaN(float64(v)) && present {
			return 0
		}
		return v
	}
	latest := func(rl role, a string) num {
		ks := groups[group{rl, a}]
		total, any := 0.0, false
		for _, k := range ks {
			if v, ok := s.latest(s.series[k]); ok {
				total += v
				any = true
			}
		}
		if !any {
			return none
		}
		return num(total)
	}
	quantiles := func(rl role, a string, qs ...float64) []num {
		var bs []bucket
		for _, k := range groups[group{rl, a}] {
			if v, ok := rate(s.points(s.series[k]), now, w.window); ok {
				bs = append(bs, bucket{UpperBound: k.le, Count: v})
			}
		}
		out := make([]num, len(qs))
		for i, q := range qs {
			out[i] = none
			if len(bs) > 0 {
				out[i] = num(quantile(q, slices.Clone(bs)))
			}
		}
		return out
	}
	// chart is rate(…[chart]) of one series at each sample time.
	chart := func(rl role, a string) []cnum {
		out := make([]cnum, len(r.Times))
		for i := range out {
			out[i] = cnum(none)
		}
		ks := groups[group{rl, a}]
		if len(ks) == 0 {
			return out
		}
		pts := s.points(s.series[ks[0]])
		for i, t := range r.Times {
			if v, ok := rate(pts, t, w.chart); ok {
				out[i] = cnum(v)
			}
		}
		return out
	}
	ratio := func(a, b num) num {
		if math.IsNaN(float64(a)) || math.IsNaN(float64(b)) || b == 0 {
			return none
		}
		return a / b
	}
	ratioLine := func(a, b []cnum) []cnum {
		out := make([]cnum, len(a))
		for i := range a {
			out[i] = cnum(ratio(num(a[i]), num(b[i])))
		}
		return out
	}

	// HTTP.
	views := names(viewResponses, viewLatency)
	_, hasInFlight := groups[group{httpInFlight, ""}]
	if len(views) > 0 || hasInFlight {
		h := &httpReport{InFlight: latest(httpInFlight, "")}
		_, hasTotal := groups[group{httpResponses, ""}]
		h.Requests = rateOf(httpResponses, "")
		h.ErrorRatio = ratio(rateOr0(http5xx, "", hasTotal), h.Requests)
		if hasTotal {
			h.Chart.Lines = []line{
				{Name: "requests/s", Values: chart(httpResponses, "")},
				{Name: "5xx/s", Values: zeroWhereDefined(chart(http5xx, ""), chart(httpResponses, ""))},
			}
		}
		for _, v := range views {
			_, has := groups[group{viewResponses, v}]
			q := quantiles(viewLatency, v, 0.5, 0.95, 0.99)
			row := viewRow{View: v, Requests: rateOf(viewResponses, v), P50: q[0], P95: q[1], P99: q[2], Chart: chart(viewResponses, v)}
			row.ErrorRatio = ratio(rateOr0(view5xx, v, has), row.Requests)
			h.Views = append(h.Views, row)
		}
		slices.SortStableFunc(h.Views, func(x, y viewRow) int { return cmpDesc(x.Requests, y.Requests) })
		r.HTTP = h
	}

	// Database.
	aliases := names(dbExecute, dbErrors, dbDuration, poolInUse, poolIdle, poolMaxOpen, poolWaits)
	if len(aliases) > 0 {
		d := &dbReport{}
		for _, a := range aliases {
			row := aliasRow{Alias: a}
			for _, k := range groups[group{dbExecute, a}] {
				row.Vendor = k.b
			}
			_, hasExec := groups[group{dbExecute, a}]
			_, hasDur := groups[group{dbDuration, a}]
			row.HasStats = hasExec || hasDur
			row.Queries = rateOf(dbExecute, a)
			row.Errors = rateOr0(dbErrors, a, hasExec)
			row.P99 = quantiles(dbDuration, a, 0.99)[0]
			row.InUse, row.Idle, row.MaxOpen = latest(poolInUse, a), latest(poolIdle, a), latest(poolMaxOpen, a)
			row.Waits = rateOf(poolWaits, a)
			row.HasPool = !math.IsNaN(float64(row.InUse)) || !math.IsNaN(float64(row.Idle))
			d.Aliases = append(d.Aliases, row)
			for _, k := range groups[group{dbErrors, a}] {
				if v, ok := rate(s.points(s.series[k]), now, w.window); ok {
					d.Errors = append(d.Errors, errorRow{Alias: a, Type: k.b, Rate: num(v)})
				}
			}
			if hasExec {
				d.Chart.Lines = append(d.Chart.Lines, line{Name: a, Values: chart(dbExecute, a)})
			}
		}
		slices.SortFunc(d.Errors, func(x, y errorRow) int {
			return cmp.Or(cmpDesc(x.Rate, y.Rate), cmp.Compare(x.Alias, y.Alias), cmp.Compare(x.Type, y.Type))
		})
		r.DB = d
	}

	// Cache.
	for _, b := range names(cacheGets, cacheHits, cacheMisses, cacheGetFails, cacheSetFails, cacheDeleteFails) {
		_, has := groups[group{cacheGets, b}]
		row := cacheRow{Backend: b, Gets: rateOf(cacheGets, b),
			Misses:      rateOf(cacheMisses, b),
			GetFails:    rateOr0(cacheGetFails, b, has),
			SetFails:    rateOf(cacheSetFails, b),
			DeleteFails: rateOf(cacheDeleteFails, b),
		}
		row.HitRatio = ratio(rateOr0(cacheHits, b, has), row.Gets)
		row.HitRatioLine = ratioLine(chart(cacheHits, b), chart(cacheGets, b))
		r.Cache = append(r.Cache, row)
	}

	// Models.
	for _, m := range names(modelInserts, modelUpdates, modelDeletes, modelQueries) {
		r.Models = append(r.Models, modelRow{Model: m,
			Inserts: rateOf(modelInserts, m), Updates: rateOf(modelUpdates, m),
			Deletes: rateOf(modelDeletes, m), Queries: rateOf(modelQueries, m)})
	}

	// Migrations.
	for _, c := range names(migApplied, migUnapplied, migDirty, migVersion, migLastRead, migReadErrors) {
		row := migrationRow{Connection: c,
			Applied: latest(migApplied, c), Unapplied: latest(migUnapplied, c),
			Dirty: latest(migDirty, c), Version: latest(migVersion, c),
			ReadErrors: rateOf(migReadErrors, c)}
		if t := latest(migLastRead, c); t > 0 {
			row.LastRead = int64(math.Round(float64(t) * 1000))
		}
		r.Migrations = append(r.Migrations, row)
	}
	return r
}

// zeroWhereDefined is a with 0 wherever a has no value and b has one: no
// 5xx series yet means no 5xx response.
func zeroWhereDefined(a, b []cnum) []cnum {
	for i := range a {
		if math.IsNaN(float64(a[i])) && !math.IsNaN(float64(b[i])) {
			a[i] = 0
		}
	}
	return a
}

// cmpDesc orders by decreasing value, no data last.
func cmpDesc(x, y num) int {
	xn, yn := math.IsNaN(float64(x)), math.IsNaN(float64(y))
	switch {
	case xn && yn:
		return 0
	case xn:
		return 1
	case yn:
		return -1
	}
	return cmp.Compare(y, x)
}
