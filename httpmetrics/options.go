package httpmetrics

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/stackprom/stackprom/internal/config"
)

// Option configures New. The options of package stackprom (registerer,
// namespace, naming, constant labels, buckets, exemplars) are Options, and
// so are this package's With… functions; no other component's options are.
type Option interface {
	config.HTTPOption
}

// maxExtraLabels bounds WithLabeler, so label values fit in a fixed array.
const maxExtraLabels = 8

// WithExclude leaves requests out of every family when their URL path, or
// the view they resolve to, equals one of names: "/metrics" or "healthz",
// say. Before knows only the path; After checks the path on entry and the
// view once the router has resolved it.
func WithExclude(names ...string) Option {
	return config.HTTPFunc(func(c *config.Config) {
		if c.HTTP.Exclude == nil {
			c.HTTP.Exclude = map[string]struct{}{}
		}
		for _, n := range names {
			c.HTTP.Exclude[n] = struct{}{}
		}
	})
}

// WithMaxViews caps the number of distinct view label values (with the
// values of WithLabeler's labels, if any). Past the cap, new views are
// recorded as "<other>", so a router misconfigured to return raw paths
// cannot explode the series count. The default is 500.
func WithMaxViews(n int) Option {
	return config.HTTPFunc(func(c *config.Config) {
		if n < 1 {
			c.Fail(fmt.Errorf("httpmetrics: WithMaxViews(%d): need at least 1", n))
			return
		}
		c.HTTP.MaxViews = n
	})
}

// WithMaxExceptionTypes caps the number of distinct type label values of the
// exceptions family, and of template and charset names; values past it are
// recorded as "<other>". The default is 100.
func WithMaxExceptionTypes(n int) Option {
	return config.HTTPFunc(func(c *config.Config) {
		if n < 1 {
			c.Fail(fmt.Errorf("httpmetrics: WithMaxExceptionTypes(%d): need at least 1", n))
			return
		}
		c.HTTP.MaxTypes = n
	})
}

// WithTrustedProxyHeader makes a request count as https when header has
// value (compared without regard to case), as Django's
// SECURE_PROXY_SSL_HEADER does: WithTrustedProxyHeader("X-Forwarded-Proto",
// "https"). Set it only behind a proxy that overwrites the header. Without
// it, a request is https only when it came over TLS.
func WithTrustedProxyHeader(header, value string) Option {
	return config.HTTPFunc(func(c *config.Config) {
		if header == "" || value == "" {
			c.Fail(fmt.Errorf("httpmetrics: WithTrustedProxyHeader: empty header or value"))
			return
		}
		c.HTTP.ProxyHeader = http.CanonicalHeaderKey(header)
		c.HTTP.ProxyValue = value
	})
}

// WithLabeler adds labels to the per-view families (requests by view,
// responses by status and view, latency by view, exceptions by view), the
// Go counterpart of django-prometheus's custom-labels hooks. After the
// handler returns, f is called with the request and a slice of len(names)
// to fill with the labels' values. Values must come from a small set (a
// user-agent class, a tenant tier), never from raw input; WithMaxViews
// bounds the combinations. At most 8 labels.
func WithLabeler(names []string, f func(r *http.Request, values []string)) Option {
	return config.HTTPFunc(func(c *config.Config) {
		if f == nil || len(names) == 0 || len(names) > maxExtraLabels {
			c.Fail(fmt.Errorf("httpmetrics: WithLabeler: need a function and 1 to %d label names", maxExtraLabels))
			return
		}
		for i, n := range names {
			if !config.ValidName(n) || strings.HasPrefix(n, "__") || slices.Contains(names[:i], n) || slices.Contains(reservedLabels, n) {
				c.Fail(fmt.Errorf("httpmetrics: WithLabeler: label name %q is invalid, repeated or used by stackprom", n))
				return
			}
		}
		c.HTTP.LabelNames = slices.Clone(names)
		c.HTTP.Labeler = f
	})
}

// WithRoute sets how After learns the route of a request whose handler did
// not name its view: f is called after the handler returns and returns the
// route template ("/dogs/{id}"), or "" when no route matched. Router
// adapters use it; the default reads ServeMux's Request.Pattern.
func WithRoute(f func(r *http.Request) string) Option {
	return config.HTTPFunc(func(c *config.Config) { c.HTTP.Route = f })
}

var reservedLabels = []string{"view", "transport", "method", "status", "type", "le"}
