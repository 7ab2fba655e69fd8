package stackprom_test

// Push and PushAdd against the real Pushgateway (prometheus-pushgateway).

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/internal/testenv"
)

// startPushgateway starts a Pushgateway on a spare loopback port, keeping
// pushes in memory only, and returns its URL.
func startPushgateway(t *testing.T, args ...string) string {
	t.Helper()
	prog := testenv.Program(t, "prometheus-pushgateway")
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	args = append([]string{"--web.listen-address=" + addr, "--persistence.file=", "--log.level=warn"}, args...)
	testenv.Start(t, addr, prog, args...)
	return "http://" + addr
}

// gatewayMetrics reads what the Pushgateway exposes, with basic-auth
// credentials when user is set.
func gatewayMetrics(t *testing.T, gw, user, pass string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, gw+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := scrapeClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s/metrics: %s", gw, resp.Status)
	}
	return parseText(t, resp.Body)
}

func pushCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestPushToPushgateway(t *testing.T) {
	gw := startPushgateway(t)
	reg := prometheus.NewRegistry()
	newCounter(reg, "batch_records_processed_total").Add(1234)
	ok := prometheus.NewGauge(prometheus.GaugeOpts{Name: "batch_last_success_timestamp_seconds", Help: "When the batch last succeeded."})
	reg.MustRegister(ok)
	ok.Set(1.7e9)

	if err := stackprom.Push(pushCtx(t), gw, "nightly", stackprom.WithGatherer(reg), stackprom.WithGrouping("instance", "x")); err != nil {
		t.Fatal(err)
	}
	mfs := gatewayMetrics(t, gw, "", "")
	group := map[string]string{"job": "nightly", "instance": "x"}
	wantSample(t, mfs, 1234, "batch_records_processed_total", group)
	wantSample(t, mfs, 1.7e9, "batch_last_success_timestamp_seconds", group)
	if got := mfs["batch_records_processed_total"].GetType(); got != dto.MetricType_COUNTER {
		t.Errorf("the counter arrived as a %v", got)
	}
	if _, found := sampleValue(mfs, "push_time_seconds", group); !found {
		t.Errorf("the gateway has no push time for the group %v", group)
	}
	if n := len(mfs["batch_records_processed_total"].GetMetric()); n != 1 {
		t.Errorf("%d series of the counter, want 1", n)
	}

	// The registerer is gathered when no gatherer is set.
	reg2 := prometheus.NewRegistry()
	newCounter(reg2, "batch_retries_total").Add(2)
	if err := stackprom.Push(pushCtx(t), gw, "nightly", stackprom.WithRegisterer(reg2), stackprom.WithGrouping("instance", "y")); err != nil {
		t.Fatal(err)
	}
	wantSample(t, gatewayMetrics(t, gw, "", ""), 2, "batch_retries_total", map[string]string{"job": "nightly", "instance": "y"})
}

func TestPushReplacesAndPushAddKeeps(t *testing.T) {
	gw := startPushgateway(t)
	group := map[string]string{"job": "etl", "instance": "y"}
	opts := func(reg *prometheus.Registry) []stackprom.PushOption {
		return []stackprom.PushOption{stackprom.WithGatherer(reg), stackprom.WithGrouping("instance", "y")}
	}
	// Another group of the same job, which neither call may touch.
	other := prometheus.NewRegistry()
	newCounter(other, "etl_b_total").Add(9)
	if err := stackprom.Push(pushCtx(t), gw, "etl", stackprom.WithGatherer(other), stackprom.WithGrouping("instance", "z")); err != nil {
		t.Fatal(err)
	}

	both := prometheus.NewRegistry()
	newCounter(both, "etl_a_total").Add(1)
	newCounter(both, "etl_b_total").Add(1)
	if err := stackprom.Push(pushCtx(t), gw, "etl", opts(both)...); err != nil {
		t.Fatal(err)
	}
	onlyA := prometheus.NewRegistry()
	newCounter(onlyA, "etl_a_total").Add(5)

	if err := stackprom.PushAdd(pushCtx(t), gw, "etl", opts(onlyA)...); err != nil {
		t.Fatal(err)
	}
	mfs := gatewayMetrics(t, gw, "", "")
	wantSample(t, mfs, 5, "etl_a_total", group)
	wantSample(t, mfs, 1, "etl_b_total", group) // kept by PushAdd

	if err := stackprom.Push(pushCtx(t), gw, "etl", opts(onlyA)...); err != nil {
		t.Fatal(err)
	}
	mfs = gatewayMetrics(t, gw, "", "")
	wantSample(t, mfs, 5, "etl_a_total", group)
	if v, found := sampleValue(mfs, "etl_b_total", group); found {
		t.Errorf("etl_b_total%v = %v survived Push, which replaces the group", group, v)
	}
	wantSample(t, mfs, 9, "etl_b_total", map[string]string{"job": "etl", "instance": "z"})
}

// A bcrypt hash (cost 4) of "s3cret", for the Pushgateway's web config.
const s3cretHash = "$2b$04$TAhIFGSFHaZhyQHQbyfH3uXI05w6xyHAEWnu25l.a77dES26ZRTIS"

func TestPushWithBasicAuthToPushgateway(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(cfg, []byte("basic_auth_users:\n  pusher: "+s3cretHash+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := startPushgateway(t, "--web.config.file="+cfg)
	reg := prometheus.NewRegistry()
	newCounter(reg, "batch_records_processed_total").Add(7)

	for _, c := range []struct {
		name string
		auth []stackprom.PushOption
	}{
		{"none", nil},
		{"wrong password", []stackprom.PushOption{stackprom.WithBasicAuth("pusher", "guess")}},
		{"bearer token", []stackprom.PushOption{stackprom.WithBearerToken("s3cret")}},
	} {
		err := stackprom.Push(pushCtx(t), gw, "nightly", append(c.auth, stackprom.WithGatherer(reg))...)
		if err == nil || !strings.Contains(err.Error(), "401") {
			t.Errorf("%s: Push = %v, want the gateway's 401", c.name, err)
		}
	}
	if err := stackprom.Push(pushCtx(t), gw, "nightly", stackprom.WithGatherer(reg), stackprom.WithBasicAuth("pusher", "s3cret")); err != nil {
		t.Fatal(err)
	}
	wantSample(t, gatewayMetrics(t, gw, "pusher", "s3cret"), 7, "batch_records_processed_total",
		map[string]string{"job": "nightly", "instance": ""})
}

// recordedRequest is what the stand-in gateway saw.
type recordedRequest struct {
	method, path, authorization, contentType string
}

func TestPushSendsCredentialsMethodAndGroup(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []recordedRequest
	)
	// Only the request line and headers are checked, so a stand-in will do.
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		seen = append(seen, recordedRequest{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type")})
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer fake.Close()
	reg := prometheus.NewRegistry()
	newCounter(reg, "batch_records_processed_total").Inc()
	base := []stackprom.PushOption{stackprom.WithGatherer(reg), stackprom.WithGrouping("instance", "x")}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("pusher:s3cret"))

	for _, c := range []struct {
		name   string
		push   func(context.Context, string, string, ...stackprom.PushOption) error
		opt    stackprom.PushOption
		method string
		auth   string
	}{
		{"Push, basic auth", stackprom.Push, stackprom.WithBasicAuth("pusher", "s3cret"), http.MethodPut, basic},
		{"PushAdd, basic auth", stackprom.PushAdd, stackprom.WithBasicAuth("pusher", "s3cret"), http.MethodPost, basic},
		{"Push, bearer token", stackprom.Push, stackprom.WithBearerToken("t0ken"), http.MethodPut, "Bearer t0ken"},
		{"PushAdd, bearer token", stackprom.PushAdd, stackprom.WithBearerToken("t0ken"), http.MethodPost, "Bearer t0ken"},
		{"Push, no credentials", stackprom.Push, nil, http.MethodPut, ""},
	} {
		mu.Lock()
		seen = nil
		mu.Unlock()
		if err := c.push(pushCtx(t), fake.URL, "nightly", append(base, c.opt)...); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		mu.Lock()
		got := seen
		mu.Unlock()
		if len(got) != 1 {
			t.Errorf("%s: %d requests, want 1", c.name, len(got))
			continue
		}
		r := got[0]
		if r.method != c.method || r.path != "/metrics/job/nightly/instance/x" || r.authorization != c.auth {
			t.Errorf("%s: %s %s with Authorization %q; want %s /metrics/job/nightly/instance/x with %q",
				c.name, r.method, r.path, r.authorization, c.method, c.auth)
		}
		if !strings.HasPrefix(r.contentType, "application/vnd.google.protobuf") {
			t.Errorf("%s: Content-Type %q, want the protobuf format", c.name, r.contentType)
		}
	}
}

func TestPushErrors(t *testing.T) {
	reg := prometheus.NewRegistry()
	newCounter(reg, "batch_records_processed_total").Inc()
	withJob := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "labelled_total", Help: "h"}, []string{"job"})
	c.WithLabelValues("other").Inc()
	withJob.MustRegister(c)

	down := fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t)) // nothing listens there
	for _, c := range []struct {
		name, url, job string
		opts           []stackprom.PushOption
		want           string
		is             error
	}{
		{"gateway down", down, "nightly", []stackprom.PushOption{stackprom.WithGatherer(reg)}, `stackprom: pushing job "nightly": `, syscall.ECONNREFUSED},
		{"empty job", down, "", []stackprom.PushOption{stackprom.WithGatherer(reg)}, `stackprom: pushing job "": job name is empty`, nil},
		{"metric with a job label", down, "nightly", []stackprom.PushOption{stackprom.WithGatherer(withJob)}, "already contains a job label", nil},
	} {
		for name, push := range map[string]func(context.Context, string, string, ...stackprom.PushOption) error{
			"Push": stackprom.Push, "PushAdd": stackprom.PushAdd,
		} {
			err := push(pushCtx(t), c.url, c.job, c.opts...)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "stackprom: ") {
				t.Errorf("%s, %s: error %v, want one containing %q", c.name, name, err, c.want)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("%s, %s: error %v does not wrap %v", c.name, name, err, c.is)
			}
		}
	}
}
