package live

import (
	"math"
	"slices"
	"sort"
)

// point is one sample of a series: a time in milliseconds and a value.
type point struct {
	T int64
	V float64
}

// rate is PromQL's rate(series[rng]) evaluated at end, over the points of
// one series that lie in the range (end-rng, end], left-open as in
// Prometheus 3: the increase between the first and the last point, with
// counter resets added back, extrapolated towards the ends of the range as
// extrapolatedRate in promql/functions.go does, per second. It reports
// false when fewer than two points lie in the range (PromQL returns no
// sample then).
func rate(pts []point, end, rngMillis int64) (float64, bool) {
	start := end - rngMillis
	lo := sort.Search(len(pts), func(i int) bool { return pts[i].T > start })
	hi := sort.Search(len(pts), func(i int) bool { return pts[i].T > end })
	pts = pts[lo:hi]
	if len(pts) < 2 {
		return 0, false
	}
	first, last := pts[0], pts[len(pts)-1]
	result := last.V - first.V
	for i := 1; i < len(pts); i++ {
		if pts[i].V < pts[i-1].V {
			result += pts[i-1].V
		}
	}
	durationToStart := float64(first.T-start) / 1000
	durationToEnd := float64(end-last.T) / 1000
	sampled := float64(last.T-first.T) / 1000
	avg := sampled / float64(len(pts)-1)
	threshold := avg * 1.1
	if durationToStart >= threshold {
		durationToStart = avg / 2
	}
	// A counter cannot go below zero: extrapolate to its zero point at most.
	durationToZero := durationToStart
	if result > 0 && first.V >= 0 {
		durationToZero = sampled * (first.V / result)
	}
	if durationToZero < durationToStart {
		durationToStart = durationToZero
	}
	if durationToEnd >= threshold {
		durationToEnd = avg / 2
	}
	factor := 1.0
	if sampled != 0 {
		factor = (sampled + durationToStart + durationToEnd) / sampled
	}
	factor /= float64(rngMillis) / 1000
	return result * factor, true
}

// bucket is one cumulative bucket of a classic histogram.
type bucket struct {
	UpperBound float64
	Count      float64
}

// smallDeltaTolerance is Prometheus's: relative differences between
// successive buckets below it are taken for floating-point noise.
const smallDeltaTolerance = 1e-12

// quantile is PromQL's histogram_quantile(q, …) of classic buckets (as
// BucketQuantile in promql/quantile.go): buckets sorted by upper bound and
// those of one bound added up, decreases between successive buckets
// removed, then the rank q·count found by linear interpolation inside its
// bucket; the upper bound of the last finite bucket when the rank falls in
// the +Inf bucket; NaN without a +Inf bucket, with fewer than two buckets
// or no observation. buckets is sorted in place.
func quantile(q float64, buckets []bucket) float64 {
	switch {
	case math.IsNaN(q):
		return math.NaN()
	case q < 0:
		return math.Inf(-1)
	case q > 1:
		return math.Inf(+1)
	}
	if len(buckets) == 0 {
		return math.NaN()
	}
	slices.SortFunc(buckets, func(a, b bucket) int {
		switch {
		case a.UpperBound < b.UpperBound:
			return -1
		case a.UpperBound > b.UpperBound:
			return +1
		}
		return 0
	})
	if !math.IsInf(buckets[len(buckets)-1].UpperBound, +1) {
		return math.NaN()
	}
	buckets = coalesce(buckets)
	monotonic(buckets)
	if len(buckets) < 2 {
		return math.NaN()
	}
	observations := buckets[len(buckets)-1].Count
	if observations == 0 {
		return math.NaN()
	}
	rank := q * observations
	b := sort.Search(len(buckets)-1, func(i int) bool { return buckets[i].Count >= rank })
	switch {
	case b == len(buckets)-1:
		return buckets[len(buckets)-2].UpperBound
	case b == 0 && buckets[0].UpperBound <= 0:
		return buckets[0].UpperBound
	}
	var bucketStart float64
	bucketEnd, count := buckets[b].UpperBound, buckets[b].Count
	if b > 0 {
		bucketStart = buckets[b-1].UpperBound
		count -= buckets[b-1].Count
		rank -= buckets[b-1].Count
	}
	return bucketStart + (bucketEnd-bucketStart)*(rank/count)
}

// coalesce adds up the counts of buckets with the same upper bound.
func coalesce(buckets []bucket) []bucket {
	last, i := buckets[0], 0
	for _, b := range buckets[1:] {
		if b.UpperBound == last.UpperBound {
			last.Count += b.Count
			continue
		}
		buckets[i] = last
		last = b
		i++
	}
	buckets[i] = last
	return buckets[:i+1]
}

// monotonic removes decreases between successive buckets, ignoring
// differences within smallDeltaTolerance, as Prometheus does.
func monotonic(buckets []bucket) {
	prev := buckets[0].Count
	for i := 1; i < len(buckets); i++ {
		curr := buckets[i].Count
		if curr == prev {
			continue
		}
		if almostEqual(prev, curr, smallDeltaTolerance) || curr < prev {
			buckets[i].Count = prev
			continue
		}
		prev = curr
	}
}

// minNormal is the smallest positive normal float64.
var minNormal = math.Float64frombits(0x0010000000000000)

// almostEqual is Prometheus's util/almost.Equal for values that are never
// stale markers.
func almostEqual(a, b, epsilon float64) bool {
	if math.IsNaN(a) && math.IsNaN(b) {
		return true
	}
	if a == b {
		return true
	}
	absSum := math.Abs(a) + math.Abs(b)
	diff := math.Abs(a - b)
	if a == 0 || b == 0 || absSum < minNormal {
		return diff < epsilon*minNormal
	}
	return diff/math.Min(absSum, math.MaxFloat64) < epsilon
}
