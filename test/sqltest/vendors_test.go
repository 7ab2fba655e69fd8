package sqltest_test

import (
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/stackprom/stackprom/test/internal/dbtest"
)

// vendors are SQLite and fresh PostgreSQL and MariaDB databases, one per test.
var vendors = dbtest.Vendors("stackprom_models_")
