// Command stackprom-ops writes what operating a stackprom service takes,
// generated from the library's family table for the service's naming
// preset, namespace and constant labels: a Grafana dashboard
// (dashboard.json), Prometheus recording rules (rules.yml) and alerts
// (alerts.yml).
//
//	go run github.com/stackprom/stackprom/cmd/stackprom-ops@v0.1.0 -naming django -namespace shop -out ops
//
// Flags:
//
//	-naming default|django   the service's naming preset (default "default")
//	-namespace NAME          the service's namespace (stackprom.WithNamespace)
//	-const-labels k=v,k2=v2  the service's constant labels (stackprom.WithConstLabels)
//	-runbook-url URL         the page the alerts' runbook links point to
//	-out DIR                 where the files are written (default "ops"), created if missing
//
// The repository's ops/default and ops/django are its output for the two
// presets without namespace; go generate rewrites them.
package main

//go:generate go run . -naming default -out ../../ops/default
//go:generate go run . -naming django -out ../../ops/django

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/cmd/stackprom-ops/opsgen"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "stackprom-ops:", err)
		}
		os.Exit(2)
	}
}

// run parses the command line and writes the files.
func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("stackprom-ops", flag.ContinueOnError)
	fs.SetOutput(stderr)
	naming := fs.String("naming", "default", "the service's naming preset: default or django")
	namespace := fs.String("namespace", "", "the service's namespace, the prefix of every family")
	constLabels := fs.String("const-labels", "", "the service's constant labels, as name=value pairs separated by commas")
	runbook := fs.String("runbook-url", opsgen.DefaultRunbookURL, "the page the alerts' runbook links point to (#alertname is appended)")
	out := fs.String("out", "ops", "the directory to write dashboard.json, rules.yml and alerts.yml to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	n, err := stackprom.ParseNaming(*naming)
	if err != nil {
		return err
	}
	labels, err := parseLabels(*constLabels)
	if err != nil {
		return err
	}
	b, err := opsgen.Generate(opsgen.Options{Naming: n, Namespace: *namespace, ConstLabels: labels, RunbookURL: *runbook})
	if err != nil {
		return err
	}
	files, err := b.Files()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o777); err != nil {
		return err
	}
	for _, name := range opsgen.FileNames {
		if err := os.WriteFile(filepath.Join(*out, name), files[name], 0o666); err != nil {
			return err
		}
	}
	return nil
}

// parseLabels reads "name=value,name=value".
func parseLabels(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	labels := map[string]string{}
	for pair := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("-const-labels: %q is not name=value", pair)
		}
		if _, dup := labels[k]; dup {
			return nil, fmt.Errorf("-const-labels: %s is given twice", k)
		}
		labels[k] = v
	}
	return labels, nil
}
