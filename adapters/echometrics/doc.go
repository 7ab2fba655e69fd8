// Package echometrics measures an echo v4 server with every HTTP family of
// httpmetrics, from echo's own facts: the route template c.Path()
// ("/dogs/:id"), the error a handler returns, and the status, size and
// header of echo's Response. It does not wrap the writer again.
//
// Setup:
//
//	m := httpmetrics.MustNew()
//	e := echo.New()
//	e.Use(middleware.Recover(), echometrics.Middleware(m))
//	e.GET("/dogs/:id", getDog)
//	http.ListenAndServe(":8080", m.Before(e))
//
// Register Middleware with e.Use after middleware.Recover, so that it sees
// a handler's panic: it records it once, with the panic's Go type and the
// status already sent (500 when none was), and re-raises it unchanged for
// Recover to answer. Registered before Recover, it would see Recover's
// error instead. m.Before is plain net/http and goes around the whole
// server. A panic with http.ErrAbortHandler, which Recover passes on to
// net/http, is an abort, recorded as httpmetrics.After records it: in the
// aborts family, not as an exception; with the status sent, or as no
// response when nothing was written.
//
// Errors: when the rest of the chain returns an error, Middleware passes it
// to echo's HTTPErrorHandler at once, with c.Error(err), as echo's own
// RequestLogger does with HandleError, so that the response, and the status
// recorded, are the ones the error handler chooses. It then returns the
// error unchanged, for the middlewares around it; echo's default error
// handler does nothing for a response already committed, and a custom one
// should do the same. The error is recorded in the exceptions families,
// typed by its Go type (*echo.HTTPError for echo's own errors).
//
// What a handler can add: the template a response was rendered from
// (SetTemplate, or Renderer around e.Renderer so that c.Render does it), a
// view name other than the route template (SetView), and that the response
// was streamed (SetStreaming), since echo's Flush leaves no trace that
// Middleware could read.
//
// A request no route matched, which echo answers with NotFoundHandler (404)
// or MethodNotAllowedHandler (405, or an automatic answer to OPTIONS), gets
// the view "<unnamed view>", and the ErrNotFound or ErrMethodNotAllowed
// that echo returns for it is not an exception. A request answered by a
// RouteNotFound route is a request to that route, as a catch-all URL that
// raises Http404 is in Django: echo adds "/prefix" and "/prefix/*" ones for
// each group with middlewares, so a request under such a group that no
// other route matched gets the view "/prefix/*", and its ErrNotFound counts
// as an exception. A websocket handshake request left uncommitted is taken
// as a hijacked connection (status 101), as echo does not say whether the
// connection was hijacked.
package echometrics
