package gintest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/ginmetrics"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
	"github.com/stackprom/stackprom/test/internal/routertest"
)

func init() { gin.SetMode(gin.TestMode) }

type boom struct{ msg string }

type notFoundError struct{}

func (*notFoundError) Error() string { return "no such dog" }

// app is a gin engine with a route of every kind: a parameter, a named
// view with a template, a body, a panic, a reported error, a stream, a
// group, a catch-all and a hijacked connection; panics go to Recovery,
// which keeps their values in got.
func app(m *httpmetrics.Metrics, got *[]any) *gin.Engine {
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, p any) {
		*got = append(*got, p)
		c.AbortWithStatus(http.StatusInternalServerError)
	}), ginmetrics.Middleware(m))
	e.GET("/dogs/:id", func(c *gin.Context) { c.String(200, "dog %s\n", c.Param("id")) })
	e.POST("/dogs", func(c *gin.Context) {
		io.Copy(io.Discard, c.Request.Body)
		c.String(http.StatusCreated, "created\n")
	})
	e.GET("/", func(c *gin.Context) {
		ginmetrics.SetView(c, "index")
		ginmetrics.SetTemplate(c, "index.html")
		c.Data(200, "text/html; charset=utf-8", []byte("<h1>Dogs</h1>\n"))
	})
	e.GET("/panic", func(c *gin.Context) { panic(boom{"the view objects"}) })
	e.GET("/fail", func(c *gin.Context) {
		c.Error(&notFoundError{})
		c.String(http.StatusNotFound, "no\n")
	})
	e.GET("/stream", func(c *gin.Context) {
		ginmetrics.SetStreaming(c)
		n := 0
		c.Stream(func(w io.Writer) bool {
			c.SSEvent("message", "x")
			n++
			return n < 2
		})
	})
	api := e.Group("/api")
	api.GET("/cats/:name", func(c *gin.Context) {
		c.Data(200, "application/json", []byte(`{"name":"`+c.Param("name")+`"}`))
	})
	e.GET("/static/*filepath", func(c *gin.Context) { c.Data(200, "text/css; charset=utf-8", []byte("body{}")) })
	e.GET("/ws", func(c *gin.Context) {
		conn, rw, err := c.Writer.Hijack()
		if err != nil {
			c.AbortWithError(http.StatusInternalServerError, err)
			return
		}
		defer conn.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		rw.Flush()
	})
	return e
}

func newServer(t *testing.T) (*httptest.Server, *prometheus.Registry, *[]any) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := httpmetrics.New(stackprom.WithRegisterer(reg), stackprom.WithSizeBuckets(0, 16, 1024))
	if err != nil {
		t.Fatal(err)
	}
	var panics []any
	srv := httptest.NewServer(m.Before(app(m, &panics)))
	t.Cleanup(srv.Close)
	return srv, reg, &panics
}

func TestEveryFamily(t *testing.T) {
	srv, reg, _ := newServer(t)
	for _, c := range []struct {
		method, path, body string
		status             int
		size               int // the body size recorded for gin's own answers
	}{
		{"GET", "/dogs/1", "", 200, -1},
		{"GET", "/dogs/2", "", 200, -1},
		{"POST", "/dogs", "name=rex", 201, -1},
		{"GET", "/", "", 200, -1},
		{"GET", "/panic", "", 500, -1},
		{"GET", "/fail", "", 404, -1},
		{"GET", "/stream", "", 200, -1},
		{"GET", "/api/cats/tom", "", 200, -1},
		{"GET", "/api/nothing", "", 404, 18},
		{"GET", "/static/css/site.css", "", 200, -1},
		{"GET", "/nowhere", "", 404, 18},
		{"DELETE", "/dogs/1", "", 405, 22},
		{"BREW", "/dogs/1", "", 405, 22},
	} {
		resp, body := routertest.Do(t, srv, c.method, c.path, c.body)
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: status %d, want %d", c.method, c.path, resp.StatusCode, c.status)
		}
		if c.size >= 0 && len(body) != c.size {
			t.Errorf("%s %s: gin answered %q, %d bytes, not the %d bytes ginmetrics records", c.method, c.path, body, len(body), c.size)
		}
	}
	stackpromtest.CompareSamples(t, reg, `
		http_requests_by_method_total{method="<invalid method>"} 1
		http_requests_by_method_total{method="DELETE"} 1
		http_requests_by_method_total{method="GET"} 10
		http_requests_by_method_total{method="POST"} 1
		http_requests_by_transport_total{transport="http"} 13
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/api/cats/:name"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/dogs/:id"} 2
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/fail"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/panic"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/static/*filepath"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/stream"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="index"} 1
		http_requests_by_view_transport_method_total{method="POST",transport="http",view="/dogs"} 1
		http_responses_by_status_total{status="200"} 6
		http_responses_by_status_total{status="201"} 1
		http_responses_by_status_total{status="404"} 3
		http_responses_by_status_total{status="405"} 2
		http_responses_by_status_total{status="500"} 1
		http_responses_by_status_view_method_total{method="<invalid method>",status="405",view="<unnamed view>"} 1
		http_responses_by_status_view_method_total{method="DELETE",status="405",view="<unnamed view>"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="/api/cats/:name"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="/dogs/:id"} 2
		http_responses_by_status_view_method_total{method="GET",status="200",view="/static/*filepath"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="/stream"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="index"} 1
		http_responses_by_status_view_method_total{method="GET",status="404",view="/fail"} 1
		http_responses_by_status_view_method_total{method="GET",status="404",view="<unnamed view>"} 2
		http_responses_by_status_view_method_total{method="GET",status="500",view="/panic"} 1
		http_responses_by_status_view_method_total{method="POST",status="201",view="/dogs"} 1
		http_exceptions_by_type_total{type="*gintest_test.notFoundError"} 1
		http_exceptions_by_type_total{type="gintest_test.boom"} 1
		http_exceptions_by_view_total{view="/fail"} 1
		http_exceptions_by_view_total{view="/panic"} 1
		http_responses_by_templatename_total{templatename="index.html"} 1
		http_responses_by_charset_total{charset="utf-8"} 7
		http_responses_streaming_total 1
		http_responses_body_bytes_bucket{le="0"} 1
		http_responses_body_bytes_bucket{le="16"} 8
		http_responses_body_bytes_bucket{le="1024"} 12
		http_responses_body_bytes_bucket{le="+Inf"} 12
		http_responses_body_bytes_sum 137
		http_responses_body_bytes_count 12
		http_requests_body_bytes_bucket{le="0"} 12
		http_requests_body_bytes_bucket{le="16"} 13
		http_requests_body_bytes_bucket{le="1024"} 13
		http_requests_body_bytes_bucket{le="+Inf"} 13
		http_requests_body_bytes_sum 8
		http_requests_body_bytes_count 13
		http_requests_before_middlewares_total 13
		http_responses_before_middlewares_total 13
	`)
	s := stackpromtest.Take(t, reg)
	for view, n := range map[string]float64{"/dogs/:id": 2, "index": 1, "/panic": 1, "<unnamed view>": 2} {
		if v, _ := s.Value("http_requests_latency_by_view_method_seconds_count", prometheus.Labels{"view": view, "method": "GET"}); v != n {
			t.Errorf("latency observations of view %s: %v, want %v", view, v, n)
		}
	}
}

// A panic is recorded once, and gin's Recovery gets the same value.
func TestPanicObservedOnceAndReraised(t *testing.T) {
	srv, reg, panics := newServer(t)
	routertest.PanicObservedOnce(t, srv, reg, "/panic", "/panic", "gintest_test.boom")
	if len(*panics) != 1 || (*panics)[0] != (boom{"the view objects"}) {
		t.Errorf("Recovery got %#v, want the handler's boom once", *panics)
	}
}

// Random paths and methods add no view and no method series.
func TestHostileTraffic(t *testing.T) {
	srv, reg, _ := newServer(t)
	routertest.SendRandom(t, srv, 1000)
	routertest.CheckViews(t, reg, []string{"<unnamed view>", "/dogs/:id", "/static/*filepath", "/api/cats/:name"}, "<unnamed view>", "/static/*filepath")
	s := stackpromtest.Take(t, reg)
	var n float64
	for _, m := range []string{"GET", "POST", "<invalid method>"} {
		v, _ := s.Value("http_requests_by_method_total", prometheus.Labels{"method": m})
		n += v
	}
	// gin redirects a path with an extra trailing slash before any middleware.
	redirects, _ := s.Value("http_responses_by_status_total", prometheus.Labels{"status": "301"})
	before, _ := s.Value("http_requests_before_middlewares_total", nil)
	if before != 1000 || n == 0 || n > 1000 || redirects != 0 {
		t.Errorf("requests: %v before, %v by a bounded method, %v redirects recorded; want 1000, (0, 1000], 0", before, n, redirects)
	}
}

// A body of unknown length is counted as the handler reads it.
func TestChunkedRequestBody(t *testing.T) {
	srv, reg, _ := newServer(t)
	routertest.ChunkedRequestBody(t, srv, reg, "/dogs")
}

// A hijacked websocket handshake is a 101 without a body observation.
func TestHijackedWebsocket(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := httpmetrics.MustNew(stackprom.WithRegisterer(reg), stackprom.WithSizeBuckets(0))
	routertest.HijackedWebsocket(t, app(m, new([]any)), reg)
}
