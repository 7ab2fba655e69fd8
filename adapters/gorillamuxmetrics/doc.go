// Package gorillamuxmetrics measures a gorilla/mux router with every HTTP
// family of httpmetrics, labelling each request with the name of the route
// it matched (Route.Name), else the route's path template
// ("/dogs/{id:[0-9]+}"), else its host template; never the raw path.
//
// Setup, on the handler the server serves:
//
//	m := httpmetrics.MustNew()
//	r := mux.NewRouter()
//	r.HandleFunc("/dogs/{id}", getDog).Methods("GET").Name("dog")
//	http.ListenAndServe(":8080", gorillamuxmetrics.Instrument(m, r))
//
// Instrument is m.Before around After. To put middlewares between them
// (their time then counts in the "including middlewares" latency, not in
// the per-view one), stack the two yourself:
//
//	h := m.Before(handlers.RecoveryHandler()(gorillamuxmetrics.After(m, r)))
//
// After wraps the ResponseWriter once (httpmetrics' own After) and, through
// Routes, adds a middleware to the router's (router.Use), which gorilla/mux runs
// only for a request a route matched, with the route known; routes added
// before or after the call are covered, sub-routers' included. A handler
// wrapped in httpmetrics.Named, or one that calls httpmetrics.SetView,
// keeps its own view name; handlers report errors and templates with
// httpmetrics.ReportError and httpmetrics.SetTemplate, as with any net/http
// handler.
//
// A request no route matched (404, 405, and the redirect gorilla/mux sends
// for an unclean path) gets the view "<unnamed view>". Put a recovering
// middleware outside After, as above, so that After sees a panic and
// records it once, as status 500 with the panic's Go type.
package gorillamuxmetrics
