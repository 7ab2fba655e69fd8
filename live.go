package stackprom

import (
	"log"
	"net/http"

	"github.com/stackprom/stackprom/internal/config"
	"github.com/stackprom/stackprom/internal/live"
)

// NewLiveHandler returns the handler of the live page: one HTML page, and
// the JSON it polls at the same path with ?format=json, showing what the
// service does now without a Prometheus server: requests per second, the
// 5xx ratio, requests in flight and, by view, requests per second, the
// 5xx ratio and the 50th, 95th and 99th percentile latency with a chart
// of the last 15 minutes; statements and errors per second, 99th
// percentile duration and pool connections by database alias; gets and
// the hit ratio by cache backend; model operations per second; and the
// migration status by connection, unapplied or dirty shown as a warning.
// Each component appears only when its families exist. The page's style,
// script and charts are embedded and inline; its Content-Security-Policy
// lets the browser load nothing else, and connect to its own origin only.
//
// It reads the gatherer NewHandler reads (see WithGatherer), and the
// families under the naming preset and namespace of WithNaming and
// WithNamespace: pass it the options given to the components. It samples
// the gatherer only while a page is open: its first request starts a
// goroutine that gathers every 5 s, which stops, dropping what it kept, a
// minute after the last request; no goroutine runs before. It keeps 15
// minutes of samples of the series the page shows, summed by the label
// the page shows them by, at most 2,048 series for the charts and 16,384
// for the rate window, so that its memory stays under 10 MiB whatever the
// traffic. Rates are PromQL's rate over the last minute, quantiles
// histogram_quantile of those rates; docs/live.md says how.
//
// WithBasicAuth and WithBearerToken protect the page and its data as they
// protect /metrics; WithMaxRequestsInFlight and WithHandlerTimeout bound
// its requests; WithErrorLog says where a failed gathering is reported.
func NewLiveHandler(opts ...HandlerOption) (http.Handler, error) {
	c, err := config.New(opts)
	if err != nil {
		return nil, err
	}
	return newLiveHandler(c), nil
}

// MustNewLiveHandler is NewLiveHandler for use in a one-line setup; it
// panics if an option is invalid.
func MustNewLiveHandler(opts ...HandlerOption) http.Handler {
	return config.Must(NewLiveHandler(opts...))
}

func newLiveHandler(c *config.Config) http.Handler {
	errLog := c.Export.ErrorLog
	if errLog == nil {
		errLog = log.Default()
	}
	var h http.Handler = live.New(live.Options{
		Gatherer:  c.GathererOrDefault(),
		Naming:    c.Naming,
		Namespace: c.Namespace,
		ErrorLog:  errLog,
	})
	if d := c.Export.HandlerTimeout; d > 0 {
		h = http.TimeoutHandler(h, d, "stackprom: live page: timed out")
	}
	if n := c.Export.MaxRequestsInFlight; n > 0 {
		h = inFlightLimit(n, h)
	}
	return withAuth(c.Export, h)
}

// inFlightLimit answers 503 at once to a request past n served at once.
func inFlightLimit(n int, h http.Handler) http.Handler {
	sem := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
			h.ServeHTTP(w, r)
		default:
			http.Error(w, "stackprom: live page: too many requests at once", http.StatusServiceUnavailable)
		}
	})
}
