package echometrics_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/echometrics"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

func Example() {
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	m := httpmetrics.MustNew(stackprom.WithRegisterer(reg), httpmetrics.WithExclude("/metrics"))

	e := echo.New()
	// After Recover, so that panics reach the middleware.
	e.Use(middleware.Recover(), echometrics.Middleware(m))
	e.GET("/dogs/:id", func(c echo.Context) error { return c.String(http.StatusOK, "dog "+c.Param("id")+"\n") })
	e.GET("/", func(c echo.Context) error {
		echometrics.SetView(c, "index")
		return c.HTML(http.StatusOK, "<h1>Dogs</h1>\n")
	})
	e.GET("/cats/:id", func(c echo.Context) error {
		return echo.NewHTTPError(http.StatusNotFound, "no cats here") // status from echo's error handler
	})
	e.GET("/metrics", echo.WrapHandler(stackprom.MustNewHandler(stackprom.WithGatherer(reg))))

	// Before, plain net/http, goes around the whole server.
	srv := httptest.NewServer(m.Before(e))
	defer srv.Close()

	for _, path := range []string{"/", "/dogs/1", "/dogs/2", "/cats/1", "/nowhere", "/metrics"} {
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
	for _, view := range []string{"/cats/:id", "<unnamed view>"} {
		v, _ := s.Value("http_responses_by_status_view_method_total",
			prometheus.Labels{"status": "404", "view": view, "method": "GET"})
		fmt.Printf("404s of %s: %v\n", view, v)
	}
	v, _ := s.Value("http_exceptions_by_type_total", prometheus.Labels{"type": "*echo.HTTPError"})
	fmt.Println("errors:", v)
	v, _ = s.Value("http_requests_before_middlewares_total", nil)
	fmt.Println("requests before middlewares:", v)
	// Output:
	// index: 1
	// /dogs/:id: 2
	// 404s of /cats/:id: 1
	// 404s of <unnamed view>: 1
	// errors: 1
	// requests before middlewares: 5
}
