// Package httpmetrics measures HTTP traffic with every HTTP family of
// django-prometheus, from net/http middleware.
//
// Two middlewares share one Metrics:
//
//   - Before, outermost: requests entering, responses leaving, the whole
//     time spent inside it, and requests in flight.
//   - After, around the router: requests by method, transport and view;
//     AJAX requests; request and response body sizes; responses by status,
//     view, charset and template; streaming responses; latency by view and
//     method; exceptions (panics, and errors a handler reports) by type
//     and by view; and aborts (panics with http.ErrAbortHandler) by view.
//
// Instrument stacks both. Put middlewares whose time should count in
// "including middlewares" but not in the per-view latency between them,
// as django-prometheus users put Django's own middlewares between its two.
//
// The view label is the name the application gave the handler (Named,
// SetView), else the router's route template (ServeMux's Request.Pattern
// without method and host, or the WithRoute function that router adapters
// set), else "<unnamed view>". It is never the raw URL path. Methods outside
// the nine standard ones become "<invalid method>" in every family, and
// WithMaxViews and WithMaxExceptionTypes cap every other label, so hostile
// traffic adds no series. Every label value from outside (views, templates,
// charsets, the labeler's values, type names) is made valid UTF-8 and at
// most 128 bytes long, and recording never panics into a request.
//
// A request allocates nothing in stackprom (a request with a body: one
// counter) and takes no lock once its label children exist: the
// ResponseWriter wrapper is reused, so a handler must not use it after it
// returns, as net/http's rule is. The wrapper never changes what the client
// receives, and for a response whose handler names no Content-Type it
// learns the charset of the type net/http detects without detecting it a
// second time.
//
// For a framework that keeps its own response state (gin, echo), an adapter
// records without wrapping the ResponseWriter a second time: it calls
// Begin when the request enters, gathers the Facts from the framework once
// the handler has returned, and passes them to Record (CountBody counts the
// request body bytes the handler reads). The adapters in this repository
// are written that way; third-party adapters use the same calls (see the
// example of Record).
package httpmetrics
