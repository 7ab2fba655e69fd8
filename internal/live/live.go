// Package live is the live page: a handler that serves one HTML page and
// the JSON it polls, and the sampler behind it, which gathers the registry
// only while a page is open and keeps a bounded history of what the page
// shows. Rates and quantiles are computed as PromQL's rate and
// histogram_quantile compute them.
package live

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom/internal/config"
)

// The defaults: a sample every 5 s, rates over the last minute, 15
// minutes of history, charts of 20 s rates, the sampler stopped a minute
// after the last request.
const (
	DefaultStep    = 5 * time.Second
	DefaultWindow  = time.Minute
	DefaultHistory = 15 * time.Minute
	DefaultIdle    = time.Minute

	// MaxLong and MaxShort cap the series kept for the whole history and
	// for the rate window.
	MaxLong  = 2048
	MaxShort = 16384
)

// Options configure a Handler. The zero value of each duration is its
// default; Now and NewTicker replace the clock in tests.
type Options struct {
	Gatherer  prometheus.Gatherer
	Naming    config.Naming
	Namespace string
	ErrorLog  interface{ Println(v ...any) }

	Step, Window, History, Idle time.Duration
	MaxLong, MaxShort           int

	Now       func() time.Time
	NewTicker func(d time.Duration) (ticks <-chan time.Time, stop func())
	// Sampled, when set, is called after each sample (tests).
	Sampled func()
}

// Handler serves the page (GET), and the JSON (GET ?format=json).
type Handler struct {
	o  Options
	ex map[string]extractor
	w  windows

	mu       sync.Mutex
	running  bool
	lastSeen time.Time
	st       *store
	json     []byte // the report of the sample cached
	jsonSeq  uint64 // st.n when json was built
}

// New returns a handler; no goroutine runs until its first request.
func New(o Options) *Handler {
	if o.Step <= 0 {
		o.Step = DefaultStep
	}
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.History <= 0 {
		o.History = DefaultHistory
	}
	if o.Idle <= 0 {
		o.Idle = DefaultIdle
	}
	if o.MaxLong <= 0 {
		o.MaxLong = MaxLong
	}
	if o.MaxShort <= 0 {
		o.MaxShort = MaxShort
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.NewTicker == nil {
		o.NewTicker = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		}
	}
	if o.Gatherer == nil {
		o.Gatherer = prometheus.DefaultGatherer
	}
	return &Handler{
		o:  o,
		ex: extractors(o.Naming, o.Namespace),
		w: windows{step: o.Step.Milliseconds(), window: o.Window.Milliseconds(),
			history: o.History.Milliseconds(), chart: 4 * o.Step.Milliseconds()},
	}
}

// caps are the rings' lengths: the history's samples and one more, and
// the window's and two more.
func (h *Handler) caps() (long, short int) {
	return int(h.o.History/h.o.Step) + 1, int(h.o.Window/h.o.Step) + 2
}

// Running reports whether the sampler runs.
func (h *Handler) Running() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.running
}

// touch notes a request and starts the sampler if it is not running.
func (h *Handler) touch() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastSeen = h.o.Now()
	if h.running {
		return
	}
	h.running = true
	long, short := h.caps()
	h.st = newStore(long, short, h.o.MaxLong, h.o.MaxShort)
	h.json = nil
	go h.loop()
}

// loop samples at once, then at every tick, until a tick finds no request
// for Idle; then it drops the history and returns.
func (h *Handler) loop() {
	ticks, stop := h.o.NewTicker(h.o.Step)
	defer stop()
	h.sample()
	for range ticks {
		h.mu.Lock()
		if h.o.Now().Sub(h.lastSeen) >= h.o.Idle {
			h.running, h.st, h.json = false, nil, nil
			h.mu.Unlock()
			return
		}
		h.mu.Unlock()
		h.sample()
	}
}

// sample gathers and records one sample. A panic in it is logged, not
// raised: the page must never take the service down.
func (h *Handler) sample() {
	defer func() {
		if p := recover(); p != nil {
			h.logf("stackprom: live page: sampling panicked: %v\n%s", p, debug.Stack())
		}
		if h.o.Sampled != nil {
			h.o.Sampled()
		}
	}()
	mfs, err := h.o.Gatherer.Gather()
	if err != nil {
		h.logf("stackprom: live page: gathering: %v", err)
	}
	vals := collect(mfs, h.ex)
	t := h.o.Now().UnixMilli()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.st != nil {
		h.st.add(t, vals)
	}
}

func (h *Handler) logf(format string, args ...any) {
	if h.o.ErrorLog != nil {
		h.o.ErrorLog.Println(fmt.Sprintf(format, args...))
	}
}

// ServeHTTP serves the page, or with ?format=json its data.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	h.touch()
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	if r.URL.Query().Get("format") == "json" {
		hd.Set("Content-Type", "application/json")
		w.Write(h.data())
		return
	}
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", csp)
	w.Write(page)
}

// data is the JSON of the last sample's report, built once per sample
// whatever the number of pages polling.
func (h *Handler) data() []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.st == nil {
		return []byte("{}")
	}
	if h.json != nil && h.jsonSeq == h.st.n {
		return h.json
	}
	rep := build(h.st, h.w, h.o.Naming.String(), h.o.Namespace)
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(rep); err != nil {
		h.logf("stackprom: live page: encoding: %v", err)
		return []byte("{}")
	}
	h.json, h.jsonSeq = buf.Bytes(), h.st.n
	return h.json
}
