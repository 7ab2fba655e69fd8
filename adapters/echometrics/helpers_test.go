package echometrics_test

import (
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

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
