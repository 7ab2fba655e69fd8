package bench

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
)

// liveVariants are the application of BenchmarkHTTP (one route, every
// stackprom HTTP family, /metrics on the same mux) without the live page,
// with it mounted and no page open, and with a page open: the sampler
// running, gathering the registry every 5 s beside the requests.
var liveVariants = []struct {
	name  string
	mount bool
	open  bool
}{
	{"none", false, false},
	{"mounted", true, false},
	{"open", true, true},
}

func liveApp(tb testing.TB, mount, open bool) http.Handler {
	tb.Helper()
	reg := prometheus.NewRegistry()
	shared := stackprom.Options(stackprom.WithRegisterer(reg))
	m := httpmetrics.MustNew(shared, httpmetrics.WithExclude("/metrics", "/live"))
	mux := http.NewServeMux()
	mux.Handle("GET "+route, app())
	mux.Handle("GET /metrics", stackprom.MustNewHandler(shared))
	if mount {
		mux.Handle("GET /live", stackprom.MustNewLiveHandler(shared))
	}
	h := m.Instrument(mux)
	if open {
		// A page's poll starts the sampler; it runs for a minute after.
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/live?format=json", nil))
		if w.Code != http.StatusOK {
			tb.Fatalf("GET /live?format=json: %d", w.Code)
		}
	}
	serveOnce(tb, h)
	return h
}

// BenchmarkLive is the cost of a request with the live page mounted
// (live=mounted) and with a page open (live=open) beside the same
// application without it (live=none), in one run.
func BenchmarkLive(b *testing.B) {
	for _, mode := range []string{"serial", "parallel"} {
		for _, v := range liveVariants {
			b.Run("mode="+mode+"/live="+v.name, func(b *testing.B) {
				serveLoop(b, mode, liveApp(b, v.mount, v.open))
			})
		}
	}
}

// TestLiveVariants checks that every variant serves the application's
// response.
func TestLiveVariants(t *testing.T) {
	for _, v := range liveVariants {
		liveApp(t, v.mount, v.open)
	}
}
