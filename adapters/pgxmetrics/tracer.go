package pgxmetrics

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stackprom/stackprom/sqlmetrics"
)

// epoch anchors the clock.
var epoch = time.Now()

// now is the clock: the monotonic time since epoch, which time.Since reads
// without the wall clock.
var now = func() time.Duration { return time.Since(epoch) }

// Tracer is a pgx tracer that records the database families. Set it as
// pgx.ConnConfig.Tracer (pgxpool.Config.ConnConfig.Tracer for a pool). It
// offers every tracer interface of pgx and pgxpool, so that a tracer the
// application already had, chained with Chain, keeps receiving every call.
// It is safe for concurrent use.
type Tracer struct {
	r    *sqlmetrics.Recorder
	key  *int // this tracer's context key, shared by its chained copies
	next next
}

var (
	_ pgx.QueryTracer       = (*Tracer)(nil)
	_ pgx.BatchTracer       = (*Tracer)(nil)
	_ pgx.CopyFromTracer    = (*Tracer)(nil)
	_ pgx.PrepareTracer     = (*Tracer)(nil)
	_ pgx.ConnectTracer     = (*Tracer)(nil)
	_ pgxpool.AcquireTracer = (*Tracer)(nil)
	_ pgxpool.ReleaseTracer = (*Tracer)(nil)
)

// next is the chained tracer, split by interface once.
type next struct {
	query   pgx.QueryTracer
	batch   pgx.BatchTracer
	copy    pgx.CopyFromTracer
	prepare pgx.PrepareTracer
	connect pgx.ConnectTracer
	acquire pgxpool.AcquireTracer
	release pgxpool.ReleaseTracer
}

// New builds the database families and registers them (see
// stackprom.WithRegisterer), sharing them with sqlmetrics wrappers and other
// tracers on the same registry, and returns a tracer that records into
// them. Options: sqlmetrics.WithAlias (default "default"),
// sqlmetrics.WithVendor (default "postgresql", for a PostgreSQL-compatible
// server that dashboards should tell apart), sqlmetrics.WithMaxErrorTypes,
// sqlmetrics.WithModels and the shared stackprom options.
func New(opts ...sqlmetrics.Option) (*Tracer, error) {
	r, err := newRecorder(opts)
	if err != nil {
		return nil, err
	}
	return &Tracer{r: r, key: new(int)}, nil
}

// MustNew is New for use in a one-line setup; it panics on error.
func MustNew(opts ...sqlmetrics.Option) *Tracer {
	t, err := New(opts...)
	if err != nil {
		panic(err)
	}
	return t
}

// newRecorder is the recorder of the options, with the vendor defaulting to
// PostgreSQL.
func newRecorder(opts []sqlmetrics.Option) (*sqlmetrics.Recorder, error) {
	return sqlmetrics.NewRecorder(append([]sqlmetrics.Option{sqlmetrics.WithVendor(sqlmetrics.PostgreSQL)}, opts...)...)
}

// Chain returns a tracer that records as t does and passes every call on to
// tracer, the one the application already had (pgx takes only one), for
// each of pgx's and pgxpool's tracer interfaces that tracer implements.
// tracer's context values reach its own end calls as before.
func (t *Tracer) Chain(tracer any) *Tracer {
	c := *t
	c.next = next{}
	c.next.query, _ = tracer.(pgx.QueryTracer)
	c.next.batch, _ = tracer.(pgx.BatchTracer)
	c.next.copy, _ = tracer.(pgx.CopyFromTracer)
	c.next.prepare, _ = tracer.(pgx.PrepareTracer)
	c.next.connect, _ = tracer.(pgx.ConnectTracer)
	c.next.acquire, _ = tracer.(pgxpool.AcquireTracer)
	c.next.release, _ = tracer.(pgxpool.ReleaseTracer)
	return &c
}

// Recorder returns the recorder the tracer records through.
func (t *Tracer) Recorder() *sqlmetrics.Recorder { return t.r }

// started is the context of a traced call: its start and, for a batch, its
// size and whether a query of it failed. One allocation per call.
type started struct {
	context.Context
	key    *int
	start  time.Duration
	sql    string // the statement of a query, for WithModels
	queued int
	failed bool
}

func (s *started) Value(key any) any {
	if k, ok := key.(*int); ok && k == s.key {
		return s
	}
	return s.Context.Value(key)
}

func (t *Tracer) begin(ctx context.Context) *started {
	return &started{Context: ctx, key: t.key, start: now()}
}

// of returns the state begin stored in ctx, or nil when the call did not
// start through t (a tracer set after the call started).
func (t *Tracer) of(ctx context.Context) *started {
	s, _ := ctx.Value(t.key).(*started)
	return s
}

// TraceQueryStart starts timing a Query, QueryRow or Exec.
func (t *Tracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if t.next.query != nil {
		ctx = t.next.query.TraceQueryStart(ctx, conn, data)
	}
	s := t.begin(ctx)
	s.sql = data.SQL
	return s
}

// TraceQueryEnd records the statement.
func (t *Tracer) TraceQueryEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryEndData) {
	if s := t.of(ctx); s != nil {
		t.r.Executed(ctx, now()-s.start, data.Err)
		if data.Err == nil {
			// INSERT … RETURNING included: pgx's command tag has the rows.
			t.r.CountModels(s.sql, data.CommandTag.RowsAffected())
		}
	}
	if t.next.query != nil {
		t.next.query.TraceQueryEnd(ctx, conn, data)
	}
}

// TraceBatchStart starts timing a batch.
func (t *Tracer) TraceBatchStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	if t.next.batch != nil {
		ctx = t.next.batch.TraceBatchStart(ctx, conn, data)
	}
	s := t.begin(ctx)
	if data.Batch != nil {
		s.queued = data.Batch.Len()
	}
	return s
}

// TraceBatchQuery counts the error of a query of the batch, if any.
func (t *Tracer) TraceBatchQuery(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchQueryData) {
	if s := t.of(ctx); s != nil {
		if t.r.Error(data.Err) {
			s.failed = true
		} else if data.Err == nil {
			t.r.CountModels(data.SQL, data.CommandTag.RowsAffected())
		}
	}
	if t.next.batch != nil {
		t.next.batch.TraceBatchQuery(ctx, conn, data)
	}
}

// TraceBatchEnd records the batch: its queued queries, its duration and,
// when it failed as a whole, its error.
func (t *Tracer) TraceBatchEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchEndData) {
	if s := t.of(ctx); s != nil {
		t.r.Bulk(s.queued)
		t.r.Observe(ctx, now()-s.start)
		if !s.failed {
			t.r.Error(data.Err)
		}
	}
	if t.next.batch != nil {
		t.next.batch.TraceBatchEnd(ctx, conn, data)
	}
}

// TraceCopyFromStart starts timing a CopyFrom.
func (t *Tracer) TraceCopyFromStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceCopyFromStartData) context.Context {
	if t.next.copy != nil {
		ctx = t.next.copy.TraceCopyFromStart(ctx, conn, data)
	}
	s := t.begin(ctx)
	s.sql = "INSERT INTO " + data.TableName.Sanitize() // what a copy does, for WithModels
	return s
}

// TraceCopyFromEnd records the rows copied as bulk executions; a failed
// copy also counts as one failed execution.
func (t *Tracer) TraceCopyFromEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceCopyFromEndData) {
	if s := t.of(ctx); s != nil {
		t.r.Bulk(int(data.CommandTag.RowsAffected()))
		if data.Err != nil {
			t.r.Executed(ctx, now()-s.start, data.Err)
		} else {
			t.r.Observe(ctx, now()-s.start)
			t.r.CountModels(s.sql, data.CommandTag.RowsAffected())
		}
	}
	if t.next.copy != nil {
		t.next.copy.TraceCopyFromEnd(ctx, conn, data)
	}
}

// TracePrepareStart starts timing an explicit Prepare.
func (t *Tracer) TracePrepareStart(ctx context.Context, conn *pgx.Conn, data pgx.TracePrepareStartData) context.Context {
	if t.next.prepare != nil {
		ctx = t.next.prepare.TracePrepareStart(ctx, conn, data)
	}
	return t.begin(ctx)
}

// TracePrepareEnd counts a failed Prepare as one failed execution, as
// sqlmetrics does; a successful one counts nothing.
func (t *Tracer) TracePrepareEnd(ctx context.Context, conn *pgx.Conn, data pgx.TracePrepareEndData) {
	if s := t.of(ctx); s != nil && data.Err != nil {
		t.r.Executed(ctx, now()-s.start, data.Err)
	}
	if t.next.prepare != nil {
		t.next.prepare.TracePrepareEnd(ctx, conn, data)
	}
}

// TraceConnectStart passes the call on.
func (t *Tracer) TraceConnectStart(ctx context.Context, data pgx.TraceConnectStartData) context.Context {
	if t.next.connect != nil {
		ctx = t.next.connect.TraceConnectStart(ctx, data)
	}
	return ctx
}

// TraceConnectEnd counts the connection attempt, and its failure.
func (t *Tracer) TraceConnectEnd(ctx context.Context, data pgx.TraceConnectEndData) {
	t.r.Connect(data.Err)
	if t.next.connect != nil {
		t.next.connect.TraceConnectEnd(ctx, data)
	}
}

// TraceAcquireStart passes the call on to the chained tracer.
func (t *Tracer) TraceAcquireStart(ctx context.Context, pool *pgxpool.Pool, data pgxpool.TraceAcquireStartData) context.Context {
	if t.next.acquire != nil {
		ctx = t.next.acquire.TraceAcquireStart(ctx, pool, data)
	}
	return ctx
}

// TraceAcquireEnd passes the call on to the chained tracer.
func (t *Tracer) TraceAcquireEnd(ctx context.Context, pool *pgxpool.Pool, data pgxpool.TraceAcquireEndData) {
	if t.next.acquire != nil {
		t.next.acquire.TraceAcquireEnd(ctx, pool, data)
	}
}

// TraceRelease passes the call on to the chained tracer.
func (t *Tracer) TraceRelease(pool *pgxpool.Pool, data pgxpool.TraceReleaseData) {
	if t.next.release != nil {
		t.next.release.TraceRelease(pool, data)
	}
}
