package memcachemetrics_test

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

// fakeMemcached is an in-process server speaking enough of memcached's text
// protocol for the example: gets, set and delete. Each connection is one
// end of a net.Pipe, handed to gomemcache through its DialContext field, so
// the example runs without a memcached.
type fakeMemcached struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newFakeMemcached() *fakeMemcached { return &fakeMemcached{m: map[string][]byte{}} }

// DialContext is a memcache.Client.DialContext.
func (f *fakeMemcached) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	client, server := net.Pipe()
	go f.serve(server)
	return client, nil
}

func (f *fakeMemcached) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			return
		}
		f.mu.Lock()
		switch fields[0] {
		case "gets", "get":
			for _, k := range fields[1:] {
				if v, ok := f.m[k]; ok {
					fmt.Fprintf(w, "VALUE %s 0 %d 1\r\n%s\r\n", k, len(v), v)
				}
			}
			w.WriteString("END\r\n")
		case "set":
			n, _ := strconv.Atoi(fields[4])
			buf := make([]byte, n+2)
			if _, err := io.ReadFull(r, buf); err != nil {
				f.mu.Unlock()
				return
			}
			f.m[fields[1]] = buf[:n]
			w.WriteString("STORED\r\n")
		case "delete":
			if _, ok := f.m[fields[1]]; ok {
				delete(f.m, fields[1])
				w.WriteString("DELETED\r\n")
			} else {
				w.WriteString("NOT_FOUND\r\n")
			}
		default:
			w.WriteString("ERROR\r\n")
		}
		f.mu.Unlock()
		if w.Flush() != nil {
			return
		}
	}
}
