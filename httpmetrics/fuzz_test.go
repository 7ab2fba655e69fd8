package httpmetrics

// Fuzz targets for the parsers of what a client or a handler sends: the
// charset of a Content-Type, the trusted proxy header, ServeMux patterns
// as views, and the request body's size. Their seed corpora run in every
// go test; go test -fuzz=FuzzX runs one for as long as -fuzztime says.

import (
	"bytes"
	"crypto/tls"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/internal/children"
	"github.com/stackprom/stackprom/internal/config"
)

// charsetSpec is charset's specification, written as django's
// _charset_from_content_type_re is (the first ";" followed by optional
// blanks and "charset=" in any ASCII case), with the value up to the next
// ";", without surrounding white space and double quotes.
var charsetSpec = regexp.MustCompile(`;[ \t]*[cC][hH][aA][rR][sS][eE][tT]=([^;]*)`)

func FuzzCharset(f *testing.F) {
	for _, s := range []string{
		"text/html; charset=utf-8", "text/plain;charset=\"ISO-8859-1\"", "application/json",
		"text/plain; format=flowed; CHARSET=utf-8; x=y", "text/plain; charset=\xff", "; charset=",
		"text/plain; foo=\"a;charset=x\"; charset=utf-8", "text/plain;\t charset= utf-8 ;", "charset=utf-8",
		"text/plain; ;charset=x", "text/plain; charſet=x", "text/plain; charset=" + strings.Repeat("é", 100),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ct string) {
		got := charset(ct)
		want := ""
		if m := charsetSpec.FindStringSubmatchIndex(ct); m != nil {
			want = strings.Trim(strings.TrimSpace(ct[m[2]:m[3]]), `"`)
		}
		if got != want {
			t.Fatalf("charset(%q) = %q, want %q", ct, got, want)
		}
		if !strings.Contains(ct, got) {
			t.Fatalf("charset(%q) = %q: not a part of the header", ct, got)
		}
		if v := children.Clean(got); !utf8.ValidString(v) || len(v) > children.MaxValueLen {
			t.Fatalf("Clean(charset(%q)) = %q", ct, v)
		}
	})
}

// The trusted proxy header makes a request https exactly when its first
// value, without surrounding white space, equals the configured value
// without regard to case; TLS makes it https whatever the header says.
func FuzzTrustedProxyHeader(f *testing.F) {
	f.Add("X-Forwarded-Proto", "https", "https", "", false)
	f.Add("x-forwarded-proto", " HTTPS\t", "https", "http", false)
	f.Add("X-Forwarded-Proto", "http", "https", "https", false)
	f.Add("X-Forwarded-Proto", "https, http", "https", "", false)
	f.Add("X-Forwarded-Ssl", "on", "ON", "", true)
	f.Add("X-Scheme", "\xffhttps", "https", "", false)
	f.Add("X-Scheme", "ſ", "S", "", false)
	f.Fuzz(func(t *testing.T, header, value, configured, second string, overTLS bool) {
		if header == "" || configured == "" {
			return // WithTrustedProxyHeader refuses these
		}
		c, err := config.New([]Option{WithTrustedProxyHeader(header, configured)})
		if err != nil {
			t.Fatal(err)
		}
		m := &Metrics{proxyHeader: c.HTTP.ProxyHeader, proxyValue: c.HTTP.ProxyValue}
		r := &http.Request{Header: http.Header{}}
		if overTLS {
			r.TLS = &tls.ConnectionState{}
		}
		r.Header[http.CanonicalHeaderKey(header)] = []string{value}
		got := m.transport(r)
		want := 0
		if overTLS || strings.EqualFold(strings.TrimSpace(value), configured) {
			want = 1
		}
		if got != want {
			t.Fatalf("%s: %q, configured %q, TLS %v: transport %s, want %s", header, value, configured, overTLS, transports[got], transports[want])
		}
		// Only the first value counts; blanks around it and its ASCII case
		// do not.
		r.Header.Add(header, second)
		if m.transport(r) != got {
			t.Fatalf("a second value %q changed the transport of %q", second, value)
		}
		r.Header[http.CanonicalHeaderKey(header)] = []string{" \t" + asciiUpper(value) + "\t "}
		if m.transport(r) != got {
			t.Fatalf("blanks or ASCII case changed the transport of %q", value)
		}
		// Without the option the header is never trusted.
		if (&Metrics{}).transport(r) != 0 && !overTLS {
			t.Fatal("header trusted without the option")
		}
	})
}

func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// A ServeMux pattern that ServeMux accepts gives the view of its path:
// "[METHOD ][HOST]/[PATH]" without method and host, split as net/http's
// parsePattern splits it (the method ends at the first blank, the host at
// the first "/").
func FuzzRouteView(f *testing.F) {
	for _, s := range []string{
		"/", "/dogs/{id}", "GET /dogs/{id}", "GET  example.com/dogs/{id}", "example.com/", "GET\t/a b",
		"POST\t \texample.com/x/{rest...}", "/{$}", "GET /p\xff/{id}", "CONNECT host:1/", "DELETE /é/{x}",
	} {
		f.Add(s)
	}
	noop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	f.Fuzz(func(t *testing.T, pattern string) {
		view := routeView(pattern)
		accepted := func() (ok bool) {
			defer func() {
				if recover() != nil {
					ok = false
				}
			}()
			http.NewServeMux().Handle(pattern, noop)
			return true
		}()
		if !accepted {
			return
		}
		rest := pattern
		if i := strings.IndexAny(rest, " \t"); i >= 0 {
			rest = strings.TrimLeft(rest[i+1:], " \t")
		}
		want := rest[strings.IndexByte(rest, '/'):]
		if view != want {
			t.Fatalf("routeView(%q) = %q, want the path %q", pattern, view, want)
		}
	})
}

// The request body size recorded is the number of bytes the handler read,
// whatever Content-Length says, through After and through CountBody and
// Record.
func FuzzRequestBodyBytes(f *testing.F) {
	f.Add([]byte("name=rex"), int64(8), []byte{255}, false, false)
	f.Add([]byte(""), int64(1<<63-1), []byte{255}, false, false)
	f.Add([]byte("short"), int64(1000), []byte{2, 0, 255}, true, false)
	f.Add([]byte(strings.Repeat("x", 300)), int64(-1), []byte{100, 100}, false, true)
	f.Add([]byte("ignored"), int64(7), []byte{}, true, true)
	m, err := New(stackprom.WithRegisterer(prometheus.NewRegistry()))
	if err != nil {
		f.Fatal(err)
	}
	sum := func() float64 {
		var d dto.Metric
		if err := m.requestBody.(prometheus.Metric).Write(&d); err != nil {
			f.Fatal(err)
		}
		return d.GetHistogram().GetSampleSum()
	}
	f.Fuzz(func(t *testing.T, body []byte, declared int64, reads []byte, noBody, viaRecord bool) {
		r := &http.Request{
			Method: "POST", URL: &url.URL{Path: "/"}, Header: http.Header{}, ContentLength: declared,
			Body: io.NopCloser(bytes.NewReader(body)),
		}
		r.Header.Set("Content-Length", strconv.FormatInt(declared, 10))
		if noBody && len(body) == 0 {
			r.Body = http.NoBody
		}
		var read int64
		handler := func(w http.ResponseWriter, r *http.Request) {
			for _, n := range reads {
				got, err := r.Body.Read(make([]byte, n))
				read += int64(got)
				if err != nil {
					break
				}
			}
		}
		before := sum()
		if viaRecord {
			start := m.Begin()
			counter := CountBody(r)
			handler(nil, r)
			m.Record(r, start, &Facts{RequestBytes: counter.Restore(r)})
		} else {
			m.After(http.HandlerFunc(handler)).ServeHTTP(discard{}, r)
		}
		if got := sum() - before; got != float64(read) || read > int64(len(body)) {
			t.Fatalf("declared %d, %d bytes sent, %d read: recorded %v", declared, len(body), read, got)
		}
	})
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}
