// Package testenv is the tests' harness for real services: their addresses
// from the environment, programs on PATH, free ports, and servers a test
// starts and stops by process id. A missing service skips the test, or
// fails it when STACKPROM_REQUIRE_SERVICES=1, as CI sets it.
package testenv

import (
	"context"
	"net"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// RequireServicesEnv is the environment variable that turns a skip for a
// missing service or program into a failure, as CI sets it.
const RequireServicesEnv = "STACKPROM_REQUIRE_SERVICES"

// Unavailable skips the test with reason, or fails it when
// STACKPROM_REQUIRE_SERVICES=1 is set.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(RequireServicesEnv) == "1" {
		t.Fatalf("required by "+RequireServicesEnv+"=1: "+format, args...)
	}
	t.Skipf(format, args...)
}

// Addr returns the address in the environment variable env, else def, after
// checking that something accepts TCP connections there; when nothing does,
// the test is skipped (or fails, see Unavailable).
func Addr(t testing.TB, env, def string) string {
	t.Helper()
	addr := os.Getenv(env)
	if addr == "" {
		addr = def
	}
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		Unavailable(t, "no service at %s (set %s): %v", addr, env, err)
		return addr
	}
	c.Close()
	return addr
}

// Program returns the path of an executable on PATH, or skips the test (or
// fails it, see Unavailable) when there is none.
func Program(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Unavailable(t, "%s is not installed: %v", name, err)
	}
	return p
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Process is a server a test started.
type Process struct {
	Cmd  *exec.Cmd
	done chan struct{}
}

// Start starts a program, waits until it accepts TCP connections on addr
// (at most 30 s), and stops it by its process id when the test ends. Its
// output goes to the test log when the test fails.
func Start(t testing.TB, addr string, name string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(name, args...)
	out := &logWriter{t: t, prefix: name}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	p := &Process{Cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.Stop(t) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return p
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited before listening on %s", name, addr)
		case <-ctx.Done():
			t.Fatalf("%s did not listen on %s within 30s: %v", name, addr, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop stops the process by its process id (SIGTERM, then SIGKILL after
// 10 s) and waits for it. Stopping a stopped process does nothing.
func (p *Process) Stop(t testing.TB) {
	select {
	case <-p.done:
		return
	default:
	}
	p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.Cmd.Process.Kill()
		<-p.done
	}
}

type logWriter struct {
	t      testing.TB
	prefix string
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s: %s", w.prefix, p)
	return len(p), nil
}
