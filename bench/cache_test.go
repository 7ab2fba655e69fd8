package bench

import (
	"bufio"
	"context"
	"io"
	"net"
	"strconv"
	"testing"

	"github.com/maypok86/otter/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/adapters/ottermetrics"
	"github.com/stackprom/stackprom/adapters/redismetrics"
	"github.com/stackprom/stackprom/cachemetrics"
	"github.com/stackprom/stackprom/internal/testenv"
	"github.com/stackprom/stackprom/stackpromtest"
)

// pipeRedis is an in-process Redis stand-in for the in-memory transport:
// each connection is one end of a net.Pipe handed to go-redis through its
// Dialer option, served by a goroutine that reads one RESP command at a
// time and answers GET with a fixed 5-byte value and anything else with
// +OK. It does only what a GET needs, so that the transport's cost is a
// pair of goroutine hand-offs (a few µs) rather than a network round trip
// (about 65 µs on loopback), which would hide the hook.
func pipeRedis(ctx context.Context, network, addr string) (net.Conn, error) {
	client, server := net.Pipe()
	go func() {
		defer server.Close()
		r := bufio.NewReader(server)
		w := bufio.NewWriter(server)
		var name [8]byte
		for {
			n, err := readArrayLen(r)
			if err != nil {
				return
			}
			cmd := ""
			for i := range n {
				arg, err := readBulk(r, name[:0])
				if err != nil {
					return
				}
				if i == 0 {
					cmd = string(arg)
				}
			}
			switch cmd {
			case "get", "GET":
				w.WriteString("$5\r\nhello\r\n")
			case "hello", "HELLO": // go-redis then speaks RESP2
				w.WriteString("-ERR unknown command 'hello'\r\n")
			default:
				w.WriteString("+OK\r\n")
			}
			if w.Flush() != nil {
				return
			}
		}
	}()
	return client, nil
}

func readArrayLen(r *bufio.Reader) (int, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 4 || line[0] != '*' {
		return 0, io.ErrUnexpectedEOF
	}
	return strconv.Atoi(string(line[1 : len(line)-2]))
}

// readBulk reads one bulk string, keeping at most cap(buf) bytes of it.
func readBulk(r *bufio.Reader, buf []byte) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 4 || line[0] != '$' {
		return nil, io.ErrUnexpectedEOF
	}
	n, err := strconv.Atoi(string(line[1 : len(line)-2]))
	if err != nil {
		return nil, err
	}
	for i := 0; i < n+2; i++ {
		c, err := r.ReadByte()
		if err != nil {
			return nil, err
		}
		if i < n && len(buf) < cap(buf) {
			buf = append(buf, c)
		}
	}
	return buf, nil
}

// redisImpl is one way of instrumenting a go-redis client.
type redisImpl struct {
	name       string
	instrument func(tb testing.TB, reg *prometheus.Registry, rdb *redis.Client)
	check      func(tb testing.TB, reg *prometheus.Registry)
}

var redisImpls = []redisImpl{
	{name: "plain", instrument: func(testing.TB, *prometheus.Registry, *redis.Client) {}},
	{name: "stackprom", instrument: func(tb testing.TB, reg *prometheus.Registry, rdb *redis.Client) {
		if _, err := redismetrics.Instrument(rdb, stackprom.WithRegisterer(reg)); err != nil {
			tb.Fatal(err)
		}
	}, check: func(tb testing.TB, reg *prometheus.Registry) {
		stackpromtest.AssertValue(tb, reg, 1, "cache_get_hits_total", prometheus.Labels{"backend": "redis"})
	}},
	{name: "stackprom-nolatency", instrument: func(tb testing.TB, reg *prometheus.Registry, rdb *redis.Client) {
		if _, err := redismetrics.Instrument(rdb, stackprom.WithRegisterer(reg), cachemetrics.WithLatency(false)); err != nil {
			tb.Fatal(err)
		}
	}, check: func(tb testing.TB, reg *prometheus.Registry) {
		stackpromtest.AssertValue(tb, reg, 1, "cache_get_hits_total", prometheus.Labels{"backend": "redis"})
	}},
	{name: "redisotel", instrument: func(tb testing.TB, reg *prometheus.Registry, rdb *redis.Client) {
		exp, err := otelprom.New(otelprom.WithRegisterer(reg))
		if err != nil {
			tb.Fatal(err)
		}
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
		if err := redisotel.InstrumentMetrics(rdb, redisotel.WithMeterProvider(mp)); err != nil {
			tb.Fatal(err)
		}
	}, check: func(tb testing.TB, reg *prometheus.Registry) {
		mfs, err := reg.Gather()
		if err != nil {
			tb.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "db_client_connections_use_time_milliseconds" { // its per-command histogram
				return
			}
		}
		tb.Error("redisotel exported no db_client_connections_use_time_milliseconds")
	}},
}

// The in-memory transport, and the machine's Redis (STACKPROM_REDIS_ADDR,
// default 127.0.0.1:6379; skipped without one).
var redisTransports = []struct {
	name string
	opts func(tb testing.TB) *redis.Options
}{
	{"pipe", func(testing.TB) *redis.Options {
		return &redis.Options{Addr: "pipe", Dialer: pipeRedis, Protocol: 2, DisableIdentity: true, PoolSize: 16}
	}},
	{"redis", func(tb testing.TB) *redis.Options {
		addr := testenv.Addr(tb, "STACKPROM_REDIS_ADDR", "127.0.0.1:6379")
		return &redis.Options{Addr: addr, DB: 14, PoolSize: 16}
	}},
}

const benchKey = "stackprom:bench:key"

// BenchmarkRedisGet runs one GET of a present key through a plain go-redis
// client and through each instrumentation, over each transport, one at a
// time (mode=serial) or from GOMAXPROCS goroutines (mode=parallel).
func BenchmarkRedisGet(b *testing.B) {
	ctx := context.Background()
	for _, tr := range redisTransports {
		for _, mode := range []string{"serial", "parallel"} {
			for _, im := range redisImpls {
				b.Run("transport="+tr.name+"/mode="+mode+"/impl="+im.name, func(b *testing.B) {
					rdb := redis.NewClient(tr.opts(b))
					defer rdb.Close()
					if err := rdb.Set(ctx, benchKey, "hello", 0).Err(); err != nil {
						b.Fatal(err)
					}
					reg := prometheus.NewRegistry()
					im.instrument(b, reg, rdb)
					if err := rdb.Get(ctx, benchKey).Err(); err != nil {
						b.Fatal(err)
					}
					if im.check != nil {
						im.check(b, reg)
					}
					b.ReportAllocs()
					cpu := startCPU()
					if mode == "serial" {
						for b.Loop() {
							rdb.Get(ctx, benchKey)
						}
					} else {
						b.ResetTimer()
						b.RunParallel(func(pb *testing.PB) {
							for pb.Next() {
								rdb.Get(ctx, benchKey)
							}
						})
					}
					cpu.report(b)
				})
			}
		}
	}
}

// BenchmarkRedisHook measures the hooks alone: one GET command through the
// process hook chain whose innermost step returns at once, as the client's
// own would after the round trip. It is the cost each hook adds per
// command, without the transport's noise.
func BenchmarkRedisHook(b *testing.B) {
	ctx := context.Background()
	for _, mode := range []string{"serial", "parallel"} {
		for _, im := range []struct {
			name string
			hook func(tb testing.TB) redis.Hook
		}{
			{"none", func(testing.TB) redis.Hook { return nil }},
			{"stackprom", func(tb testing.TB) redis.Hook {
				h, err := redismetrics.New(stackprom.WithRegisterer(prometheus.NewRegistry()))
				if err != nil {
					tb.Fatal(err)
				}
				return h
			}},
			{"stackprom-nolatency", func(tb testing.TB) redis.Hook {
				h, err := redismetrics.New(stackprom.WithRegisterer(prometheus.NewRegistry()), cachemetrics.WithLatency(false))
				if err != nil {
					tb.Fatal(err)
				}
				return h
			}},
		} {
			b.Run("mode="+mode+"/impl="+im.name, func(b *testing.B) {
				process := redis.ProcessHook(func(ctx context.Context, cmd redis.Cmder) error { return nil })
				if h := im.hook(b); h != nil {
					process = h.ProcessHook(process)
				}
				b.ReportAllocs()
				cpu := startCPU()
				if mode == "serial" {
					cmd := redis.NewStringCmd(ctx, "get", benchKey)
					for b.Loop() {
						process(ctx, cmd)
					}
				} else {
					b.ResetTimer()
					b.RunParallel(func(pb *testing.PB) {
						cmd := redis.NewStringCmd(ctx, "get", benchKey)
						for pb.Next() {
							process(ctx, cmd)
						}
					})
				}
				cpu.report(b)
			})
		}
	}
}

// memoryGetter is one in-process cache under test.
type memoryGetter interface {
	GetIfPresent(string) (int, bool)
}

// BenchmarkMemoryGet runs one get of a present key on a bare otter cache
// and on stackprom's in-process cache (otter reporting to the cache
// families), with latency off (the default) and on.
func BenchmarkMemoryGet(b *testing.B) {
	const keys = 1024
	names := make([]string, keys)
	for i := range names {
		names[i] = "key" + strconv.Itoa(i)
	}
	for _, mode := range []string{"serial", "parallel"} {
		for _, im := range []struct {
			name  string
			build func(tb testing.TB) (memoryGetter, func(string, int))
		}{
			{"otter", func(tb testing.TB) (memoryGetter, func(string, int)) {
				c := otter.Must(&otter.Options[string, int]{MaximumSize: 10 * keys})
				return c, func(k string, v int) { c.Set(k, v) }
			}},
			{"stackprom", func(tb testing.TB) (memoryGetter, func(string, int)) {
				c, err := ottermetrics.New(&otter.Options[string, int]{MaximumSize: 10 * keys}, stackprom.WithRegisterer(prometheus.NewRegistry()))
				if err != nil {
					tb.Fatal(err)
				}
				return c, func(k string, v int) { c.Set(k, v) }
			}},
			{"stackprom-latency", func(tb testing.TB) (memoryGetter, func(string, int)) {
				c, err := ottermetrics.New(&otter.Options[string, int]{MaximumSize: 10 * keys},
					stackprom.WithRegisterer(prometheus.NewRegistry()), cachemetrics.WithLatency(true))
				if err != nil {
					tb.Fatal(err)
				}
				return c, func(k string, v int) { c.Set(k, v) }
			}},
		} {
			b.Run("mode="+mode+"/impl="+im.name, func(b *testing.B) {
				c, set := im.build(b)
				for i, k := range names {
					set(k, i)
				}
				b.ReportAllocs()
				cpu := startCPU()
				if mode == "serial" {
					i := 0
					for b.Loop() {
						c.GetIfPresent(names[i%keys])
						i++
					}
				} else {
					b.ResetTimer()
					b.RunParallel(func(pb *testing.PB) {
						i := 0
						for pb.Next() {
							c.GetIfPresent(names[i%keys])
							i++
						}
					})
				}
				cpu.report(b)
			})
		}
	}
}
