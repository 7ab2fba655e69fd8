package livetest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/util/teststorage"

	"github.com/stackprom/stackprom/internal/live"
)

// series is one generated counter: sample times in milliseconds and values.
type series struct {
	times  []int64
	values []float64
}

// generate makes counters of every shape the page meets: regular and
// jittered sampling, a late start, a zero first sample, resets, gaps, flat
// stretches.
func generate(r *rand.Rand, n int) []series {
	out := make([]series, n)
	for i := range out {
		var s series
		t := int64(r.IntN(60_000))
		v := float64(r.IntN(3)) * float64(r.IntN(1000))
		step := int64(1000 * (1 + r.IntN(10)))
		samples := 2 + r.IntN(200)
		for j := 0; j < samples; j++ {
			s.times = append(s.times, t)
			s.values = append(s.values, v)
			t += step + int64(r.IntN(int(step)/2+1)) - step/4 // jitter
			if r.IntN(20) == 0 {
				t += 5 * step // a gap
			}
			switch r.IntN(30) {
			case 0:
				v = float64(r.IntN(10)) // a reset
			case 1, 2, 3:
				// flat
			default:
				v += float64(r.IntN(50))
			}
		}
		out[i] = s
	}
	return out
}

// The live page's rate is PromQL's: on generated counters, at many times
// and ranges, it gives what Prometheus's engine (v0.316.0, over its TSDB)
// answers to rate(x[range]) on the same samples, and no sample where the
// engine gives none.
func TestRateAgainstPrometheus(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 1))
	all := generate(r, 300)
	st := teststorage.New(t)
	app := st.Appender(context.Background())
	for i, s := range all {
		lbls := labels.FromStrings("__name__", "x", "i", fmt.Sprint(i))
		for j := range s.times {
			if _, err := app.Append(0, lbls, s.times[j], s.values[j]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	engine := promql.NewEngine(promql.EngineOpts{MaxSamples: 1e7, Timeout: time.Minute, LookbackDelta: 5 * time.Minute})
	compared, empty := 0, 0
	for _, rng := range []time.Duration{10 * time.Second, 20 * time.Second, time.Minute, 5 * time.Minute} {
		for _, endS := range []int64{30, 61, 95, 150, 333, 600, 1200} {
			end := endS * 1000
			q, err := engine.NewInstantQuery(context.Background(), st, nil, fmt.Sprintf("rate(x[%s])", rng), time.UnixMilli(end))
			if err != nil {
				t.Fatal(err)
			}
			res := q.Exec(context.Background())
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			vec, err := res.Vector()
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]float64{}
			for _, s := range vec {
				want[s.Metric.Get("i")] = s.F
			}
			q.Close()
			for i, s := range all {
				got, ok := live.Rate(s.times, s.values, end, rng.Milliseconds())
				w, wok := want[fmt.Sprint(i)]
				switch {
				case ok != wok:
					t.Errorf("series %d, rate(x[%s]) at %ds: live %v (%v), Prometheus %v (%v)", i, rng, endS, got, ok, w, wok)
				case ok && !closeTo(got, w):
					t.Errorf("series %d, rate(x[%s]) at %ds: live %v, Prometheus %v", i, rng, endS, got, w)
				case ok:
					compared++
				default:
					empty++
				}
			}
		}
	}
	t.Logf("%d rates equal to Prometheus's, %d series without a rate in both", compared, empty)
	if compared < 1000 {
		t.Errorf("only %d rates compared", compared)
	}
}

// The live page's quantile is Prometheus's histogram_quantile of classic
// buckets (promql.BucketQuantile, what the engine calls), on generated
// buckets: sorted or not, repeated bounds, decreases, empty, no +Inf.
func TestQuantileAgainstPrometheus(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 2))
	bounds := []float64{0, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 25, 50, 75, math.Inf(+1)}
	for n := 0; n < 5000; n++ {
		var ubs, counts []float64
		c := 0.0
		for _, b := range bounds {
			if r.IntN(6) == 0 && !math.IsInf(b, +1) {
				continue // a missing bucket
			}
			c += float64(r.IntN(20)) * r.Float64()
			if r.IntN(25) == 0 {
				c -= 3 // a decrease
			}
			if c < 0 {
				c = 0
			}
			ubs = append(ubs, b)
			counts = append(counts, c)
			if r.IntN(30) == 0 {
				ubs = append(ubs, b) // a repeated bound
				counts = append(counts, c)
			}
		}
		if r.IntN(20) == 0 {
			ubs, counts = ubs[:len(ubs)-1], counts[:len(counts)-1] // no +Inf
		}
		r.Shuffle(len(ubs), func(i, j int) { ubs[i], ubs[j] = ubs[j], ubs[i]; counts[i], counts[j] = counts[j], counts[i] })
		for _, q := range []float64{-0.5, 0, 0.25, 0.5, 0.9, 0.95, 0.99, 1, 1.5} {
			pb := make(promql.Buckets, len(ubs))
			for i := range ubs {
				pb[i] = promql.Bucket{UpperBound: ubs[i], Count: counts[i]}
			}
			want, _, _, _, _, _ := promql.BucketQuantile(q, pb)
			got := live.Quantile(q, append([]float64(nil), ubs...), append([]float64(nil), counts...))
			if !(math.IsNaN(got) && math.IsNaN(want)) && !closeTo(got, want) {
				t.Fatalf("histogram_quantile(%v) of %v %v: live %v, Prometheus %v", q, ubs, counts, got, want)
			}
		}
	}
}

// The page's rates over samples that Prometheus's engine reads from its
// storage, through the whole query: histogram_quantile of the rates of
// one histogram's buckets, summed by le, as the page computes a view's
// latency.
func TestQuantileOfRatesAgainstPrometheus(t *testing.T) {
	bounds := []string{"0.1", "0.25", "0.5", "+Inf"}
	ub := []float64{0.1, 0.25, 0.5, math.Inf(+1)}
	// Two methods of one view, sampled every 5 s from 0 to 60 s, the
	// second starting at 20 s from zero.
	st := teststorage.New(t)
	app := st.Appender(context.Background())
	var times []int64
	var perBucket [4][]float64
	for i := 0; i <= 12; i++ {
		ts := int64(i) * 5000
		times = append(times, ts)
		get := [4]float64{float64(3 * i), float64(5 * i), float64(6 * i), float64(7 * i)}
		for b := range bounds {
			if _, err := app.Append(0, labels.FromStrings("__name__", "lat_bucket", "method", "GET", "le", bounds[b]), ts, get[b]); err != nil {
				t.Fatal(err)
			}
			sum := get[b]
			if i >= 4 {
				k := float64(i - 4)
				post := [4]float64{0, k, 2 * k, 4 * k}
				if _, err := app.Append(0, labels.FromStrings("__name__", "lat_bucket", "method", "POST", "le", bounds[b]), ts, post[b]); err != nil {
					t.Fatal(err)
				}
				sum += post[b]
			}
			perBucket[b] = append(perBucket[b], sum)
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	engine := promql.NewEngine(promql.EngineOpts{MaxSamples: 1e6, Timeout: time.Minute, LookbackDelta: 5 * time.Minute})
	for _, q := range []float64{0.5, 0.95, 0.99} {
		expr := fmt.Sprintf("histogram_quantile(%v, sum by (le) (rate(lat_bucket[1m])))", q)
		qry, err := engine.NewInstantQuery(context.Background(), st, nil, expr, time.UnixMilli(60_000))
		if err != nil {
			t.Fatal(err)
		}
		res := qry.Exec(context.Background())
		vec, err := res.Vector()
		if err != nil || len(vec) != 1 {
			t.Fatalf("%s: %v %v", expr, vec, err)
		}
		// The page sums by view and le before the rate (the POST series
		// starts from zero, so the sum's rate is the sum of the rates).
		var counts []float64
		for b := range ub {
			r, ok := live.Rate(times, perBucket[b], 60_000, 60_000)
			if !ok {
				t.Fatal("no rate")
			}
			counts = append(counts, r)
		}
		got := live.Quantile(q, append([]float64(nil), ub...), counts)
		if !closeTo(got, vec[0].F) {
			t.Errorf("%s: live %v, Prometheus %v", expr, got, vec[0].F)
		}
		qry.Close()
	}
}

func closeTo(a, b float64) bool {
	if a == b {
		return true
	}
	return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}
