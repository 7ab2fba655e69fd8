package stackprom_test

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// An option of one component passed to another's constructor does not
// compile: each call below is type-checked, from source, as a user's code.
func TestMisplacedOptionsDoNotCompile(t *testing.T) {
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", exportData(t, "context", "time",
		"github.com/stackprom/stackprom", "github.com/stackprom/stackprom/cachemetrics",
		"github.com/stackprom/stackprom/httpmetrics", "github.com/stackprom/stackprom/migrationmetrics",
		"github.com/stackprom/stackprom/modelmetrics", "github.com/stackprom/stackprom/sqlmetrics"))
	check := func(call string) error {
		src := `package user

import (
	"context"
	"time"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/cachemetrics"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/migrationmetrics"
	"github.com/stackprom/stackprom/modelmetrics"
	"github.com/stackprom/stackprom/sqlmetrics"
)

var (
	_ = context.Background
	_ = time.Second
	_ = stackprom.WithNamespace
	_ = cachemetrics.WithBackend
	_ = httpmetrics.WithMaxViews
	_ = migrationmetrics.WithTimeout
	_ = modelmetrics.WithMaxModels
	_ = sqlmetrics.WithAlias
)

func f() { ` + call + ` }
`
		file, err := parser.ParseFile(fset, "user.go", src, 0)
		if err != nil {
			t.Fatalf("%s: %v", call, err)
		}
		conf := types.Config{Importer: imp}
		_, err = conf.Check("user", fset, []*ast.File{file}, nil)
		return err
	}
	for _, call := range []string{
		// Each component's own options, with the shared ones.
		`httpmetrics.New(stackprom.WithNamespace("shop"), httpmetrics.WithMaxViews(10))`,
		`sqlmetrics.Open("sqlite", "x.db", stackprom.WithNaming(stackprom.NamingDjango), sqlmetrics.WithAlias("main"))`,
		`cachemetrics.New(stackprom.WithConstLabels(nil), cachemetrics.WithBackend("sessions"))`,
		`modelmetrics.New(stackprom.WithRegisterer(nil), modelmetrics.WithMaxModels(10))`,
		`migrationmetrics.New("default", nil, stackprom.WithNamespace("shop"), migrationmetrics.WithTimeout(time.Second))`,
		`stackprom.NewHandler(stackprom.WithNamespace("shop"), stackprom.WithBasicAuth("u", "p"), stackprom.WithErrorLog(nil))`,
		`stackprom.StartServer(":0", stackprom.WithRegisterer(nil), stackprom.WithBearerToken("t"), stackprom.WithErrorLog(nil), stackprom.WithPath("/m"))`,
		`stackprom.NewHandler(stackprom.WithMaxRequestsInFlight(2), stackprom.WithHandlerTimeout(time.Second))`,
		`stackprom.StartServer(":0", stackprom.WithMaxRequestsInFlight(2), stackprom.WithHandlerTimeout(time.Second), stackprom.WithReadTimeout(time.Second), stackprom.WithWriteTimeout(time.Second), stackprom.WithIdleTimeout(time.Second), stackprom.WithMaxHeaderBytes(1))`,
		`stackprom.StartServerInRange("127.0.0.1", 9100, 9110, stackprom.WithHandlerTimeout(time.Second), stackprom.WithReadTimeout(time.Second), stackprom.WithMaxHeaderBytes(1))`,
		`stackprom.Push(context.Background(), "http://gw", "job", stackprom.WithGatherer(nil), stackprom.WithGrouping("a", "b"))`,
		`httpmetrics.New(stackprom.Options(stackprom.WithNamespace("shop"), stackprom.WithRegisterer(nil)))`,
		`stackprom.NewLiveHandler(stackprom.WithNamespace("shop"), stackprom.WithBasicAuth("u", "p"), stackprom.WithGatherer(nil), stackprom.WithErrorLog(nil), stackprom.WithMaxRequestsInFlight(2))`,
		`stackprom.MustNewLiveHandler(stackprom.Options(stackprom.WithNaming(stackprom.NamingDjango)), stackprom.WithBearerToken("t"))`,
		`stackprom.StartServer(":0", stackprom.WithLivePath("/live"), stackprom.WithBasicAuth("u", "p"))`,
		`stackprom.StartServerInRange("127.0.0.1", 9100, 9110, stackprom.WithLivePath("/live"))`,
	} {
		if err := check(call); err != nil {
			t.Errorf("%s does not compile: %v", call, err)
		}
	}
	for _, call := range []string{
		`httpmetrics.New(sqlmetrics.WithAlias("x"))`,
		`httpmetrics.New(cachemetrics.WithBackend("x"))`,
		`httpmetrics.New(stackprom.WithBasicAuth("u", "p"))`,
		`sqlmetrics.Open("sqlite", "x.db", httpmetrics.WithMaxViews(1))`,
		`sqlmetrics.NewRecorder(modelmetrics.WithMaxModels(1))`,
		`cachemetrics.New(sqlmetrics.WithVendor("x"))`,
		`modelmetrics.New(migrationmetrics.WithTimeout(time.Second))`,
		`migrationmetrics.New("default", nil, cachemetrics.WithLatency(true))`,
		`stackprom.NewHandler(httpmetrics.WithMaxViews(1))`,
		`stackprom.NewHandler(stackprom.WithPath("/m"))`,
		`stackprom.NewHandler(stackprom.WithGrouping("a", "b"))`,
		`stackprom.StartServer(":0", stackprom.WithGrouping("a", "b"))`,
		`stackprom.Push(context.Background(), "http://gw", "job", stackprom.WithErrorLog(nil))`,
		`stackprom.Push(context.Background(), "http://gw", "job", stackprom.WithPath("/m"))`,
		`stackprom.Options(stackprom.WithBasicAuth("u", "p"))`,
		`stackprom.NewHandler(stackprom.WithReadTimeout(time.Second))`,
		`stackprom.NewHandler(stackprom.WithWriteTimeout(time.Second))`,
		`stackprom.NewHandler(stackprom.WithIdleTimeout(time.Second))`,
		`stackprom.NewHandler(stackprom.WithMaxHeaderBytes(1))`,
		`stackprom.Push(context.Background(), "http://gw", "job", stackprom.WithHandlerTimeout(time.Second))`,
		`stackprom.Push(context.Background(), "http://gw", "job", stackprom.WithMaxRequestsInFlight(1))`,
		`stackprom.Push(context.Background(), "http://gw", "job", stackprom.WithReadTimeout(time.Second))`,
		`httpmetrics.New(stackprom.WithMaxRequestsInFlight(1))`,
		`migrationmetrics.New("default", nil, stackprom.WithHandlerTimeout(time.Second))`,
		`stackprom.Options(stackprom.WithIdleTimeout(time.Second))`,
		`stackprom.NewLiveHandler(stackprom.WithLivePath("/live"))`,
		`stackprom.NewLiveHandler(stackprom.WithPath("/m"))`,
		`stackprom.NewLiveHandler(stackprom.WithGrouping("a", "b"))`,
		`stackprom.NewLiveHandler(httpmetrics.WithMaxViews(1))`,
		`stackprom.NewHandler(stackprom.WithLivePath("/live"))`,
		`stackprom.Push(context.Background(), "http://gw", "job", stackprom.WithLivePath("/live"))`,
		`httpmetrics.New(stackprom.WithLivePath("/live"))`,
	} {
		err := check(call)
		if err == nil {
			t.Errorf("%s compiles", call)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "does not implement") {
			t.Errorf("%s: error %q, want a type mismatch of the option", call, msg)
		}
	}
}

// exportData returns a lookup of the compiler's export data of pkgs and
// their dependencies, which go list builds (from the build cache), for the
// gc importer.
func exportData(t *testing.T, pkgs ...string) func(path string) (io.ReadCloser, error) {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-deps", "-export", "-f", "{{.ImportPath}}\t{{.Export}}"}, pkgs...)...).Output()
	if err != nil {
		t.Fatalf("go list -export: %v", err)
	}
	files := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, file, _ := strings.Cut(line, "\t")
		files[path] = file
	}
	return func(path string) (io.ReadCloser, error) {
		file, ok := files[path]
		if !ok || file == "" {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(file)
	}
}
