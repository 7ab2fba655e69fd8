package echotest_test

import (
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/echometrics"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/test/internal/routertest"
)

func benchEcho(mw ...echo.MiddlewareFunc) *echo.Echo {
	e := echo.New()
	e.Use(mw...)
	e.GET("/dogs/:id", func(c echo.Context) error { return c.Blob(200, "text/plain", []byte("dog\n")) })
	return e
}

// BenchmarkRequest compares one routed request through echo alone with the
// same request through Middleware, and through m.Before around that.
func BenchmarkRequest(b *testing.B) {
	m := httpmetrics.MustNew(stackprom.WithRegisterer(prometheus.NewRegistry()))
	routertest.BenchmarkRequest(b,
		routertest.Handler{Name: "echo", H: benchEcho()},
		routertest.Handler{Name: "Middleware", H: benchEcho(echometrics.Middleware(m))},
		routertest.Handler{Name: "Before+Middleware", H: m.Before(benchEcho(echometrics.Middleware(m)))},
	)
}
