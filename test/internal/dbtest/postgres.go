package dbtest

import (
	"database/sql"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stackprom/stackprom/internal/testenv"
)

// Postgres is a PostgreSQL server a test runs itself, from the machine's
// binaries (/usr/lib/postgresql/*/bin), in a cluster initialised in a
// temporary directory, on a spare port of 127.0.0.1, so that it can pause
// it (SIGSTOP), resume it and stop it, each by process id. As root, the
// server runs as the postgres user, since PostgreSQL refuses root. The
// test registers the "pgx" driver.
type Postgres struct {
	t      *testing.T
	bin    string
	dir    string
	port   int
	cred   *syscall.Credential
	cmd    *exec.Cmd
	done   chan struct{}
	mu     sync.Mutex
	paused []int // process ids stopped by Pause
}

// StartPostgres initialises a cluster and starts the server; it waits until
// the server accepts queries (at most 60 s) and stops it when the test
// ends. Without the binaries (or, as root, without a postgres user) it
// skips the test, or fails it under STACKPROM_REQUIRE_SERVICES=1.
func StartPostgres(t *testing.T) *Postgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(bins) == 0 {
		testenv.Unavailable(t, "no postgres binary under /usr/lib/postgresql/*/bin")
		return nil
	}
	p := &Postgres{t: t, bin: filepath.Dir(bins[len(bins)-1]), port: testenv.FreePort(t)}
	base := t.TempDir()
	p.dir = filepath.Join(base, "pgdata")
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			testenv.Unavailable(t, "running as root and no postgres user: %v", err)
			return nil
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		p.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		for d := base; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
			os.Chmod(d, 0o755) // let the postgres user reach its directory
		}
		if err := os.Mkdir(p.dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p.dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	out, err := p.command("initdb", "-D", p.dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync").CombinedOutput()
	if err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	p.Start()
	return p
}

func (p *Postgres) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(p.bin, name), args...)
	if p.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	}
	return cmd
}

// DSN is the data source name of the server's postgres database, for pgx.
func (p *Postgres) DSN() string {
	return "postgres://postgres@127.0.0.1:" + strconv.Itoa(p.port) + "/postgres?sslmode=disable&connect_timeout=5"
}

// Start starts the server (again, after Stop) and waits until it accepts
// queries, at most 60 s.
func (p *Postgres) Start() {
	p.t.Helper()
	p.cmd = p.command("postgres", "-D", p.dir, "-p", strconv.Itoa(p.port), "-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories="+p.dir, "-c", "fsync=off", "-c", "max_connections=20", "-c", "shared_buffers=16MB")
	out := &pgLog{t: p.t}
	p.cmd.Stdout, p.cmd.Stderr = out, out
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.done = make(chan struct{})
	cmd, done := p.cmd, p.done
	go func() { cmd.Wait(); close(done) }()
	p.t.Cleanup(p.Stop)
	db, err := sql.Open("pgx", p.DSN())
	if err != nil {
		p.t.Fatal(err)
	}
	defer db.Close()
	for deadline := time.Now().Add(60 * time.Second); db.Ping() != nil; {
		select {
		case <-done:
			p.t.Fatal("postgres exited while starting")
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Fatal("postgres did not accept connections within 60s")
		}
	}
}

// Pause stops the server with SIGSTOP, the postmaster first, so that it
// forks no more, then every process it started: the server and its open
// sessions stall, and connections are accepted by the kernel but never
// answered, as on a machine that froze.
func (p *Postgres) Pause() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	pid := p.cmd.Process.Pid
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		p.t.Fatalf("SIGSTOP postgres %d: %v", pid, err)
	}
	p.paused = append(p.paused, pid)
	for _, child := range childrenOf(pid) {
		if syscall.Kill(child, syscall.SIGSTOP) == nil {
			p.paused = append(p.paused, child)
		}
	}
}

// Resume continues the processes Pause stopped (SIGCONT).
func (p *Postgres) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pid := range p.paused {
		syscall.Kill(pid, syscall.SIGCONT)
	}
	p.paused = nil
}

// Stop resumes the server if paused, then stops it by its process id with
// a fast shutdown (SIGINT), which ends the sessions at once, and waits for
// it to exit (SIGKILL after 30 s). The test's end stops it too.
func (p *Postgres) Stop() {
	p.Resume()
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// childrenOf lists the processes whose parent is pid, from /proc.
func childrenOf(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, stat := range stats {
		b, err := os.ReadFile(stat)
		if err != nil {
			continue // exited meanwhile
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 || f[1] != strconv.Itoa(pid) {
			continue
		}
		if child, err := strconv.Atoi(strings.Fields(s)[0]); err == nil {
			out = append(out, child)
		}
	}
	return out
}

type pgLog struct{ t *testing.T }

func (w *pgLog) Write(b []byte) (int, error) { w.t.Logf("postgres: %s", b); return len(b), nil }
