package live

import (
	"math"
	"testing"
)

// Every expected value below is worked out by hand from PromQL's
// extrapolatedRate and BucketQuantile; the test module compares the same
// functions with Prometheus's engine on many more series.

func TestRate(t *testing.T) {
	s := int64(1000)
	for _, c := range []struct {
		name     string
		times    []int64 // seconds
		values   []float64
		end, rng int64 // seconds
		want     float64
		ok       bool
	}{
		{
			// 1/s from 0: the range (0, 60] holds 5 … 60; the first is one
			// average interval (5 s) from the start, inside the 1.1 threshold,
			// so the increase 55 over 55 s is extrapolated to 60 s: 60/60.
			name:   "steady",
			times:  []int64{0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60},
			values: []float64{0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60},
			end:    60, rng: 60, want: 1, ok: true,
		},
		{
			// A reset from 20 to 5 adds 20 back: 15 - 10 + 20 = 25 over 30 s,
			// extrapolated by 10 s to the start (the zero point is 12 s away):
			// 25 · 40/30 / 40.
			name:  "reset",
			times: []int64{0, 10, 20, 30}, values: []float64{10, 20, 5, 15},
			end: 30, rng: 40, want: 25.0 / 30, ok: true,
		},
		{
			// The series starts 50 s after the range: extrapolated by half an
			// interval (2.5 s) only: 10 · 12.5/10 / 60.
			name:  "late start",
			times: []int64{50, 55, 60}, values: []float64{100, 105, 110},
			end: 60, rng: 60, want: 12.5 / 60, ok: true,
		},
		{
			// From zero: no extrapolation before the zero point; 20 s before
			// the end, so half an interval after the last: 20 · 12.5/10 / 60.
			name:  "from zero, ends early",
			times: []int64{30, 35, 40}, values: []float64{0, 10, 20},
			end: 60, rng: 60, want: 25.0 / 60, ok: true,
		},
		{
			// A sample at the start of the range is outside it (left-open).
			name:  "left-open",
			times: []int64{0, 60}, values: []float64{0, 60},
			end: 60, rng: 60, ok: false,
		},
		{
			name:  "one sample",
			times: []int64{30}, values: []float64{3},
			end: 60, rng: 60, ok: false,
		},
		{
			// No increase: 0 whatever the extrapolation.
			name:  "flat",
			times: []int64{10, 20, 30}, values: []float64{7, 7, 7},
			end: 30, rng: 60, want: 0, ok: true,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			ms := make([]int64, len(c.times))
			for i := range c.times {
				ms[i] = c.times[i] * s
			}
			got, ok := Rate(ms, c.values, c.end*s, c.rng*s)
			if ok != c.ok || (ok && math.Abs(got-c.want) > 1e-12) {
				t.Errorf("rate = %v, %v; want %v, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

func TestQuantile(t *testing.T) {
	inf := math.Inf(+1)
	for _, c := range []struct {
		name   string
		q      float64
		bounds []float64
		counts []float64
		want   float64
	}{
		// Rank 20 falls in (0.1, 0.25], which holds 20 of the observations
		// from rank 10 on: 0.1 + 0.15 · 10/20.
		{"median", 0.5, []float64{0.1, 0.25, 0.5, inf}, []float64{10, 30, 40, 40}, 0.175},
		// Rank 39.6 in (0.25, 0.5], 9.6 of its 10: 0.25 + 0.25 · 0.96.
		{"p99", 0.99, []float64{0.1, 0.25, 0.5, inf}, []float64{10, 30, 40, 40}, 0.49},
		// Any order: sorted first.
		{"unsorted", 0.99, []float64{inf, 0.5, 0.1, 0.25}, []float64{40, 40, 10, 30}, 0.49},
		// Rank 18 in the +Inf bucket: the last finite bound.
		{"in +Inf", 0.9, []float64{0.1, inf}, []float64{10, 20}, 0.1},
		// A decrease (10 then 8) is removed: 10, 10, 20; rank 10 at the top
		// of the first bucket.
		{"not monotonic", 0.5, []float64{0.1, 0.25, inf}, []float64{10, 8, 20}, 0.1},
		// The first bucket's bound is 0 or less: that bound.
		{"non-positive first bound", 0.2, []float64{0, 1, inf}, []float64{5, 10, 10}, 0},
		// Two bounds of one value are one bucket.
		{"repeated bound", 0.5, []float64{0.1, 0.1, inf}, []float64{2, 2, 8}, 0.1 * 4 / 4},
		{"no observation", 0.5, []float64{0.1, inf}, []float64{0, 0}, math.NaN()},
		{"no +Inf", 0.5, []float64{0.1, 0.2}, []float64{1, 2}, math.NaN()},
		{"one bucket", 0.5, []float64{inf}, []float64{3}, math.NaN()},
		{"q above 1", 1.5, []float64{0.1, inf}, []float64{1, 2}, inf},
		{"q below 0", -1, []float64{0.1, inf}, []float64{1, 2}, math.Inf(-1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Quantile(c.q, c.bounds, c.counts)
			if math.IsNaN(c.want) != math.IsNaN(got) || (!math.IsNaN(got) && math.Abs(got-c.want) > 1e-12) {
				t.Errorf("quantile = %v, want %v", got, c.want)
			}
		})
	}
}
