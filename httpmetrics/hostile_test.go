package httpmetrics_test

import (
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// 10,000 requests with random paths, methods, hosts and headers add no
// series beyond a bounded set: every label value comes from the
// application's routes and the fixed tables.
func TestHostileTrafficAddsNoSeries(t *testing.T) {
	m, reg := newRegistryMetrics(t, httpmetrics.WithTrustedProxyHeader("X-Forwarded-Proto", "https"))
	h := m.Before(recoverer(m.After(testApp())))
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(n int, alphabet string) string {
		b := make([]byte, 1+rng.IntN(n))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	const printable = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%/?&=;:@!$'()*+, \"<>{}|\\^`"
	paths := []string{"/", "/help", "/slow", "/objection", "/file"}
	methods := []string{"GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"}

	const n = 10000
	for i := 0; i < n; i++ {
		method := methods[rng.IntN(len(methods))]
		if rng.IntN(2) == 0 {
			method = word(12, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_-!#$")
		}
		path := "/" + word(40, printable)
		if rng.IntN(4) == 0 && method == "GET" {
			path = paths[rng.IntN(len(paths))]
			if path == "/slow" {
				path = "/help" // keep the test fast
			}
		}
		r := &http.Request{
			Method:     method,
			URL:        &url.URL{Path: path},
			Host:       word(30, printable),
			Header:     http.Header{},
			Proto:      "HTTP/1.1",
			ProtoMajor: 1,
			ProtoMinor: 1,
			RemoteAddr: "192.0.2.1:1234",
			Body:       http.NoBody,
		}
		for j := 0; j < 5; j++ {
			r.Header.Set(word(20, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef-"), word(50, printable))
		}
		r.Header.Set("X-Requested-With", []string{"XMLHttpRequest", word(20, printable)}[rng.IntN(2)])
		r.Header.Set("X-Forwarded-Proto", []string{"https", "http", word(10, printable)}[rng.IntN(3)])
		r.Header.Set("Content-Length", []string{"12", "-3", "x" + word(5, printable), strconv.Itoa(rng.IntN(1 << 30))}[rng.IntN(4)])
		r.Header.Set("Content-Type", word(40, printable))
		r.Header.Set("Accept-Charset", word(20, printable))
		if rng.IntN(3) == 0 {
			r.Body = io.NopCloser(strings.NewReader(word(2000, printable)))
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
	}

	allowed := map[string]map[string]bool{
		"method":    set("GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "OPTIONS", "CONNECT", "PATCH", "<invalid method>"),
		"transport": set("http", "https"),
		// The routes' names, and their templates where ServeMux answered a
		// redirect to the route's clean path without running its handler.
		"view":         set("index", "help", "objection", "file", "<unnamed view>", "/{$}", "/help", "/slow", "/objection", "/file"),
		"status":       set("200", "301", "307", "400", "404", "405", "500"),
		"charset":      set("utf-8"),
		"templatename": set("index.html"),
		"type":         set("httpmetrics_test.objection"),
		"le":           nil, // bucket bounds, fixed by configuration
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series := 0
	for _, mf := range mfs {
		for _, metric := range mf.GetMetric() {
			series++
			for _, lp := range metric.GetLabel() {
				vals, known := allowed[lp.GetName()]
				if !known {
					t.Errorf("%s has an unexpected label %q", mf.GetName(), lp.GetName())
				} else if vals != nil && !vals[lp.GetValue()] {
					t.Errorf("%s{%s=%q}: a label value hostile input created", mf.GetName(), lp.GetName(), lp.GetValue())
				}
			}
		}
	}
	// The ceiling: every combination of the allowed values the families can
	// hold. In practice far fewer exist.
	const ceiling = 1 + 1 + 1 + 1 + 1 + // label-less families, Before
		10 + 2 + 1 + 1 + // by method, by transport, ajax, request body
		10*2*10 + 1 + 7 + 10*7*10 + 1 + 1 + 1 + // by view, template, status, status×view×method, response body, charset, streaming
		10*10 + 1 + 1 + 10 // latency by view, unknown latency, exceptions by type and view
	t.Logf("%d requests left %d series (ceiling %d)", n, series, ceiling)
	if series > ceiling {
		t.Errorf("%d series after hostile traffic, more than the ceiling of %d", series, ceiling)
	}
}

func set(values ...string) map[string]bool {
	m := map[string]bool{}
	for _, v := range values {
		m[v] = true
	}
	return m
}

// A router misconfigured to return raw paths cannot explode the series
// count: past WithMaxViews, views become "<other>".
func TestMaxViewsOverflow(t *testing.T) {
	m, reg := newRegistryMetrics(t,
		httpmetrics.WithRoute(func(r *http.Request) string { return r.URL.Path }),
		httpmetrics.WithMaxViews(10),
		httpmetrics.WithMaxExceptionTypes(3),
	)
	h := m.After(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.ReportError(w, errorOfType(r.URL.Path))
	}))
	for i := 0; i < 1000; i++ {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/raw/"+strconv.Itoa(i), nil))
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		views, types := map[string]bool{}, map[string]bool{}
		for _, metric := range mf.GetMetric() {
			for _, lp := range metric.GetLabel() {
				switch lp.GetName() {
				case "view":
					views[lp.GetValue()] = true
				case "type":
					types[lp.GetValue()] = true
				}
			}
		}
		if len(views) > 11 || len(types) > 4 {
			t.Errorf("%s: %d views, %d types; want at most 10+1 and 3+1", mf.GetName(), len(views), len(types))
		}
		if len(views) == 11 && !views["<other>"] {
			t.Errorf("%s: overflow view missing: %v", mf.GetName(), views)
		}
	}
	v, _ := stackpromtest.Value(t, reg, "http_responses_by_status_view_method_total",
		L{"status": "200", "view": "<other>", "method": "GET"})
	if v != 990 {
		t.Errorf("<other> holds %v requests, want 990", v)
	}
}

// errorOfType returns errors of a handful of distinct Go types.
func errorOfType(path string) error {
	switch len(path) % 5 {
	case 0:
		return &url.Error{Op: "get", URL: path, Err: io.EOF}
	case 1:
		return &strconv.NumError{Func: "Atoi", Num: path, Err: strconv.ErrSyntax}
	case 2:
		return &http.MaxBytesError{Limit: 1}
	case 3:
		return io.ErrUnexpectedEOF
	}
	return http.ErrNoCookie
}

// Past WithMaxViews, named views and requests no route resolved share the
// "<other>" view; only the named ones count in requests by view, as Django
// counts only requests a route resolved, whichever comes first.
func TestOverflowSharedByUnnamedRequests(t *testing.T) {
	m, reg := newRegistryMetrics(t,
		httpmetrics.WithRoute(func(r *http.Request) string {
			if strings.HasPrefix(r.URL.Path, "/named/") {
				return r.URL.Path
			}
			return ""
		}),
		httpmetrics.WithMaxViews(1),
	)
	h := m.After(http.NotFoundHandler())
	for _, p := range []string{"/named/a", "/x", "/named/b", "/y", "/named/c", "/named/a"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	for _, c := range []struct {
		family string
		labels L
		want   float64
	}{
		{"http_requests_by_view_transport_method_total", L{"view": "/named/a", "transport": "http", "method": "GET"}, 2},
		{"http_requests_by_view_transport_method_total", L{"view": "<other>", "transport": "http", "method": "GET"}, 2},
		{"http_responses_by_status_view_method_total", L{"status": "404", "view": "<other>", "method": "GET"}, 4},
		{"http_responses_by_status_view_method_total", L{"status": "404", "view": "/named/a", "method": "GET"}, 2},
	} {
		if v, _ := stackpromtest.Value(t, reg, c.family, c.labels); v != c.want {
			t.Errorf("%s %v = %v, want %v", c.family, c.labels, v, c.want)
		}
	}
	if v, ok := stackpromtest.Value(t, reg, "http_requests_by_view_transport_method_total",
		L{"view": "<unnamed view>", "transport": "http", "method": "GET"}); ok {
		t.Errorf("requests by view has an <unnamed view> series (%v)", v)
	}
}
