// Package drivertest runs sqlmetrics against real drivers and servers:
// PostgreSQL through pgx's stdlib, MariaDB through go-sql-driver/mysql and
// SQLite through modernc.org/sqlite. It lives in the test module so that
// the core module requires no driver, even in tests. It has tests only.
package drivertest
