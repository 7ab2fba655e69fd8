package echotest_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/echometrics"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
	"github.com/stackprom/stackprom/test/internal/routertest"
)

// boom is an error, so that echo's Recover hands the panic value itself to
// its LogErrorFunc.
type boom struct{ msg string }

func (b boom) Error() string { return b.msg }

// pages renders every template as a fixed heading.
type pages struct{}

func (pages) Render(w io.Writer, name string, data any, c echo.Context) error {
	_, err := io.WriteString(w, "<h1>Dogs</h1>\n")
	return err
}

// app is an echo server with a route of every kind: a parameter, a named
// view with a rendered template, a body, a panic, returned errors, a
// stream, a group, a group with middleware, a wildcard and a hijacked
// connection; panics go to Recover, which keeps their values in got.
func app(m *httpmetrics.Metrics, got *[]error) *echo.Echo {
	e := echo.New()
	e.Renderer = echometrics.Renderer(pages{})
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisablePrintStack: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			*got = append(*got, err)
			return err
		},
	}), echometrics.Middleware(m))
	e.GET("/dogs/:id", func(c echo.Context) error { return c.String(200, "dog "+c.Param("id")+"\n") })
	e.POST("/dogs", func(c echo.Context) error {
		io.Copy(io.Discard, c.Request().Body)
		return c.String(http.StatusCreated, "created\n")
	})
	e.GET("/", func(c echo.Context) error {
		echometrics.SetView(c, "index")
		return c.Render(200, "index.html", nil)
	})
	e.GET("/panic", func(c echo.Context) error { panic(boom{"the view objects"}) })
	e.GET("/fail", func(c echo.Context) error { return echo.NewHTTPError(http.StatusNotFound, "no") })
	e.GET("/plainerr", func(c echo.Context) error { return errors.New("database down") })
	e.GET("/stream", func(c echo.Context) error {
		echometrics.SetStreaming(c)
		c.Response().Header().Set(echo.HeaderContentType, "text/event-stream")
		for range 2 {
			io.WriteString(c.Response(), "data: x\n\n")
			c.Response().Flush()
		}
		return nil
	})
	api := e.Group("/api")
	api.GET("/cats/:name", func(c echo.Context) error {
		return c.JSONBlob(200, []byte(`{"name":"`+c.Param("name")+`"}`))
	})
	admin := e.Group("/admin", func(next echo.HandlerFunc) echo.HandlerFunc { return next })
	admin.GET("/users", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	e.GET("/static/*", func(c echo.Context) error { return c.Blob(200, "text/css; charset=utf-8", []byte("body{}")) })
	e.GET("/ws", func(c echo.Context) error {
		conn, rw, err := c.Response().Hijack()
		if err != nil {
			return err
		}
		defer conn.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		return rw.Flush()
	})
	return e
}

func newServer(t *testing.T) (*httptest.Server, *prometheus.Registry, *[]error) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := httpmetrics.New(stackprom.WithRegisterer(reg), stackprom.WithSizeBuckets(0, 16, 1024))
	if err != nil {
		t.Fatal(err)
	}
	var panics []error
	srv := httptest.NewServer(m.Before(app(m, &panics)))
	t.Cleanup(srv.Close)
	return srv, reg, &panics
}

func TestEveryFamily(t *testing.T) {
	srv, reg, _ := newServer(t)
	for _, c := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/dogs/1", "", 200},
		{"GET", "/dogs/2", "", 200},
		{"POST", "/dogs", "name=rex", 201},
		{"GET", "/", "", 200},
		{"GET", "/panic", "", 500},
		{"GET", "/fail", "", 404},
		{"GET", "/plainerr", "", 500},
		{"GET", "/stream", "", 200},
		{"GET", "/api/cats/tom", "", 200},
		{"GET", "/api/nothing", "", 404},
		{"GET", "/admin/nothing", "", 404},
		{"GET", "/static/css/site.css", "", 200},
		{"GET", "/nowhere", "", 404},
		{"DELETE", "/dogs/1", "", 405},
		{"BREW", "/dogs/1", "", 405},
		{"OPTIONS", "/dogs/1", "", 204},
	} {
		if resp, _ := routertest.Do(t, srv, c.method, c.path, c.body); resp.StatusCode != c.status {
			t.Errorf("%s %s: status %d, want %d", c.method, c.path, resp.StatusCode, c.status)
		}
	}
	stackpromtest.CompareSamples(t, reg, `
		http_requests_by_method_total{method="<invalid method>"} 1
		http_requests_by_method_total{method="DELETE"} 1
		http_requests_by_method_total{method="GET"} 12
		http_requests_by_method_total{method="OPTIONS"} 1
		http_requests_by_method_total{method="POST"} 1
		http_requests_by_transport_total{transport="http"} 16
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/admin/*"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/api/cats/:name"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/dogs/:id"} 2
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/fail"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/panic"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/plainerr"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/static/*"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="/stream"} 1
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="index"} 1
		http_requests_by_view_transport_method_total{method="POST",transport="http",view="/dogs"} 1
		http_responses_by_status_total{status="200"} 6
		http_responses_by_status_total{status="201"} 1
		http_responses_by_status_total{status="204"} 1
		http_responses_by_status_total{status="404"} 4
		http_responses_by_status_total{status="405"} 2
		http_responses_by_status_total{status="500"} 2
		http_responses_by_status_view_method_total{method="<invalid method>",status="405",view="<unnamed view>"} 1
		http_responses_by_status_view_method_total{method="DELETE",status="405",view="<unnamed view>"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="/api/cats/:name"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="/dogs/:id"} 2
		http_responses_by_status_view_method_total{method="GET",status="200",view="/static/*"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="/stream"} 1
		http_responses_by_status_view_method_total{method="GET",status="200",view="index"} 1
		http_responses_by_status_view_method_total{method="GET",status="404",view="/admin/*"} 1
		http_responses_by_status_view_method_total{method="GET",status="404",view="/fail"} 1
		http_responses_by_status_view_method_total{method="GET",status="404",view="<unnamed view>"} 2
		http_responses_by_status_view_method_total{method="GET",status="500",view="/panic"} 1
		http_responses_by_status_view_method_total{method="GET",status="500",view="/plainerr"} 1
		http_responses_by_status_view_method_total{method="OPTIONS",status="204",view="<unnamed view>"} 1
		http_responses_by_status_view_method_total{method="POST",status="201",view="/dogs"} 1
		http_exceptions_by_type_total{type="*echo.HTTPError"} 2
		http_exceptions_by_type_total{type="*errors.errorString"} 1
		http_exceptions_by_type_total{type="echotest_test.boom"} 1
		http_exceptions_by_view_total{view="/admin/*"} 1
		http_exceptions_by_view_total{view="/fail"} 1
		http_exceptions_by_view_total{view="/panic"} 1
		http_exceptions_by_view_total{view="/plainerr"} 1
		http_responses_by_templatename_total{templatename="index.html"} 1
		http_responses_by_charset_total{charset="UTF-8"} 4
		http_responses_by_charset_total{charset="utf-8"} 1
		http_responses_streaming_total 1
		http_responses_body_bytes_bucket{le="0"} 2
		http_responses_body_bytes_bucket{le="16"} 8
		http_responses_body_bytes_bucket{le="1024"} 15
		http_responses_body_bytes_bucket{le="+Inf"} 15
		http_responses_body_bytes_sum 245
		http_responses_body_bytes_count 15
		http_requests_body_bytes_bucket{le="0"} 15
		http_requests_body_bytes_bucket{le="16"} 16
		http_requests_body_bytes_bucket{le="1024"} 16
		http_requests_body_bytes_bucket{le="+Inf"} 16
		http_requests_body_bytes_sum 8
		http_requests_body_bytes_count 16
		http_requests_before_middlewares_total 16
		http_responses_before_middlewares_total 16
	`)
	s := stackpromtest.Take(t, reg)
	for view, n := range map[string]float64{"/dogs/:id": 2, "index": 1, "/panic": 1, "<unnamed view>": 2} {
		if v, _ := s.Value("http_requests_latency_by_view_method_seconds_count", prometheus.Labels{"view": view, "method": "GET"}); v != n {
			t.Errorf("latency observations of view %s: %v, want %v", view, v, n)
		}
	}
}

// A panic is recorded once, and echo's Recover gets the same value.
func TestPanicObservedOnceAndReraised(t *testing.T) {
	srv, reg, panics := newServer(t)
	routertest.PanicObservedOnce(t, srv, reg, "/panic", "/panic", "echotest_test.boom")
	if len(*panics) != 1 || (*panics)[0] != (boom{"the view objects"}) {
		t.Errorf("Recover got %#v, want the handler's boom once", *panics)
	}
}

// Random paths and methods add no view and no method series.
func TestHostileTraffic(t *testing.T) {
	srv, reg, _ := newServer(t)
	routertest.SendRandom(t, srv, 1000)
	routertest.CheckViews(t, reg, []string{"<unnamed view>", "/dogs/:id", "/static/*", "/api/cats/:name"}, "<unnamed view>", "/static/*")
	s := stackpromtest.Take(t, reg)
	var n float64
	for _, m := range []string{"GET", "POST", "<invalid method>"} {
		v, _ := s.Value("http_requests_by_method_total", prometheus.Labels{"method": m})
		n += v
	}
	if n != 1000 {
		t.Errorf("GET, POST and <invalid method> requests add up to %v, want 1000", n)
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
	routertest.HijackedWebsocket(t, app(m, new([]error)), reg)
}
