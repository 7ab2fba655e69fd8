// Command demo is stackprom's demo service: the Go counterpart of
// django-prometheus's end-to-end test app, with every component wired in.
//
//	go run ./cmd/demo
//
// then curl its routes and read http://127.0.0.1:8000/metrics, or open
// http://127.0.0.1:8000/live in a browser. With -instrument=false it serves
// the same routes without stackprom's HTTP middleware, so that
// scripts/realserver.sh can measure the middleware's cost in a real server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "address to serve the application on")
	metricsAddr := flag.String("metrics-addr", "", "serve /metrics on this separate address instead of the application's")
	naming := flag.String("naming", "default", "metric naming preset: default or django")
	namespace := flag.String("namespace", "", "prefix of every stackprom family")
	var s settings
	flag.StringVar(&s.db, "db", "", "the database: a SQLite file (default "+defaultSQLite()+"), postgres://… or mysql://user:pass@host:3306/db")
	flag.StringVar(&s.cache, "cache", "memory", "the cache: memory (in-process), redis://127.0.0.1:6379/0 or memcache://127.0.0.1:11211")
	flag.StringVar(&s.migrate, "migrate", "all", "migrations applied at start: all, all-but-last (so that both migration gauges are non-zero) or none")
	instrument := flag.Bool("instrument", true, "serve the application through stackprom's HTTP middleware; false serves it without (the rest as is), to measure what the middleware costs")
	flag.Parse()
	s.noHTTPMetrics = !*instrument
	if err := run(*addr, *metricsAddr, *naming, *namespace, s); err != nil {
		log.Fatal(err)
	}
}

// settings are the demo's database, cache and migrations, from its flags.
// The zero value is the defaults: the SQLite file, the in-process cache,
// every migration applied, the HTTP middleware in place.
type settings struct {
	db      string // -db
	cache   string // -cache
	migrate string // -migrate
	// noHTTPMetrics is -instrument=false: the routes are served without
	// stackprom's HTTP middleware.
	noHTTPMetrics bool
}

func run(addr, metricsAddr, naming, namespace string, s settings) error {
	preset, err := stackprom.ParseNaming(naming)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	shared := stackprom.Options(
		stackprom.WithRegisterer(reg),
		stackprom.WithNaming(preset),
		stackprom.WithNamespace(namespace),
	)
	handler, err := app(metricsAddr == "", s, shared)
	if err != nil {
		return err
	}
	// The metrics server starts once app has registered every family, so
	// that no scrape sees a part of them.
	if metricsAddr != "" {
		ms, err := stackprom.StartServer(metricsAddr, shared, stackprom.WithLivePath("/live"))
		if err != nil {
			return err
		}
		defer ms.Shutdown(context.Background())
		log.Printf("metrics on http://%s/metrics", ms.Addr())
		log.Printf("live page on http://%s/live", ms.Addr())
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log.Printf("serving on http://%s/", ln.Addr())
	if metricsAddr == "" {
		log.Printf("metrics on http://%s/metrics", ln.Addr())
		log.Printf("live page on http://%s/live", ln.Addr())
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Print("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// app builds the demo's handler: the routes, and /metrics and the live
// page /live unless they are served on a listener of their own.
func app(serveMetrics bool, s settings, opts ...stackprom.Option) (http.Handler, error) {
	shared := stackprom.Options(opts...)
	m, err := httpmetrics.New(shared)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	routes(mux)
	withModels, err := modelRoutes(mux, s.db, s.migrate, shared)
	if err != nil {
		return nil, err
	}
	if err := sqlRoutes(mux, s.db, shared, withModels); err != nil {
		return nil, err
	}
	if err := cacheRoutes(mux, s.cache, shared); err != nil {
		return nil, err
	}
	if serveMetrics {
		mux.Handle("GET /metrics", stackprom.MustNewHandler(shared))
		mux.Handle("GET /live", stackprom.MustNewLiveHandler(shared))
	}
	if s.noHTTPMetrics {
		// -instrument=false: the same routes, recoverer, database, cache and
		// registry (the HTTP families are registered and stay at zero), but
		// no HTTP middleware on the requests' path.
		return recoverer(mux), nil
	}
	// Before outermost, then a recovery middleware that answers 500 as
	// Django's exception handling does, then After around the router.
	return m.Before(recoverer(m.After(mux))), nil
}
