package ginmetrics_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/ginmetrics"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

func Example() {
	gin.SetMode(gin.ReleaseMode)
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	m := httpmetrics.MustNew(stackprom.WithRegisterer(reg), httpmetrics.WithExclude("/metrics"))

	engine := gin.New()
	// After Recovery, before the routes.
	engine.Use(gin.Recovery(), ginmetrics.Middleware(m))
	engine.GET("/dogs/:id", func(c *gin.Context) { c.String(http.StatusOK, "dog %s\n", c.Param("id")) })
	engine.GET("/", func(c *gin.Context) {
		ginmetrics.SetView(c, "index")
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte("<h1>Dogs</h1>\n"))
	})
	engine.GET("/metrics", gin.WrapH(stackprom.MustNewHandler(stackprom.WithGatherer(reg))))

	// Before, plain net/http, goes around the whole engine.
	srv := httptest.NewServer(m.Before(engine))
	defer srv.Close()

	for _, path := range []string{"/", "/dogs/1", "/dogs/2", "/nowhere", "/metrics"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
	}

	s, err := stackpromtest.Gather(reg)
	if err != nil {
		panic(err)
	}
	for _, view := range []string{"index", "/dogs/:id"} {
		v, _ := s.Value("http_requests_by_view_transport_method_total",
			prometheus.Labels{"view": view, "transport": "http", "method": "GET"})
		fmt.Printf("%s: %v\n", view, v)
	}
	v, _ := s.Value("http_responses_by_status_view_method_total",
		prometheus.Labels{"status": "404", "view": "<unnamed view>", "method": "GET"})
	fmt.Println("404s:", v)
	v, _ = s.Value("http_requests_before_middlewares_total", nil)
	fmt.Println("requests before middlewares:", v)
	// Output:
	// index: 1
	// /dogs/:id: 2
	// 404s: 1
	// requests before middlewares: 4
}
