package gorillamuxmetrics

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/stackprom/stackprom/httpmetrics"
)

// Instrument returns router measured by both of m's middlewares:
// m.Before(After(m, router)). Serve what it returns.
func Instrument(m *httpmetrics.Metrics, router *mux.Router) http.Handler {
	return m.Before(After(m, router))
}

// After returns m.After around Routes(router). Each request's view is its
// route's name, else its path template, else its host template, unless the
// handler named the view itself; a request no route matched gets
// "<unnamed view>". The handler's panics are recorded once (status 500, the
// panic's Go type) and re-raised unchanged.
func After(m *httpmetrics.Metrics, router *mux.Router) http.Handler {
	return m.After(Routes(router))
}

// Routes adds to router's middlewares one that reports each request's
// matched route to an httpmetrics.After around the router, and returns
// router, for stacks that place m.After themselves:
// m.After(gorillamuxmetrics.Routes(router)) is After(m, router), as with
// chimetrics.Routes. Without After around the router, the middleware only
// calls the next handler. gorilla/mux runs middlewares only for requests
// that match a route; the others get "<unnamed view>".
func Routes(router *mux.Router) http.Handler {
	router.Use(reportRoute)
	return router
}

func reportRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.SetRoute(w, view(mux.CurrentRoute(r)))
		next.ServeHTTP(w, r)
	})
}

// view is the view label of route: its name, else its path template, else
// its host template, else "" (then After uses "<unnamed view>").
func view(route *mux.Route) string {
	if route == nil {
		return ""
	}
	if name := route.GetName(); name != "" {
		return name
	}
	if t, err := route.GetPathTemplate(); err == nil {
		return t
	}
	if t, err := route.GetHostTemplate(); err == nil {
		return t
	}
	return ""
}
