package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// PrometheusConfig is what StartPrometheus starts a server with.
type PrometheusConfig struct {
	// Config is the text of prometheus.yml.
	Config string
	// Files are written next to prometheus.yml (rule files, say), by name;
	// Prometheus reads rule_files relative to it.
	Files map[string][]byte
	// Args are flags beyond the configuration file, data directory,
	// listen address and log level.
	Args []string
}

// Prometheus is a Prometheus server a test started.
type Prometheus struct {
	// URL is the server's base URL, http://127.0.0.1:port.
	URL     string
	Process *Process
	client  *http.Client
}

// StartPrometheus starts the prometheus program on PATH on a free loopback
// port with a temporary data directory, waits until it listens, and stops
// it by its process id when the test ends. Without the program the test is
// skipped (or fails, see Unavailable).
func StartPrometheus(t testing.TB, c PrometheusConfig) *Prometheus {
	t.Helper()
	prog := Program(t, "prometheus")
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgFile, []byte(c.Config), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, data := range c.Files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	args := append([]string{
		"--config.file=" + cfgFile,
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr,
		"--log.level=warn",
	}, c.Args...)
	p := Start(t, addr, prog, args...)
	return &Prometheus{URL: "http://" + addr, Process: p, client: &http.Client{Timeout: 10 * time.Second}}
}

// API gets an HTTP API endpoint (path below /api/v1/, such as "query")
// with the query values q and decodes a successful answer, the whole JSON
// object, into v. An answer whose status is not "success" is an error
// holding the body.
func (p *Prometheus) API(path string, q url.Values, v any) error {
	u := p.URL + "/api/v1/" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	resp, err := p.client.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var status struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(body, &status); err != nil || status.Status != "success" {
		return fmt.Errorf("GET %s: %s: %s", u, resp.Status, body)
	}
	return json.Unmarshal(body, v)
}

// Sample is one series of an instant query's vector result.
type Sample struct {
	Metric map[string]string
	Value  float64
}

// Query runs an instant query now and returns its vector result; a scalar
// result is one sample without labels.
func (p *Prometheus) Query(expr string) ([]Sample, error) {
	var res struct {
		Data struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := p.API("query", url.Values{"query": {expr}}, &res); err != nil {
		return nil, err
	}
	type series struct {
		Metric map[string]string `json:"metric"`
		Value  [2]any            `json:"value"`
	}
	var all []series
	switch res.Data.ResultType {
	case "vector":
		if err := json.Unmarshal(res.Data.Result, &all); err != nil {
			return nil, err
		}
	case "scalar":
		var s series
		if err := json.Unmarshal(res.Data.Result, &s.Value); err != nil {
			return nil, err
		}
		all = []series{s}
	default:
		return nil, fmt.Errorf("query %s: result type %s", expr, res.Data.ResultType)
	}
	out := make([]Sample, len(all))
	for i, s := range all {
		str, _ := s.Value[1].(string)
		v, err := strconv.ParseFloat(str, 64)
		if err != nil {
			return nil, fmt.Errorf("query %s: value %v: %w", expr, s.Value[1], err)
		}
		out[i] = Sample{Metric: s.Metric, Value: v}
	}
	return out, nil
}

// Eventually calls cond until it reports true, every 250 ms for at most
// limit; then the test fails with cond's last description.
func Eventually(t testing.TB, limit time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, what := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", limit, what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// Promtool runs the promtool program on PATH with args, stdin as its
// standard input, and returns its combined output and whether it exited
// with status 0. Without the program the test is skipped (or fails, see
// Unavailable).
func Promtool(t testing.TB, stdin []byte, args ...string) (string, bool) {
	t.Helper()
	prog := Program(t, "promtool")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running promtool %v: %v", args, err)
	}
	return string(out), err == nil
}

// CheckMetrics runs promtool check metrics on an exposition and returns
// its output and whether it found no problem.
func CheckMetrics(t testing.TB, exposition []byte) (string, bool) {
	t.Helper()
	out, ok := Promtool(t, exposition, "check", "metrics")
	return out, ok && len(bytes.TrimSpace([]byte(out))) == 0
}
