package redismetrics

import (
	"context"
	"errors"
	"net"

	"github.com/redis/go-redis/v9"

	"github.com/stackprom/stackprom/cachemetrics"
)

// Hook is a redis.Hook that records the cache families. Add it to a client
// with AddHook, or let Instrument do it. It is safe for concurrent use.
type Hook struct {
	rec  *cachemetrics.Recorder
	pool prometheusCollector
}

var _ redis.Hook = (*Hook)(nil)

// New builds the cache families, registers them (see
// stackprom.WithRegisterer) and returns a hook that records into them. The
// backend label defaults to "redis" (cachemetrics.WithBackend names the
// cache) and operation durations are measured (cachemetrics.WithLatency
// turns them off). It returns an error if an option is invalid or a family
// clashes with another collector.
func New(opts ...cachemetrics.Option) (*Hook, error) {
	rec, err := cachemetrics.New(append([]cachemetrics.Option{cachemetrics.WithBackend(cachemetrics.Redis)}, opts...)...)
	if err != nil {
		return nil, err
	}
	return &Hook{rec: rec}, nil
}

// MustNew is New for use in a one-line setup; it panics on error.
func MustNew(opts ...cachemetrics.Option) *Hook {
	h, err := New(opts...)
	if err != nil {
		panic(err)
	}
	return h
}

// Recorder returns the hook's recorder, to count operations the hook does
// not see (a local cache in front of Redis, say).
func (h *Hook) Recorder() *cachemetrics.Recorder { return h.rec }

// DialHook returns next: dialing is not a cache operation.
func (h *Hook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr)
	}
}

// ProcessHook counts and times a command that is a get, a set or a delete,
// and passes every other command straight to next.
func (h *Hook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		cl := classify(cmd.Args())
		if cl == other {
			return next(ctx, cmd)
		}
		start := h.rec.Start()
		err := next(ctx, cmd)
		h.record(cmd, cl, err)
		h.rec.Since(ctx, cl.op(), start)
		return err
	}
}

// ProcessPipelineHook counts each command of a pipeline or transaction as
// ProcessHook does, and times the whole batch as the "pipeline" operation
// when it holds at least one counted command.
func (h *Hook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		counted := false
		for _, cmd := range cmds {
			if classify(cmd.Args()) != other {
				counted = true
				break
			}
		}
		if !counted {
			return next(ctx, cmds)
		}
		start := h.rec.Start()
		err := next(ctx, cmds)
		for _, cmd := range cmds {
			cl := classify(cmd.Args())
			if cl == other {
				continue
			}
			cerr := cmd.Err()
			if cerr != nil && errors.Is(cerr, redis.TxFailedErr) {
				continue // WATCH aborted the transaction: the command did not run
			}
			h.record(cmd, cl, cerr)
		}
		h.rec.Since(ctx, cachemetrics.OpPipeline, start)
		return err
	}
}

// isNil reports whether err is Redis's "no such key" answer.
func isNil(err error) bool {
	return err == redis.Nil || errors.Is(err, redis.Nil)
}

// failure is err unless it is nil or redis.Nil.
func failure(err error) error {
	if err == nil || isNil(err) {
		return nil
	}
	return err
}

func (h *Hook) record(cmd redis.Cmder, cl class, err error) {
	args := cmd.Args()
	switch cl {
	case readOne:
		switch {
		case err == nil:
			h.rec.Hit()
		case isNil(err):
			h.rec.Miss()
		default:
			h.rec.Fail()
		}
	case readKeys, readFields:
		n := len(args) - cl.fixed()
		if failure(err) != nil {
			h.rec.Gets(0, 0, max(n, 1))
			return
		}
		vals, ok := values(cmd)
		if !ok {
			h.rec.Gets(max(n, 1), 0, 0)
			return
		}
		hits := 0
		for _, v := range vals {
			if v != nil {
				hits++
			}
		}
		h.rec.Gets(hits, len(vals)-hits, 0)
	case writeOne:
		h.rec.Set(failure(err))
	case writePairs, writeFieldPairs:
		n := max((len(args)-cl.fixed())/2, 1)
		failed := 0
		if failure(err) != nil {
			failed = n
		}
		h.rec.Sets(n, failed)
	case deleteKeys, deleteFields:
		n := max(len(args)-cl.fixed(), 1)
		failed := 0
		if failure(err) != nil {
			failed = n
		}
		h.rec.Deletes(n, failed)
	}
}

// values returns the entries of an MGET or HMGET reply, whether it came
// from the typed method (*redis.SliceCmd) or from Do (*redis.Cmd).
func values(cmd redis.Cmder) ([]any, bool) {
	switch c := cmd.(type) {
	case *redis.SliceCmd:
		return c.Val(), true
	case *redis.Cmd:
		v, ok := c.Val().([]any)
		return v, ok
	}
	return nil, false
}
