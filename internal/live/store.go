package live

import "math"

// role is what the page makes of a tracked series: each is one family,
// summed over the labels the page does not show.
type role uint8

const (
	viewResponses    role = iota // responses by view (a = view)
	view5xx                      // 5xx responses by view
	viewLatency                  // latency buckets by view (le)
	httpResponses                // every response
	http5xx                      // every 5xx response
	httpInFlight                 // requests in flight (gauge)
	dbExecute                    // statements by alias (a) and vendor (b)
	dbErrors                     // failed statements by alias (a) and type (b)
	dbDuration                   // statement duration buckets by alias (le)
	poolInUse                    // connections in use by db_name (gauge)
	poolIdle                     // idle connections (gauge)
	poolMaxOpen                  // the pool's maximum (gauge)
	poolWaits                    // waits for a connection (counter)
	cacheGets                    // gets by backend (a)
	cacheHits                    // hits
	cacheMisses                  // misses
	cacheGetFails                // failed gets
	cacheSetFails                // failed sets
	cacheDeleteFails             // failed deletes
	modelInserts                 // by model (a)
	modelUpdates                 //
	modelDeletes                 //
	modelQueries                 //
	migApplied                   // by connection (a), gauges
	migUnapplied                 //
	migDirty                     //
	migVersion                   //
	migLastRead                  // Unix time of the last successful read
	migReadErrors                // failed reads (counter)
	numRoles
)

// long reports whether the page charts the role over the whole history;
// the others are kept for the rate window only.
func (r role) long() bool {
	switch r {
	case viewResponses, view5xx, httpResponses, http5xx, httpInFlight, dbExecute, cacheGets, cacheHits:
		return true
	}
	return false
}

// counter reports whether the role is a counter (buckets included), whose
// rate the page shows.
func (r role) counter() bool {
	switch r {
	case httpInFlight, poolInUse, poolIdle, poolMaxOpen, migApplied, migUnapplied, migDirty, migVersion, migLastRead:
		return false
	}
	return true
}

// key names a tracked series.
type key struct {
	role role
	a, b string
	le   float64 // a bucket's upper bound; 0 for other series
}

// acc is a tracked series' value in one gathering: the sum of the exposed
// series it covers, and the earliest of their created timestamps.
type acc struct {
	v       float64
	created int64 // milliseconds; 0 when a series had none
}

// series is the history of one tracked series: a ring indexed by sample
// sequence, NaN where the series was absent.
type series struct {
	vals []float64
	last uint64 // the last sample it was present in
}

// store holds the samples: their times in a ring of longCap, and each
// series in a ring of longCap (long roles) or shortCap samples. The number
// of series of each kind is capped, so its memory is at most
// maxLong·longCap + maxShort·shortCap values and their keys.
type store struct {
	longCap, shortCap int
	maxLong, maxShort int

	times   []int64 // milliseconds, by sequence modulo longCap
	n       uint64  // samples taken
	series  map[key]*series
	long    int // long series tracked
	short   int // short series tracked
	omitted int // series left out for the caps at the last sample
}

func newStore(longCap, shortCap, maxLong, maxShort int) *store {
	return &store{
		longCap: longCap, shortCap: shortCap, maxLong: maxLong, maxShort: maxShort,
		times:  make([]int64, longCap),
		series: map[key]*series{},
	}
}

func (s *store) capOf(r role) int {
	if r.long() {
		return s.longCap
	}
	return s.shortCap
}

// add records one sample taken at t (milliseconds). A counter first seen
// now that was created after the previous sample gets a zero at that
// sample: it was zero then, as Prometheus's created-timestamp zero
// ingestion records, so that its first increase is not lost to rate.
func (s *store) add(t int64, vals map[key]acc) {
	seq := s.n
	s.times[seq%uint64(s.longCap)] = t
	var prevT int64
	if seq > 0 {
		prevT = s.times[(seq-1)%uint64(s.longCap)]
	}
	s.omitted = 0
	for k, a := range vals {
		sr := s.series[k]
		if sr == nil {
			long := k.role.long()
			switch {
			case long && s.long >= s.maxLong, !long && s.short >= s.maxShort:
				s.omitted++
				continue
			case long:
				s.long++
			default:
				s.short++
			}
			sr = &series{vals: make([]float64, s.capOf(k.role))}
			for i := range sr.vals {
				sr.vals[i] = math.NaN()
			}
			s.series[k] = sr
			if seq > 0 && k.role.counter() && a.created > prevT {
				sr.vals[(seq-1)%uint64(len(sr.vals))] = 0
			}
		}
		sr.vals[seq%uint64(len(sr.vals))] = a.v
		sr.last = seq
	}
	for k, sr := range s.series {
		if sr.last == seq {
			continue
		}
		sr.vals[seq%uint64(len(sr.vals))] = math.NaN()
		if seq-sr.last >= uint64(len(sr.vals)) {
			delete(s.series, k)
			if k.role.long() {
				s.long--
			} else {
				s.short--
			}
		}
	}
	s.n++
}

// first is the sequence of the oldest sample a ring of c holds.
func (s *store) first(c int) uint64 {
	if s.n > uint64(c) {
		return s.n - uint64(c)
	}
	return 0
}

// lastTime is the time of the last sample; ok is false before the first.
func (s *store) lastTime() (int64, bool) {
	if s.n == 0 {
		return 0, false
	}
	return s.times[(s.n-1)%uint64(s.longCap)], true
}

// sampleTimes lists the times of the samples the long rings hold, oldest
// first.
func (s *store) sampleTimes() []int64 {
	var out []int64
	for seq := s.first(s.longCap); seq < s.n; seq++ {
		out = append(out, s.times[seq%uint64(s.longCap)])
	}
	return out
}

// points returns the samples of sr present in its ring, oldest first.
func (s *store) points(sr *series) []point {
	c := len(sr.vals)
	out := make([]point, 0, c)
	for seq := s.first(c); seq < s.n; seq++ {
		v := sr.vals[seq%uint64(c)]
		if math.IsNaN(v) {
			continue
		}
		out = append(out, point{T: s.times[seq%uint64(s.longCap)], V: v})
	}
	return out
}

// latest is sr's value at the last sample, if it was present.
func (s *store) latest(sr *series) (float64, bool) {
	if s.n == 0 || sr.last != s.n-1 {
		return 0, false
	}
	return sr.vals[(s.n-1)%uint64(len(sr.vals))], true
}
