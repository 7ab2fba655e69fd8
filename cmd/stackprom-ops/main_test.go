package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/cmd/stackprom-ops/opsgen"
)

func TestRunWritesTheFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "new", "dir")
	var stderr bytes.Buffer
	if err := run([]string{"-naming", "django", "-namespace", "shop", "-const-labels", "service=shop, region=eu", "-out", out}, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	b, err := opsgen.Generate(opsgen.Options{Naming: stackprom.NamingDjango, Namespace: "shop",
		ConstLabels: map[string]string{"service": "shop", "region": "eu"}})
	if err != nil {
		t.Fatal(err)
	}
	want, err := b.Files()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(opsgen.FileNames) {
		t.Errorf("%d files written, want %d", len(entries), len(opsgen.FileNames))
	}
	for _, name := range opsgen.FileNames {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want[name]) {
			t.Errorf("%s differs from opsgen's output", name)
		}
	}
}

func TestRunRejects(t *testing.T) {
	for _, args := range [][]string{
		{"-naming", "rails"},
		{"-const-labels", "service"},
		{"-const-labels", "a=1,a=2"},
		{"-const-labels", "job=x"},
		{"-namespace", "not-a-name"},
		{"extra"},
	} {
		var stderr bytes.Buffer
		if err := run(append(args, "-out", t.TempDir()), &stderr); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

func TestParseLabels(t *testing.T) {
	got, err := parseLabels("a=1,b=x=y, c=")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got["a"] != "1" || got["b"] != "x=y" || got["c"] != "" {
		t.Errorf("parseLabels = %v", got)
	}
	if got, err := parseLabels(""); got != nil || err != nil {
		t.Errorf(`parseLabels("") = %v, %v`, got, err)
	}
	if _, err := parseLabels("=1"); err == nil || !strings.Contains(err.Error(), "name=value") {
		t.Errorf(`parseLabels("=1"): %v`, err)
	}
}
