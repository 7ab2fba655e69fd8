package stackprom

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stackprom/stackprom/internal/config"
)

// The options of export. Each Option is all of them; the With… functions
// of export return the narrowest that fits, so that, say, WithPath passed to
// NewHandler does not compile.
type (
	// ExportOption is accepted by NewHandler, StartServer and Push.
	ExportOption interface {
		config.ExportOption
	}
	// HandlerOption is accepted by NewHandler and StartServer.
	HandlerOption interface {
		config.HandlerOption
	}
	// ServerOption is accepted by StartServer and StartServerInRange.
	ServerOption interface {
		config.ServerOption
	}
	// PushOption is accepted by Push and PushAdd.
	PushOption interface {
		config.PushOption
	}
)

// WithBasicAuth makes the handler and the metrics server answer 401 unless
// the request carries these HTTP basic-auth credentials. It also sets the
// credentials Push sends to the Pushgateway. Both must be non-empty: an
// empty password would open the endpoint to anyone who knows the user name.
func WithBasicAuth(user, password string) ExportOption {
	return config.ExportFunc(func(c *config.Config) {
		if user == "" || password == "" {
			c.Fail(errorf("WithBasicAuth: empty user name or password"))
			return
		}
		c.Export.BasicUser, c.Export.BasicPassword = user, password
	})
}

// WithBearerToken makes the handler and the metrics server answer 401
// unless the request carries "Authorization: Bearer token" (the scheme
// matched without regard to case). Push sends it too.
func WithBearerToken(token string) ExportOption {
	return config.ExportFunc(func(c *config.Config) {
		if token == "" {
			c.Fail(errorf("WithBearerToken: empty token"))
			return
		}
		if strings.TrimSpace(token) != token {
			c.Fail(errorf("WithBearerToken: token begins or ends with white space"))
			return
		}
		c.Export.BearerToken = token
	})
}

// WithErrorLog sets where the handler reports errors met while gathering or
// encoding metrics. The default is the standard library's log.Default().
func WithErrorLog(l interface{ Println(v ...any) }) HandlerOption {
	return config.HandlerFunc(func(c *config.Config) { c.Export.ErrorLog = l })
}

// WithMaxRequestsInFlight caps the scrapes the handler serves at once: past
// n, promhttp answers 503 at once, without gathering, and
// promhttp_metric_handler_requests_total{code="503"} counts it. Gathering
// is CPU work that competes with the application's own, so a flood of
// scrapes must not be able to take the cores; a Prometheus pair scrapes at
// most twice at once, which the default, 4, leaves room for beside a person
// with curl. 0 lifts the limit; a negative n is an error. The limit is per
// handler: StartServer's server has one handler.
func WithMaxRequestsInFlight(n int) HandlerOption {
	return config.HandlerFunc(func(c *config.Config) {
		if n < 0 {
			c.Fail(errorf("WithMaxRequestsInFlight(%d): negative", n))
			return
		}
		c.Export.MaxRequestsInFlight = n
	})
}

// WithHandlerTimeout bounds the time a scrape is served: past d, promhttp
// answers 503 (the response is held in memory until then, so a late answer
// is never cut half-way) and promhttp_metric_handler_requests_total{code="503"}
// counts it, while the gathering it abandons runs to its end and keeps its
// place in WithMaxRequestsInFlight's count. The default, 10 s, is
// Prometheus's default scrape timeout: past it, Prometheus has given up on
// the answer anyway. 0 removes the bound; a negative d is an error. On the
// metrics server it must be shorter than WithWriteTimeout.
func WithHandlerTimeout(d time.Duration) HandlerOption {
	return config.HandlerFunc(func(c *config.Config) {
		if d < 0 {
			c.Fail(errorf("WithHandlerTimeout(%v): negative", d))
			return
		}
		c.Export.HandlerTimeout = d
	})
}

// NewHandler returns the handler for /metrics. It gathers from the gatherer
// (see WithGatherer) and uses promhttp underneath: gzip compression (zstd
// too when the program imports client_golang's promhttp/zstd package),
// OpenMetrics negotiation (so exemplars reach Prometheus), and errors
// logged (WithErrorLog) and counted in promhttp_metric_handler_errors_total
// while the families that could be gathered are still served. That counter
// is registered on the gathered registry when it is a Registerer (a
// *prometheus.Registry is), else on the registerer.
//
// It serves at most 4 scrapes at once (WithMaxRequestsInFlight) and each
// for at most 10 s (WithHandlerTimeout); promhttp answers 503 past either
// limit. promhttp_metric_handler_requests_total (by status code) and
// promhttp_metric_handler_requests_in_flight, promhttp's own instrumentation
// of a metrics handler, go where the error counter goes.
//
// With WithBasicAuth or WithBearerToken, a request without the credentials
// gets 401 and a WWW-Authenticate challenge, and is not counted as a
// scrape; when both are set, only the bearer token is accepted.
func NewHandler(opts ...HandlerOption) (http.Handler, error) {
	c, err := config.New(opts)
	if err != nil {
		return nil, err
	}
	return newHandler(c), nil
}

// MustNewHandler is NewHandler for use in a one-line setup; it panics if an
// option is invalid.
func MustNewHandler(opts ...HandlerOption) http.Handler { return config.Must(NewHandler(opts...)) }

func newHandler(c *config.Config) http.Handler {
	errLog := c.Export.ErrorLog
	if errLog == nil {
		errLog = log.Default()
	}
	g := c.GathererOrDefault()
	reg := errorsRegisterer(c, g)
	h := promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog:            errLog,
		ErrorHandling:       promhttp.ContinueOnError,
		Registry:            reg,
		EnableOpenMetrics:   true,
		MaxRequestsInFlight: c.Export.MaxRequestsInFlight,
		Timeout:             c.Export.HandlerTimeout,
	})
	if reg != nil {
		h = promhttp.InstrumentMetricHandler(reg, h)
	}
	return withAuth(c.Export, h)
}

// errorsRegisterer is where promhttp_metric_handler_errors_total and the
// handler's instrumentation go: the registry the handler exposes when it is
// one, so the count is scraped with the families it is about; else the
// registerer; nil (nowhere) when WithRegisterer(nil) asked for nothing to
// be registered.
func errorsRegisterer(c *config.Config, g prometheus.Gatherer) prometheus.Registerer {
	if c.Registerer == nil {
		return nil
	}
	if r, ok := g.(prometheus.Registerer); ok {
		return r
	}
	return c.Registerer
}

// withAuth wraps h with the credential check the options ask for, if any.
func withAuth(e config.Export, h http.Handler) http.Handler {
	switch {
	case e.BearerToken != "":
		want := sha256.Sum256([]byte(e.BearerToken))
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The scheme is case-insensitive (RFC 9110, section 11.1).
			scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
			got := sha256.Sum256([]byte(strings.TrimLeft(token, " ")))
			if subtle.ConstantTimeCompare(got[:], want[:]) != 1 || !ok || !strings.EqualFold(scheme, "Bearer") {
				unauthorized(w, `Bearer realm="metrics"`)
				return
			}
			h.ServeHTTP(w, r)
		})
	case e.BasicUser != "":
		wantUser := sha256.Sum256([]byte(e.BasicUser))
		wantPass := sha256.Sum256([]byte(e.BasicPassword))
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			user, pass, ok := r.BasicAuth()
			gotUser, gotPass := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(pass))
			// Both comparisons always run, so timing tells nothing.
			userOK := subtle.ConstantTimeCompare(gotUser[:], wantUser[:])
			passOK := subtle.ConstantTimeCompare(gotPass[:], wantPass[:])
			if !ok || userOK&passOK != 1 {
				unauthorized(w, `Basic realm="metrics", charset="UTF-8"`)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	return h
}

func unauthorized(w http.ResponseWriter, challenge string) {
	w.Header().Set("WWW-Authenticate", challenge)
	http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
}

func errorf(format string, args ...any) error {
	return fmt.Errorf("stackprom: "+format, args...)
}
