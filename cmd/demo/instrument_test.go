package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stackprom/stackprom"
)

// execDemo starts this test binary as the demo with args (see TestMain) and
// returns the process and its standard error; the caller stops it.
func execDemo(t *testing.T, args string) (*exec.Cmd, io.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "STACKPROM_DEMO_MAIN=1", "STACKPROM_DEMO_ARGS="+args)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, stderr
}

// startDemo runs the demo with args (execDemo) and returns the URL it
// serves on; the demo is stopped when the test ends.
func startDemo(t *testing.T, args string) string {
	t.Helper()
	cmd, stderr := execDemo(t, args)
	done := make(chan struct{})
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	urls := make(chan string, 1)
	go func() {
		defer close(done)
		re := regexp.MustCompile(`serving on (http://\S+)/`)
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			if m := re.FindStringSubmatch(lines.Text()); m != nil {
				urls <- m[1]
				break
			}
		}
		io.Copy(io.Discard, stderr)
		cmd.Wait()
	}()
	select {
	case u := <-urls:
		return u
	case <-time.After(30 * time.Second):
		t.Fatalf("the demo (%s) did not log its URL within 30s", args)
	}
	return ""
}

// fetch returns the status, Content-Type and body of GET u.
func fetch(t *testing.T, u string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// httpSamples returns the samples of stackprom's HTTP families (default
// naming) in an exposition whose value is not 0.
func httpSamples(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "http_") || strings.HasSuffix(line, " 0") {
			continue
		}
		out = append(out, line)
	}
	return out
}

// With -instrument=false the demo serves /help as it does with the
// middleware, and no HTTP family counts it; with the default, /help is
// counted (so that the check would see a counted request).
func TestInstrumentFlag(t *testing.T) {
	type served struct {
		status        int
		ctype, body   string
		metrics       string
		helpSeries    bool
		nonZeroSample []string
	}
	serve := func(t *testing.T, flags string) served {
		base := startDemo(t, "-addr 127.0.0.1:0 -db "+t.TempDir()+"/demo.db "+flags)
		var s served
		s.status, s.ctype, s.body = fetch(t, base+"/help")
		_, _, s.metrics = fetch(t, base+"/metrics")
		s.helpSeries = strings.Contains(s.metrics, `view="help"`)
		s.nonZeroSample = httpSamples(s.metrics)
		return s
	}
	with, without := serve(t, ""), serve(t, "-instrument=false")

	if without.status != http.StatusOK || without.status != with.status || without.ctype != with.ctype || without.body != with.body {
		t.Errorf("/help without the middleware: %d %q, %d bytes; with: %d %q, %d bytes",
			without.status, without.ctype, len(without.body), with.status, with.ctype, len(with.body))
	}
	if !strings.Contains(without.body, "<h1>Help</h1>") {
		t.Errorf("/help without the middleware is not the help page:\n%s", without.body)
	}
	if !with.helpSeries || len(with.nonZeroSample) == 0 {
		t.Errorf("with the middleware, /help was not counted:\n%s", strings.Join(with.nonZeroSample, "\n"))
	}
	if without.helpSeries || len(without.nonZeroSample) > 0 {
		t.Errorf("without the middleware, the HTTP families counted /help:\n%s", strings.Join(without.nonZeroSample, "\n"))
	}
	// The HTTP families are still registered (the label-less ones show, at
	// zero), and the rest of the demo's families are there as with the
	// middleware.
	for _, family := range []string{"http_requests_before_middlewares_total", "http_requests_latency_including_middlewares_seconds", "go_goroutines"} {
		if !strings.Contains(without.metrics, "\n# TYPE "+family+" ") {
			t.Errorf("without the middleware, /metrics lacks %s", family)
		}
	}
	for _, component := range []string{"cache", "model", "migration"} {
		checkFamilies(t, without.metrics, stackprom.NamingDefault, "", component)
	}
}
