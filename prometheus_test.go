package stackprom_test

// Tests against the real Prometheus server and promtool (Prometheus 2.42):
// Prometheus scrapes Handler, negotiates OpenMetrics and stores the
// exemplars; promtool lints the default preset's exposition.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/internal/testenv"
)

// presets are the two naming presets with the names the tests query.
var presets = []struct {
	job     string
	naming  stackprom.Naming
	byMeth  string // requests by method
	latency string // latency by view and method
}{
	{"default", stackprom.NamingDefault, "http_requests_by_method_total", "http_requests_latency_by_view_method_seconds"},
	{"django", stackprom.NamingDjango, "django_http_requests_total_by_method_total", "django_http_requests_latency_seconds_by_view_method"},
}

// traceHeader carries the trace id of a test request; withTrace moves it
// into the request's context, as a tracing middleware would.
const traceHeader = "X-Test-Trace-Id"

func withTrace(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get(traceHeader); id != "" {
			r = r.WithContext(context.WithValue(r.Context(), traceKey{}, id))
		}
		next.ServeHTTP(w, r)
	})
}

// appServer is a service instrumented with Before and After (a middleware
// between them) that serves its own /metrics outside the instrumentation.
func appServer(t *testing.T, opts ...stackprom.Option) *httptest.Server {
	t.Helper()
	reg := prometheus.NewRegistry()
	shared := stackprom.Options(append([]stackprom.Option{stackprom.WithRegisterer(reg), stackprom.WithExemplar(traceExemplar)}, opts...)...)
	m := httpmetrics.MustNew(shared)
	app := http.NewServeMux()
	app.HandleFunc("GET /dogs/{id}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "a dog\n") })
	between := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Frame-Options", "DENY")
			next.ServeHTTP(w, r)
		})
	}
	root := http.NewServeMux()
	root.Handle("/metrics", stackprom.MustNewHandler(shared))
	root.Handle("/", withTrace(m.Before(between(m.After(app)))))
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	return srv
}

func TestPrometheusScrapesSeriesAndExemplars(t *testing.T) {
	apps := map[string]*httptest.Server{}
	var cfg strings.Builder
	cfg.WriteString("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n")
	for _, p := range presets {
		srv := appServer(t, stackprom.WithNaming(p.naming))
		apps[p.job] = srv
		fmt.Fprintf(&cfg, "  - job_name: %s\n    static_configs:\n      - targets: [%q]\n", p.job, strings.TrimPrefix(srv.URL, "http://"))
	}
	prom := testenv.StartPrometheus(t, testenv.PrometheusConfig{
		Config: cfg.String(),
		Args:   []string{"--enable-feature=exemplar-storage"},
	})

	client := &http.Client{Timeout: 10 * time.Second}
	traces := map[string][]string{}
	for _, p := range presets {
		for i := range 3 {
			id := fmt.Sprintf("%s%030d", p.job[:2], i) // 32 characters, like a W3C trace id
			traces[p.job] = append(traces[p.job], id)
			req, _ := http.NewRequest(http.MethodGet, apps[p.job].URL+"/dogs/"+strconv.Itoa(i), nil)
			req.Header.Set(traceHeader, id)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}

	for _, p := range presets {
		t.Run(p.job, func(t *testing.T) {
			query := fmt.Sprintf(`%s{job=%q,method="GET"}`, p.byMeth, p.job)
			testenv.Eventually(t, 20*time.Second, func() (bool, string) {
				res, err := prom.Query(query)
				if err != nil {
					return false, err.Error()
				}
				if len(res) != 1 {
					return false, fmt.Sprintf("%s: %d series", query, len(res))
				}
				return res[0].Value == 3, fmt.Sprintf("%s = %v, want 3", query, res[0].Value)
			})

			sel := fmt.Sprintf(`%s_bucket{job=%q,view="/dogs/{id}",method="GET"}`, p.latency, p.job)
			now := time.Now()
			testenv.Eventually(t, 20*time.Second, func() (bool, string) {
				var res struct {
					Data []struct {
						SeriesLabels map[string]string `json:"seriesLabels"`
						Exemplars    []struct {
							Labels map[string]string `json:"labels"`
							Value  string            `json:"value"`
						} `json:"exemplars"`
					} `json:"data"`
				}
				q := url.Values{
					"query": {sel},
					"start": {strconv.FormatInt(now.Add(-time.Hour).Unix(), 10)},
					"end":   {strconv.FormatInt(now.Add(time.Hour).Unix(), 10)},
				}
				if err := prom.API("query_exemplars", q, &res); err != nil {
					return false, err.Error()
				}
				var got []string
				for _, s := range res.Data {
					for _, e := range s.Exemplars {
						if !slices.Contains(traces[p.job], e.Labels["trace_id"]) {
							return false, fmt.Sprintf("exemplar %v on %v carries no trace id the test sent (%v)", e.Labels, s.SeriesLabels, traces[p.job])
						}
						got = append(got, e.Labels["trace_id"])
					}
				}
				return len(got) > 0, fmt.Sprintf("exemplars of %s: %v", sel, got)
			})
		})
	}
}

// exerciseEveryHTTPFamily sends requests through m that give every HTTP
// family a series: a named view rendered from a template with a charset, a
// POST with a body from an AJAX client, a streamed response, a panic, an
// abort, a reported error, an unrouted path and an invalid method.
func exerciseEveryHTTPFamily(t *testing.T, m *httpmetrics.Metrics) {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /dogs/{id}", httpmetrics.NamedFunc("dog", func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.SetTemplate(w, "dog.html")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<p>a dog</p>\n")
	}))
	mux.HandleFunc("POST /dogs", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "part 1\n")
		http.NewResponseController(w).Flush()
		io.WriteString(w, "part 2\n")
	})
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) {
		panic(errors.New("boom"))
	})
	mux.HandleFunc("GET /download", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "part 1\n")
		panic(http.ErrAbortHandler)
	})
	mux.HandleFunc("GET /cats/{id}", func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.ReportError(w, fmt.Errorf("cat %s: %w", r.PathValue("id"), os.ErrNotExist))
		http.NotFound(w, r)
	})
	h := m.Before(m.After(mux))
	send := func(r *http.Request) {
		defer func() {
			if p := recover(); p != nil && r.URL.Path != "/boom" && r.URL.Path != "/download" {
				t.Errorf("%s %s panicked: %v", r.Method, r.URL, p)
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	send(httptest.NewRequest(http.MethodGet, "/dogs/1", nil))
	post := httptest.NewRequest(http.MethodPost, "/dogs", strings.NewReader(`{"name":"Rex"}`))
	post.Header.Set("X-Requested-With", "XMLHttpRequest")
	send(post)
	send(httptest.NewRequest(http.MethodGet, "/stream", nil))
	send(httptest.NewRequest(http.MethodGet, "/boom", nil))
	send(httptest.NewRequest(http.MethodGet, "/download", nil))
	send(httptest.NewRequest(http.MethodGet, "/cats/9", nil))
	send(httptest.NewRequest(http.MethodGet, "/nowhere", nil))
	send(httptest.NewRequest("BREW", "/dogs/1", nil))
}

func TestPromtoolCheckMetrics(t *testing.T) {
	// The check can fail: a counter without _total is a problem to promtool.
	if out, clean := testenv.CheckMetrics(t, []byte("# HELP jobs Jobs.\n# TYPE jobs counter\njobs 1\n")); clean {
		t.Fatalf("promtool check metrics passed a counter without _total (output %q)", out)
	}
	for _, p := range presets {
		t.Run(p.job, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			shared := stackprom.Options(stackprom.WithRegisterer(reg), stackprom.WithNaming(p.naming))
			exerciseEveryHTTPFamily(t, httpmetrics.MustNew(shared))
			rec := get(t, stackprom.MustNewHandler(shared), "/metrics")
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			exposition := rec.Body.Bytes()

			// The lint is only worth something if every family is there.
			mfs := parseText(t, bytes.NewReader(exposition))
			for _, f := range stackprom.Families() {
				if f.Component != "http" {
					continue
				}
				if mf, ok := mfs[f.FullName(p.naming, "")]; !ok || len(mf.GetMetric()) == 0 {
					t.Errorf("%s has no series in the exposition", f.FullName(p.naming, ""))
				}
			}

			out, clean := testenv.CheckMetrics(t, exposition)
			if p.naming == stackprom.NamingDefault {
				if !clean {
					t.Errorf("promtool check metrics found problems in the default preset:\n%s", out)
				}
				return
			}
			// The django preset reproduces django-prometheus's names,
			// quirks included: record what promtool says, do not judge.
			t.Logf("promtool check metrics on the django preset (clean: %v):\n%s", clean, out)
		})
	}
}
