package stackprom_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
)

// scrapeClient opens a new connection for every request, so that a request
// after Shutdown shows whether the server still accepts connections.
var scrapeClient = &http.Client{
	Timeout:   20 * time.Second,
	Transport: &http.Transport{DisableKeepAlives: true},
}

type scraped struct {
	status int
	body   string
	header http.Header
	err    error
}

func scrapeURL(u string, header ...string) scraped {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return scraped{err: err}
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := scrapeClient.Do(req)
	if err != nil {
		return scraped{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return scraped{resp.StatusCode, string(body), resp.Header, err}
}

func shutdown(t *testing.T, srv *stackprom.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

func TestStartServer(t *testing.T) {
	reg := prometheus.NewRegistry()
	newCounter(reg, "jobs_done_total").Add(4)
	srv, err := stackprom.StartServer("127.0.0.1:0", stackprom.WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, srv)

	host, port, err := net.SplitHostPort(srv.Addr())
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("Addr() = %q, want the bound address 127.0.0.1:<port>", srv.Addr())
	}
	base := "http://" + srv.Addr()
	got := scrapeURL(base + "/metrics")
	if got.err != nil || got.status != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", got.status, got.err)
	}
	wantSample(t, parseText(t, strings.NewReader(got.body)), 4, "jobs_done_total", nil)

	// gzip and OpenMetrics, as Handler.
	if got := scrapeURL(base+"/metrics", "Accept", openMetricsAccept); !strings.HasPrefix(got.header.Get("Content-Type"), "application/openmetrics-text") {
		t.Errorf("OpenMetrics not negotiated: Content-Type %q", got.header.Get("Content-Type"))
	}

	for _, path := range []string{"/", "/metrics/", "/metrics/x", "/Metrics", "/favicon.ico"} {
		if got := scrapeURL(base + path); got.err != nil || got.status != http.StatusNotFound {
			t.Errorf("GET %s: %d %v, want 404", path, got.status, got.err)
		}
	}
}

func TestStartServerWithPathAndCredentials(t *testing.T) {
	reg := prometheus.NewRegistry()
	newCounter(reg, "jobs_done_total").Add(1)
	srv, err := stackprom.StartServer("127.0.0.1:0", stackprom.WithRegisterer(reg),
		stackprom.WithPath("/internal/metrics"), stackprom.WithBearerToken("t0ken"))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, srv)
	base := "http://" + srv.Addr()
	for _, c := range []struct {
		path, auth string
		want       int
	}{
		{"/internal/metrics", "Bearer t0ken", 200},
		{"/internal/metrics", "", 401},
		{"/metrics", "Bearer t0ken", 404},
	} {
		var header []string
		if c.auth != "" {
			header = []string{"Authorization", c.auth}
		}
		if got := scrapeURL(base+c.path, header...); got.err != nil || got.status != c.want {
			t.Errorf("GET %s (Authorization %q): %d %v, want %d", c.path, c.auth, got.status, got.err, c.want)
		}
	}
}

// A path with ServeMux pattern syntax is still a plain path.
func TestStartServerPathIsNotAPattern(t *testing.T) {
	reg := prometheus.NewRegistry()
	for _, path := range []string{"/{metrics}", "/a b", "/metrics/{$}"} {
		srv, err := stackprom.StartServer("127.0.0.1:0", stackprom.WithRegisterer(reg), stackprom.WithPath(path))
		if err != nil {
			t.Errorf("WithPath(%q): %v", path, err)
			continue
		}
		u := "http://" + srv.Addr() + strings.ReplaceAll(path, " ", "%20")
		if got := scrapeURL(u); got.err != nil || got.status != http.StatusOK {
			t.Errorf("GET %s: %d %v, want 200", u, got.status, got.err)
		}
		shutdown(t, srv)
	}
}

func TestStartServerReportsListenErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, addr := range []string{ln.Addr().String(), "127.0.0.1:99999", "127.0.0.1:-1", "127.0.0.1"} {
		srv, err := stackprom.StartServer(addr, stackprom.WithRegisterer(prometheus.NewRegistry()))
		if err == nil {
			srv.Close()
			t.Errorf("StartServer(%q): no error", addr)
			continue
		}
		if !strings.HasPrefix(err.Error(), "stackprom: metrics server: ") {
			t.Errorf("StartServer(%q): error %q lacks the package name", addr, err)
		}
	}
}

// portRange makes the ports first … first+n-1 of 127.0.0.1 stand for real
// ports, since n consecutive free ports cannot be had on a busy machine:
// the first busy of them for ports the test holds listeners on, so that
// binding one fails with the kernel's EADDRINUSE, the others for port 0,
// which the kernel binds to a free port. It returns first, and a function
// that returns the addresses the server asked for, in order, with the
// listeners it got.
func portRange(t *testing.T, n, busy int) (first int, asked func() ([]string, []string)) {
	t.Helper()
	const base = 40000 // never bound: a name for the ports below
	var held []string
	for range busy {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		held = append(held, ln.Addr().String())
	}
	var mu sync.Mutex
	var addrs, bound []string
	stackprom.SetListen(t, func(network, addr string) (net.Listener, error) {
		host, port, err := net.SplitHostPort(addr)
		p, _ := strconv.Atoi(port)
		if err != nil || host != "127.0.0.1" || p < base || p >= base+n {
			t.Errorf("the server asked for %s %s, outside the range %d-%d of 127.0.0.1", network, addr, base, base+n-1)
			return nil, errors.New("outside the test's range")
		}
		mu.Lock()
		defer mu.Unlock()
		addrs = append(addrs, addr)
		real := "127.0.0.1:0"
		if i := p - base; i < busy {
			real = held[i]
		}
		ln, err := net.Listen(network, real)
		if err == nil {
			bound = append(bound, ln.Addr().String())
		}
		return ln, err
	})
	return base, func() ([]string, []string) {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(addrs), slices.Clone(bound)
	}
}

// rangeAddrs is "127.0.0.1:first" … "127.0.0.1:last".
func rangeAddrs(first, last int) []string {
	var out []string
	for p := first; p <= last; p++ {
		out = append(out, net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	}
	return out
}

func TestStartServerInRangeTakesTheFirstFreePort(t *testing.T) {
	for _, c := range []struct {
		name    string
		n, busy int
	}{
		{"first of 6", 6, 0},
		{"second of 6", 6, 1},
		{"third of 6", 6, 2},
		{"the last", 4, 3},
		{"the only one", 1, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			first, asked := portRange(t, c.n, c.busy)
			reg := prometheus.NewRegistry()
			newCounter(reg, "jobs_done_total").Inc()
			srv, err := stackprom.StartServerInRange("127.0.0.1", first, first+c.n-1, stackprom.WithRegisterer(reg))
			if err != nil {
				t.Fatal(err)
			}
			defer shutdown(t, srv)
			// Each port in turn, up to the first free one, and no further.
			addrs, bound := asked()
			if want := rangeAddrs(first, first+c.busy); !slices.Equal(addrs, want) {
				t.Errorf("the server tried %v, want %v", addrs, want)
			}
			if len(bound) != 1 || srv.Addr() != bound[0] {
				t.Fatalf("Addr() = %s, want the listener of the first free port (bound: %v)", srv.Addr(), bound)
			}
			got := scrapeURL("http://" + srv.Addr() + "/metrics")
			if got.err != nil || got.status != 200 {
				t.Fatalf("scrape: %d %v", got.status, got.err)
			}
			wantSample(t, parseText(t, strings.NewReader(got.body)), 1, "jobs_done_total", nil)
		})
	}
}

func TestStartServerInRangeAllBusy(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d ports", n), func(t *testing.T) {
			first, asked := portRange(t, n, n)
			last := first + n - 1
			srv, err := stackprom.StartServerInRange("127.0.0.1", first, last, stackprom.WithRegisterer(prometheus.NewRegistry()))
			if err == nil {
				srv.Close()
				t.Fatalf("got a server on %s though every port of the range is taken", srv.Addr())
			}
			if addrs, _ := asked(); !slices.Equal(addrs, rangeAddrs(first, last)) {
				t.Errorf("the server tried %v, want every port of the range, the last included", addrs)
			}
			checkAllBusy(t, err, first, last)
		})
	}
}

// The same without standing-in ports: the one port of the range is held.
func TestStartServerInRangeBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	srv, err := stackprom.StartServerInRange("127.0.0.1", port, port, stackprom.WithRegisterer(prometheus.NewRegistry()))
	if err == nil {
		srv.Close()
		t.Fatalf("got a server on %s though the port is taken", srv.Addr())
	}
	checkAllBusy(t, err, port, port)
}

func checkAllBusy(t *testing.T, err error, first, last int) {
	t.Helper()
	want := fmt.Sprintf(`stackprom: metrics server: no free port on "127.0.0.1" in %d-%d`, first, last)
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want it to start with %q", err, want)
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("error %q does not wrap EADDRINUSE", err)
	}
	if n := strings.Count(err.Error(), "address already in use"); n != 1 {
		t.Errorf("error %q repeats the cause %d times, want once", err, n)
	}
}

func TestStartServerInRangeInvalid(t *testing.T) {
	for _, r := range [][2]int{{0, 10}, {-1, 5}, {9100, 9099}, {65535, 65536}, {70000, 70001}} {
		srv, err := stackprom.StartServerInRange("127.0.0.1", r[0], r[1], stackprom.WithRegisterer(prometheus.NewRegistry()))
		if err == nil {
			srv.Close()
			t.Errorf("range %d-%d: no error", r[0], r[1])
			continue
		}
		want := fmt.Sprintf("stackprom: metrics server: invalid port range %d-%d", r[0], r[1])
		if err.Error() != want {
			t.Errorf("range %d-%d: error %q, want %q", r[0], r[1], err, want)
		}
	}
}

// blockingCollector blocks its first Collect until release is closed,
// standing for a slow scrape.
type blockingCollector struct {
	desc    *prometheus.Desc
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func newBlockingCollector() *blockingCollector {
	return &blockingCollector{
		desc:    prometheus.NewDesc("slow_backend_up", "A slow collector.", nil, nil),
		entered: make(chan struct{}),
		release: make(chan struct{}),
	}
}

func (c *blockingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }
func (c *blockingCollector) Collect(ch chan<- prometheus.Metric) {
	c.once.Do(func() { close(c.entered) })
	<-c.release
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, 1)
}

// startBlockedScrape starts a server whose first scrape blocks in Collect,
// starts that scrape, and waits until it is in progress.
func startBlockedScrape(t *testing.T) (*stackprom.Server, *blockingCollector, <-chan scraped) {
	t.Helper()
	reg := prometheus.NewRegistry()
	slow := newBlockingCollector()
	reg.MustRegister(slow)
	// The scrape that Close ends fails to write; its error is not news.
	srv, err := stackprom.StartServer("127.0.0.1:0", stackprom.WithRegisterer(reg), stackprom.WithErrorLog(&lineLog{}))
	if err != nil {
		t.Fatal(err)
	}
	result := make(chan scraped, 1)
	go func() { result <- scrapeURL("http://" + srv.Addr() + "/metrics") }()
	select {
	case <-slow.entered:
	case r := <-result:
		t.Fatalf("the scrape ended before collecting: %+v", r)
	case <-time.After(20 * time.Second):
		t.Fatal("the scrape did not reach the collector within 20s")
	}
	return srv, slow, result
}

func TestShutdownWaitsForAScrapeInProgress(t *testing.T) {
	srv, slow, result := startBlockedScrape(t)
	addr := srv.Addr()

	// A context that is already done: the scrape is in progress, so
	// Shutdown cannot finish, and says so.
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := srv.Shutdown(canceled); !errors.Is(err, context.Canceled) {
		close(slow.release)
		t.Fatalf("Shutdown with a scrape in progress and a done context = %v, want context.Canceled", err)
	}
	// The listener is closed already: nothing new gets in.
	if c, err := net.DialTimeout("tcp", addr, 5*time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after Shutdown began", addr)
	}

	// Shutdown again, this time with time to wait.
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	select {
	case err := <-done:
		t.Errorf("Shutdown returned (%v) while a scrape was in progress", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(slow.release)

	got := <-result
	if got.err != nil || got.status != http.StatusOK {
		t.Fatalf("the scrape in progress during Shutdown: %d %v, want a complete 200", got.status, got.err)
	}
	wantSample(t, parseText(t, strings.NewReader(got.body)), 1, "slow_backend_up", nil)
	if err := <-done; err != nil {
		t.Errorf("Shutdown = %v, want nil", err)
	}

	after := scrapeURL("http://" + addr + "/metrics")
	if !errors.Is(after.err, syscall.ECONNREFUSED) {
		t.Errorf("scrape after Shutdown: %d %v, want connection refused", after.status, after.err)
	}
	// Shutting down a stopped server is harmless.
	shutdown(t, srv)
}

func TestCloseEndsAScrapeInProgress(t *testing.T) {
	srv, slow, result := startBlockedScrape(t)
	defer close(slow.release)
	if err := srv.Close(); err != nil {
		t.Errorf("Close = %v, want nil", err)
	}
	if got := <-result; got.err == nil {
		t.Errorf("the scrape in progress survived Close: %d", got.status)
	}
	after := scrapeURL("http://" + srv.Addr() + "/metrics")
	if !errors.Is(after.err, syscall.ECONNREFUSED) {
		t.Errorf("scrape after Close: %d %v, want connection refused", after.status, after.err)
	}
}
