// Package sqltest runs modelmetrics against real databases (SQLite,
// PostgreSQL, MariaDB): django-prometheus's model tests through the hand-
// written API and through SQL-derived counters (sqlmetrics.WithModels). It
// lives in the test module so that the core module requires no driver, even
// in tests. It has tests only.
package sqltest
