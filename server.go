package stackprom

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/stackprom/stackprom/internal/config"
)

// WithPath sets the path the metrics server serves metrics on, matched
// exactly. The default is /metrics.
func WithPath(path string) ServerOption {
	return config.ServerFunc(func(c *config.Config) {
		if len(path) == 0 || path[0] != '/' {
			c.Fail(errorf("WithPath: %q does not start with /", path))
			return
		}
		c.Export.Path = path
	})
}

// WithLivePath makes the metrics server serve the live page (see
// NewLiveHandler) on path too, beside the metrics, with the same
// credentials. The path is matched exactly and must differ from WithPath's.
// The default is no live page.
func WithLivePath(path string) ServerOption {
	return config.ServerFunc(func(c *config.Config) {
		if len(path) == 0 || path[0] != '/' {
			c.Fail(errorf("WithLivePath: %q does not start with /", path))
			return
		}
		c.Export.LivePath = path
	})
}

// WithReadTimeout bounds the time the metrics server takes to read a
// request, headers and body, from its start (the connection's accept, or
// on a kept-alive connection its first bytes): a client that sends slowly
// (slowloris) is cut at d. The default is 10 s, ample for a scrape, which
// is one small GET. A d that is not positive is an error.
func WithReadTimeout(d time.Duration) ServerOption {
	return positiveDuration("WithReadTimeout", d, func(e *config.Export) *time.Duration { return &e.ReadTimeout })
}

// WithWriteTimeout bounds the time the metrics server takes to answer a
// request, from the end of its headers to the last byte written: a client
// that reads slowly is cut at d. It must be longer than the handler's
// timeout (WithHandlerTimeout), so that the handler's 503 can still be
// written; StartServer reports an error otherwise. The default is 15 s,
// the handler's default 10 s and 5 s to write. A d that is not positive is
// an error.
func WithWriteTimeout(d time.Duration) ServerOption {
	return positiveDuration("WithWriteTimeout", d, func(e *config.Export) *time.Duration { return &e.WriteTimeout })
}

// WithIdleTimeout sets how long the metrics server keeps an idle keep-alive
// connection open, waiting for the next request, before closing it. The
// default, 2 minutes, outlasts Prometheus's default scrape interval (1
// minute), so a scraper keeps its connection from one scrape to the next,
// while connections left idle do not pile up. A d that is not positive is
// an error.
func WithIdleTimeout(d time.Duration) ServerOption {
	return positiveDuration("WithIdleTimeout", d, func(e *config.Export) *time.Duration { return &e.IdleTimeout })
}

// positiveDuration is the ServerOption named name that sets the field of the
// export configuration that field returns to d, or fails when d is not
// positive.
func positiveDuration(name string, d time.Duration, field func(*config.Export) *time.Duration) ServerOption {
	return config.ServerFunc(func(c *config.Config) {
		if d <= 0 {
			c.Fail(errorf("%s(%v): need a positive duration", name, d))
			return
		}
		*field(&c.Export) = d
	})
}

// WithMaxHeaderBytes caps the size of a request's header (request line
// included) the metrics server reads: a larger one gets 431 Request Header
// Fields Too Large. net/http allows 4 KiB past the cap before it answers so.
// The default, 16 KiB, holds a scrape's headers many times over, a long
// bearer token included. An n that is not positive is an error.
func WithMaxHeaderBytes(n int) ServerOption {
	return config.ServerFunc(func(c *config.Config) {
		if n <= 0 {
			c.Fail(errorf("WithMaxHeaderBytes(%d): need a positive size", n))
			return
		}
		c.Export.MaxHeaderBytes = n
	})
}

// listen is net.Listen; tests replace it.
var listen = net.Listen

// Server is a metrics server on a listener of its own, apart from the
// application's: the Go counterpart of PROMETHEUS_METRICS_EXPORT_PORT and
// PROMETHEUS_METRICS_EXPORT_PORT_RANGE. It serves NewHandler's handler on /metrics (see
// WithPath), the live page where WithLivePath says, and 404 elsewhere.
type Server struct {
	srv  *http.Server
	addr string
	done chan struct{}
	mu   sync.Mutex
	err  error // from Serve, other than http.ErrServerClosed
}

// StartServer listens on addr ("127.0.0.1:9100", ":9100", or port 0 for any
// free port) and serves metrics in a goroutine until Shutdown. It returns
// once the listener is bound, so Addr is the address scrapers can use.
//
// The server bounds what a client can hold: reading a request
// (WithReadTimeout, 10 s), writing the answer (WithWriteTimeout, 15 s), an
// idle keep-alive connection (WithIdleTimeout, 2 minutes) and a request's
// header (WithMaxHeaderBytes, 16 KiB); its handler bounds the scrapes in
// flight and their duration (WithMaxRequestsInFlight, WithHandlerTimeout).
func StartServer(addr string, opts ...ServerOption) (*Server, error) {
	c, err := newServerConfig(opts)
	if err != nil {
		return nil, err
	}
	ln, err := listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("stackprom: metrics server: %w", err)
	}
	return serve(c, ln), nil
}

// StartServerInRange listens on host at the first free port from first to
// last inclusive, as django-prometheus's port range does for several worker
// processes on one host. It fails, naming the range, if no port is free.
func StartServerInRange(host string, first, last int, opts ...ServerOption) (*Server, error) {
	if first < 1 || last > 65535 || first > last {
		return nil, fmt.Errorf("stackprom: metrics server: invalid port range %d-%d", first, last)
	}
	c, err := newServerConfig(opts)
	if err != nil {
		return nil, err
	}
	var lastErr error
	for port := first; port <= last; port++ {
		ln, err := listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err == nil {
			return serve(c, ln), nil
		}
		lastErr = err
	}
	// One error, not one per port: a range may be thousands of ports long.
	return nil, fmt.Errorf("stackprom: metrics server: no free port on %q in %d-%d (last error: %w)",
		host, first, last, lastErr)
}

// newServerConfig applies the options of a metrics server and checks
// that they fit together.
func newServerConfig(opts []ServerOption) (*config.Config, error) {
	c, err := config.New(opts)
	if err != nil {
		return nil, err
	}
	if e := c.Export; e.LivePath == e.Path {
		return nil, errorf("metrics server: WithLivePath(%q) is the metrics' path too", e.LivePath)
	}
	if e := c.Export; e.HandlerTimeout > 0 && e.WriteTimeout <= e.HandlerTimeout {
		return nil, errorf("metrics server: the write timeout (%v, WithWriteTimeout) must be longer than the handler timeout (%v, WithHandlerTimeout), so that the handler's 503 can be written", e.WriteTimeout, e.HandlerTimeout)
	}
	return c, nil
}

func serve(c *config.Config, ln net.Listener) *Server {
	path, metrics := c.Export.Path, newHandler(c)
	livePath, live := c.Export.LivePath, http.Handler(nil)
	if livePath != "" {
		live = newLiveHandler(c)
	}
	s := &Server{
		srv: &http.Server{
			// The path is matched exactly; it is not a ServeMux pattern,
			// whose syntax ("{", a space) would make WithPath panic here.
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.URL.Path == path:
					metrics.ServeHTTP(w, r)
				case r.URL.Path == livePath && live != nil:
					live.ServeHTTP(w, r)
				default:
					http.NotFound(w, r)
				}
			}),
			ReadTimeout:       c.Export.ReadTimeout,
			ReadHeaderTimeout: c.Export.ReadTimeout,
			WriteTimeout:      c.Export.WriteTimeout,
			IdleTimeout:       c.Export.IdleTimeout,
			MaxHeaderBytes:    c.Export.MaxHeaderBytes,
		},
		addr: ln.Addr().String(),
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
		}
	}()
	return s
}

// Addr is the address the server is bound to, such as "127.0.0.1:9100".
func (s *Server) Addr() string { return s.addr }

// Shutdown stops the server gracefully: it stops accepting scrapes and waits
// for those in progress until ctx is done. It returns the error that
// stopped serving early, if one did, or ctx's error; after ctx's error,
// Shutdown may be called again, or Close.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.stop(s.srv.Shutdown(ctx))
}

// Close stops the server at once, closing its listener and every
// connection, scrapes in progress included. It returns the error that
// stopped serving early, if one did.
func (s *Server) Close() error {
	return s.stop(s.srv.Close())
}

func (s *Server) stop(err error) error {
	if errors.Is(err, net.ErrClosed) {
		// The listener was closed by an earlier Shutdown or Close.
		err = nil
	}
	if err == nil {
		<-s.done
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.err, err)
}
