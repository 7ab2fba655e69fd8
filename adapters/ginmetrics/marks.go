package ginmetrics

import "github.com/gin-gonic/gin"

// marks is what a handler told Middleware about its response, kept in the
// gin context under marksKey only when a helper was called.
type marks struct {
	view, template string
	streaming      bool
}

type marksKey struct{}

func marksOf(c *gin.Context) *marks {
	v, _ := c.Get(marksKey{})
	mk, _ := v.(*marks)
	return mk
}

func setMarks(c *gin.Context) *marks {
	mk := marksOf(c)
	if mk == nil {
		mk = &marks{}
		c.Set(marksKey{}, mk)
	}
	return mk
}

// SetView names the view of c's request, in place of the route template
// c.FullPath(): the counterpart of httpmetrics.SetView. Names should come
// from the application's own set; httpmetrics.WithMaxViews bounds them.
func SetView(c *gin.Context, name string) { setMarks(c).view = name }

// SetTemplate records that c's response was rendered from the named
// template (c.HTML's name, say), for the responses-by-template family.
// Names should come from the application's own set;
// httpmetrics.WithMaxExceptionTypes bounds them.
func SetTemplate(c *gin.Context, name string) { setMarks(c).template = name }

// SetStreaming records that c's response is streamed (flushed before it
// ends, as c.Stream and c.SSEvent do): it is then counted in the streaming
// family instead of the response-size histogram. gin's Flush leaves no
// trace that Middleware could read, so a streaming handler says so.
func SetStreaming(c *gin.Context) { setMarks(c).streaming = true }
