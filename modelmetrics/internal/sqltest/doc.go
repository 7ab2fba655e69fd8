// Package sqltest runs modelmetrics against real databases (SQLite,
// PostgreSQL, MariaDB): django-prometheus's model tests through the
// hand-written API and through SQL-derived counters (sqlmetrics.WithModels).
// It is a module of its own so that the core module keeps no driver
// dependency; it has tests only.
package sqltest
