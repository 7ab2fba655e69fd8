// Package stackprom holds what every stackprom component shares: the options
// (registerer, namespace, naming preset, constant labels, histogram buckets,
// exemplars) and the export of metrics: Handler for /metrics, a separate
// metrics server, and Pushgateway pushes for batch jobs.
//
// Each component lives in its own package: httpmetrics (HTTP middleware),
// sqlmetrics (database/sql), cachemetrics (caches), modelmetrics (model
// operations) and migrationmetrics (migration status). Their constructors take
// the Options of this package next to their own.
//
// Every family exists under two names. The default preset follows Prometheus
// naming practice; the django preset (WithNaming(NamingDjango)) exposes the
// names django-prometheus exposes, byte for byte, so that its dashboards,
// recording rules and alerts work unchanged against a Go service. Families
// lists both.
package stackprom
