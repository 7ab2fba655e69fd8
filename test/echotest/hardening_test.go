package echotest_test

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/echometrics"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/test/internal/routertest"
)

// newHostileServer serves an echo server whose handlers give stackprom
// label values that are not UTF-8, abort after their response started, or
// read a body; panics that reach Recover are kept in the returned slice.
func newHostileServer(t *testing.T, opts ...httpmetrics.Option) (*httptest.Server, *prometheus.Registry, *[]error) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := httpmetrics.MustNew(append(opts, stackprom.WithRegisterer(reg))...)
	var panics []error
	e := echo.New()
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisablePrintStack: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			panics = append(panics, err)
			return err
		},
	}), echometrics.Middleware(m))
	e.GET("/bad\xff/:id", func(c echo.Context) error {
		echometrics.SetTemplate(c, "page\xfe.html")
		return c.Blob(http.StatusOK, "text/plain; charset=\xff", []byte("ok\n"))
	})
	e.GET("/badname", func(c echo.Context) error {
		echometrics.SetView(c, "view\xff")
		return c.String(http.StatusOK, "ok\n")
	})
	e.GET("/abort", func(c echo.Context) error {
		c.Response().WriteHeader(http.StatusOK)
		io.WriteString(c.Response(), strings.Repeat("x", 1000))
		c.Response().Flush()
		panic(http.ErrAbortHandler)
	})
	e.POST("/upload", func(c echo.Context) error {
		io.Copy(io.Discard, c.Request().Body)
		return c.NoContent(http.StatusNoContent)
	})
	srv := httptest.NewUnstartedServer(m.Before(e))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, reg, &panics
}

// Label values that are not UTF-8, from the handler, the route and the
// labeler, reach neither the request nor the exposition.
func TestHostileLabelValues(t *testing.T) {
	srv, reg, panics := newHostileServer(t,
		httpmetrics.WithLabeler([]string{"tier"}, func(_ *http.Request, v []string) { v[0] = "gold\xff" }))
	routertest.HostileLabels(t, srv, reg, "/bad%FF/1", "ok\n")
	routertest.HostileLabels(t, srv, reg, "/badname", "ok\n")
	if len(*panics) != 0 {
		t.Errorf("panics reached Recover: %v", *panics)
	}
}

// http.ErrAbortHandler after a 200 is a 200 and an abort.
func TestAbortAfterResponseStarted(t *testing.T) {
	srv, reg, _ := newHostileServer(t)
	routertest.AbortAfterResponseStarted(t, srv, reg, "/abort", "/abort")
}

// The request body size is what arrived, not what Content-Length says.
func TestLyingContentLength(t *testing.T) {
	srv, reg, _ := newHostileServer(t)
	routertest.LyingContentLength(t, srv, reg, "/upload")
}
