package sqlmetrics

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/stackprom/stackprom/internal/config"
)

// registerPoolStats registers client_golang's DBStatsCollector for db, named
// alias, with the constant labels of c, and returns the function that
// unregisters it.
func registerPoolStats(c *config.Config, db *sql.DB, alias string) (func(), error) {
	reg := c.Registerer
	if len(c.ConstLabels) > 0 {
		reg = prometheus.WrapRegistererWith(c.ConstLabels, reg)
	}
	col := collectors.NewDBStatsCollector(db, alias)
	if err := reg.Register(col); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			return nil, fmt.Errorf("sqlmetrics: pool statistics for alias %q are already registered: "+
				"another open *sql.DB has that alias; close it, give this one another alias with WithAlias, "+
				"or turn pool statistics off with WithPoolStats(false)", alias)
		}
		return nil, fmt.Errorf("sqlmetrics: registering pool statistics: %w", err)
	}
	return func() { reg.Unregister(col) }, nil
}
