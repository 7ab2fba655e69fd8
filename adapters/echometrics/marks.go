package echometrics

import (
	"io"

	"github.com/labstack/echo/v4"
)

// marks is what a handler told Middleware about its response, kept in the
// echo context under marksKey only when a helper was called.
type marks struct {
	view, template string
	streaming      bool
}

const marksKey = "github.com/stackprom/stackprom/adapters/echometrics.marks"

func marksOf(c echo.Context) *marks {
	mk, _ := c.Get(marksKey).(*marks)
	return mk
}

func setMarks(c echo.Context) *marks {
	mk := marksOf(c)
	if mk == nil {
		mk = &marks{}
		c.Set(marksKey, mk)
	}
	return mk
}

// SetView names the view of c's request, in place of the route template
// c.Path(): the counterpart of httpmetrics.SetView. Names should come from
// the application's own set; httpmetrics.WithMaxViews bounds them.
func SetView(c echo.Context, name string) { setMarks(c).view = name }

// SetTemplate records that c's response was rendered from the named
// template, for the responses-by-template family. Names should come from
// the application's own set; httpmetrics.WithMaxExceptionTypes bounds
// them. Renderer does it for every c.Render.
func SetTemplate(c echo.Context, name string) { setMarks(c).template = name }

// SetStreaming records that c's response is streamed (flushed before it
// ends): it is then counted in the streaming family instead of the
// response-size histogram. echo's Flush leaves no trace that Middleware
// could read, so a streaming handler says so.
func SetStreaming(c echo.Context) { setMarks(c).streaming = true }

// Renderer returns r with every template it renders recorded through
// SetTemplate: set e.Renderer = echometrics.Renderer(yours).
func Renderer(r echo.Renderer) echo.Renderer { return renderer{r} }

type renderer struct{ r echo.Renderer }

func (x renderer) Render(w io.Writer, name string, data any, c echo.Context) error {
	SetTemplate(c, name)
	return x.r.Render(w, name, data, c)
}
