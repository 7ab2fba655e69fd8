package gormtest_test

import (
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/stackprom/stackprom/test/internal/dbtest"
)

// vendors are SQLite and fresh PostgreSQL and MariaDB databases, one per test.
var vendors = dbtest.Vendors("stackprom_gorm_")
