// Package opstest checks the operations files cmd/stackprom-ops generates
// with Prometheus's own tools: every expression of the rules, the dashboard
// and its variables parses with Prometheus's PromQL parser and reads the
// families opsgen says; the rule files pass Prometheus's rule validation
// and `promtool check rules`; and `promtool test rules` unit tests make
// every alert fire and stay quiet and give every recording rule a known
// value, in both presets and with a namespace and constant labels. The
// end-to-end test against a real Prometheus scraping the demo is in the
// demo's module (cmd/demo/ops_test.go). It has tests only.
package opstest
