package live

// Rate and Quantile expose rate and quantile to the test module, which
// compares them with Prometheus's own engine.

// Rate is PromQL's rate over the samples (times in milliseconds, oldest
// first) at end over a range of rng milliseconds; ok is false when PromQL
// returns no sample.
func Rate(times []int64, values []float64, end, rng int64) (v float64, ok bool) {
	pts := make([]point, len(times))
	for i := range times {
		pts[i] = point{T: times[i], V: values[i]}
	}
	return rate(pts, end, rng)
}

// Quantile is PromQL's histogram_quantile of classic buckets, given as
// upper bounds and cumulative counts in any order.
func Quantile(q float64, upperBounds, counts []float64) float64 {
	bs := make([]bucket, len(upperBounds))
	for i := range upperBounds {
		bs[i] = bucket{UpperBound: upperBounds[i], Count: counts[i]}
	}
	return quantile(q, bs)
}
