package gintest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/ginmetrics"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/test/internal/routertest"
)

// newHostileServer serves a gin engine whose handlers give stackprom label
// values that are not UTF-8, abort after their response started, or read
// a body; panics that reach Recovery are kept in the returned slice.
func newHostileServer(t *testing.T, opts ...httpmetrics.Option) (*httptest.Server, *prometheus.Registry, *[]any) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := httpmetrics.MustNew(append(opts, stackprom.WithRegisterer(reg))...)
	var panics []any
	e := gin.New()
	e.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, p any) {
		panics = append(panics, p)
		c.AbortWithStatus(http.StatusInternalServerError)
	}), ginmetrics.Middleware(m))
	e.GET("/bad\xff/:id", func(c *gin.Context) {
		ginmetrics.SetTemplate(c, "page\xfe.html")
		c.Data(http.StatusOK, "text/plain; charset=\xff", []byte("ok\n"))
	})
	e.GET("/badname", func(c *gin.Context) {
		ginmetrics.SetView(c, "view\xff")
		c.String(http.StatusOK, "ok\n")
	})
	e.GET("/abort", func(c *gin.Context) {
		c.Writer.WriteHeader(http.StatusOK)
		c.Writer.WriteString(strings.Repeat("x", 1000))
		c.Writer.Flush()
		panic(http.ErrAbortHandler)
	})
	e.POST("/upload", func(c *gin.Context) { io.Copy(io.Discard, c.Request.Body) })
	srv := httptest.NewServer(m.Before(e))
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
		t.Errorf("panics reached Recovery: %v", *panics)
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
