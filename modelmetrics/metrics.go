package modelmetrics

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom/internal/children"
	"github.com/stackprom/stackprom/internal/config"
	"github.com/stackprom/stackprom/internal/schema"
)

// Label values modelmetrics writes itself.
const (
	// Other stands for every model declared past WithMaxModels.
	Other = "<other>"
	// Unnamed is the model label of a model declared with an empty name.
	Unnamed = "<unnamed model>"
)

// Op is a model operation.
type Op uint8

// The operations, one family each.
const (
	Insert Op = iota + 1
	Update
	Delete
	Query
)

// String returns "insert", "update", "delete" or "query".
func (o Op) String() string {
	switch o {
	case Insert:
		return "insert"
	case Update:
		return "update"
	case Delete:
		return "delete"
	case Query:
		return "query"
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// Metrics holds the model families of one registry. Build it once with New,
// declare each model with Model, and keep the *Model; it is safe for
// concurrent use.
type Metrics struct {
	inserts, updates, deletes, queries *prometheus.CounterVec

	models children.Bounded[*Model]
	cfg    *config.Config
}

// New builds the model families (inserts, updates, deletes, queries) and
// registers them (see stackprom.WithRegisterer), sharing those another
// Metrics already registered on the same registry. It returns an error if
// an option is invalid or a family clashes with a different collector of the
// same name.
func New(opts ...Option) (*Metrics, error) {
	c, err := config.New(opts)
	if err != nil {
		return nil, err
	}
	b := schema.Builder{C: c}
	m := &Metrics{
		inserts: b.CounterVec(schema.ModelInserts),
		updates: b.CounterVec(schema.ModelUpdates),
		deletes: b.CounterVec(schema.ModelDeletes),
		queries: b.CounterVec(schema.ModelQueries),
		cfg:     c,
	}
	if b.Err != nil {
		return nil, fmt.Errorf("modelmetrics: %w", b.Err)
	}
	max := c.Model.MaxModels
	if max == 0 {
		max = config.DefaultMaxModels
	}
	m.models = children.Bounded[*Model]{Max: max, New: m.newModel}
	return m, nil
}

// MustNew is New that panics on an error, for package-level variables.
func MustNew(opts ...Option) *Metrics { return config.Must(New(opts...)) }

// Model declares the model name and returns its counters, whose four series
// exist at zero from now on. Declaring a name again returns the same
// *Model. The name is the model label value, as the string passed to
// ExportModelOperationsMixin is: "dog", not the Go type's name unless you
// choose it. An empty name is recorded as "<unnamed model>", names past
// WithMaxModels as "<other>"; a name that is not valid UTF-8 or is longer
// than 128 bytes is recorded made valid and cut, ending in "…".
func (m *Metrics) Model(name string) *Model {
	return m.models.Get(name)
}

func (m *Metrics) newModel(name string) *Model {
	if name == "" {
		name = Unnamed
	}
	name = children.Clean(name)
	return &Model{
		name:    name,
		inserts: m.inserts.WithLabelValues(name),
		updates: m.updates.WithLabelValues(name),
		deletes: m.deletes.WithLabelValues(name),
		queries: m.queries.WithLabelValues(name),
	}
}

// Model is the counters of one model. Its methods take a few atomic
// additions and never allocate. A nil *Model counts nothing, so a lookup
// that found no model needs no check.
type Model struct {
	name                               string
	inserts, updates, deletes, queries prometheus.Counter
}

// Name returns the model label value.
func (m *Model) Name() string {
	if m == nil {
		return ""
	}
	return m.name
}

// Inserted counts rows inserted rows, as a statement's rows affected
// reports them: 1 for one saved instance, 10 for a bulk insert of 10.
// Zero or negative counts nothing.
func (m *Model) Inserted(rows int64) { m.Add(Insert, rows) }

// Updated counts rows updated rows. Zero, an update that matched (or, on
// MySQL, changed) no row, counts nothing, unlike django-prometheus, which
// counts every save of an existing instance.
func (m *Model) Updated(rows int64) { m.Add(Update, rows) }

// Deleted counts rows deleted rows. Zero or negative counts nothing.
func (m *Model) Deleted(rows int64) { m.Add(Delete, rows) }

// Queried counts one query (a read, whatever the number of rows it
// returned).
func (m *Model) Queried() { m.Add(Query, 1) }

// Add counts n operations of kind op: rows affected for Insert, Update
// and Delete, queries for Query. Zero, a negative n or an unknown op counts
// nothing.
func (m *Model) Add(op Op, n int64) {
	if m == nil || n <= 0 {
		return
	}
	c := m.Counter(op)
	if c == nil {
		return
	}
	if n == 1 {
		c.Inc()
		return
	}
	c.Add(float64(n))
}

// Counter returns the model's counter of op, for tests and for adapters
// that count through client_golang directly; nil for a nil *Model or an
// unknown op.
func (m *Model) Counter(op Op) prometheus.Counter {
	if m == nil {
		return nil
	}
	switch op {
	case Insert:
		return m.inserts
	case Update:
		return m.updates
	case Delete:
		return m.deletes
	case Query:
		return m.queries
	}
	return nil
}
