package ginmetrics

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/stackprom/stackprom/httpmetrics"
)

// Middleware returns a gin middleware that records every After family of
// m (requests and responses by method, view, status, size, charset,
// template; latency by view; exceptions) once per request, when the rest
// of the chain has returned. The view is the name SetView gave, else
// c.FullPath(), else "<unnamed view>". A panic in the chain is recorded
// with the panic's Go type and the status already sent (500 when none
// was), then re-raised with the same value; http.ErrAbortHandler is
// recorded as an abort, as httpmetrics.After records it.
func Middleware(m *httpmetrics.Metrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := m.Begin()
		r := c.Request
		body := httpmetrics.CountBody(r) // the bytes that arrive, whatever Content-Length says
		completed := false
		defer func() {
			n := body.Restore(r)
			if completed {
				record(m, c, r, start, n, false, nil)
				return
			}
			p := recover()
			record(m, c, r, start, n, true, p)
			if p != nil {
				panic(p)
			}
		}()
		c.Next()
		completed = true
	}
}

// gin's answer to a request no route matched, written after the chain.
const (
	notFoundBody         = "404 page not found"
	methodNotAllowedBody = "405 method not allowed"
)

func record(m *httpmetrics.Metrics, c *gin.Context, r *http.Request, start httpmetrics.Mark, requestBytes int64, panicked bool, p any) {
	w := c.Writer
	route := c.FullPath()
	f := httpmetrics.Facts{
		View:     route,
		Status:   w.Status(),
		Panicked: panicked,
		Panic:    p,
	}
	if panicked && !w.Written() {
		f.Status = 0 // nothing was sent: a 500, or no response after an abort
	}
	f.RequestBytes = requestBytes
	if n := w.Size(); n > 0 {
		f.ResponseBytes = int64(n)
	}
	if ct := w.Header()["Content-Type"]; len(ct) > 0 {
		f.ContentType = ct[0]
	}
	if mk := marksOf(c); mk != nil {
		if mk.view != "" {
			f.View = mk.view
		}
		f.Template, f.Streaming = mk.template, mk.streaming
	}
	if e := c.Errors.Last(); e != nil {
		f.Err = e.Err
	}
	switch {
	case panicked:
	case route == "" && !w.Written() && (f.Status == http.StatusNotFound || f.Status == http.StatusMethodNotAllowed):
		// gin writes its default body once the chain has returned.
		f.ContentType = gin.MIMEPlain
		f.ResponseBytes = int64(len(notFoundBody))
		if f.Status == http.StatusMethodNotAllowed {
			f.ResponseBytes = int64(len(methodNotAllowedBody))
		}
	case w.Size() == 0 && c.IsWebsocket():
		f.Hijacked = true
		if f.Status == http.StatusOK {
			f.Status = 0 // recorded as 101 Switching Protocols
		}
	}
	m.Record(r, start, &f)
}
