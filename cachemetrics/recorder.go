package cachemetrics

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom/internal/children"
	"github.com/stackprom/stackprom/internal/config"
	"github.com/stackprom/stackprom/internal/schema"
)

// Op is a kind of cache operation: the operation label of the duration
// family.
type Op uint8

// The operations. Their label values are "get", "set", "delete" and
// "pipeline" (a batch of commands sent together, timed as one).
const (
	OpGet Op = iota
	OpSet
	OpDelete
	OpPipeline
	numOps
)

var opNames = [numOps]string{"get", "set", "delete", "pipeline"}

// String returns the operation's label value.
func (o Op) String() string {
	if o < numOps {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// now is a monotonic clock reading the time since the package started, plus
// one nanosecond so that it is never zero. It reads the clock once, where
// time.Now reads it twice (wall and monotonic). Tests replace it.
var (
	epoch = time.Now()
	now   = func() time.Duration { return time.Since(epoch) + 1 }
)

// Mark is the moment an operation started, from Start, for Since. The zero
// Mark stands for an operation that is not timed.
type Mark struct{ t time.Duration }

// Recorder records the cache families of one cache: gets, hits, misses,
// failed gets, sets, failed sets, deletes, failed deletes, and operation
// durations. Its label children are resolved when it is built, so each
// method is a few atomic additions and allocates nothing. It is safe for
// concurrent use.
type Recorder struct {
	backend string

	gets, hits, misses, getFails prometheus.Counter
	sets, setFails               prometheus.Counter
	deletes, deleteFails         prometheus.Counter
	duration                     [numOps]prometheus.Observer
	latency                      bool
	exemplar                     func(context.Context) prometheus.Labels
	registerer                   prometheus.Registerer // with the constant labels and backend
	namespace                    string
}

// New builds the cache families and registers them (see
// stackprom.WithRegisterer), sharing those another Recorder already
// registered on the same registry; two Recorders with one backend name
// share its series. It needs WithBackend. The duration family is on
// (WithLatency) with DefaultBuckets. It returns an error if an option is
// invalid or a family clashes with a different collector of the same name.
func New(opts ...Option) (*Recorder, error) {
	c, err := config.New(opts)
	if err != nil {
		return nil, err
	}
	if c.Cache.Backend == "" {
		return nil, errors.New("cachemetrics: New: no backend name; set one with cachemetrics.WithBackend")
	}
	b := schema.Builder{C: c}
	gets := b.CounterVec(schema.CacheGet)
	hits := b.CounterVec(schema.CacheGetHits)
	misses := b.CounterVec(schema.CacheGetMisses)
	getFails := b.CounterVec(schema.CacheGetFail)
	sets := b.CounterVec(schema.CacheSet)
	setFails := b.CounterVec(schema.CacheSetFail)
	deletes := b.CounterVec(schema.CacheDelete)
	deleteFails := b.CounterVec(schema.CacheDeleteFail)
	var duration *prometheus.HistogramVec
	if !c.Cache.NoLatency {
		duration = b.HistogramVec(schema.CacheDuration)
	}
	if b.Err != nil {
		return nil, b.Err
	}
	name := c.Cache.Backend
	r := &Recorder{
		backend:     name,
		gets:        gets.WithLabelValues(name),
		hits:        hits.WithLabelValues(name),
		misses:      misses.WithLabelValues(name),
		getFails:    getFails.WithLabelValues(name),
		sets:        sets.WithLabelValues(name),
		setFails:    setFails.WithLabelValues(name),
		deletes:     deletes.WithLabelValues(name),
		deleteFails: deleteFails.WithLabelValues(name),
		latency:     !c.Cache.NoLatency,
		exemplar:    c.Exemplar,
		registerer:  c.RegistererWith("backend", name),
		namespace:   c.Namespace,
	}
	if duration != nil {
		for op := range numOps {
			r.duration[op] = duration.WithLabelValues(name, opNames[op])
		}
	}
	return r, nil
}

// MustNew is New for use in a one-line setup; it panics on error.
func MustNew(opts ...Option) *Recorder { return config.Must(New(opts...)) }

// Backend returns the backend label value.
func (r *Recorder) Backend() string { return r.backend }

// Latency reports whether the recorder observes operation durations (see
// WithLatency).
func (r *Recorder) Latency() bool { return r.latency }

// Hit records a get that found the key: gets +1, hits +1.
func (r *Recorder) Hit() {
	r.gets.Inc()
	r.hits.Inc()
}

// Miss records a get that did not find the key: gets +1, misses +1.
func (r *Recorder) Miss() {
	r.gets.Inc()
	r.misses.Inc()
}

// Fail records a get that failed (server down, timeout, a bad reply): gets
// +1, failed gets +1, and neither hits nor misses.
func (r *Recorder) Fail() {
	r.gets.Inc()
	r.getFails.Inc()
}

// Get records one get: a failure when err is not nil, else a hit when found
// is true, else a miss. Pass the cache's "not found" answer as found ==
// false with a nil err, never as an error.
func (r *Recorder) Get(found bool, err error) {
	switch {
	case err != nil:
		r.Fail()
	case found:
		r.Hit()
	default:
		r.Miss()
	}
}

// Gets records several gets at once, as a multi-key get returns them: gets
// +hits+misses+fails and each outcome by its count. Counts below 1 are
// ignored.
func (r *Recorder) Gets(hits, misses, fails int) {
	add(r.gets, max(hits, 0)+max(misses, 0)+max(fails, 0))
	add(r.hits, hits)
	add(r.misses, misses)
	add(r.getFails, fails)
}

// Set records one set (a write of a value, whatever the command: set, add,
// replace, compare-and-swap): sets +1 and, when err is not nil, failed sets
// +1. A write the cache refused by design (an add of a key that exists, a
// compare-and-swap that lost) is not a failure: pass a nil err for it.
func (r *Recorder) Set(err error) {
	r.sets.Inc()
	if err != nil {
		r.setFails.Inc()
	}
}

// Sets records n sets of which failed failed. Counts below 1 are ignored.
func (r *Recorder) Sets(n, failed int) {
	add(r.sets, n)
	add(r.setFails, failed)
}

// Delete records one delete: deletes +1 and, when err is not nil, failed
// deletes +1. Deleting a key that was not there is not a failure: pass a nil
// err for it.
func (r *Recorder) Delete(err error) {
	r.deletes.Inc()
	if err != nil {
		r.deleteFails.Inc()
	}
}

// Deletes records n deletes of which failed failed. Counts below 1 are
// ignored.
func (r *Recorder) Deletes(n, failed int) {
	add(r.deletes, n)
	add(r.deleteFails, failed)
}

func add(c prometheus.Counter, n int) {
	if n > 0 {
		c.Add(float64(n))
	}
}

// Start marks the moment an operation starts, for Since. When the recorder
// does not observe durations it returns the zero Mark without reading the
// clock.
func (r *Recorder) Start() Mark {
	if !r.latency {
		return Mark{}
	}
	return Mark{now()}
}

// Since observes the duration of an operation of kind op that started at
// start, with an exemplar when stackprom.WithExemplar returns one for ctx.
// It does nothing for a zero Mark, for an unknown op, or when the recorder
// does not observe durations.
func (r *Recorder) Since(ctx context.Context, op Op, start Mark) {
	if start.t == 0 || op >= numOps || !r.latency {
		return
	}
	children.Observe(ctx, r.duration[op], float64(now()-start.t)/float64(time.Second), r.exemplar)
}

// Observe records d as the duration of an operation of kind op, like Since.
// It does nothing for an unknown op, or when the recorder does not observe
// durations.
func (r *Recorder) Observe(ctx context.Context, op Op, d time.Duration) {
	if op >= numOps || !r.latency {
		return
	}
	children.Observe(ctx, r.duration[op], d.Seconds(), r.exemplar)
}

// Namespace returns the stackprom.WithNamespace prefix ("" by default), for
// an adapter that names the families of a collector it registers.
func (r *Recorder) Namespace() string { return r.namespace }

// Register registers col, a collector that belongs to this cache (a client's
// connection-pool statistics, say), on the recorder's registerer, adding
// the stackprom.WithConstLabels labels and a backend label with the cache's
// name, so that the collectors of two caches stay apart. col's own
// descriptors must not have a backend label. With a nil registerer it
// registers nothing. It returns the registerer's error, such as a
// prometheus.AlreadyRegisteredError when a collector of the same families
// is already registered for this backend.
func (r *Recorder) Register(col prometheus.Collector) error { return r.registerer.Register(col) }

// Unregister removes a collector that Register registered, and reports
// whether it was registered.
func (r *Recorder) Unregister(col prometheus.Collector) bool { return r.registerer.Unregister(col) }
