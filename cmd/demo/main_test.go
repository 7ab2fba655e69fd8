package main

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
)

// TestMain lets TestBinary run this test binary as the demo itself.
func TestMain(m *testing.M) {
	if os.Getenv("STACKPROM_DEMO_MAIN") == "1" {
		os.Args = append(os.Args[:1], strings.Fields(os.Getenv("STACKPROM_DEMO_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// visit requests every route of the demo once, as a new user would with curl.
func visit(t *testing.T, base string) {
	t.Helper()
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/", 200}, {"POST", "/", 200}, {"GET", "/help", 200}, {"GET", "/slow", 200},
		{"GET", "/objection", 500}, {"GET", "/file", 200}, {"GET", "/download", 200}, {"GET", "/no-such-page", 404},
		{"GET", "/cache", 200}, {"POST", "/newlawn/bordeaux", 201},
	} {
		var body io.Reader
		if c.method == "POST" {
			body = strings.NewReader(url.Values{"name": {"rex"}}.Encode())
		}
		req, _ := http.NewRequest(c.method, base+c.path, body)
		if body != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: status %d, want %d", c.method, c.path, resp.StatusCode, c.status)
		}
	}
}

func scrape(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d\n%s", u, resp.StatusCode, b)
	}
	return string(b)
}

// checkFamilies fails unless the exposition has every family of component.
func checkFamilies(t *testing.T, text string, n stackprom.Naming, namespace, component string) {
	t.Helper()
	for _, f := range stackprom.Families() {
		if f.Component != component || f.Name == "migrations_run_duration_seconds" { // pushed by migration jobs only
			continue
		}
		name := f.FullName(n, namespace)
		if !strings.Contains(text, "\n# TYPE "+name+" "+f.Type+"\n") {
			t.Errorf("/metrics lacks %s %s", f.Type, name)
		}
	}
}

func TestRoutesAndMetrics(t *testing.T) {
	for _, c := range []struct {
		naming    stackprom.Naming
		namespace string
	}{{stackprom.NamingDefault, ""}, {stackprom.NamingDjango, ""}, {stackprom.NamingDefault, "shop"}} {
		t.Run(c.naming.String()+"/"+c.namespace, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			h, err := app(true, settings{}, stackprom.WithRegisterer(reg), stackprom.WithNaming(c.naming), stackprom.WithNamespace(c.namespace))
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			visit(t, srv.URL)
			text := scrape(t, srv.URL+"/metrics")
			checkFamilies(t, text, c.naming, c.namespace, "http")
			checkFamilies(t, text, c.naming, c.namespace, "cache")
			checkFamilies(t, text, c.naming, c.namespace, "model")
			checkFamilies(t, text, c.naming, c.namespace, "migration")
		})
	}
}

// TestBinary runs the demo as a user does: it logs its URL, serves, and
// stops cleanly on SIGTERM.
func TestBinary(t *testing.T) {
	for _, args := range []string{
		"-addr 127.0.0.1:0 -naming django",
		"-addr 127.0.0.1:0 -metrics-addr 127.0.0.1:0",
	} {
		t.Run(args, func(t *testing.T) {
			cmd, stderr := execDemo(t, args)
			defer cmd.Process.Kill()
			naming := stackprom.NamingDefault
			if strings.Contains(args, "django") {
				naming = stackprom.NamingDjango
			}
			lines := bufio.NewScanner(stderr)
			urls := map[string]string{}
			re := regexp.MustCompile(`(serving|metrics) on (http://\S+)`)
			for len(urls) < 2 && lines.Scan() {
				m := re.FindStringSubmatch(lines.Text())
				if m == nil {
					continue
				}
				urls[m[1]] = m[2]
				if m[1] == "metrics" {
					// The first scrape, at once: every family the demo
					// registers at start is there already.
					text := scrape(t, m[2])
					checkFamilies(t, text, naming, "", "cache")
					checkFamilies(t, text, naming, "", "model")
					checkFamilies(t, text, naming, "", "migration")
				}
			}
			if len(urls) < 2 {
				t.Fatalf("the demo did not log its URLs: %v", urls)
			}
			visit(t, strings.TrimSuffix(urls["serving"], "/"))
			text := scrape(t, urls["metrics"])
			checkFamilies(t, text, naming, "", "http")
			checkFamilies(t, text, naming, "", "cache")
			checkFamilies(t, text, naming, "", "model")
			checkFamilies(t, text, naming, "", "migration")

			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			rest, _ := io.ReadAll(stderr)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("the demo exited with %v:\n%s", err, rest)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("the demo did not stop within 20s of SIGTERM")
			}
			if !strings.Contains(string(rest), "shutting down") {
				t.Errorf("no shutdown message in:\n%s", rest)
			}
		})
	}
}

// The demo serves the live page beside /metrics, and its data shows the
// demo's views once sampled.
func TestLivePage(t *testing.T) {
	reg := prometheus.NewRegistry()
	h, err := app(true, settings{db: t.TempDir() + "/demo.db"}, stackprom.WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	visit(t, srv.URL)
	page := scrape(t, srv.URL+"/live")
	if !strings.Contains(page, "<title>stackprom live</title>") {
		t.Errorf("/live is not the live page:\n%.200s", page)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		data := scrape(t, srv.URL+"/live?format=json")
		if strings.Contains(data, `"view":"index"`) && strings.Contains(data, `"model":"dog"`) &&
			strings.Contains(data, `"connection":"default"`) && strings.Contains(data, `"backend":"memory"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the live data lacks the demo's views, models, migrations or cache:\n%s", data)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
