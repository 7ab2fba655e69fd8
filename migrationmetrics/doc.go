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
// A database that stalls (it accepts connections and never answers, say)
// does not stall the scrapes either: a scrape waits for the read it starts
// at most a short bound (250 ms by default, WithMaxWait), then serves the
// last known values while the read runs on, alone: at most one read of a
// connection runs at a time, and the scrapes that come meanwhile share it
// without waiting. Meanwhile the scrape-error counter does not move, since
// no read has failed yet; the read counts once, when it fails or reaches
// the timeout. The time of the last successful read,
// migrations_last_success_timestamp_seconds, stays where it was, so
// time() minus it is the age of the values served.
//
// A migration job that runs and exits pushes the same gauges, and the
// duration of its run, to a Pushgateway with Run or Collector.Push.
package migrationmetrics
