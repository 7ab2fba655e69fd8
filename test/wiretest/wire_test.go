package wiretest_test

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/internal/schema"
	"github.com/stackprom/stackprom/stackpromtest"
)

// shape is one handler of the corpus and the request it answers.
type shape struct {
	name      string
	method    string   // GET when empty
	path      string   // / when empty
	reqHeader []string // extra request header lines, "Name: value"
	reqBody   string
	noClose   bool // the request carries its own Connection header
	// h2HoldBody makes the HTTP/2 client hold the request body back: for
	// a handler that answers without reading it, the server then ends the
	// stream and resets the client's half with NO_ERROR, every time. (Sent
	// at once, the body races the handler, and whether the server resets
	// a stream the client had not finished, or the client's late DATA,
	// depends on which comes first.)
	h2HoldBody bool
	h          http.HandlerFunc

	streamed bool   // the handler flushes before its end
	hijacks  bool   // the handler hijacks the connection (HTTP/1.1 only)
	panics   string // "abort" for http.ErrAbortHandler, else the panic value's type
	// unanswered is the status stackprom's documented contract records for
	// a request the client got no response to: 500 for a panic before
	// anything was sent (django-prometheus's view that raises). 0 means
	// such a request records no response, as the client received none.
	unanswered int
	// headBody is the number of body bytes the handler of a HEAD request
	// writes: net/http sends none, and advertises them in Content-Length
	// when it can; stackprom counts them, as django-prometheus counts the
	// body a view returns to a HEAD request.
	headBody  int
	after     bool // compare m.After(h) too
	keepAlive bool // run two requests on one HTTP/1.1 connection too
}

func (s *shape) requestMethod() string {
	if s.method == "" {
		return http.MethodGet
	}
	return s.method
}

// expectsContinue reports whether the request asks for 100 Continue before
// its body; the clients then send the body only once 100 Continue arrives.
func (s *shape) expectsContinue() bool {
	for _, h := range s.reqHeader {
		name, value, _ := strings.Cut(h, ":")
		if strings.EqualFold(strings.TrimSpace(name), "Expect") && strings.EqualFold(strings.TrimSpace(value), "100-continue") {
			return true
		}
	}
	return false
}

func (s *shape) requestPath() string {
	if s.path == "" {
		return "/"
	}
	return s.path
}

// server is one real server on loopback.
type server struct {
	addr     string
	reg      *prometheus.Registry // nil for the plain server
	finished atomic.Int64         // handler calls that returned (or panicked)
	notify   chan struct{}
	read     atomic.Int64 // request body bytes the handlers read
	log      syncBuffer
}

// startServer serves h on 127.0.0.1 over HTTP/1.1 and h2c until the test
// ends. The handler is wrapped in a function that passes the
// ResponseWriter on untouched and only counts, so that the test knows when
// the handler has returned and how many request body bytes it read.
func startServer(t *testing.T, h http.Handler, reg *prometheus.Registry) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{addr: ln.Addr().String(), reg: reg, notify: make(chan struct{}, 1)}
	srv := &http.Server{
		Handler:           s.count(h),
		ReadHeaderTimeout: ioTimeout,
		ReadTimeout:       ioTimeout,
		WriteTimeout:      ioTimeout,
		ErrorLog:          log.New(&s.log, "", 0),
	}
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serving: %v", err)
		}
	})
	return s
}

func (s *server) count(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			s.finished.Add(1)
			select {
			case s.notify <- struct{}{}:
			default:
			}
		}()
		if r.Body != nil && r.Body != http.NoBody {
			orig := r.Body
			c := &countingBody{rc: orig}
			r.Body = c
			defer func() {
				r.Body = orig // net/http looks at its own body after the handler
				s.read.Add(c.n)
			}()
		}
		h.ServeHTTP(w, r)
	})
}

// waitHandlers waits until n handler calls have returned.
func (s *server) waitHandlers(n int) bool {
	deadline := time.NewTimer(ioTimeout)
	defer deadline.Stop()
	for s.finished.Load() < int64(n) {
		select {
		case <-s.notify:
		case <-deadline.C:
			return false
		}
	}
	return true
}

type countingBody struct {
	rc io.ReadCloser
	n  int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingBody) Close() error { return c.rc.Close() }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// protocol is one way of talking to a server.
type protocol struct {
	name string
	run  func(s *server, sh *shape) exchange
}

func protocols(sh *shape) []protocol {
	ps := []protocol{{"http1", func(s *server, sh *shape) exchange { return h1Exchange(s.addr, sh, 1) }}}
	if sh.keepAlive {
		ps = append(ps, protocol{"http1-keepalive", func(s *server, sh *shape) exchange { return h1Exchange(s.addr, sh, 2) }})
	}
	if !sh.hijacks {
		ps = append(ps, protocol{"h2c", func(s *server, sh *shape) exchange { return h2Exchange(s.addr, sh) }})
	}
	return ps
}

// variant is one way of instrumenting the handler.
type variant struct {
	name string
	wrap func(m *httpmetrics.Metrics, h http.Handler) http.Handler
}

func variants(sh *shape) []variant {
	vs := []variant{{"Instrument", (*httpmetrics.Metrics).Instrument}}
	if sh.after {
		vs = append(vs, variant{"After", (*httpmetrics.Metrics).After})
	}
	return vs
}

var show = flag.Bool("wire.show", false, "log what the client received from the plain server in every case")

func TestWire(t *testing.T) {
	for _, sh := range corpus(t) {
		t.Run(sh.name, func(t *testing.T) {
			for _, p := range protocols(&sh) {
				t.Run(p.name, func(t *testing.T) {
					plain := startServer(t, sh.h, nil)
					want := p.run(plain, &sh)
					if *show {
						t.Logf("the client received from the plain server:\n%s", strings.Join(want.transcript, "\n"))
					}
					if !plain.waitHandlers(want.requests) {
						t.Errorf("plain: %d handler calls returned of %d requests", plain.finished.Load(), want.requests)
					}
					for _, v := range variants(&sh) {
						t.Run(v.name, func(t *testing.T) {
							reg := prometheus.NewRegistry()
							m := httpmetrics.MustNew(stackprom.WithRegisterer(reg))
							inst := startServer(t, v.wrap(m, sh.h), reg)
							got := p.run(inst, &sh)
							if !inst.waitHandlers(got.requests) {
								t.Errorf("%s: %d handler calls returned of %d requests", v.name, inst.finished.Load(), got.requests)
							}
							if d := lineDiff("plain", v.name, want.transcript, got.transcript); d != "" {
								t.Errorf("what the client received differs without and with %s (%s):\n%s", v.name, p.name, d)
								logs(t, plain, inst)
							}
							checkMetrics(t, &sh, p.name, got, inst)
						})
					}
				})
			}
		})
	}
}

// logs shows what the two servers logged, when a comparison failed.
func logs(t *testing.T, plain, inst *server) {
	t.Helper()
	if a, b := plain.log.String(), inst.log.String(); a != "" || b != "" {
		t.Logf("the plain server logged:\n%s\nthe instrumented server logged:\n%s", a, b)
	}
}

// checkMetrics checks that the instrumented server's registry says what
// its client received.
func checkMetrics(t *testing.T, sh *shape, proto string, ex exchange, s *server) {
	t.Helper()
	snap := stackpromtest.Take(t, s.reg)
	got := func(name string, labels prometheus.Labels) float64 {
		v, _ := snap.Value(name, labels)
		return v
	}
	// family returns every series of a family with one label, by its value.
	family := func(name, label string) map[string]float64 {
		out := map[string]float64{}
		for v := range stackpromtest.LabelValues(t, s.reg, name, label) {
			out[v] = got(name, prometheus.Labels{label: v})
		}
		return out
	}
	statuses, charsets := map[string]float64{}, map[string]float64{}
	var body int64
	var received []string
	for _, r := range ex.responses {
		statuses[strconv.Itoa(r.status)]++
		if cs := djangoCharset(r.contentType); cs != "" {
			charsets[cs]++
		}
		body += r.bodyBytes
		ct := "no Content-Type"
		if r.hasCT {
			ct = "Content-Type " + strconv.Quote(r.contentType)
		}
		received = append(received, strconv.Itoa(r.status)+", "+ct+", "+strconv.FormatInt(r.bodyBytes, 10)+" body bytes")
	}
	what := "the client received " + strconv.Itoa(len(ex.responses)) + " response(s) to " + strconv.Itoa(ex.requests) + " request(s)"
	unanswered := 0
	if sh.unanswered != 0 {
		unanswered = ex.requests - len(ex.responses)
		statuses[strconv.Itoa(sh.unanswered)] += float64(unanswered)
		what += "; a request without a response counts as " + strconv.Itoa(sh.unanswered) + " with no body"
	}
	if len(received) > 0 {
		what += ": " + strings.Join(received, "; ")
	}
	compare := func(name string, want, have map[string]float64) {
		t.Helper()
		if !maps.Equal(want, have) {
			t.Errorf("%s = %s, want %s (%s)", name, showValues(have), showValues(want), what)
		}
	}
	compare(schema.HTTPResponsesByStatus+"{status}", statuses, family(schema.HTTPResponsesByStatus, "status"))
	compare(schema.HTTPResponsesByCharset+"{charset}", charsets, family(schema.HTTPResponsesByCharset, "charset"))

	n := float64(len(ex.responses) + unanswered)
	if sh.requestMethod() == http.MethodHead {
		written := sh.headBody
		if proto == "h2c" && written > 4096 {
			// net/http's HTTP/2 server accepts the 4096 bytes it buffers
			// and fails the rest of a HEAD response's body.
			written = 4096
		}
		body = int64(len(ex.responses) * written)
		what += "; the handler wrote " + strconv.Itoa(sh.headBody) + " body bytes per HEAD request"
	}
	wantStreaming, wantCount, wantSum := 0.0, n, float64(body)
	switch {
	case sh.hijacks:
		wantCount, wantSum = 0, 0
	case sh.streamed:
		wantStreaming, wantCount, wantSum = n, 0, 0
	case sh.panics != "":
		// A response a panic cut short has no size; one that never
		// started counts with no body.
		wantCount, wantSum = float64(unanswered), 0
	}
	for _, c := range []struct {
		name string
		want float64
	}{
		{schema.HTTPResponsesStreaming, wantStreaming},
		{schema.HTTPResponseBody + "_count", wantCount},
		{schema.HTTPResponseBody + "_sum", wantSum},
		{schema.HTTPRequestBody + "_count", float64(s.finished.Load())},
		{schema.HTTPRequestBody + "_sum", float64(s.read.Load())},
	} {
		if have := got(c.name, nil); have != c.want {
			t.Errorf("%s = %v, want %v (%s; the handler read %d request body bytes)", c.name, have, c.want, what, s.read.Load())
		}
	}

	aborts, exceptions := map[string]float64{}, map[string]float64{}
	switch sh.panics {
	case "":
	case "abort":
		aborts[httpmetrics.UnnamedView] = 1
	default:
		exceptions[sh.panics] = 1
	}
	compare(schema.HTTPAbortsByView+"{view}", aborts, family(schema.HTTPAbortsByView, "view"))
	compare(schema.HTTPExceptionsByType+"{type}", exceptions, family(schema.HTTPExceptionsByType, "type"))
}

// charsetRE is Django's _charset_from_content_type_re, with which
// HttpResponse.charset reads a Content-Type.
var charsetRE = regexp.MustCompile(`(?i);\s*charset=([^\s;]+)`)

// djangoCharset is the charset Django reads in a Content-Type: the value
// after "charset=" among the parameters, without double quotes; "" when
// there is none.
func djangoCharset(ct string) string {
	m := charsetRE.FindStringSubmatch(ct)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(m[1], `"`, "")
}

func showValues(m map[string]float64) string {
	if len(m) == 0 {
		return "{}"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, strconv.Quote(k)+": "+strconv.FormatFloat(m[k], 'g', -1, 64))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
