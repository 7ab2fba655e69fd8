package stackprom_test

// Tests of what a client can hold of the handler and the metrics server:
// scrapes in flight, the handler's timeout, the server's read, write and
// idle timeouts and its header limit. Every wait is bounded; only loopback
// is used.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
)

// bound is the longest any step of these tests waits for something that
// should happen at once or after a timeout of a fraction of a second.
const bound = 20 * time.Second

// gate is a collector whose every Collect waits until open is closed,
// standing for a slow backend; each Collect announces itself on entered.
type gate struct {
	desc    *prometheus.Desc
	entered chan struct{}
	open    chan struct{}
}

func newGate() *gate {
	return &gate{
		desc:    prometheus.NewDesc("slow_backend_up", "A slow collector.", nil, nil),
		entered: make(chan struct{}, 64),
		open:    make(chan struct{}),
	}
}

func (g *gate) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }
func (g *gate) Collect(ch chan<- prometheus.Metric) {
	select {
	case g.entered <- struct{}{}:
	default:
	}
	<-g.open
	ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, 1)
}

// await waits until n scrapes are inside Collect.
func (g *gate) await(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		select {
		case <-g.entered:
		case <-time.After(bound):
			t.Fatalf("%d of %d scrapes reached the collector within %v", i, n, bound)
		}
	}
}

// within runs scrape and returns its result, or opens the gate and fails
// the test if it does not answer within bound.
func within(t *testing.T, g *gate, what string, scrape func() scraped) scraped {
	t.Helper()
	done := make(chan scraped, 1)
	go func() { done <- scrape() }()
	select {
	case r := <-done:
		return r
	case <-time.After(bound):
		close(g.open)
		t.Fatalf("%s: no answer within %v", what, bound)
		return scraped{}
	}
}

// A scrape past the limit is refused at once with promhttp's 503, without
// gathering, and promhttp counts it; the scrapes in flight are served.
func TestScrapesInFlightAreLimited(t *testing.T) {
	for _, c := range []struct {
		name  string
		opts  []stackprom.ServerOption
		limit int
	}{
		{"default", nil, 4},
		{"WithMaxRequestsInFlight(1)", []stackprom.ServerOption{stackprom.WithMaxRequestsInFlight(1)}, 1},
	} {
		for _, via := range []string{"handler", "server"} {
			t.Run(c.name+"/"+via, func(t *testing.T) {
				reg := prometheus.NewRegistry()
				g := newGate()
				reg.MustRegister(g)
				scrape := serveVia(t, via, append(c.opts, stackprom.WithRegisterer(reg)))
				results := make(chan scraped, c.limit)
				for range c.limit {
					go func() { results <- scrape() }()
				}
				g.await(t, c.limit)

				refused := within(t, g, "a scrape past the limit", scrape)
				close(g.open)
				if refused.err != nil || refused.status != http.StatusServiceUnavailable {
					t.Errorf("scrape %d with %d in flight: %d %v, want 503", c.limit+1, c.limit, refused.status, refused.err)
				}
				if want := fmt.Sprintf("Limit of concurrent requests reached (%d)", c.limit); !strings.Contains(refused.body, want) {
					t.Errorf("503 body %q, want promhttp's %q", refused.body, want)
				}
				for range c.limit {
					if r := <-results; r.err != nil || r.status != http.StatusOK {
						t.Errorf("a scrape in flight: %d %v, want 200", r.status, r.err)
					}
				}
				// The scrape that reads the counter is counted after it.
				mfs := parseText(t, strings.NewReader(scrape().body))
				wantSample(t, mfs, 1, "promhttp_metric_handler_requests_total", map[string]string{"code": "503"})
				wantSample(t, mfs, float64(c.limit), "promhttp_metric_handler_requests_total", map[string]string{"code": "200"})
				wantSample(t, mfs, 1, "promhttp_metric_handler_requests_in_flight", nil)
			})
		}
	}
}

// serveVia returns a function that scrapes a handler built with opts:
// called directly ("handler") or through a metrics server ("server").
func serveVia(t *testing.T, via string, opts []stackprom.ServerOption) func() scraped {
	t.Helper()
	if via == "server" {
		srv, err := stackprom.StartServer("127.0.0.1:0", opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		return func() scraped { return scrapeURL("http://" + srv.Addr() + "/metrics") }
	}
	var hopts []stackprom.HandlerOption
	for _, o := range opts {
		hopts = append(hopts, o.(stackprom.HandlerOption))
	}
	h, err := stackprom.NewHandler(hopts...)
	if err != nil {
		t.Fatal(err)
	}
	return func() scraped {
		rec := get(t, h, "/metrics")
		return scraped{rec.Code, rec.Body.String(), rec.Header(), nil}
	}
}

// A scrape that outlasts the handler's timeout gets promhttp's 503, and
// counts as one.
func TestHandlerTimeout(t *testing.T) {
	for _, via := range []string{"handler", "server"} {
		t.Run(via, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			g := newGate()
			reg.MustRegister(g)
			scrape := serveVia(t, via, []stackprom.ServerOption{stackprom.WithRegisterer(reg),
				stackprom.WithHandlerTimeout(50 * time.Millisecond), stackprom.WithErrorLog(&lineLog{})})
			r := within(t, g, "a scrape past the timeout", scrape)
			close(g.open)
			if r.err != nil || r.status != http.StatusServiceUnavailable {
				t.Fatalf("a scrape blocked past the timeout: %d %v, want 503", r.status, r.err)
			}
			if want := "Exceeded configured timeout of 50ms"; !strings.Contains(r.body, want) {
				t.Errorf("503 body %q, want %q", r.body, want)
			}
			if strings.Contains(r.body, "slow_backend_up") {
				t.Errorf("the 503 carries part of the exposition: %q", r.body)
			}
			// Read the count through a handler without the short timeout,
			// which a loaded machine could reach: it shares the counter.
			mfs := parseText(t, get(t, stackprom.MustNewHandler(stackprom.WithRegisterer(reg)), "/metrics").Body)
			wantSample(t, mfs, 1, "promhttp_metric_handler_requests_total", map[string]string{"code": "503"})
			wantSample(t, mfs, 1, "slow_backend_up", nil)
		})
	}
}

// startServer starts a metrics server with opts and a counter to serve.
func startServer(t *testing.T, opts ...stackprom.ServerOption) *stackprom.Server {
	t.Helper()
	reg := prometheus.NewRegistry()
	newCounter(reg, "jobs_done_total").Inc()
	srv, err := stackprom.StartServer("127.0.0.1:0", append([]stackprom.ServerOption{stackprom.WithRegisterer(reg)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// dial opens a raw connection to srv; every read and write on it fails
// after bound.
func dial(t *testing.T, srv *stackprom.Server) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", srv.Addr(), bound)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(bound))
	return conn, bufio.NewReader(conn)
}

// waitClosed reads from the connection until the server closes it, and
// fails if it is still open at the connection's deadline. It returns what
// was read.
func waitClosed(t *testing.T, br *bufio.Reader, what string) string {
	t.Helper()
	b, err := io.ReadAll(br)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: the connection is still open after %v", what, bound)
	}
	return string(b) // io.EOF, or a reset: closed either way
}

// A keep-alive connection left idle after a scrape is closed by the server.
func TestServerClosesIdleConnections(t *testing.T) {
	// The read timeout is long: only the idle timeout can close.
	srv := startServer(t, stackprom.WithIdleTimeout(100*time.Millisecond), stackprom.WithReadTimeout(time.Hour))
	conn, br := dial(t, srv)
	if _, err := io.WriteString(conn, "GET /metrics HTTP/1.1\r\nHost: metrics\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || !strings.Contains(string(body), "jobs_done_total 1") {
		t.Fatalf("scrape: %d %v", resp.StatusCode, err)
	}
	if resp.Close {
		t.Fatal("the server closed the connection after the scrape: no keep-alive to test")
	}
	if rest := waitClosed(t, br, "idle"); rest != "" {
		t.Errorf("the server sent %q on an idle connection", rest)
	}
}

// A client that sends its request too slowly, headers or body, is cut.
func TestServerCutsSlowClients(t *testing.T) {
	for _, c := range []struct {
		name, sent string
	}{
		{"headers", "GET /metrics HTTP/1.1\r\nHost: metrics\r\n"},
		{"body", "GET /metrics HTTP/1.1\r\nHost: metrics\r\nContent-Length: 1000\r\n\r\n0123456789"},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The idle timeout is long: only the read timeout can cut.
			srv := startServer(t, stackprom.WithReadTimeout(100*time.Millisecond), stackprom.WithIdleTimeout(time.Hour))
			conn, br := dial(t, srv)
			if _, err := io.WriteString(conn, c.sent); err != nil {
				t.Fatal(err)
			}
			// The rest never comes. A response, if any, closes the
			// connection: what remains on the wire is no request.
			got := waitClosed(t, br, "a stalled request")
			if got != "" && !strings.Contains(strings.ToLower(got), "\r\nconnection: close\r\n") {
				t.Errorf("the server answered without closing:\n%s", got)
			}
		})
	}
}

// A request whose header is larger than the limit gets 431; net/http
// allows 4 KiB past the limit before it answers so.
func TestServerLimitsHeaderSize(t *testing.T) {
	for _, c := range []struct {
		name   string
		opts   []stackprom.ServerOption
		header int // bytes of one header's value
		want   int
	}{
		{"default, a scrape's headers", nil, 1 << 10, 200},
		{"default, 8 KiB", nil, 8 << 10, 200},
		{"default, 32 KiB", nil, 32 << 10, 431},
		{"1 KiB limit, 8 KiB", []stackprom.ServerOption{stackprom.WithMaxHeaderBytes(1 << 10)}, 8 << 10, 431},
		{"64 KiB limit, 32 KiB", []stackprom.ServerOption{stackprom.WithMaxHeaderBytes(64 << 10)}, 32 << 10, 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := startServer(t, c.opts...)
			got := scrapeURL("http://"+srv.Addr()+"/metrics", "X-Padding", strings.Repeat("x", c.header))
			if got.err != nil || got.status != c.want {
				t.Errorf("a %d-byte header: %d %v, want %d", c.header, got.status, got.err, c.want)
			}
		})
	}
}

// The server's write timeout must leave the handler's 503 room to be
// written.
func TestServerWriteTimeoutOutlastsTheHandlerTimeout(t *testing.T) {
	for _, c := range []struct {
		name string
		opts []stackprom.ServerOption
		ok   bool
	}{
		{"defaults", nil, true},
		{"write 5s, handler 10s", []stackprom.ServerOption{stackprom.WithWriteTimeout(5 * time.Second)}, false},
		{"write 10s, handler 10s", []stackprom.ServerOption{stackprom.WithWriteTimeout(10 * time.Second)}, false},
		{"write 20s, handler 30s", []stackprom.ServerOption{stackprom.WithWriteTimeout(20 * time.Second), stackprom.WithHandlerTimeout(30 * time.Second)}, false},
		{"write 35s, handler 30s", []stackprom.ServerOption{stackprom.WithWriteTimeout(35 * time.Second), stackprom.WithHandlerTimeout(30 * time.Second)}, true},
		{"write 1s, no handler timeout", []stackprom.ServerOption{stackprom.WithWriteTimeout(time.Second), stackprom.WithHandlerTimeout(0)}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts := append([]stackprom.ServerOption{stackprom.WithRegisterer(prometheus.NewRegistry())}, c.opts...)
			check := func(t *testing.T, srv *stackprom.Server, err error) {
				t.Helper()
				if srv != nil {
					srv.Close()
				}
				switch {
				case c.ok && err != nil:
					t.Error(err)
				case !c.ok && err == nil:
					t.Error("no error")
				case !c.ok && !strings.HasPrefix(err.Error(), "stackprom: metrics server: the write timeout"):
					t.Errorf("error %q, want one about the write timeout", err)
				}
			}
			t.Run("StartServer", func(t *testing.T) {
				srv, err := stackprom.StartServer("127.0.0.1:0", opts...)
				check(t, srv, err)
			})
			t.Run("StartServerInRange", func(t *testing.T) {
				first, _ := portRange(t, 1, 0)
				srv, err := stackprom.StartServerInRange("127.0.0.1", first, first, opts...)
				check(t, srv, err)
			})
		})
	}
}
