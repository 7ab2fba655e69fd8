package httpmetrics_test

// Behaviour on real net/http servers (HTTP/1.1 and HTTP/2): the writer
// wrapper must be invisible to http.ResponseController, hijacking,
// sendfile and 1xx responses, and panics must reach net/http unchanged.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// parity serves h behind After on a real server and checks, on every
// request, that the handler's writer offers exactly the interfaces of the
// server's own writer.
func parity(t *testing.T, m *httpmetrics.Metrics, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		want := interfaces(w)
		m.After(http.HandlerFunc(func(w2 http.ResponseWriter, r *http.Request) {
			if got := interfaces(w2); got != want {
				t.Errorf("server writer offers %04b, the handler's %04b", want, got)
			}
			h.ServeHTTP(w2, r)
		})).ServeHTTP(w, r)
	})
}

func newRegistryMetrics(t *testing.T, opts ...httpmetrics.Option) (*httpmetrics.Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := httpmetrics.New(append([]httpmetrics.Option{stackprom.WithRegisterer(reg)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return m, reg
}

// startServer serves h over proto, "HTTP/1.1" or "HTTP/2" (over TLS), until
// the test ends; its Client speaks that protocol.
func startServer(t *testing.T, proto string, h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	if proto == "HTTP/2" {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

func TestResponseControllerOnRealServers(t *testing.T) {
	for _, proto := range []string{"HTTP/1.1", "HTTP/2"} {
		t.Run(proto, func(t *testing.T) {
			m, reg := newRegistryMetrics(t)
			h := parity(t, m, httpmetrics.NamedFunc("rc", func(w http.ResponseWriter, r *http.Request) {
				rc := http.NewResponseController(w)
				for name, err := range map[string]error{
					"SetReadDeadline":  rc.SetReadDeadline(time.Now().Add(time.Minute)),
					"SetWriteDeadline": rc.SetWriteDeadline(time.Now().Add(time.Minute)),
				} {
					if err != nil {
						t.Errorf("%s through the wrapper: %v", name, err)
					}
				}
				if r.ProtoMajor == 1 {
					if err := rc.EnableFullDuplex(); err != nil {
						t.Errorf("EnableFullDuplex through the wrapper: %v", err)
					}
				}
				io.WriteString(w, "first\n")
				if err := rc.Flush(); err != nil {
					t.Errorf("Flush through the wrapper: %v", err)
				}
				io.WriteString(w, "second\n")
			}))
			srv := startServer(t, proto, h)
			resp, err := srv.Client().Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.HasPrefix(resp.Proto, proto) || string(body) != "first\nsecond\n" {
				t.Fatalf("got %s %q", resp.Proto, body)
			}
			transport := "http"
			if proto == "HTTP/2" {
				transport = "https"
			}
			stackpromtest.AssertValue(t, reg, 1, "http_responses_streaming_total", nil)
			stackpromtest.AssertValue(t, reg, 1, "http_requests_by_view_transport_method_total",
				L{"view": "rc", "transport": transport, "method": "GET"})
			stackpromtest.AssertValue(t, reg, 1, "http_responses_by_charset_total", L{"charset": "utf-8"})
		})
	}
}

// A websocket-style upgrade: the handler hijacks the connection and speaks
// its own protocol on it.
func TestHijackUpgrade(t *testing.T) {
	m, reg := newRegistryMetrics(t)
	srv := httptest.NewServer(parity(t, m, httpmetrics.NamedFunc("echo", func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack through the wrapper: %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		line, _ := brw.ReadString('\n')
		brw.WriteString(line)
		brw.Flush()
	})))
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	br := bufio.NewReader(conn)
	tp := textproto.NewReader(br)
	status, err := tp.ReadLine()
	if err != nil || !strings.Contains(status, "101") {
		t.Fatalf("status line %q, %v", status, err)
	}
	tp.ReadMIMEHeader()
	fmt.Fprintf(conn, "ping\n")
	if echo, _ := br.ReadString('\n'); echo != "ping\n" {
		t.Fatalf("echo %q", echo)
	}
	conn.Close()
	waitFor(t, func() bool {
		v, _ := stackpromtest.Value(t, reg, "http_responses_by_status_total", L{"status": "101"})
		return v == 1
	})
	// A hijacked connection has no response body to measure.
	stackpromtest.AssertValue(t, reg, 0, "http_responses_body_bytes_count", nil)
}

// io.Copy from a file reaches the server's ReadFrom (sendfile), with the
// bytes counted; without a Content-Type the wrapper sniffs it as net/http does.
func TestSendfileAndSniffing(t *testing.T) {
	dir := t.TempDir()
	content := strings.Repeat("plain text, line after line\n", 4000)
	path := filepath.Join(dir, "big.txt")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	m, reg := newRegistryMetrics(t)
	srv := httptest.NewServer(parity(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(path)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		if r.URL.Path == "/typed" {
			w.Header().Set("Content-Type", "text/plain; charset=iso-8859-1")
		}
		if _, err := io.Copy(w, f); err != nil {
			t.Error(err)
		}
	})))
	defer srv.Close()
	for _, path := range []string{"/typed", "/sniffed"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(got) != content {
			t.Fatalf("%s: body of %d bytes, want %d", path, len(got), len(content))
		}
		if path == "/sniffed" && resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Fatalf("net/http sniffed %q", resp.Header.Get("Content-Type"))
		}
	}
	stackpromtest.AssertValue(t, reg, float64(2*len(content)), "http_responses_body_bytes_sum", nil)
	stackpromtest.AssertValue(t, reg, 1, "http_responses_by_charset_total", L{"charset": "iso-8859-1"})
	stackpromtest.AssertValue(t, reg, 1, "http_responses_by_charset_total", L{"charset": "utf-8"})
}

// 103 Early Hints goes out as an informational response; the status
// recorded is the final one.
func TestEarlyHintsAreNotTheStatus(t *testing.T) {
	m, reg := newRegistryMetrics(t)
	srv := httptest.NewServer(parity(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload; as=style")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "made\n")
	})))
	defer srv.Close()
	var got1xx []int
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
		got1xx = append(got1xx, code)
		return nil
	}}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", srv.URL, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 || len(got1xx) != 1 || got1xx[0] != 103 {
		t.Fatalf("final %d, informational %v", resp.StatusCode, got1xx)
	}
	stackpromtest.AssertValue(t, reg, 1, "http_responses_by_status_total", L{"status": "201"})
	if v, ok := stackpromtest.Value(t, reg, "http_responses_by_status_total", L{"status": "103"}); ok {
		t.Errorf("103 recorded as a status: %v", v)
	}
}

// safeBuffer is a log destination the server's goroutines write to.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func panickingView(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/abort" {
		panic(http.ErrAbortHandler)
	}
	panic(fmt.Sprintf("broken view %s", r.URL.Path))
}

// A panic reaches net/http unchanged: logged with a stack that still shows
// where it happened, ErrAbortHandler still silent, and counted once (the
// abort as an abort, before any response).
func TestPanicReachesNetHTTPUnchanged(t *testing.T) {
	m, reg := newRegistryMetrics(t)
	var logs safeBuffer
	srv := httptest.NewUnstartedServer(m.Instrument(http.HandlerFunc(panickingView)))
	srv.Config.ErrorLog = log.New(&logs, "", 0)
	srv.Start()
	defer srv.Close()

	for _, path := range []string{"/boom", "/abort"} {
		if _, err := http.Get(srv.URL + path); err == nil {
			t.Errorf("%s: the client got a response from a panicking handler", path)
		}
	}
	waitFor(t, func() bool {
		v, _ := stackpromtest.Value(t, reg, "http_responses_before_middlewares_total", nil)
		return v == 2
	})
	out := logs.String()
	if !strings.Contains(out, "broken view /boom") || !strings.Contains(out, "httpmetrics_test.panickingView") {
		t.Errorf("net/http's log lacks the panic or the frame that raised it:\n%s", out)
	}
	if strings.Contains(out, "/abort") {
		t.Errorf("http.ErrAbortHandler was logged:\n%s", out)
	}
	stackpromtest.CompareSamples(t, reg, `
		http_exceptions_by_type_total{type="string"} 1
		http_aborts_by_view_total{view="<unnamed view>"} 1
		http_responses_by_status_total{status="500"} 1
	`)
	stackpromtest.AssertValue(t, reg, 2, "http_requests_latency_by_view_method_seconds_count",
		L{"view": "<unnamed view>", "method": "GET"})
	stackpromtest.AssertValue(t, reg, 0, "http_requests_in_flight", nil)
}

// The same panic value, not a copy or a wrapper, reaches the next recover.
func TestPanicValueIsUnchanged(t *testing.T) {
	m, _ := newRegistryMetrics(t)
	sentinel := errors.New("sentinel")
	h := m.Instrument(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(sentinel) }))
	defer func() {
		if p := recover(); p != sentinel {
			t.Errorf("recovered %v, want the sentinel itself", p)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), mustRequest(t, "GET", "/"))
}

// ReportError counts an error a handler turned into a response, by the
// error's own type beneath fmt's wrapping.
func TestReportError(t *testing.T) {
	m, reg := newRegistryMetrics(t)
	h := m.After(httpmetrics.NamedFunc("dog", func(w http.ResponseWriter, r *http.Request) {
		_, err := os.Open("/no/such/dog")
		httpmetrics.ReportError(w, fmt.Errorf("loading dog: %w", err))
		http.Error(w, "no dog", http.StatusNotFound)
	}))
	h.ServeHTTP(httptest.NewRecorder(), mustRequest(t, "GET", "/dogs/1"))
	stackpromtest.AssertValue(t, reg, 1, "http_exceptions_by_type_total", L{"type": "*fs.PathError"})
	stackpromtest.AssertValue(t, reg, 1, "http_exceptions_by_view_total", L{"view": "dog"})
	stackpromtest.AssertValue(t, reg, 1, "http_responses_by_status_view_method_total",
		L{"status": "404", "view": "dog", "method": "GET"})
}

// The request body size is what the handler read, never Content-Length: 0
// for a body the handler did not read.
func TestRequestBodyBytes(t *testing.T) {
	for _, c := range []struct {
		name   string
		read   bool
		body   string
		length int64 // -1: unknown (chunked); 0: as httptest sets it
		want   float64
	}{
		{"read", true, strings.Repeat("x", 300), 0, 300},
		{"read, chunked", true, strings.Repeat("x", 300), -1, 300},
		{"unread, declared", false, strings.Repeat("x", 300), 0, 0},
		{"unread, chunked", false, strings.Repeat("x", 300), -1, 0},
		{"no body", false, "", 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, reg := newRegistryMetrics(t)
			h := m.After(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c.read {
					io.Copy(io.Discard, r.Body)
				}
			}))
			r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
			if c.length != 0 {
				r.ContentLength = c.length
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			stackpromtest.AssertValue(t, reg, c.want, "http_requests_body_bytes_sum", nil)
			stackpromtest.AssertValue(t, reg, 1, "http_requests_body_bytes_count", nil)
		})
	}
}

// A malformed or negative Content-Length never reaches the middleware:
// net/http answers 400 itself, so nothing is recorded and nothing fails.
func TestMalformedContentLength(t *testing.T) {
	m, reg := newRegistryMetrics(t)
	srv := httptest.NewServer(m.Instrument(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("the handler ran")
	})))
	defer srv.Close()
	for _, cl := range []string{"12abc", "-5"} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %s\r\n\r\n", cl)
		status, _ := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if !strings.Contains(status, "400") {
			t.Errorf("Content-Length %s: %q", cl, status)
		}
	}
	stackpromtest.AssertValue(t, reg, 0, "http_requests_before_middlewares_total", nil)
}

func TestTransportAndAjax(t *testing.T) {
	m, reg := newRegistryMetrics(t, httpmetrics.WithTrustedProxyHeader("X-Forwarded-Proto", "https"))
	h := m.After(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	plain := httptest.NewRequest("GET", "/", nil)
	tlsReq := httptest.NewRequest("GET", "/", nil)
	tlsReq.TLS = &tls.ConnectionState{}
	proxied := httptest.NewRequest("GET", "/", nil)
	proxied.Header.Set("X-Forwarded-Proto", "HTTPS")
	ajax := httptest.NewRequest("GET", "/", nil)
	ajax.Header.Set("X-Requested-With", "XMLHttpRequest")
	notAjax := httptest.NewRequest("GET", "/", nil)
	notAjax.Header.Set("X-Requested-With", "xmlhttprequest")
	for _, r := range []*http.Request{plain, tlsReq, proxied, ajax, notAjax} {
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	stackpromtest.AssertValue(t, reg, 3, "http_requests_by_transport_total", L{"transport": "http"})
	stackpromtest.AssertValue(t, reg, 2, "http_requests_by_transport_total", L{"transport": "https"})
	stackpromtest.AssertValue(t, reg, 1, "http_ajax_requests_total", nil)

	// Without the option the header is not trusted.
	m2, reg2 := newRegistryMetrics(t)
	m2.After(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(httptest.NewRecorder(), proxied)
	stackpromtest.AssertValue(t, reg2, 1, "http_requests_by_transport_total", L{"transport": "http"})
}

func TestExclude(t *testing.T) {
	m, reg := newRegistryMetrics(t, httpmetrics.WithExclude("/metrics", "health"))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", http.NotFoundHandler())
	mux.Handle("GET /healthz", httpmetrics.NamedFunc("health", func(http.ResponseWriter, *http.Request) {}))
	mux.Handle("GET /dogs", http.NotFoundHandler())
	h := m.Instrument(mux)
	for _, p := range []string{"/metrics", "/healthz", "/dogs"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	// Before knows only paths: /healthz passed through it.
	stackpromtest.AssertValue(t, reg, 2, "http_requests_before_middlewares_total", nil)
	stackpromtest.AssertValue(t, reg, 1, "http_requests_by_method_total", L{"method": "GET"})
	stackpromtest.AssertValue(t, reg, 1, "http_requests_by_view_transport_method_total",
		L{"view": "/dogs", "transport": "http", "method": "GET"})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The in-flight gauge counts requests inside Before, on every instance
// that shares the registry.
func TestInFlight(t *testing.T) {
	reg := prometheus.NewRegistry()
	m1 := httpmetrics.MustNew(stackprom.WithRegisterer(reg))
	m2 := httpmetrics.MustNew(stackprom.WithRegisterer(reg)) // shares m1's families
	var inside float64
	h2 := m2.Instrument(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		inside, _ = stackpromtest.Value(t, reg, "http_requests_in_flight", nil)
	}))
	h1 := m1.Before(h2)
	h1.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if inside != 2 {
		t.Errorf("in flight inside both: %v, want 2", inside)
	}
	stackpromtest.AssertValue(t, reg, 0, "http_requests_in_flight", nil)
}
