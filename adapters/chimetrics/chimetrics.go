package chimetrics

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/stackprom/stackprom/httpmetrics"
)

// Instrument returns router measured by both of m's middlewares:
// m.Before(After(m, router)). Serve what it returns.
func Instrument(m *httpmetrics.Metrics, router chi.Router) http.Handler {
	return m.Before(After(m, router))
}

// After returns m.After around router, with each request's view set to the
// route pattern chi matched, unless the handler named the view itself. A
// request no route matched gets "<unnamed view>". The handler's panics are
// recorded once (status 500, the panic's Go type) and re-raised unchanged.
func After(m *httpmetrics.Metrics, router chi.Router) http.Handler {
	return m.After(Routes(router))
}

// Routes returns router with its route pattern reported to an
// httpmetrics.After around it, for stacks that place m.After themselves:
// m.After(chimetrics.Routes(router)) is After(m, router). Without After
// around it, it only serves router.
//
// chi keeps a request's routing state in a context that it recycles once
// its router returns; Routes supplies that context itself (from a pool, as
// chi does) so that the pattern can still be read after the router returns,
// sub-routers and panics included. When the request already carries a chi
// routing context (router is mounted inside another chi router), that one
// is used.
func Routes(router chi.Router) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rctx := chi.RouteContext(r.Context())
		pooled := rctx == nil
		path := "" // what router routes on: a parent's remaining path, else the URL's
		if pooled {
			rctx = contexts.Get().(*chi.Context)
			rctx.Reset()
			rctx.Routes = router
			r = r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, rctx))
		} else {
			path = rctx.RoutePath
		}
		defer setRoute(w, r, router, rctx, path, pooled)
		router.ServeHTTP(w, r)
	})
}

var contexts = sync.Pool{New: func() any { return chi.NewRouteContext() }}

// setRoute runs deferred, so that a panicking handler's request is named
// too; it does not recover.
func setRoute(w http.ResponseWriter, r *http.Request, router chi.Router, rctx *chi.Context, path string, pooled bool) {
	pattern := rctx.RoutePattern()
	if strings.HasSuffix(pattern, "*") && !matches(router, r, rctx.RouteMethod, path) {
		pattern = "" // a mounted sub-router found no route: chi left the mount's "/*"
	}
	httpmetrics.SetRoute(w, pattern)
	if pooled {
		contexts.Put(rctx)
	}
}

// matches reports whether a route of router, not only a mount point,
// answers method and path. chi's patterns end in "*" for wildcard routes
// and for mount points alike; only those pay for this second lookup.
func matches(router chi.Router, r *http.Request, method, path string) bool {
	if method == "" {
		method = r.Method
	}
	if path == "" {
		path = r.URL.RawPath
	}
	if path == "" {
		path = r.URL.Path
	}
	if path == "" {
		path = "/"
	}
	tmp := contexts.Get().(*chi.Context)
	tmp.Reset()
	ok := router.Match(tmp, method, path)
	contexts.Put(tmp)
	return ok
}
