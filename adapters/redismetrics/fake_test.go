package redismetrics_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
)

// fakeRedis is an in-process server speaking enough RESP2 for the example:
// GET, SET, DEL, MGET and PING on string keys. Each connection is one end
// of a net.Pipe, handed to go-redis by its Dialer option, so the example
// runs without a Redis server.
type fakeRedis struct {
	mu sync.Mutex
	m  map[string]string
}

func newFakeRedis() *fakeRedis { return &fakeRedis{m: map[string]string{}} }

// Dial is a redis.Options.Dialer.
func (f *fakeRedis) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	client, server := net.Pipe()
	go f.serve(server)
	return client, nil
}

func (f *fakeRedis) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	for {
		args, err := readCommand(r)
		if err != nil {
			return
		}
		f.reply(w, args)
		if w.Flush() != nil {
			return
		}
	}
}

func (f *fakeRedis) reply(w *bufio.Writer, args []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	bulk := func(v string, ok bool) {
		if !ok {
			w.WriteString("$-1\r\n")
			return
		}
		fmt.Fprintf(w, "$%d\r\n%s\r\n", len(v), v)
	}
	switch strings.ToLower(args[0]) {
	case "get":
		v, ok := f.m[args[1]]
		bulk(v, ok)
	case "set":
		f.m[args[1]] = args[2]
		w.WriteString("+OK\r\n")
	case "del":
		n := 0
		for _, k := range args[1:] {
			if _, ok := f.m[k]; ok {
				delete(f.m, k)
				n++
			}
		}
		fmt.Fprintf(w, ":%d\r\n", n)
	case "mget":
		fmt.Fprintf(w, "*%d\r\n", len(args)-1)
		for _, k := range args[1:] {
			v, ok := f.m[k]
			bulk(v, ok)
		}
	case "ping":
		w.WriteString("+PONG\r\n")
	case "hello":
		w.WriteString("-ERR unknown command 'hello'\r\n")
	default:
		w.WriteString("+OK\r\n")
	}
}

// readCommand reads one RESP array of bulk strings.
func readCommand(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || line[0] != '*' {
		return nil, fmt.Errorf("fake redis: unexpected %q", line)
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil || n < 1 {
		return nil, fmt.Errorf("fake redis: bad array %q", line)
	}
	args := make([]string, n)
	for i := range args {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		size, err := strconv.Atoi(strings.TrimSpace(line[1:]))
		if err != nil || line[0] != '$' {
			return nil, fmt.Errorf("fake redis: bad bulk %q", line)
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		args[i] = string(buf[:size])
	}
	return args, nil
}
