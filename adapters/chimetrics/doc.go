// Package chimetrics measures a go-chi/chi v5 router with every HTTP family
// of httpmetrics, labelling each request with the route pattern chi matched
// ("/dogs/{id}", with mounted sub-routers' patterns joined), never the raw
// path.
//
// Setup, on the handler the server serves:
//
//	m := httpmetrics.MustNew()
//	r := chi.NewRouter()
//	r.Get("/dogs/{id}", getDog)
//	http.ListenAndServe(":8080", chimetrics.Instrument(m, r))
//
// Instrument is m.Before around After. To put middlewares between them
// (their time then counts in the "including middlewares" latency, not in
// the per-view one), stack the two yourself:
//
//	h := m.Before(middleware.Recoverer(chimetrics.After(m, r)))
//
// After wraps the ResponseWriter once (httpmetrics' own After) and reads
// chi's routing context when the router returns, so nothing needs to be
// registered inside the router: After can wrap a router whose routes and
// middlewares are already defined. A handler wrapped in httpmetrics.Named,
// or one that calls httpmetrics.SetView, keeps its own view name; handlers
// report errors and templates with httpmetrics.ReportError and
// httpmetrics.SetTemplate, as with any net/http handler.
//
// A request chi answers with its NotFound or MethodNotAllowed handler gets
// the view "<unnamed view>", also when it reached a mounted sub-router that
// had no route for it. Put a recovering middleware such as chi's
// middleware.Recoverer outside After, as above, so that After sees a panic
// and records it once, as status 500 with the panic's Go type; a Recoverer
// inside the router turns the panic into a plain 500 before After sees it.
package chimetrics
