package stackpromtest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// A test takes a snapshot, exercises the code, then asserts changes, as
// django-prometheus's assert_metric_diff does. Outside a test, Gather and
// Value give the same answers.
func Example() {
	reg := prometheus.NewRegistry()
	m := httpmetrics.MustNew(stackprom.WithRegisterer(reg))
	h := m.Instrument(httpmetrics.NamedFunc("index", func(w http.ResponseWriter, r *http.Request) {}))

	before, _ := stackpromtest.Gather(reg)
	for i := 0; i < 3; i++ {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
	after, _ := stackpromtest.Gather(reg)

	labels := prometheus.Labels{"status": "200", "view": "index", "method": "GET"}
	was, _ := before.Value("http_responses_by_status_view_method_total", labels)
	is, _ := after.Value("http_responses_by_status_view_method_total", labels)
	fmt.Println(is - was)
	fmt.Println(after.Series("http_requests_by_method_total"))
	// Output:
	// 3
	// {method="GET"} 3
}

func TestSnapshotAssertions(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := httpmetrics.MustNew(stackprom.WithRegisterer(reg), stackprom.WithSizeBuckets(0, 128, 1024))
	h := m.Instrument(httpmetrics.NamedFunc("index", func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, 200))
	}))
	s := stackpromtest.Take(t, reg)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))

	s.AssertDiff(t, 2, "http_requests_by_method_total", prometheus.Labels{"method": "GET"})
	// "le" matches by value, in Python's spelling too.
	s.AssertDiff(t, 0, "http_responses_body_bytes_bucket", prometheus.Labels{"le": "128.0"})
	s.AssertDiff(t, 2, "http_responses_body_bytes_bucket", prometheus.Labels{"le": "1024"})
	s.AssertDiff(t, 2, "http_responses_body_bytes_bucket", prometheus.Labels{"le": "+Inf"})
	s.AssertCompare(t, func(before, after float64) bool { return after >= before+2 }, "2 more",
		"http_requests_latency_including_middlewares_seconds_count", nil)
	stackpromtest.AssertValue(t, reg, 400, "http_responses_body_bytes_sum", nil)
	if d := s.Diff(t, "http_requests_by_method_total", prometheus.Labels{"method": "POST"}); d != 0 {
		t.Errorf("POST moved by %v", d)
	}
	stackpromtest.CompareSamples(t, reg, `
		http_requests_by_method_total{method="GET"} 2
		http_responses_by_status_total{status="200"} 2
	`)

	// Failures are reported, with the family's series.
	ft := &fakeT{TB: t}
	s.AssertDiff(ft, 5, "http_requests_by_method_total", prometheus.Labels{"method": "GET"})
	stackpromtest.AssertValue(ft, reg, 1, "http_requests_by_method_total", prometheus.Labels{"method": "PUT"})
	if len(ft.errors) != 2 {
		t.Fatalf("want 2 failures, got %q", ft.errors)
	}
	for _, e := range ft.errors {
		if !strings.Contains(e, `{method="GET"} 2`) {
			t.Errorf("failure message lacks the family's series: %s", e)
		}
	}
}

type fakeT struct {
	testing.TB
	errors []string
}

func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeT) Helper() {}
