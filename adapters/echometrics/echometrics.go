package echometrics

import (
	"io"
	"net/http"
	"reflect"

	"github.com/labstack/echo/v4"

	"github.com/stackprom/stackprom/httpmetrics"
)

// Middleware returns an echo middleware that records every After family
// of m (requests and responses by method, view, status, size, charset,
// template; latency by view; exceptions) once per request, when the rest
// of the chain has returned. The view is the name SetView gave, else
// c.Path(), else "<unnamed view>". An error from the chain goes to
// c.Error before it is recorded, then is returned unchanged. A panic is
// recorded as status 500 with the panic's Go type, then re-raised with the
// same value.
func Middleware(m *httpmetrics.Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			start := m.Begin()
			r := c.Request()
			var body *countingBody
			if r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody {
				// Only a body of unknown length (chunked) is counted as
				// read; otherwise Content-Length is the size.
				body = &countingBody{rc: r.Body}
				r.Body = body
			}
			completed := false
			defer func() {
				if body != nil {
					r.Body = body.rc
				}
				if completed {
					record(m, c, r, start, body, err, false, nil)
					return
				}
				p := recover()
				record(m, c, r, start, body, nil, true, p)
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

func record(m *httpmetrics.Metrics, c echo.Context, r *http.Request, start httpmetrics.Mark, body *countingBody, err error, panicked bool, p any) {
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
	if body != nil {
		f.RequestBytes = body.n
	}
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
// for the request: then c.Path() may hold the template of a route for
// another method, or of the nearest node.
func route(c echo.Context) string {
	path := c.Path()
	if path == "" || c.Get(echo.ContextKeyHeaderAllow) != nil {
		return "" // nothing matched, or 405 and the automatic OPTIONS answer
	}
	if reflect.ValueOf(c.Handler()).Pointer() == reflect.ValueOf(echo.NotFoundHandler).Pointer() {
		return "" // the path matched a node but no route
	}
	return path
}

// countingBody counts the bytes the handlers read from a request body.
type countingBody struct {
	rc io.ReadCloser
	n  int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n += int64(n)
	return n, err
}

func (b *countingBody) Close() error { return b.rc.Close() }
