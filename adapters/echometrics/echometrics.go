package echometrics

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stackprom/stackprom/httpmetrics"
)

// Middleware returns an echo middleware that records every After family
// of m (requests and responses by method, view, status, size, charset,
// template; latency by view; exceptions) once per request, when the rest
// of the chain has returned. The view is the name SetView gave, else
// c.Path(), else "<unnamed view>". An error from the chain goes to
// c.Error before it is recorded, then is returned unchanged. A panic is
// recorded with the panic's Go type and the status already sent (500 when
// none was), then re-raised with the same value; http.ErrAbortHandler is
// recorded as an abort, as httpmetrics.After records it.
func Middleware(m *httpmetrics.Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			start := m.Begin()
			r := c.Request()
			body := httpmetrics.CountBody(r) // the bytes that arrive, whatever Content-Length says
			completed := false
			defer func() {
				n := body.Restore(r)
				if completed {
					record(m, c, r, start, n, err, false, nil)
					return
				}
				p := recover()
				record(m, c, r, start, n, nil, true, p)
				if p != nil {
					panic(p)
				}
			}()
			if err = next(c); err != nil {
				c.Error(err)
			}
			completed = true
			return err
		}
	}
}

func record(m *httpmetrics.Metrics, c echo.Context, r *http.Request, start httpmetrics.Mark, requestBytes int64, err error, panicked bool, p any) {
	resp := c.Response()
	f := httpmetrics.Facts{
		View:          route(c),
		ResponseBytes: resp.Size,
		Panicked:      panicked,
		Panic:         p,
	}
	if f.View != "" {
		f.Err = err // not echo's ErrNotFound for a request no route matched
	}
	if resp.Committed {
		f.Status = resp.Status
	} else if !panicked && c.IsWebSocket() {
		f.Hijacked = true // recorded as 101 Switching Protocols
	}
	f.RequestBytes = requestBytes
	if ct := resp.Header()["Content-Type"]; len(ct) > 0 {
		f.ContentType = ct[0]
	}
	if mk := marksOf(c); mk != nil {
		if mk.view != "" {
			f.View = mk.view
		}
		f.Template, f.Streaming = mk.template, mk.streaming
	}
	m.Record(r, start, &f)
}

// route is c's route template, or "" when echo's router matched no route
// for the request: then c.Path() is "" (404), or holds the template of a
// route for other methods, with the Allow header's value set aside (405,
// and echo's automatic answer to OPTIONS).
func route(c echo.Context) string {
	if c.Get(echo.ContextKeyHeaderAllow) != nil {
		return ""
	}
	return c.Path()
}
