package httpmetrics_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

type missingDog struct{}

func (missingDog) Error() string { return "no such dog" }

// 1,000 requests at once across routes that move every HTTP family (views,
// a template, streaming, a panic a recovering middleware answers, a
// reported error, an abort after the response started, a hijacked
// upgrade, a request body) on a real server, while /metrics is scraped in a
// loop: at the end every request is counted exactly once.
func TestConcurrentRequestsCountedOnce(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := httpmetrics.MustNew(stackprom.WithRegisterer(reg), httpmetrics.WithExclude("/metrics"))
	upload := strings.Repeat("u", 100)
	mux := http.NewServeMux()
	mux.Handle("GET /dogs/{id}", httpmetrics.NamedFunc("dog", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, `{"dog":"`+r.PathValue("id")+`"}`)
	}))
	mux.Handle("GET /{$}", httpmetrics.NamedFunc("index", func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.SetTemplate(w, "index.html")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<p>index</p>\n")
	}))
	mux.Handle("GET /stream", httpmetrics.NamedFunc("stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for range 2 {
			io.WriteString(w, "data: x\n\n")
			http.NewResponseController(w).Flush()
		}
	}))
	mux.Handle("GET /panic", httpmetrics.NamedFunc("panic", func(http.ResponseWriter, *http.Request) {
		panic(objection{"the view objects"})
	}))
	mux.Handle("GET /fail", httpmetrics.NamedFunc("fail", func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.ReportError(w, missingDog{})
		http.Error(w, "no such dog", http.StatusNotFound)
	}))
	mux.Handle("GET /abort", httpmetrics.Named("abort", partial(http.ErrAbortHandler)))
	mux.Handle("GET /ws", httpmetrics.NamedFunc("ws", func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
	}))
	mux.Handle("POST /upload", httpmetrics.NamedFunc("upload", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "created\n")
	}))
	mux.Handle("GET /metrics", stackprom.MustNewHandler(stackprom.WithGatherer(reg)))
	srv := quietServer(t, m.Before(recoverAllButAbort(m.After(mux))), io.Discard)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 100}}
	defer client.CloseIdleConnections()
	type route struct {
		method, path string
		status       int // what the client gets; 0: a broken response
	}
	routes := []route{
		{"GET", "/dogs/7", 200}, {"GET", "/", 200}, {"GET", "/stream", 200}, {"GET", "/panic", 500},
		{"GET", "/fail", 404}, {"GET", "/abort", 0}, {"GET", "/ws", 101}, {"POST", "/upload", 201},
	}
	request := func(rt route) error {
		if rt.path == "/ws" {
			var d net.Dialer
			conn, err := d.DialContext(ctx, "tcp", srv.Listener.Addr().String())
			if err != nil {
				return err
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(30 * time.Second))
			io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				return err
			}
			if resp.StatusCode != rt.status {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			return nil
		}
		var body io.Reader
		if rt.method == "POST" {
			body = strings.NewReader(upload)
		}
		req, _ := http.NewRequestWithContext(ctx, rt.method, srv.URL+rt.path, body)
		resp, err := client.Do(req)
		if err != nil {
			if rt.status == 0 {
				return nil
			}
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case rt.status == 0 && err == nil:
			return fmt.Errorf("the aborted response arrived whole")
		case rt.status != 0 && (err != nil || resp.StatusCode != rt.status):
			return fmt.Errorf("status %d, %v", resp.StatusCode, err)
		}
		return nil
	}

	// The scraper: /metrics in a loop until the requests are done.
	var scrapes atomic.Int64
	stop := make(chan struct{})
	scraped := make(chan error, 1)
	first := make(chan struct{}) // the requests start once a scrape went through
	go func() {
		defer func() {
			if scrapes.Load() == 0 {
				close(first)
			}
		}()
		for {
			select {
			case <-stop:
				scraped <- nil
				return
			default:
			}
			resp, err := client.Get(srv.URL + "/metrics")
			if err != nil {
				scraped <- err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				scraped <- fmt.Errorf("scrape: %s", resp.Status)
				return
			}
			if scrapes.Add(1) == 1 {
				close(first)
			}
		}
	}()
	<-first

	const n = 1000
	start := make(chan struct{})
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rt := routes[i%len(routes)]
			if err := request(rt); err != nil {
				errs <- fmt.Errorf("%s %s: %w", rt.method, rt.path, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	waitFor(t, func() bool {
		v, _ := stackpromtest.Value(t, reg, "http_responses_before_middlewares_total", nil)
		return v == n
	})
	close(stop)
	if err := <-scraped; err != nil {
		t.Fatal(err)
	}
	t.Logf("%d scrapes during the requests", scrapes.Load())

	const each = n / 8
	stackpromtest.CompareSamples(t, reg, fmt.Sprintf(`
		http_requests_before_middlewares_total 1000
		http_responses_before_middlewares_total 1000
		http_requests_in_flight 0
		http_requests_by_method_total{method="GET"} %[1]d
		http_requests_by_method_total{method="POST"} %[2]d
		http_requests_by_transport_total{transport="http"} 1000
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="abort"} %[2]d
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="dog"} %[2]d
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="fail"} %[2]d
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="index"} %[2]d
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="panic"} %[2]d
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="stream"} %[2]d
		http_requests_by_view_transport_method_total{method="GET",transport="http",view="ws"} %[2]d
		http_requests_by_view_transport_method_total{method="POST",transport="http",view="upload"} %[2]d
		http_responses_by_status_total{status="101"} %[2]d
		http_responses_by_status_total{status="200"} %[3]d
		http_responses_by_status_total{status="201"} %[2]d
		http_responses_by_status_total{status="404"} %[2]d
		http_responses_by_status_total{status="500"} %[2]d
		http_responses_by_status_view_method_total{method="GET",status="101",view="ws"} %[2]d
		http_responses_by_status_view_method_total{method="GET",status="200",view="abort"} %[2]d
		http_responses_by_status_view_method_total{method="GET",status="200",view="dog"} %[2]d
		http_responses_by_status_view_method_total{method="GET",status="200",view="index"} %[2]d
		http_responses_by_status_view_method_total{method="GET",status="200",view="stream"} %[2]d
		http_responses_by_status_view_method_total{method="GET",status="404",view="fail"} %[2]d
		http_responses_by_status_view_method_total{method="GET",status="500",view="panic"} %[2]d
		http_responses_by_status_view_method_total{method="POST",status="201",view="upload"} %[2]d
		http_responses_by_templatename_total{templatename="index.html"} %[2]d
		http_responses_by_charset_total{charset="utf-8"} %[3]d
		http_responses_streaming_total %[4]d
		http_exceptions_by_type_total{type="httpmetrics_test.missingDog"} %[2]d
		http_exceptions_by_type_total{type="httpmetrics_test.objection"} %[2]d
		http_exceptions_by_view_total{view="fail"} %[2]d
		http_exceptions_by_view_total{view="panic"} %[2]d
		http_aborts_by_view_total{view="abort"} %[2]d
	`, 7*each, each, 4*each, 2*each))
	for name, want := range map[string]float64{
		"http_requests_latency_including_middlewares_seconds_count": n,
		"http_requests_body_bytes_sum":                              float64(each * len(upload)),
		"http_requests_body_bytes_count":                            n,
		"http_responses_body_bytes_count":                           5 * each, // neither streamed nor hijacked
	} {
		stackpromtest.AssertValue(t, reg, want, name, nil)
	}
	for _, view := range []string{"dog", "index", "stream", "panic", "fail", "abort", "ws"} {
		stackpromtest.AssertValue(t, reg, each, "http_requests_latency_by_view_method_seconds_count", L{"view": view, "method": "GET"})
	}
}
