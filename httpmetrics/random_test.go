package httpmetrics_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// aLongGenericTypeNameForTheExceptionsFamily is an error whose Go type
// name, with its type argument, is longer than a label value may be.
type aLongGenericTypeNameForTheExceptionsFamily[T any] struct{ _ *T }

func (aLongGenericTypeNameForTheExceptionsFamily[T]) Error() string { return "long" }

type withAVeryLongNameToo struct {
	AFieldWithALongName, AnotherFieldWithALongName, AThirdFieldWithALongName int
	AFourthFieldWithALongName                                                string
}

// plan is what the handler does with one random request.
type plan struct {
	named, view, route, template, contentType string
	status                                    int // 0: write nothing
	flush                                     bool
	report                                    error
	panicWith                                 any // nil: no panic
}

// recoverAllButAbort answers 500 for a panic, as chi's Recoverer does, and
// lets http.ErrAbortHandler through to net/http.
func recoverAllButAbort(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				w.WriteHeader(http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// Every label source takes random bytes (a fixed seed, so that every run
// sends the same requests): the Content-Type charset, the template, the
// view through Named, SetView, SetRoute, WithRoute and ServeMux patterns,
// the labeler's values, reported error and panic types, the method and
// the trusted proxy header. Every request is answered as without
// stackprom, nothing stays in flight, the exposition gathers and lints,
// every label value is valid UTF-8 and bounded, and the series count stays
// under the caps' ceiling.
func TestRandomLabelSources(t *testing.T) {
	const maxViews, maxTypes = 20, 10
	rng := rand.New(rand.NewPCG(20, 26))
	random := func(n int) string {
		b := make([]byte, rng.IntN(n+1))
		for i := range b {
			switch rng.IntN(4) {
			case 0:
				b[i] = byte(0x80 + rng.IntN(0x80)) // continuation and lead bytes, 0xfe, 0xff
			case 1:
				const special = "; =\"\t,%{}/.\xff\xfe"
				b[i] = special[rng.IntN(len(special))]
			default:
				b[i] = byte(rng.IntN(256))
			}
		}
		return string(b)
	}
	var cur plan
	m, reg := newRegistryMetrics(t,
		httpmetrics.WithTrustedProxyHeader("X-Forwarded-Proto", "https"),
		httpmetrics.WithLabeler([]string{"tier", "zone"}, func(r *http.Request, v []string) {
			v[0], v[1] = r.Header.Get("X-Tier"), r.Header.Get("X-Zone")
		}),
		httpmetrics.WithRoute(func(r *http.Request) string { return r.Header.Get("X-Route") }),
		httpmetrics.WithMaxViews(maxViews),
		httpmetrics.WithMaxExceptionTypes(maxTypes),
	)

	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := cur
		if p.view != "" {
			httpmetrics.SetView(w, p.view)
		}
		if p.route != "" {
			httpmetrics.SetRoute(w, p.route)
		}
		if p.template != "" {
			httpmetrics.SetTemplate(w, p.template)
		}
		if p.report != nil {
			httpmetrics.ReportError(w, p.report)
		}
		if p.contentType != "" {
			w.Header()["Content-Type"] = []string{p.contentType}
		}
		if p.status != 0 {
			w.WriteHeader(p.status)
			io.WriteString(w, "body\n")
		}
		if p.flush {
			http.NewResponseController(w).Flush()
		}
		if p.panicWith != nil {
			panic(p.panicWith)
		}
	})
	// ServeMux patterns from random bytes; those it accepts route requests.
	mux := http.NewServeMux()
	mux.Handle("/", app)
	var paths []string
	for i := range 40 {
		seg := strings.Map(func(r rune) rune {
			if strings.ContainsRune("/{}%. \t", r) {
				return 'x'
			}
			return r
		}, random(12))
		func() {
			defer func() { recover() }()
			mux.Handle(fmt.Sprintf("/p%d/%s/{id}", i, seg), app)
			paths = append(paths, fmt.Sprintf("/p%d/%s/1", i, seg))
		}()
	}
	root := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cur.named != "" {
			httpmetrics.Named(cur.named, mux).ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	bare := recoverAllButAbort(root)
	instrumented := m.Before(recoverAllButAbort(m.After(root)))

	errs := []error{
		context.Canceled, fmt.Errorf("wrapped: %w", context.DeadlineExceeded), io.ErrUnexpectedEOF,
		&url.Error{Op: "get", URL: "/", Err: io.EOF}, errors.New("plain"),
		aLongGenericTypeNameForTheExceptionsFamily[withAVeryLongNameToo]{},
		aLongGenericTypeNameForTheExceptionsFamily[map[string][]withAVeryLongNameToo]{},
	}
	panics := []any{objection{"x"}, "a string", 42, http.ErrAbortHandler, errs[0], errs[5], errs[6], &withAVeryLongNameToo{}}
	statuses := []int{0, 200, 201, 204, 301, 404, 500, 503}
	methods := []string{"GET", "POST", "HEAD", "DELETE", "PATCH", "OPTIONS"}
	some := func(n int, f func() string) string {
		if rng.IntN(n) == 0 {
			return f()
		}
		return ""
	}

	const n = 4000
	deadline := time.Now().Add(20 * time.Second)
	sent := 0
	for ; sent < n && time.Now().Before(deadline); sent++ {
		cur = plan{
			named:       some(4, func() string { return random(200) }),
			view:        some(4, func() string { return random(200) }),
			route:       some(6, func() string { return random(200) }),
			template:    some(3, func() string { return random(200) }),
			contentType: some(2, func() string { return "text/plain; charset=" + random(300) }),
			status:      statuses[rng.IntN(len(statuses))],
			flush:       rng.IntN(8) == 0,
		}
		if rng.IntN(4) == 0 {
			cur.report = errs[rng.IntN(len(errs))]
		}
		if rng.IntN(6) == 0 {
			cur.panicWith = panics[rng.IntN(len(panics))]
		}
		method := methods[rng.IntN(len(methods))]
		if rng.IntN(3) == 0 {
			method = random(20)
		}
		path := "/" + url.PathEscape(random(20))
		if len(paths) > 0 && rng.IntN(3) == 0 {
			path = paths[rng.IntN(len(paths))]
		}
		header := http.Header{}
		for _, k := range []string{"X-Tier", "X-Zone", "X-Route", "X-Forwarded-Proto", "X-Requested-With"} {
			if rng.IntN(2) == 0 {
				header[k] = []string{random(150)}
			}
		}
		if rng.IntN(4) == 0 {
			header["X-Forwarded-Proto"] = []string{" HTTPS\t"}
		}
		newRequest := func() *http.Request {
			return &http.Request{
				Method: method, URL: &url.URL{Path: path}, Host: "example.com", Header: header.Clone(),
				Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, RemoteAddr: "192.0.2.1:1234",
				Body: io.NopCloser(strings.NewReader(random(64))), ContentLength: -1,
			}
		}
		want, wantPanic := serve(bare, newRequest())
		got, gotPanic := serve(instrumented, newRequest())
		if gotPanic != wantPanic {
			t.Fatalf("request %d (%#v): panic %v reached the server, without stackprom %v", sent, cur, gotPanic, wantPanic)
		}
		sameAnswer(t, got, want)
		if t.Failed() {
			t.Fatalf("request %d: %#v", sent, cur)
		}
		if sent%500 == 0 {
			checkExposition(t, reg, sent)
		}
	}
	t.Logf("%d random requests, %d random ServeMux patterns accepted", sent, len(paths))
	series := checkExposition(t, reg, sent)
	const views = maxViews + 1 // the overflow value included
	const (
		before  = 4 + 1                               // Before's families, in flight
		request = 10 + 2 + 1 + 1                      // by method, by transport, ajax, request body
		byView  = views*10*2 + views*10*10 + views*10 // by view, status×view×method, latency by view
		bounded = 3 * (maxTypes + 1)                  // templates, charsets, exception types
		others  = 10 + 1 + 1 + 1 + views + views      // status, response body, streaming, unknown latency, exceptions and aborts by view
		ceiling = before + request + byView + bounded + others
	)
	t.Logf("%d series (ceiling %d)", series, ceiling)
	if series > ceiling {
		t.Errorf("%d series, more than the ceiling of %d", series, ceiling)
	}
	if views := stackpromtest.LabelValues(t, reg, "http_responses_by_status_view_method_total", "view"); len(views) < 10 {
		t.Errorf("only %d views: the random sources did not reach the view label", len(views))
	}
}

// checkExposition gathers and lints reg, checks that nothing is in flight
// and that every label value is valid UTF-8 of at most 128 bytes, and
// returns the number of series.
func checkExposition(t *testing.T, reg *prometheus.Registry, sent int) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("after %d requests: gathering: %v", sent, err)
	}
	series := 0
	for _, mf := range mfs {
		for _, metric := range mf.GetMetric() {
			series++
			for _, lp := range metric.GetLabel() {
				if v := lp.GetValue(); !utf8.ValidString(v) || len(v) > 128 {
					t.Fatalf("after %d requests: %s{%s=%q}: invalid or %d bytes", sent, mf.GetName(), lp.GetName(), v, len(v))
				}
			}
			if mf.GetName() == "http_requests_in_flight" && metric.GetGauge().GetValue() != 0 {
				t.Fatalf("after %d requests: %v in flight", sent, metric.GetGauge().GetValue())
			}
		}
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Fatalf("after %d requests: lint: %v %v", sent, err, problems)
	}
	return series
}

// TestViewCombinations serves one view with more (method, transport,
// status) combinations than a view resolves together, interleaved, and
// checks every count: the first combinations go through the view's
// combined children, the others through each child on its own.
func TestViewCombinations(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := httpmetrics.MustNew(stackprom.WithRegisterer(reg))
	h := m.Instrument(httpmetrics.NamedFunc("dogs", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("status"))
		w.WriteHeader(code)
	}))
	type combination struct {
		method string
		tls    bool
		status int
	}
	combos := []combination{
		{"GET", false, 200}, {"GET", false, 404}, {"POST", false, 201}, {"GET", true, 200},
		{"GET", false, 500}, {"HEAD", false, 200}, {"PUT", false, 204}, {"POST", true, 201},
	}
	want := map[combination]int{}
	for i := range 400 {
		c := combos[(i*5+i/8)%len(combos)] // every combination, in a shifting order
		r := httptest.NewRequest(c.method, "/dogs?status="+strconv.Itoa(c.status), nil)
		if c.tls {
			r.TLS = &tls.ConnectionState{}
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		want[c]++
	}
	byStatus, byMethod, byTransport := map[string]int{}, map[string]int{}, map[string]int{}
	byView, byStatusView, latency := map[[2]string]int{}, map[[2]string]int{}, map[string]int{}
	for c, n := range want {
		status, transport := strconv.Itoa(c.status), "http"
		if c.tls {
			transport = "https"
		}
		byStatus[status] += n
		byMethod[c.method] += n
		byTransport[transport] += n
		byView[[2]string{transport, c.method}] += n
		byStatusView[[2]string{status, c.method}] += n
		latency[c.method] += n
	}
	for status, n := range byStatus {
		stackpromtest.AssertValue(t, reg, float64(n), "http_responses_by_status_total", L{"status": status})
	}
	for method, n := range byMethod {
		stackpromtest.AssertValue(t, reg, float64(n), "http_requests_by_method_total", L{"method": method})
		stackpromtest.AssertValue(t, reg, float64(latency[method]), "http_requests_latency_by_view_method_seconds_count",
			L{"view": "dogs", "method": method})
	}
	for transport, n := range byTransport {
		stackpromtest.AssertValue(t, reg, float64(n), "http_requests_by_transport_total", L{"transport": transport})
	}
	for k, n := range byView {
		stackpromtest.AssertValue(t, reg, float64(n), "http_requests_by_view_transport_method_total",
			L{"view": "dogs", "transport": k[0], "method": k[1]})
	}
	for k, n := range byStatusView {
		stackpromtest.AssertValue(t, reg, float64(n), "http_responses_by_status_view_method_total",
			L{"status": k[0], "view": "dogs", "method": k[1]})
	}
}
