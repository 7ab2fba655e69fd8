package stackprom_test

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/cachemetrics"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/sqlmetrics"
)

func TestInvalidOptionsAreReportedByEveryConstructor(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  any    // a stackprom.Option, ExportOption, HandlerOption, ServerOption or PushOption
		want string // in the error
	}{
		{"empty basic-auth user", stackprom.WithBasicAuth("", "pw"), "WithBasicAuth: empty user name or password"},
		{"empty basic-auth password", stackprom.WithBasicAuth("prom", ""), "WithBasicAuth: empty user name or password"},
		{"empty bearer token", stackprom.WithBearerToken(""), "WithBearerToken: empty token"},
		{"bearer token with spaces", stackprom.WithBearerToken(" t0ken"), "WithBearerToken: token begins or ends with white space"},
		{"namespace starting with a digit", stackprom.WithNamespace("1abc"), `WithNamespace: "1abc" is not a valid`},
		{"namespace with a dash", stackprom.WithNamespace("my-shop"), `WithNamespace: "my-shop" is not a valid`},
		{"unknown naming preset", stackprom.WithNaming(stackprom.Naming(7)), "WithNaming: unknown preset"},
		{"unsorted buckets", stackprom.WithBuckets("http_requests_latency_by_view_method_seconds", 0.1, 1, 0.5),
			`WithBuckets("http_requests_latency_by_view_method_seconds"): buckets must be strictly increasing, got 0.5 after 1`},
		{"repeated bucket", stackprom.WithBuckets("http_requests_body_bytes", 1, 2, 2), "strictly increasing, got 2 after 2"},
		{"NaN bucket", stackprom.WithBuckets("http_requests_body_bytes", math.NaN()), "NaN is not a bucket bound"},
		{"no buckets", stackprom.WithBuckets("http_requests_body_bytes"), "no buckets"},
		{"buckets of a counter", stackprom.WithBuckets("http_requests_by_method_total", 1, 2),
			`WithBuckets: "http_requests_by_method_total" is not a histogram family`},
		{"buckets of an unknown family", stackprom.WithBuckets("http_request_duration_seconds", 1, 2),
			`WithBuckets: "http_request_duration_seconds" is not a histogram family`},
		{"buckets by django name", stackprom.WithBuckets("django_http_requests_latency_seconds_by_view_method", 1, 2),
			`"django_http_requests_latency_seconds_by_view_method" is not a histogram family`},
		{"unsorted latency buckets", stackprom.WithLatencyBuckets(1, 0.5), "WithLatencyBuckets: buckets must be strictly increasing"},
		{"no size buckets", stackprom.WithSizeBuckets(), "WithSizeBuckets: no buckets"},
		{"native factor 1", stackprom.WithNativeHistograms(1), "WithNativeHistograms: factor 1 must be finite and greater than 1"},
		{"native factor NaN", stackprom.WithNativeHistograms(math.NaN()), "WithNativeHistograms: factor NaN"},
		{"native factor +Inf", stackprom.WithNativeHistograms(math.Inf(1)), "WithNativeHistograms: factor +Inf"},
		{"relative path", stackprom.WithPath("metrics"), `WithPath: "metrics" does not start with /`},
		{"empty path", stackprom.WithPath(""), `WithPath: "" does not start with /`},
		{"negative in-flight limit", stackprom.WithMaxRequestsInFlight(-1), "WithMaxRequestsInFlight(-1): negative"},
		{"negative handler timeout", stackprom.WithHandlerTimeout(-time.Second), "WithHandlerTimeout(-1s): negative"},
		{"zero read timeout", stackprom.WithReadTimeout(0), "WithReadTimeout(0s): need a positive duration"},
		{"negative read timeout", stackprom.WithReadTimeout(-time.Second), "WithReadTimeout(-1s): need a positive duration"},
		{"zero write timeout", stackprom.WithWriteTimeout(0), "WithWriteTimeout(0s): need a positive duration"},
		{"zero idle timeout", stackprom.WithIdleTimeout(0), "WithIdleTimeout(0s): need a positive duration"},
		{"zero header size", stackprom.WithMaxHeaderBytes(0), "WithMaxHeaderBytes(0): need a positive size"},
		{"negative header size", stackprom.WithMaxHeaderBytes(-1), "WithMaxHeaderBytes(-1): need a positive size"},
	} {
		t.Run(c.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			check := func(what string, err error) {
				t.Helper()
				switch {
				case err == nil:
					t.Errorf("%s: no error", what)
				case !strings.HasPrefix(err.Error(), "stackprom: ") || !strings.Contains(err.Error(), c.want):
					t.Errorf("%s: error %q, want one starting with stackprom: and containing %q", what, err, c.want)
				}
			}
			// Every constructor that accepts the option reports it.
			if o, ok := c.opt.(stackprom.HandlerOption); ok {
				h, err := stackprom.NewHandler(stackprom.WithRegisterer(reg), o)
				check("NewHandler", err)
				if h != nil {
					t.Errorf("NewHandler returned a handler with its error")
				}
				check("MustNewHandler's panic", func() (err error) {
					defer func() { err, _ = recover().(error) }()
					stackprom.MustNewHandler(stackprom.WithRegisterer(reg), o)
					return nil
				}())
			}
			if o, ok := c.opt.(stackprom.Option); ok {
				m, err := httpmetrics.New(stackprom.WithRegisterer(reg), o)
				check("httpmetrics.New", err)
				if m != nil {
					t.Errorf("httpmetrics.New returned Metrics with its error")
				}
			}
			if o, ok := c.opt.(stackprom.ServerOption); ok {
				srv, err := stackprom.StartServer("127.0.0.1:0", stackprom.WithRegisterer(reg), o)
				check("StartServer", err)
				if srv != nil {
					srv.Close()
				}
			}
			if o, ok := c.opt.(stackprom.PushOption); ok {
				// The gateway is never contacted: nothing listens on port 1.
				check("Push", stackprom.Push(context.Background(), "http://127.0.0.1:1", "job", stackprom.WithRegisterer(reg), o))
			}
			// A rejected option registers nothing.
			if mfs, err := reg.Gather(); err != nil || len(mfs) != 0 {
				t.Errorf("after the errors the registry holds %d families (%v)", len(mfs), err)
			}
		})
	}
}

func TestErrorsJoinEveryInvalidOption(t *testing.T) {
	_, err := stackprom.NewHandler(stackprom.WithNamespace("1abc"), stackprom.WithBearerToken(""))
	if err == nil || !strings.Contains(err.Error(), "WithNamespace") || !strings.Contains(err.Error(), "WithBearerToken") {
		t.Errorf("error %q, want both invalid options named", err)
	}
}

func TestConstLabelNames(t *testing.T) {
	for _, c := range []struct {
		name string
		want string
	}{
		{"1bad", `WithConstLabels: "1bad" is not a valid label name`},
		{"service-name", `WithConstLabels: "service-name" is not a valid label name`},
		{"__reserved", `WithConstLabels: "__reserved" is not a valid label name`},
		{"", `WithConstLabels: "" is not a valid label name`},
		// Valid by itself, but the by-method family has a method label.
		{"method", "registering http_requests_by_method_total"},
	} {
		reg := prometheus.NewRegistry()
		_, err := httpmetrics.New(stackprom.WithRegisterer(reg), stackprom.WithConstLabels(prometheus.Labels{c.name: "x"}))
		if err == nil || !strings.HasPrefix(err.Error(), "stackprom: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("const label %q: error %v, want a stackprom error containing %q", c.name, err, c.want)
		}
	}
}

func TestParseNaming(t *testing.T) {
	for _, c := range []struct {
		in   string
		want stackprom.Naming
		ok   bool
	}{
		{"", stackprom.NamingDefault, true},
		{"default", stackprom.NamingDefault, true},
		{"django", stackprom.NamingDjango, true},
		{"Django", stackprom.NamingDefault, false},
		{"prometheus", stackprom.NamingDefault, false},
	} {
		got, err := stackprom.ParseNaming(c.in)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("ParseNaming(%q) = %v, %v; want %v, ok=%v", c.in, got, err, c.want, c.ok)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "stackprom: ") {
			t.Errorf("ParseNaming(%q): error %q lacks the package name", c.in, err)
		}
	}
}

// histogram returns the histogram child of family name with these labels.
func histogram(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) *dto.Histogram {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, lp := range m.GetLabel() {
				have[lp.GetName()] = lp.GetValue()
			}
			if sameLabels(have, labels) {
				return m.GetHistogram()
			}
		}
	}
	t.Fatalf("no histogram %s%v", name, labels)
	return nil
}

func upperBounds(h *dto.Histogram) []float64 {
	var out []float64
	for _, b := range h.GetBucket() {
		out = append(out, b.GetUpperBound())
	}
	return out
}

// serve sends one GET request for path through m.Instrument around a
// ServeMux routing /dogs/{id}.
func serve(m *httpmetrics.Metrics, path string) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dogs/{id}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "a dog\n") })
	m.Instrument(mux).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
}

func TestBucketOptions(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := httpmetrics.MustNew(stackprom.WithRegisterer(reg),
		stackprom.WithLatencyBuckets(0.1, 1, 10),
		stackprom.WithBuckets("http_requests_latency_by_view_method_seconds", 0.005, 0.05), // wins for this family
		stackprom.WithSizeBuckets(100, 1000),
	)
	serve(m, "/dogs/1")
	for _, c := range []struct {
		family string
		labels map[string]string
		want   []float64
	}{
		{"http_requests_latency_by_view_method_seconds", map[string]string{"view": "/dogs/{id}", "method": "GET"}, []float64{0.005, 0.05}},
		{"http_requests_latency_including_middlewares_seconds", nil, []float64{0.1, 1, 10}},
		{"http_requests_body_bytes", nil, []float64{100, 1000}},
		{"http_responses_body_bytes", nil, []float64{100, 1000}},
	} {
		if got := upperBounds(histogram(t, reg, c.family, c.labels)); !slices.Equal(got, c.want) {
			t.Errorf("%s buckets %v, want %v", c.family, got, c.want)
		}
	}

	// The defaults are django-prometheus's.
	reg = prometheus.NewRegistry()
	serve(httpmetrics.MustNew(stackprom.WithRegisterer(reg)), "/dogs/1")
	wantLatency := []float64{0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 25, 50, 75}
	if got := upperBounds(histogram(t, reg, "http_requests_latency_including_middlewares_seconds", nil)); !slices.Equal(got, wantLatency) {
		t.Errorf("default latency buckets %v, want %v", got, wantLatency)
	}
	wantSize := []float64{0}
	for i := 0; i < 30; i++ {
		wantSize = append(wantSize, math.Ldexp(1, i))
	}
	if got := upperBounds(histogram(t, reg, "http_responses_body_bytes", nil)); !slices.Equal(got, wantSize) {
		t.Errorf("default size buckets %v, want %v", got, wantSize)
	}
}

func TestNativeHistograms(t *testing.T) {
	reg := prometheus.NewRegistry()
	serve(httpmetrics.MustNew(stackprom.WithRegisterer(reg), stackprom.WithNativeHistograms(1.1)), "/dogs/1")
	h := histogram(t, reg, "http_requests_latency_including_middlewares_seconds", nil)
	if h.Schema == nil {
		t.Fatalf("no native histogram schema: %v", h)
	}
	if len(upperBounds(h)) != 16 {
		t.Errorf("classic buckets %v, want the 16 default ones kept", upperBounds(h))
	}
	if h.GetSampleCount() != 1 {
		t.Errorf("sample count %d, want 1", h.GetSampleCount())
	}
}

func TestNamingNamespaceAndConstLabels(t *testing.T) {
	for _, c := range []struct {
		opts []stackprom.Option
		want string
	}{
		{nil, "http_requests_by_method_total"},
		{[]stackprom.Option{stackprom.WithNamespace("shop")}, "shop_http_requests_by_method_total"},
		{[]stackprom.Option{stackprom.WithNaming(stackprom.NamingDjango)}, "django_http_requests_total_by_method_total"},
		{[]stackprom.Option{stackprom.WithNaming(stackprom.NamingDjango), stackprom.WithNamespace("shop")}, "shop_django_http_requests_total_by_method_total"},
	} {
		reg := prometheus.NewRegistry()
		shared := stackprom.Options(append([]stackprom.Option{stackprom.WithRegisterer(reg), stackprom.WithConstLabels(prometheus.Labels{"service": "kennel"})}, c.opts...)...)
		serve(httpmetrics.MustNew(shared), "/dogs/1")
		mfs := parseText(t, get(t, stackprom.MustNewHandler(shared), "/metrics").Body)
		wantSample(t, mfs, 1, c.want, map[string]string{"method": "GET", "service": "kennel"})
	}
}

func TestNilRegistererRegistersNothing(t *testing.T) {
	// The default registry must not change either; compare its families
	// before and after.
	before := familyNames(t, prometheus.DefaultGatherer)
	m := httpmetrics.MustNew(stackprom.WithRegisterer(nil))
	serve(m, "/dogs/1")
	stackprom.MustNewHandler(stackprom.WithRegisterer(nil))
	if after := familyNames(t, prometheus.DefaultGatherer); !slices.Equal(before, after) {
		t.Errorf("the default registry changed: %v, then %v", before, after)
	}
}

func familyNames(t *testing.T, g prometheus.Gatherer) []string {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	return names
}

var metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

func TestFamilies(t *testing.T) {
	fams := stackprom.Families()
	if len(fams) == 0 {
		t.Fatal("no families")
	}
	seen := map[string]bool{}
	for _, f := range fams {
		for _, n := range []string{f.Name, f.DjangoName} {
			if !metricName.MatchString(n) {
				t.Errorf("%q is not a valid metric name", n)
			}
			if seen[n] {
				t.Errorf("%q is defined twice", n)
			}
			seen[n] = true
		}
		if !strings.HasPrefix(f.DjangoName, "django_") {
			t.Errorf("django name %q lacks the django_ prefix", f.DjangoName)
		}
		if !slices.Contains([]string{"counter", "gauge", "histogram"}, f.Type) {
			t.Errorf("%s: type %q", f.Name, f.Type)
		}
		if f.Type == "counter" && !strings.HasSuffix(f.Name, "_total") {
			t.Errorf("counter %s does not end in _total", f.Name)
		}
		if f.Type != "counter" && strings.HasSuffix(f.Name, "_total") {
			t.Errorf("%s %s ends in _total", f.Type, f.Name)
		}
		if f.Help == "" || f.Component == "" {
			t.Errorf("%s: no help or component", f.Name)
		}
		if got := f.FullName(stackprom.NamingDjango, "shop"); got != "shop_"+f.DjangoName {
			t.Errorf("FullName(django, shop) = %q", got)
		}
		if got := f.FullName(stackprom.NamingDefault, ""); got != f.Name {
			t.Errorf("FullName(default) = %q", got)
		}
	}

	// A copy: changing it changes nothing for the next caller.
	fams[0].Name = "changed"
	if len(fams[0].Labels) > 0 {
		fams[0].Labels[0] = "changed"
	}
	again := stackprom.Families()
	if again[0].Name == "changed" || (len(again[0].Labels) > 0 && again[0].Labels[0] == "changed") {
		t.Error("Families returns the schema itself, not a copy")
	}
}

// Every HTTP family httpmetrics registers is in Families, under either
// preset, with the type and labels Families gives.
func TestFamiliesDescribeWhatHTTPMetricsRegisters(t *testing.T) {
	want := map[string]stackprom.Family{}
	for _, f := range stackprom.Families() {
		if f.Component == "http" {
			want[f.Name] = f
		}
	}
	for _, naming := range []stackprom.Naming{stackprom.NamingDefault, stackprom.NamingDjango} {
		reg := prometheus.NewRegistry()
		m := httpmetrics.MustNew(stackprom.WithRegisterer(reg), stackprom.WithNaming(naming))
		exerciseEveryHTTPFamily(t, m)
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]*dto.MetricFamily{}
		for _, mf := range mfs {
			got[mf.GetName()] = mf
		}
		for _, f := range want {
			mf, ok := got[f.FullName(naming, "")]
			if !ok {
				t.Errorf("%v: %s is not registered", naming, f.FullName(naming, ""))
				continue
			}
			delete(got, f.FullName(naming, ""))
			if typ := strings.ToLower(mf.GetType().String()); typ != f.Type {
				t.Errorf("%v: %s is a %s, Families says %s", naming, mf.GetName(), typ, f.Type)
			}
			for _, m := range mf.GetMetric() {
				var labels []string
				for _, lp := range m.GetLabel() {
					labels = append(labels, lp.GetName())
				}
				slices.Sort(labels)
				wantLabels := slices.Sorted(slices.Values(f.Labels))
				if !slices.Equal(labels, wantLabels) {
					t.Errorf("%v: %s has labels %v, Families says %v", naming, mf.GetName(), labels, f.Labels)
				}
			}
		}
		for name := range got {
			t.Errorf("%v: %s is registered but not in Families", naming, name)
		}
	}
}

// A second instance on one registry that asks for other buckets than the
// family already registered has gets an error, as other constant labels
// do; the same buckets share the family.
func TestConflictingBucketsAreAnError(t *testing.T) {
	type constructor func(reg *prometheus.Registry, opts ...stackprom.Option) error
	httpNew := func(reg *prometheus.Registry, opts ...stackprom.Option) error {
		_, err := httpmetrics.New(stackprom.WithRegisterer(reg), stackprom.Options(opts...))
		return err
	}
	sqlNew := func(reg *prometheus.Registry, opts ...stackprom.Option) error {
		_, err := sqlmetrics.NewRecorder(stackprom.WithRegisterer(reg), sqlmetrics.WithVendor("fake"), stackprom.Options(opts...))
		return err
	}
	cacheNew := func(reg *prometheus.Registry, opts ...stackprom.Option) error {
		_, err := cachemetrics.New(stackprom.WithRegisterer(reg), cachemetrics.WithBackend("x"), stackprom.Options(opts...))
		return err
	}
	for _, c := range []struct {
		name          string
		new           constructor
		first, second []stackprom.Option
		family        string // named in the error; "" when the second shares
	}{
		{"http latency", httpNew, nil, []stackprom.Option{stackprom.WithLatencyBuckets(1, 2, 3)},
			"http_requests_latency_including_middlewares_seconds"},
		{"http size", httpNew, []stackprom.Option{stackprom.WithSizeBuckets(1, 2)}, nil, "http_requests_body_bytes"},
		{"http one family", httpNew, nil, []stackprom.Option{stackprom.WithBuckets("http_responses_body_bytes", 10, 100)},
			"http_responses_body_bytes"},
		{"http native", httpNew, nil, []stackprom.Option{stackprom.WithNativeHistograms(1.1)},
			"http_requests_latency_including_middlewares_seconds"},
		{"http same buckets", httpNew, []stackprom.Option{stackprom.WithLatencyBuckets(1, 2)},
			[]stackprom.Option{stackprom.WithLatencyBuckets(1, 2)}, ""},
		{"http defaults", httpNew, nil, nil, ""},
		{"db latency", sqlNew, nil, []stackprom.Option{stackprom.WithLatencyBuckets(0.5)}, "db_query_duration_seconds"},
		{"cache", cacheNew, nil, []stackprom.Option{stackprom.WithBuckets("cache_operation_duration_seconds", 1)},
			"cache_operation_duration_seconds"},
		{"cache: latency buckets do not apply", cacheNew, nil, []stackprom.Option{stackprom.WithLatencyBuckets(1)}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			if err := c.new(reg, c.first...); err != nil {
				t.Fatal(err)
			}
			err := c.new(reg, c.second...)
			switch {
			case c.family == "" && err != nil:
				t.Errorf("error %v, want the family shared", err)
			case c.family != "" && err == nil:
				t.Errorf("no error for other buckets of %s", c.family)
			case c.family != "" && !strings.HasPrefix(err.Error(), "stackprom: "+c.family+" is already registered on this registry with buckets "):
				t.Errorf("error %q does not name %s and its buckets", err, c.family)
			}
		})
	}
}
