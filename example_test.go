package stackprom_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
)

// printSamples prints the sample lines of a text exposition whose name
// starts with prefix.
func printSamples(resp *http.Response, prefix string) {
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), prefix) {
			fmt.Println(sc.Text())
		}
	}
}

// The handler serves /metrics on the application's own mux; here it asks
// scrapers for a bearer token.
func ExampleNewHandler() {
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	orders := prometheus.NewCounter(prometheus.CounterOpts{Name: "shop_orders_total", Help: "Orders taken."})
	reg.MustRegister(orders)
	orders.Add(3)

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", stackprom.MustNewHandler(stackprom.WithRegisterer(reg), stackprom.WithBearerToken("t0ken")))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println("without the token:", resp.Status)

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer t0ken")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	fmt.Println("with the token:", resp.Status)
	printSamples(resp, "shop_orders_total")
	// Output:
	// without the token: 401 Unauthorized
	// with the token: 200 OK
	// shop_orders_total 3
}

// Options holds a service's common options in one value, for every
// component: here one registry and one namespace for the HTTP families and
// the /metrics handler.
func ExampleOptions() {
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	shared := stackprom.Options(stackprom.WithRegisterer(reg), stackprom.WithNamespace("shop"))

	m := httpmetrics.MustNew(shared, httpmetrics.WithExclude("/metrics"))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dogs/{id}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "woof") })
	mux.Handle("GET /metrics", stackprom.MustNewHandler(shared))
	srv := httptest.NewServer(m.Instrument(mux))
	defer srv.Close()

	for _, path := range []string{"/dogs/1", "/metrics"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			log.Fatal(err)
		}
		if path == "/metrics" {
			printSamples(resp, "shop_http_requests_by_method_total")
		}
		resp.Body.Close()
	}
	// Output:
	// shop_http_requests_by_method_total{method="GET"} 1
}

// StartServer serves metrics on a listener apart from the application's,
// as PROMETHEUS_METRICS_EXPORT_PORT does; port 0 takes any free port and
// Addr tells which.
func ExampleStartServer() {
	reg := prometheus.NewRegistry()
	jobs := prometheus.NewCounter(prometheus.CounterOpts{Name: "jobs_done_total", Help: "Jobs done."})
	reg.MustRegister(jobs)
	jobs.Add(2)

	srv, err := stackprom.StartServer("127.0.0.1:0", stackprom.WithRegisterer(reg))
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx) // waits for scrapes in progress
	}()

	resp, err := http.Get("http://" + srv.Addr() + "/metrics")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	printSamples(resp, "jobs_")
	// Output:
	// jobs_done_total 2
}

// StartServerInRange is PROMETHEUS_METRICS_EXPORT_PORT_RANGE: each process
// on a host takes the first free port of the range.
func ExampleStartServerInRange() {
	srv, err := stackprom.StartServerInRange("", 9100, 9109)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	log.Printf("metrics on %s", srv.Addr())
}

// A batch job pushes its metrics to the Pushgateway when it ends.
func ExamplePush() {
	reg := prometheus.NewRegistry()
	done := prometheus.NewCounter(prometheus.CounterOpts{Name: "batch_records_processed_total", Help: "Records processed."})
	reg.MustRegister(done)

	// ... the job's work, counting records in done ...

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := stackprom.Push(ctx, "http://pushgateway:9091", "nightly_export",
		stackprom.WithGatherer(reg), stackprom.WithGrouping("instance", "db-1"))
	if err != nil {
		log.Print(err)
	}
}

// The live page on the application's mux, behind basic auth: a browser
// opening /live asks for the credentials, then polls /live?format=json,
// whose views are here after the sampler's first sample.
func ExampleNewLiveHandler() {
	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	shared := stackprom.Options(stackprom.WithRegisterer(reg), stackprom.WithNamespace("shop"))
	m := httpmetrics.MustNew(shared, httpmetrics.WithExclude("/metrics", "/live"))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dogs/{id}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("woof\n")) })
	mux.Handle("GET /metrics", stackprom.MustNewHandler(shared))
	mux.Handle("GET /live", stackprom.MustNewLiveHandler(shared, stackprom.WithBasicAuth("ops", "s3cret")))
	srv := httptest.NewServer(m.Instrument(mux))
	defer srv.Close()

	get := func(path string, auth bool) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if auth {
			req.SetBasicAuth("ops", "s3cret")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		return resp
	}
	get("/dogs/1", false).Body.Close()
	resp := get("/live", false)
	resp.Body.Close()
	fmt.Println("without credentials:", resp.Status)
	resp = get("/live", true)
	resp.Body.Close()
	fmt.Println("the page:", resp.Status, resp.Header.Get("Content-Type"))

	var data struct {
		Samples int
		HTTP    struct{ Views []struct{ View string } }
	}
	for deadline := time.Now().Add(5 * time.Second); data.Samples == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		resp = get("/live?format=json", true)
		if err := json.NewDecoder(resp.Body).Decode(&data); err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
	}
	for _, v := range data.HTTP.Views {
		fmt.Println("view:", v.View)
	}
	// Output:
	// without credentials: 401 Unauthorized
	// the page: 200 OK text/html; charset=utf-8
	// view: /dogs/{id}
}
