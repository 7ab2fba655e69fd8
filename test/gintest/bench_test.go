package gintest_test

import (
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/ginmetrics"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/test/internal/routertest"
)

func benchEngine(mw ...gin.HandlerFunc) *gin.Engine {
	e := gin.New()
	e.Use(mw...)
	e.GET("/dogs/:id", func(c *gin.Context) { c.Data(200, "text/plain", []byte("dog\n")) })
	return e
}

// BenchmarkRequest compares one routed request through gin alone with the
// same request through Middleware, and through m.Before around that.
func BenchmarkRequest(b *testing.B) {
	m := httpmetrics.MustNew(stackprom.WithRegisterer(prometheus.NewRegistry()))
	routertest.BenchmarkRequest(b,
		routertest.Handler{Name: "gin", H: benchEngine()},
		routertest.Handler{Name: "Middleware", H: benchEngine(ginmetrics.Middleware(m))},
		routertest.Handler{Name: "Before+Middleware", H: m.Before(benchEngine(ginmetrics.Middleware(m)))},
	)
}
