package goosetest_test

import (
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/stackprom/stackprom/migrationmetrics"
	"github.com/stackprom/stackprom/test/internal/dbtest"
)

// waitForReads makes a scrape wait for the read it starts, however slow
// the machine: these tests are about what a read finds, not about how long
// a scrape waits for it (WithMaxWait's 250 ms by default).
var waitForReads = migrationmetrics.WithMaxWait(time.Minute)

// vendors are SQLite and fresh PostgreSQL and MariaDB databases, one per test.
var vendors = dbtest.Vendors("stackprom_goose_")
