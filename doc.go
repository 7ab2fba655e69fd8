// Package stackprom is Prometheus instrumentation for a whole Go service:
// HTTP middleware, database queries, caches, model operations, migrations
// and metric export, with the metric schema of django-prometheus.
//
// A service measured in a few lines, every HTTP family on /metrics and a
// live page on /live:
//
//	package main
//
//	import (
//		"net/http"
//
//		"github.com/stackprom/stackprom"
//		"github.com/stackprom/stackprom/httpmetrics"
//	)
//
//	func main() {
//		mux := http.NewServeMux()
//		mux.HandleFunc("GET /dogs/{id}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("woof\n")) })
//		mux.Handle("GET /metrics", stackprom.MustNewHandler())
//		mux.Handle("GET /live", stackprom.MustNewLiveHandler())
//		m := httpmetrics.MustNew(httpmetrics.WithExclude("/metrics", "/live"))
//		http.ListenAndServe("127.0.0.1:8080", m.Instrument(mux))
//	}
//
// This package holds what every component shares: the options (registerer,
// namespace, naming preset, constant labels, histogram buckets, exemplars)
// and the export of metrics: NewHandler for /metrics, NewLiveHandler for a
// live page of what the service does now (open /live in a browser), a
// separate metrics server (StartServer), and Pushgateway pushes for batch
// jobs (Push).
//
// Each component lives in its own package: httpmetrics (HTTP middleware),
// sqlmetrics (database/sql), cachemetrics (caches), modelmetrics (model
// operations) and migrationmetrics (migration status); integrations that
// need a third-party library are modules of their own under adapters/.
// Every constructor takes the Options of this package, which satisfy each
// component's option type, next to its own options, which satisfy no other
// component's: a misplaced option does not compile. Options bundles a
// service's common options into one value to pass to every component.
//
// Every family exists under two names. The default preset follows Prometheus
// naming practice; the django preset (WithNaming(NamingDjango)) exposes the
// names django-prometheus exposes, byte for byte, so that its dashboards,
// recording rules and alerts work unchanged against a Go service. Families
// lists both.
package stackprom
