package stackprom_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
)

func serveLive(t *testing.T, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// With credentials set, the page and its data answer 401 without them,
// and 200 with them, on the application's mux and on the metrics server.
func TestLiveAuth(t *testing.T) {
	basic := "Basic " + "b3BzOnMzY3JldA==" // ops:s3cret
	for _, c := range []struct {
		name string
		opt  stackprom.ExportOption
		good []string
		bad  [][]string
	}{
		{"basic", stackprom.WithBasicAuth("ops", "s3cret"), []string{"Authorization", basic},
			[][]string{nil, {"Authorization", "Basic b3BzOndyb25n"}, {"Authorization", "Bearer s3cret"}}},
		{"bearer", stackprom.WithBearerToken("t0ken"), []string{"Authorization", "Bearer t0ken"},
			[][]string{nil, {"Authorization", "Bearer wrong"}, {"Authorization", basic}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			h := stackprom.MustNewLiveHandler(stackprom.WithRegisterer(reg), c.opt)
			srv, err := stackprom.StartServer("127.0.0.1:0", stackprom.WithRegisterer(reg), c.opt, stackprom.WithLivePath("/live"))
			if err != nil {
				t.Fatal(err)
			}
			defer shutdown(t, srv)
			// A request refused for its credentials starts nothing.
			before := runtime.NumGoroutine()
			for _, target := range []string{"/live", "/live?format=json"} {
				for _, bad := range c.bad {
					serveLive(t, h, target, bad...)
				}
			}
			if after := runtime.NumGoroutine(); after > before {
				t.Errorf("%d goroutines after refused requests, %d before: the sampler started", after, before)
			}
			for _, target := range []string{"/live", "/live?format=json"} {
				for _, bad := range c.bad {
					if w := serveLive(t, h, target, bad...); w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") == "" {
						t.Errorf("handler, %s with %q: %d, want 401 and a challenge", target, bad, w.Code)
					}
					if s := scrapeURL("http://"+srv.Addr()+target, bad...); s.status != http.StatusUnauthorized {
						t.Errorf("server, %s with %q: %d %v, want 401", target, bad, s.status, s.err)
					}
				}
				if w := serveLive(t, h, target, c.good...); w.Code != http.StatusOK {
					t.Errorf("handler, %s with the credentials: %d", target, w.Code)
				}
				if s := scrapeURL("http://"+srv.Addr()+target, c.good...); s.status != http.StatusOK {
					t.Errorf("server, %s with the credentials: %d %v", target, s.status, s.err)
				}
			}
			if s := scrapeURL("http://"+srv.Addr()+"/metrics", c.good...); s.status != http.StatusOK {
				t.Errorf("server, /metrics beside the live page: %d", s.status)
			}
			if s := scrapeURL("http://"+srv.Addr()+"/other", c.good...); s.status != http.StatusNotFound {
				t.Errorf("server, /other: %d, want 404", s.status)
			}
		})
	}
}

func TestLivePathOption(t *testing.T) {
	for _, bad := range []stackprom.ServerOption{stackprom.WithLivePath("live"), stackprom.WithLivePath("/metrics")} {
		if srv, err := stackprom.StartServer("127.0.0.1:0", bad); err == nil {
			srv.Close()
			t.Errorf("StartServer accepted a bad WithLivePath")
		}
	}
	// Without the option, the metrics server serves no live page.
	srv, err := stackprom.StartServer("127.0.0.1:0", stackprom.WithRegisterer(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, srv)
	if s := scrapeURL("http://" + srv.Addr() + "/live"); s.status != http.StatusNotFound {
		t.Errorf("/live without WithLivePath: %d, want 404", s.status)
	}
}

// Building the handler starts nothing: the sampler starts on a request.
func TestLiveHandlerStartsNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	hs := make([]http.Handler, 10)
	for i := range hs {
		hs[i] = stackprom.MustNewLiveHandler(stackprom.WithRegisterer(prometheus.NewRegistry()))
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines after building 10 live handlers, %d before", after, before)
	}
	runtime.KeepAlive(hs)
}

// liveData polls the JSON until it holds a sample.
func liveData(t *testing.T, h http.Handler) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var d map[string]any
		if err := json.Unmarshal(serveLive(t, h, "/live?format=json").Body.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		if n, _ := d["samples"].(float64); n > 0 {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sample after 10 s: %v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The page reads the families under its own preset and namespace: those
// the components use when it is given their options, none otherwise.
func TestLiveNamingAndNamespace(t *testing.T) {
	for _, n := range []stackprom.Naming{stackprom.NamingDefault, stackprom.NamingDjango} {
		for _, ns := range []string{"", "shop"} {
			reg := prometheus.NewRegistry()
			shared := stackprom.Options(stackprom.WithRegisterer(reg), stackprom.WithNaming(n), stackprom.WithNamespace(ns))
			m := httpmetrics.MustNew(shared)
			app := m.Instrument(httpmetrics.NamedFunc("index", func(w http.ResponseWriter, r *http.Request) {}))
			serveLive(t, app, "/")
			d := liveData(t, stackprom.MustNewLiveHandler(shared))
			if d["naming"] != n.String() || d["namespace"] != ns {
				t.Errorf("%v/%q: the data says %v/%v", n, ns, d["naming"], d["namespace"])
			}
			httpPart, _ := d["http"].(map[string]any)
			views, _ := httpPart["views"].([]any)
			if len(views) != 1 || views[0].(map[string]any)["view"] != "index" {
				t.Errorf("%v/%q: views %v, want index", n, ns, views)
			}
			other := stackprom.NamingDjango
			if n == other {
				other = stackprom.NamingDefault
			}
			if d := liveData(t, stackprom.MustNewLiveHandler(stackprom.WithRegisterer(reg), stackprom.WithNaming(other), stackprom.WithNamespace(ns))); d["http"] != nil {
				t.Errorf("%v/%q: the %v preset found the families", n, ns, other)
			}
		}
	}
}

// The page refers to nothing outside itself: no src, href or url() but
// its inline data: icon, a Content-Security-Policy that allows its own
// inline style and script by hash and connections to its own origin
// only; and the JSON is JSON.
func TestLivePageSelfContained(t *testing.T) {
	h := stackprom.MustNewLiveHandler(stackprom.WithRegisterer(prometheus.NewRegistry()))
	w := serveLive(t, h, "/live")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("page: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	body := w.Body.String()
	for _, m := range regexp.MustCompile(`(?i)(?:src|href|action|xlink:href)\s*=\s*["']?([^"'\s>]+)|url\(([^)]*)\)|@import`).FindAllStringSubmatch(body, -1) {
		if m[1] != "data:," {
			t.Errorf("the page refers to %q", m[0])
		}
	}
	if strings.Count(body, "<script") != 1 || strings.Count(body, "<style") != 1 {
		t.Error("want one inline script and one inline style")
	}
	csp := w.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "connect-src 'self'", "script-src 'sha256-", "style-src 'sha256-", "img-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") || strings.Contains(csp, "http") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	j := serveLive(t, h, "/live?format=json")
	if ct := j.Header().Get("Content-Type"); ct != "application/json" || !json.Valid(j.Body.Bytes()) {
		t.Errorf("data: %s %s", ct, j.Body)
	}
	req := httptest.NewRequest(http.MethodPost, "/live", strings.NewReader("x"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", rec.Code)
	}
}
