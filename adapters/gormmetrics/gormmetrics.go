// Package gormmetrics is a GORM plugin that counts creates, updates, deletes
// and queries per model into modelmetrics's families, by rows affected, bulk
// operations included.
//
//	m := modelmetrics.MustNew()
//	db.Use(gormmetrics.MustNew(m, gormmetrics.WithModels(&Dog{}, &Lawn{})))
//
// A model is counted when its type names itself, the Go counterpart of
// django-prometheus's ExportModelOperationsMixin("dog"):
//
//	func (Dog) MetricsModel() string { return "dog" }
//
// or, with WithAllModels, every model is, under its table name.
package gormmetrics

import (
	"errors"
	"fmt"
	"sync"

	"gorm.io/gorm"

	"github.com/stackprom/stackprom/modelmetrics"
)

// Plugin is the GORM plugin. Build it with New and install it with
// db.Use; it is safe for concurrent use.
type Plugin struct {
	m        *modelmetrics.Metrics
	all      bool
	declared []any
	types    sync.Map // *schema.Schema -> *modelmetrics.Model (nil: not counted)
}

// Option configures New.
type Option interface {
	apply(*Plugin) error
}

type option func(*Plugin) error

func (f option) apply(p *Plugin) error { return f(p) }

// WithAllModels counts every model, not only those whose type has a
// MetricsModel method: the others under their table name
// (Statement.Schema.Table, or Statement.Table for db.Table(…) without a
// model). modelmetrics.WithMaxModels bounds the names.
func WithAllModels() Option {
	return option(func(p *Plugin) error { p.all = true; return nil })
}

// WithModels declares models when the plugin is installed, so that their
// series exist at zero before their first operation, as django-prometheus
// creates them when the model class is defined: WithModels(&Dog{},
// &Lawn{}). Without it a model's series appear at its first operation.
// Models that do not name themselves are declared only with WithAllModels.
// A nil model is an error of New.
func WithModels(models ...any) Option {
	return option(func(p *Plugin) error {
		for i, v := range models {
			if v == nil {
				return fmt.Errorf("gormmetrics: WithModels: model %d is nil", i)
			}
		}
		p.declared = append(p.declared, models...)
		return nil
	})
}

var _ gorm.Plugin = (*Plugin)(nil)

// New returns a plugin counting into m. It returns an error if m is nil or
// an option is invalid.
func New(m *modelmetrics.Metrics, opts ...Option) (*Plugin, error) {
	if m == nil {
		return nil, errors.New("gormmetrics: New: nil Metrics")
	}
	p := &Plugin{m: m}
	var errs []error
	for _, o := range opts {
		if o != nil {
			errs = append(errs, o.apply(p))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

// MustNew is New for use in a one-line setup; it panics on error.
func MustNew(m *modelmetrics.Metrics, opts ...Option) *Plugin {
	p, err := New(m, opts...)
	if err != nil {
		panic(err)
	}
	return p
}

// Name returns the plugin's name, "stackprom:models".
func (p *Plugin) Name() string { return "stackprom:models" }

// Initialize registers a callback after GORM's own create, update, delete
// and query callbacks.
//
// What counts, after a statement that succeeded: a create counts its rows
// affected as inserts (Create of a slice of 10 counts 10; CreateInBatches
// each batch); an update its rows affected as updates, so an update that
// matched no row counts nothing (GORM's Save of a record that is not in the
// table then creates it, which counts as an insert); a delete its rows
// affected as deletes, soft deletes included; a query counts 1. Raw SQL
// (db.Raw, db.Exec) is not a model operation and counts nothing. A failed
// statement counts nothing.
func (p *Plugin) Initialize(db *gorm.DB) error {
	for _, v := range p.declared {
		st := &gorm.Statement{DB: db}
		if err := st.Parse(v); err != nil {
			return fmt.Errorf("gormmetrics: declaring %T: %w", v, err)
		}
		p.model(st)
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Create().After("gorm:create").Register("stackprom:create", p.after(modelmetrics.Insert)),
		cb.Update().After("gorm:update").Register("stackprom:update", p.after(modelmetrics.Update)),
		cb.Delete().After("gorm:delete").Register("stackprom:delete", p.after(modelmetrics.Delete)),
		cb.Query().After("gorm:query").Register("stackprom:query", p.after(modelmetrics.Query)),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *Plugin) after(op modelmetrics.Op) func(*gorm.DB) {
	return func(db *gorm.DB) {
		if db.Error != nil || db.DryRun {
			return
		}
		model := p.model(db.Statement)
		if model == nil {
			return
		}
		if op == modelmetrics.Query {
			model.Queried()
			return
		}
		model.Add(op, db.RowsAffected)
	}
}

// model finds the statement's model, resolving each schema once.
func (p *Plugin) model(st *gorm.Statement) *modelmetrics.Model {
	s := st.Schema
	if s == nil {
		if p.all && st.Table != "" {
			return p.m.Model(st.Table)
		}
		return nil
	}
	if v, ok := p.types.Load(s); ok {
		return v.(*modelmetrics.Model)
	}
	var model *modelmetrics.Model
	if name, ok := modelmetrics.NameOf(s.ModelType); ok {
		model = p.m.Model(name)
	} else if p.all {
		model = p.m.Model(s.Table)
	}
	p.types.Store(s, model)
	return model
}
