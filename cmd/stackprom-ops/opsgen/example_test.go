package opsgen_test

import (
	"fmt"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/cmd/stackprom-ops/opsgen"
)

// The rules of a service that runs the django preset under the namespace
// shop; Files renders them with the dashboard.
func ExampleGenerate() {
	b, err := opsgen.Generate(opsgen.Options{Naming: stackprom.NamingDjango, Namespace: "shop"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range b.Recording[:1] {
		fmt.Println(g.Name)
		for _, r := range g.Rules {
			fmt.Println(" ", r.Record)
		}
	}
	for _, g := range b.Alerting {
		for _, r := range g.Rules {
			fmt.Println(r.Alert, r.Labels["severity"], r.DjangoCompatible)
		}
	}
	// Output:
	// stackprom.http.rules
	//   job_view:shop_django_http_responses_total_by_status_view_method:rate5m
	//   job_view:shop_django_http_responses_total_by_status_view_method_5xx:ratio_rate5m
	//   job_view:shop_django_http_requests_latency_seconds_by_view_method:p50_rate5m
	//   job_view:shop_django_http_requests_latency_seconds_by_view_method:p95_rate5m
	//   job_view:shop_django_http_requests_latency_seconds_by_view_method:p99_rate5m
	// HTTPHigh5xxRatio critical true
	// HTTPSlowView warning true
	// DatabaseErrors warning true
	// DatabaseConnectionErrors critical true
	// CacheFailures warning true
	// MigrationsUnapplied warning true
	// MigrationDirty critical false
	// MigrationStatusUnreadable warning false
}
