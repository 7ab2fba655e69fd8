package echometrics_test

import (
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stackprom/stackprom"
)

// compare checks the families named in samples against the exposition
// text samples (sample lines only: HELP and TYPE come from
// stackprom.Families), exactly.
func compare(t *testing.T, reg prometheus.Gatherer, samples string) {
	t.Helper()
	types := map[string]stackprom.Family{}
	for _, f := range stackprom.Families() {
		types[f.Name] = f
	}
	var b strings.Builder
	var names []string
	for line := range strings.Lines(samples) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name := line[:strings.IndexAny(line, "{ ")]
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if f, ok := types[strings.TrimSuffix(name, suffix)]; ok && f.Type == "histogram" {
				name = f.Name
			}
		}
		f, ok := types[name]
		if !ok {
			t.Fatalf("compare: no family %s", name)
		}
		if len(names) == 0 || names[len(names)-1] != name {
			names = append(names, name)
			b.WriteString("# HELP " + name + " " + f.Help + "\n# TYPE " + name + " " + f.Type + "\n")
		}
		b.WriteString(line + "\n")
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(b.String()), names...); err != nil {
		t.Error(err)
	}
}

// do sends one request, without following redirects, and reads the whole
// response.
func do(t *testing.T, srv *httptest.Server, method, path, body string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	client := *srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: reading: %v", method, path, err)
	}
	return resp, string(b)
}

// randomPath returns a path of 1 to 4 random segments, some under the
// test routes' prefixes.
func randomPath(rng *rand.Rand) string {
	prefixes := []string{"", "/dogs", "/api", "/static", "/api/cats"}
	var b strings.Builder
	b.WriteString(prefixes[rng.IntN(len(prefixes))])
	for range 1 + rng.IntN(4) {
		b.WriteByte('/')
		for range 1 + rng.IntN(12) {
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
	}
	return b.String()
}

const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-._~"

// views returns the view label values of the responses family.
func views(t *testing.T, reg prometheus.Gatherer) map[string]bool {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, mf := range mfs {
		if mf.GetName() != "http_responses_by_status_view_method_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "view" {
					out[l.GetValue()] = true
				}
			}
		}
	}
	return out
}
