package httpmetrics

import (
	"bytes"
	"crypto/tls"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"github.com/stackprom/stackprom"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fakeClock makes every reading 10 ms later than the previous one.
func fakeClock(t *testing.T) {
	var ticks atomic.Int64
	fakeNow = func() time.Duration { return time.Duration(ticks.Add(1)) * 10 * time.Millisecond }
	t.Cleanup(func() { fakeNow = nil })
}

// scenario sends requests that move every HTTP family.
func scenario(t *testing.T, h http.Handler) {
	t.Helper()
	send := func(method, target, body string, header ...string) {
		var rd io.Reader = http.NoBody
		if body != "" {
			rd = strings.NewReader(body)
		}
		r := httptest.NewRequest(method, target, rd)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		if strings.HasPrefix(target, "https:") {
			r.TLS = &tls.ConnectionState{}
		}
		func() {
			defer func() { recover() }()
			h.ServeHTTP(httptest.NewRecorder(), r)
		}()
	}
	send("GET", "/", "")
	send("GET", "/", "", "X-Requested-With", "XMLHttpRequest")
	send("POST", "/", "name=rex&breed=collie", "Content-Type", "application/x-www-form-urlencoded")
	send("GET", "https://example.com/dogs/7", "")
	send("DELETE", "/dogs/7", "")
	send("BREW", "/dogs/7", "")
	send("GET", "/stream", "")
	send("GET", "/panic", "")
	send("GET", "/missing", "")
}

func goldenApp() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/{$}", NamedFunc("index", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			r.ParseForm()
		}
		SetTemplate(w, "index.html")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<p>index</p>\n")
	}))
	mux.HandleFunc("GET /dogs/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"dog":"`+r.PathValue("id")+`"}`)
	})
	mux.HandleFunc("DELETE /dogs/{id}", func(w http.ResponseWriter, r *http.Request) {
		ReportError(w, errors.New("not allowed to delete dogs"))
		http.Error(w, "forbidden", http.StatusForbidden)
	})
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		for i := 0; i < 3; i++ {
			io.WriteString(w, "data: tick\n\n")
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	return mux
}

func TestGoldenExposition(t *testing.T) {
	for _, c := range []struct {
		file      string
		naming    stackprom.Naming
		namespace string
	}{
		{"default.prom", stackprom.NamingDefault, ""},
		{"django.prom", stackprom.NamingDjango, ""},
		{"django-namespace.prom", stackprom.NamingDjango, "shop"},
	} {
		t.Run(c.file, func(t *testing.T) {
			fakeClock(t)
			reg := prometheus.NewRegistry()
			m, err := New(stackprom.WithRegisterer(reg), stackprom.WithNaming(c.naming), stackprom.WithNamespace(c.namespace))
			if err != nil {
				t.Fatal(err)
			}
			scenario(t, m.Instrument(goldenApp()))

			path := filepath.Join("testdata", c.file)
			if *update {
				writeGolden(t, reg, path)
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if err := testutil.GatherAndCompare(reg, bytes.NewReader(want)); err != nil {
				t.Error(err)
			}
			if c.naming == stackprom.NamingDefault {
				problems, err := testutil.GatherAndLint(reg)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range problems {
					t.Errorf("lint: %s: %s", p.Metric, p.Text)
				}
			}
		})
	}
}

func writeGolden(t *testing.T, g prometheus.Gatherer, path string) {
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The django preset's names are django-prometheus's exposed names, byte for
// byte (catalogue §1, H1–H19).
func TestDjangoPresetNames(t *testing.T) {
	want := []string{
		"django_http_requests_before_middlewares_total",
		"django_http_responses_before_middlewares_total",
		"django_http_requests_latency_including_middlewares_seconds",
		"django_http_requests_unknown_latency_including_middlewares_total",
		"django_http_requests_latency_seconds_by_view_method",
		"django_http_requests_unknown_latency_total",
		"django_http_ajax_requests_total",
		"django_http_requests_total_by_method_total",
		"django_http_requests_total_by_transport_total",
		"django_http_requests_total_by_view_transport_method_total",
		"django_http_requests_body_total_bytes",
		"django_http_responses_total_by_templatename_total",
		"django_http_responses_total_by_status_total",
		"django_http_responses_total_by_status_view_method_total",
		"django_http_responses_body_total_bytes",
		"django_http_responses_total_by_charset_total",
		"django_http_responses_streaming_total",
		"django_http_exceptions_total_by_type_total",
		"django_http_exceptions_total_by_view_total",
	}
	have := map[string]bool{}
	for _, f := range stackprom.Families() {
		if f.DjangoPrometheus {
			have[f.FullName(stackprom.NamingDjango, "")] = true
		}
	}
	for _, n := range want {
		if !have[n] {
			t.Errorf("django preset lacks %s", n)
		}
	}
}

// Instrument records exactly what Before around After records.
func TestInstrumentEqualsBeforeAfter(t *testing.T) {
	fakeNow = func() time.Duration { return time.Second } // a stopped clock: every latency 0
	t.Cleanup(func() { fakeNow = nil })
	expose := func(stack func(*Metrics, http.Handler) http.Handler) string {
		reg := prometheus.NewRegistry()
		m, err := New(stackprom.WithRegisterer(reg))
		if err != nil {
			t.Fatal(err)
		}
		scenario(t, stack(m, goldenApp()))
		var buf bytes.Buffer
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
		for _, mf := range mfs {
			enc.Encode(mf)
		}
		return buf.String()
	}
	fused := expose(func(m *Metrics, h http.Handler) http.Handler { return m.Instrument(h) })
	stacked := expose(func(m *Metrics, h http.Handler) http.Handler { return m.Before(m.After(h)) })
	if fused != stacked {
		t.Errorf("Instrument:\n%s\nBefore(After()):\n%s", fused, stacked)
	}
}
