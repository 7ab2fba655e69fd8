// Package opsgen generates what operating a stackprom service takes: a
// Grafana dashboard, Prometheus recording rules and alerts, for one naming
// preset, namespace and set of constant labels.
//
// Everything is derived from stackprom.Families(), the table the library
// registers its families from, so the outputs name exactly the series a
// service exposes; a family added to the table appears on the dashboard (in
// its component's "every other family" row) the next time the outputs are
// generated. The dashboard is built with Grafana's typed builders
// (github.com/grafana/grafana-foundation-sdk/go); the rule files are
// Prometheus rule files that promtool checks.
//
// In the django preset the outputs work on a django-prometheus service too:
// every panel target and rule that reads only families django-prometheus
// has (DjangoCompatible) renders on it, and the others, which read families
// beyond django-prometheus, show no data there instead of failing.
//
// The command stackprom-ops, in the same module, writes the outputs to a
// directory; docs/operations.md in the repository is the guide to them and
// holds the runbook of every alert.
package opsgen
