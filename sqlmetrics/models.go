package sqlmetrics

import (
	"database/sql/driver"

	"github.com/stackprom/stackprom/internal/config"
	"github.com/stackprom/stackprom/modelmetrics"
)

// WithModels derives model operations from the statements the database
// runs, for sqlc, sqlx and plain database/sql code: after each Exec (direct
// or prepared) that succeeded, t classifies the statement and, when it is an
// INSERT into, UPDATE of or DELETE from one of t's tables, counts the rows
// the driver reports as affected for that table's model (see
// modelmetrics.Tables). Statements run through Query, such as
// INSERT … RETURNING read with QueryRow, are not counted: database/sql
// gives no rows affected for them (pgxmetrics's tracer, which reads pgx's
// command tags, counts them). With a nil t, nothing is derived; that is
// the default.
func WithModels(t *modelmetrics.Tables) Option {
	return config.SQLFunc(func(c *config.Config) {
		if t == nil {
			c.Model.Statements = nil
			return
		}
		c.Model.Statements = t
	})
}

// CountModels hands a statement that succeeded, with the rows it affected,
// to WithModels's tables, for drivers that report rows affected their own
// way (pgxmetrics passes pgx's command tags). Without WithModels it does
// nothing.
func (r *Recorder) CountModels(query string, rows int64) {
	if r.cfg != nil && r.cfg.Model.Statements != nil {
		r.cfg.Model.Statements.Count(query, rows)
	}
}

// countModels hands an executed statement to WithModels's tables. Without
// them it costs one nil check.
func (r *Recorder) countModels(query string, res driver.Result, err error) {
	if err != nil || res == nil || r.cfg == nil {
		return
	}
	if m := r.cfg.Model.Statements; m != nil {
		m.CountResult(query, res)
	}
}
