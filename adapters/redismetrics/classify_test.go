package redismetrics

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/cachemetrics"
)

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		args []any
		want class
	}{
		{[]any{"get", "k"}, readOne},
		{[]any{"GET", "k"}, readOne},
		{[]any{"gEtDeL", "k"}, readOne},
		{[]any{"getex", "k"}, readOne},
		{[]any{"hget", "h", "f"}, readOne},
		{[]any{"mget", "a", "b"}, readKeys},
		{[]any{"HMGET", "h", "a"}, readFields},
		{[]any{"set", "k", "v"}, writeOne},
		{[]any{"SETEX", "k", 1, "v"}, writeOne},
		{[]any{"setnx", "k", "v"}, writeOne},
		{[]any{"psetex", "k", 1, "v"}, writeOne},
		{[]any{"hsetnx", "h", "f", "v"}, writeOne},
		{[]any{"mset", "a", 1}, writePairs},
		{[]any{"msetnx", "a", 1}, writePairs},
		{[]any{"hset", "h", "f", 1}, writeFieldPairs},
		{[]any{"hmset", "h", "f", 1}, writeFieldPairs},
		{[]any{"del", "a"}, deleteKeys},
		{[]any{"UNLINK", "a"}, deleteKeys},
		{[]any{"hdel", "h", "f"}, deleteFields},
		{[]any{"incr", "k"}, other},
		{[]any{"INCR", "k"}, other},
		{[]any{"getrange", "k", 0, 1}, other},
		{[]any{"cluster", "info"}, other},
		{[]any{[]byte("get"), "k"}, other},
		{[]any{""}, other},
		{nil, other},
	} {
		if got := classify(c.args); got != c.want {
			t.Errorf("classify(%v) = %d, want %d", c.args, got, c.want)
		}
	}
}

// A command through the hook allocates nothing, whatever its outcome, with
// latency on or off; so does a pipeline.
func TestHookAllocations(t *testing.T) {
	ctx := context.Background()
	for _, latency := range []bool{true, false} {
		h, err := New(stackprom.WithRegisterer(prometheus.NewRegistry()), cachemetrics.WithLatency(latency))
		if err != nil {
			t.Fatal(err)
		}
		down := errors.New("down")
		for name, c := range map[string]struct {
			cmd redis.Cmder
			err error
		}{
			"GET hit":        {redis.NewStringCmd(ctx, "get", "k"), nil},
			"GET miss":       {redis.NewStringCmd(ctx, "get", "k"), redis.Nil},
			"GET failed":     {redis.NewStringCmd(ctx, "get", "k"), down},
			"GET upper case": {redis.NewStringCmd(ctx, "GET", "k"), nil},
			"MGET":           {redis.NewSliceCmd(ctx, "mget", "a", "b"), nil},
			"SET":            {redis.NewStatusCmd(ctx, "set", "k", "v"), nil},
			"DEL":            {redis.NewIntCmd(ctx, "del", "a", "b"), nil},
			"INCR":           {redis.NewIntCmd(ctx, "incr", "a"), nil},
		} {
			process := h.ProcessHook(func(ctx context.Context, cmd redis.Cmder) error { return c.err })
			if n := testing.AllocsPerRun(100, func() { process(ctx, c.cmd) }); n != 0 {
				t.Errorf("latency %v, %s: %v allocations", latency, name, n)
			}
		}
		cmds := []redis.Cmder{redis.NewStringCmd(ctx, "get", "a"), redis.NewStatusCmd(ctx, "set", "a", "b"), redis.NewIntCmd(ctx, "incr", "n")}
		pipeline := h.ProcessPipelineHook(func(ctx context.Context, cmds []redis.Cmder) error { return nil })
		if n := testing.AllocsPerRun(100, func() { pipeline(ctx, cmds) }); n != 0 {
			t.Errorf("latency %v, pipeline: %v allocations", latency, n)
		}
	}
}

// counted is every command name classify counts, by class: the table the
// fuzz target checks classify against.
var counted = map[string]class{
	"get": readOne, "getex": readOne, "getdel": readOne, "hget": readOne,
	"mget": readKeys, "hmget": readFields,
	"set": writeOne, "setex": writeOne, "setnx": writeOne, "psetex": writeOne, "hsetnx": writeOne,
	"mset": writePairs, "msetnx": writePairs, "hset": writeFieldPairs, "hmset": writeFieldPairs,
	"del": deleteKeys, "unlink": deleteKeys, "hdel": deleteFields,
}

// FuzzClassify: whatever a command's name and arguments, classify gives
// one of its classes, the one the name has in ASCII letters of either case
// (Redis compares command names so), never one for a name that is not a
// string or not a counted command, whatever the other arguments; and a
// counted class maps to a get, set or delete and to one or two arguments
// before its keys.
func FuzzClassify(f *testing.F) {
	for name := range counted {
		f.Add(name, 2)
		f.Add(strings.ToUpper(name), 1)
	}
	for _, name := range []string{"", "incr", "getrange", "GETſ", "ſet", "SEt\u212a", "get\x00", "GET ", "hGeT", "\xff", "mgetx", "cluster"} {
		f.Add(name, 0)
	}
	f.Fuzz(func(t *testing.T, name string, n int) {
		n = min(max(n, 0), 8)
		args := []any{name}
		for i := range n {
			args = append(args, i)
		}
		c := classify(args)
		if c > deleteFields {
			t.Fatalf("classify(%q) = %d: no such class", name, c)
		}
		if want := counted[asciiLower(name)]; c != want {
			t.Fatalf("classify(%q) = %d, want %d", name, c, want)
		}
		if c2 := classify([]any{[]byte(name)}); c2 != other {
			t.Fatalf("classify(%q as []byte) = %d, want other", name, c2)
		}
		if c == other {
			return
		}
		if op := c.op(); op != cachemetrics.OpGet && op != cachemetrics.OpSet && op != cachemetrics.OpDelete {
			t.Fatalf("class %d: op %v", c, op)
		}
		if k := c.fixed(); k < 1 || k > 2 {
			t.Fatalf("class %d: %d fixed arguments", c, k)
		}
	})
}

// asciiLower lowers ASCII letters only, byte by byte.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
