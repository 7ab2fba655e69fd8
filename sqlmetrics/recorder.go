package sqlmetrics

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom/internal/children"
	"github.com/stackprom/stackprom/internal/config"
	"github.com/stackprom/stackprom/internal/errtype"
	"github.com/stackprom/stackprom/internal/schema"
)

// Other is the error type label value that stands for every type past the
// WithMaxErrorTypes cap.
const Other = "<other>"

// epoch anchors the clock.
var epoch = time.Now()

// now is the clock: the monotonic time since epoch. time.Since reads only
// the monotonic clock, where time.Now reads the wall clock too, which halves
// the cost of timing a statement. Tests replace it.
var now = func() time.Duration { return time.Since(epoch) }

// Recorder records the six database families of one alias and vendor: new
// connections, connection errors, executions, bulk executions, errors by
// type and query duration. Its label children are resolved when it is
// built, so recording takes a few atomic additions and allocates nothing.
// The wrapped drivers of this package record through one; adapters for
// drivers that do not go through database/sql (pgxmetrics) and hand-written
// data layers use it directly. It is safe for concurrent use.
type Recorder struct {
	alias, vendor string

	newConns    prometheus.Counter
	connErrors  prometheus.Counter
	execute     prometheus.Counter
	executeMany prometheus.Counter
	duration    prometheus.Observer
	errors      children.Bounded[prometheus.Counter]
	exemplar    func(context.Context) prometheus.Labels

	untilRowsClosed bool
	cfg             *config.Config
	registerer      prometheus.Registerer // with the constant labels and db_name
}

// NewRecorder builds the database families and registers them (see
// stackprom.WithRegisterer), sharing those another Recorder or wrapped
// driver already registered on the same registry. It needs WithVendor, as
// there is no driver to detect the vendor from; the alias defaults to
// "default". It returns an error if an option is invalid or a family clashes
// with a different collector of the same name.
func NewRecorder(opts ...Option) (*Recorder, error) {
	c, err := config.New(opts)
	if err != nil {
		return nil, err
	}
	if c.SQL.Vendor == "" {
		return nil, errors.New("sqlmetrics: NewRecorder: no vendor; set one with sqlmetrics.WithVendor")
	}
	return newRecorder(c, c.SQL.Vendor)
}

// MustNewRecorder is NewRecorder for use in a one-line setup; it panics on
// error.
func MustNewRecorder(opts ...Option) *Recorder { return config.Must(NewRecorder(opts...)) }

func newRecorder(c *config.Config, vendor string) (*Recorder, error) {
	alias := c.SQL.Alias
	if alias == "" {
		alias = DefaultAlias
	}
	maxTypes := c.SQL.MaxErrorTypes
	if maxTypes == 0 {
		maxTypes = config.DefaultMaxTypes
	}
	b := schema.Builder{C: c}
	newConns := b.CounterVec(schema.DBNewConnections)
	connErrors := b.CounterVec(schema.DBNewConnectionErrors)
	execute := b.CounterVec(schema.DBExecute)
	executeMany := b.CounterVec(schema.DBExecuteMany)
	errs := b.CounterVec(schema.DBErrors)
	duration := b.HistogramVec(schema.DBQueryDuration)
	if b.Err != nil {
		return nil, b.Err
	}
	r := &Recorder{
		alias:           alias,
		vendor:          vendor,
		newConns:        newConns.WithLabelValues(alias, vendor),
		connErrors:      connErrors.WithLabelValues(alias, vendor),
		execute:         execute.WithLabelValues(alias, vendor),
		executeMany:     executeMany.WithLabelValues(alias, vendor),
		duration:        duration.WithLabelValues(alias, vendor),
		exemplar:        c.Exemplar,
		untilRowsClosed: c.SQL.UntilRowsClosed,
		cfg:             c,
		registerer:      c.RegistererWith("db_name", alias),
	}
	r.errors = children.Bounded[prometheus.Counter]{
		Max: maxTypes,
		// A Go type name is valid UTF-8 but, with type arguments, of any
		// length: the label is its cleaned form, resolved once per type.
		New: func(typ string) prometheus.Counter { return errs.WithLabelValues(alias, vendor, children.Clean(typ)) },
	}
	return r, nil
}

// Alias returns the alias label value.
func (r *Recorder) Alias() string { return r.alias }

// Vendor returns the vendor label value.
func (r *Recorder) Vendor() string { return r.vendor }

// Namespace returns the stackprom.WithNamespace prefix ("" by default),
// for an adapter that names the families of a collector it registers.
func (r *Recorder) Namespace() string { return r.cfg.Namespace }

// Register registers col, a collector that belongs to this database (a
// driver's own connection-pool statistics, say), on the recorder's
// registerer, adding the stackprom.WithConstLabels labels and a db_name
// label with the alias, as the go_sql_… pool statistics have, so that the
// collectors of two databases stay apart. col's own descriptors must not
// have a db_name label. With a nil registerer it registers nothing. It
// returns the registerer's error, such as a prometheus.AlreadyRegisteredError
// when a collector of the same families is already registered for this
// alias.
func (r *Recorder) Register(col prometheus.Collector) error { return r.registerer.Register(col) }

// Unregister removes a collector that Register registered, and reports
// whether it was registered.
func (r *Recorder) Unregister(col prometheus.Collector) bool { return r.registerer.Unregister(col) }

// Connect records an attempt to open a connection: new connections +1 and,
// when err is not nil, connection errors +1. As in django-prometheus, new
// connections counts every attempt, so errors divided by connections is the
// failure ratio.
func (r *Recorder) Connect(err error) {
	r.newConns.Inc()
	if err != nil {
		r.connErrors.Inc()
	}
}

// Executed records one statement (a query or an exec) that took d:
// executions +1, one duration observation (with an exemplar when
// stackprom.WithExemplar returns one for ctx) and, when err is an error,
// errors +1 by its type (see Error).
func (r *Recorder) Executed(ctx context.Context, d time.Duration, err error) {
	r.execute.Inc()
	children.Observe(ctx, r.duration, d.Seconds(), r.exemplar)
	if err != nil {
		r.Error(err)
	}
}

// Bulk records n statements run inside a bulk operation (ExecMany, a pgx
// batch, CopyFrom rows): executions +n and bulk executions +n. Their
// duration is observed separately, once per operation or once per
// statement, with Observe.
func (r *Recorder) Bulk(n int) {
	if n <= 0 {
		return
	}
	r.execute.Add(float64(n))
	r.executeMany.Add(float64(n))
}

// Observe records one duration observation, with an exemplar when
// stackprom.WithExemplar returns one for ctx.
func (r *Recorder) Observe(ctx context.Context, d time.Duration) {
	children.Observe(ctx, r.duration, d.Seconds(), r.exemplar)
}

// Error counts err in the errors family by its type and reports whether it
// counted it. Not errors, and not counted: nil, driver.ErrSkip (the driver
// asks database/sql to take another path), sql.ErrNoRows (and errors that
// wrap it, such as pgx.ErrNoRows) and io.EOF (the end of the rows).
//
// The type label is "context.Canceled", "context.DeadlineExceeded" or
// "driver.ErrBadConn" when err is or wraps one of these, else the Go type of
// err as fmt's %T prints it: "*pgconn.PgError", "*mysql.MySQLError",
// "*sqlite.Error", cut to 128 bytes (ending in "…") when it is longer.
// Types past WithMaxErrorTypes are recorded as "<other>".
func (r *Recorder) Error(err error) bool {
	if !isError(err) {
		return false
	}
	r.errors.Get(errorType(err)).Inc()
	return true
}

func isError(err error) bool {
	return err != nil && err != driver.ErrSkip && err != io.EOF && !errors.Is(err, sql.ErrNoRows)
}

// errorType is the type label of err, named as httpmetrics names the
// errors a handler reports; it does not allocate.
func errorType(err error) string { return errtype.Name(err) }

// done records a statement that started at start (a reading of now).
func (r *Recorder) done(ctx context.Context, start time.Duration, err error) {
	r.Executed(ctx, now()-start, err)
}
