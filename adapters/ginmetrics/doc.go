// Package ginmetrics measures a gin engine with every HTTP family of
// httpmetrics, from gin's own facts: the route template c.FullPath()
// ("/dogs/:id"), and the status, size and header of gin's ResponseWriter.
// It does not wrap the writer again.
//
// Setup:
//
//	m := httpmetrics.MustNew()
//	engine := gin.New()
//	engine.Use(gin.Recovery(), ginmetrics.Middleware(m)) // before the routes
//	engine.GET("/dogs/:id", getDog)
//	http.ListenAndServe(":8080", m.Before(engine))
//
// Register Middleware with engine.Use before adding routes (gin copies a
// group's middlewares into each route as it is added), and after
// gin.Recovery, so that Middleware sees a handler's panic: it records it
// once, with the panic's Go type and the status already sent (500 when
// none was), and re-raises it unchanged for Recovery to answer. Registered
// before Recovery, it would see Recovery's plain 500 instead. m.Before is
// plain net/http and goes around the whole engine.
//
// A panic with http.ErrAbortHandler is an abort, recorded as
// httpmetrics.After records it: in the aborts family, not as an exception;
// with the status sent, or as no response when nothing was written. gin's
// Recovery swallows that panic where net/http would drop the connection,
// and gin then sends an empty 200 for a handler that had written nothing,
// which Middleware, having returned by then, does not see.
//
// What a handler can add:
//   - an error it turned into a response: gin's own c.Error(err) (or
//     c.AbortWithError); the last one is recorded in the exceptions families,
//     typed by its Go type;
//   - the template a response was rendered from: SetTemplate;
//   - a view name other than the route template: SetView;
//   - that the response was streamed (c.Stream, c.SSEvent): SetStreaming,
//     since gin's Flush leaves no trace Middleware could read.
//
// A request no route matched gets the view "<unnamed view>", with the
// status, size and content type of the body gin writes for it after the
// middleware chain returns. Requests that gin answers without running any
// middleware, the redirects of RedirectTrailingSlash and RedirectFixedPath,
// are seen by m.Before only. A websocket handshake request answered with no
// body is taken as a hijacked connection (status 101 when it asked for an
// upgrade), as gin does not say whether the connection was hijacked.
package ginmetrics
