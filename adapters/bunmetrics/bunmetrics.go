// Package bunmetrics is a bun query hook (github.com/uptrace/bun) that
// counts inserts, updates, deletes and selects per model into
// modelmetrics's families, by rows affected, bulk operations included.
//
//	m := modelmetrics.MustNew()
//	db = db.WithQueryHook(bunmetrics.MustNew(m, bunmetrics.WithModels(&Dog{}, &Lawn{})))
//
// A model is counted when its type names itself, the Go counterpart of
// django-prometheus's ExportModelOperationsMixin("dog"):
//
//	func (Dog) MetricsModel() string { return "dog" }
//
// or, with WithAllModels, every model is, under its table name.
//
// bun was chosen over ent for this adapter: one QueryHook sees every query
// bun runs with its model, its kind (InsertQuery, UpdateQuery, …) and its
// result, bulk inserts and RETURNING scans included, and needs no code
// generation; ent's hooks are per generated schema and would need a
// generated client to test and to use.
package bunmetrics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/uptrace/bun"

	"github.com/stackprom/stackprom/modelmetrics"
)

// Hook is the bun query hook. Build it with New and add it with
// db.WithQueryHook; it is safe for concurrent use.
type Hook struct {
	m      *modelmetrics.Metrics
	all    bool
	tables sync.Map // *schema.Table -> *modelmetrics.Model (nil: not counted)
}

var _ bun.QueryHook = (*Hook)(nil)

// Option configures New.
type Option interface {
	apply(*Hook) error
}

type option func(*Hook) error

func (f option) apply(h *Hook) error { return f(h) }

// WithAllModels counts every model, not only those whose type has a
// MetricsModel method: the others under their table name (also for queries
// on a table without a model, NewInsert().Table("dogs")).
// modelmetrics.WithMaxModels bounds the names.
func WithAllModels() Option {
	return option(func(h *Hook) error { h.all = true; return nil })
}

// WithModels declares the named models among models (values or pointers of
// model types) when the hook is built, so that their series exist at zero
// before their first operation, as django-prometheus creates them when the
// model class is defined. Without it a model's series appear at its first
// operation. A nil model is an error of New.
func WithModels(models ...any) Option {
	return option(func(h *Hook) error {
		for i, v := range models {
			if v == nil {
				return fmt.Errorf("bunmetrics: WithModels: model %d is nil", i)
			}
			if name, ok := modelmetrics.NameOf(reflect.TypeOf(v)); ok {
				h.m.Model(name)
			}
		}
		return nil
	})
}

// New returns a hook counting into m. It returns an error if m is nil or
// an option is invalid.
func New(m *modelmetrics.Metrics, opts ...Option) (*Hook, error) {
	if m == nil {
		return nil, errors.New("bunmetrics: New: nil Metrics")
	}
	h := &Hook{m: m}
	var errs []error
	for _, o := range opts {
		if o != nil {
			errs = append(errs, o.apply(h))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return h, nil
}

// MustNew is New for use in a one-line setup; it panics on error.
func MustNew(m *modelmetrics.Metrics, opts ...Option) *Hook {
	h, err := New(m, opts...)
	if err != nil {
		panic(err)
	}
	return h
}

// BeforeQuery does nothing.
func (h *Hook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

// AfterQuery counts a query that succeeded: an InsertQuery's rows affected
// as inserts (a slice of 10 counts 10; with RETURNING, the rows returned),
// an UpdateQuery's as updates (an update that matched no row counts
// nothing), a DeleteQuery's as deletes (soft deletes included), and 1 for
// a SelectQuery (sql.ErrNoRows included). Raw SQL (db.ExecContext,
// NewRaw) is not a model operation and counts nothing; neither does a
// failed query.
func (h *Hook) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	var op modelmetrics.Op
	switch e.IQuery.(type) {
	case *bun.InsertQuery:
		op = modelmetrics.Insert
	case *bun.UpdateQuery:
		op = modelmetrics.Update
	case *bun.DeleteQuery:
		op = modelmetrics.Delete
	case *bun.SelectQuery:
		op = modelmetrics.Query
	default:
		return
	}
	if e.Err != nil && (op != modelmetrics.Query || !errors.Is(e.Err, sql.ErrNoRows)) {
		return
	}
	model := h.model(e)
	if model == nil {
		return
	}
	if op == modelmetrics.Query {
		model.Queried()
		return
	}
	if e.Result == nil {
		return
	}
	if n, err := e.Result.RowsAffected(); err == nil {
		model.Add(op, n)
	}
}

var unquote = strings.NewReplacer(`"`, "", "`", "")

// model finds the query's model, resolving each table once.
func (h *Hook) model(e *bun.QueryEvent) *modelmetrics.Model {
	tm, ok := e.Model.(bun.TableModel)
	if !ok || tm.Table() == nil {
		if h.all {
			// bun hands the table over quoted as the dialect quotes it.
			if name := unquote.Replace(e.IQuery.GetTableName()); name != "" {
				return h.m.Model(name)
			}
		}
		return nil
	}
	t := tm.Table()
	if v, ok := h.tables.Load(t); ok {
		return v.(*modelmetrics.Model)
	}
	var model *modelmetrics.Model
	if name, ok := modelmetrics.NameOf(t.Type); ok {
		model = h.m.Model(name)
	} else if h.all {
		model = h.m.Model(t.Name)
	}
	h.tables.Store(t, model)
	return model
}
