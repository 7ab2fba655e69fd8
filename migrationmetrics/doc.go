// Package migrationmetrics reports whether every database a service talks
// to has all its migrations applied: django-prometheus's applied and
// unapplied gauges per connection, plus a dirty flag and the current
// version, read at scrape time rather than once at start-up.
//
// A Collector compares the migrations the binary knows with what one
// database records, through a Source: the adapters migratemetrics
// (golang-migrate) and goosemetrics (goose) provide one, and a SourceFunc
// with Compare or CompareVersion covers any other tool. The database is read
// when Prometheus scrapes, at most once per time-to-live (30 s by default)
// and for at most a timeout (5 s by default), so the gauges follow a
// migration without a restart. An unreachable database never blocks or
// fails start-up or a scrape: the gauges keep their last known values and
// the scrape-error counter moves.
//
// A migration job that runs and exits pushes the same gauges, and the
// duration of its run, to a Pushgateway with Run or Collector.Push.
package migrationmetrics
