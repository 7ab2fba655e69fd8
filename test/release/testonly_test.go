package release

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// No public module requires an integration library that only its tests
// use: a user's module graph holds every requirement of the modules it
// requires, so a driver an adapter's tests import would reach every user of
// the adapter. Each integration library a public go.mod requires must
// provide a package that the module's own packages (tests left out) build
// with.
func TestNoLibraryOnlyTestsUse(t *testing.T) {
	repo := repoHead(t)
	mods, err := publicModules(t.Context(), repo, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mods {
		t.Run(m.name(), func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(repo, m.Dir)
			built := map[string]bool{}
			for _, p := range strings.Fields(goIn(t, dir, "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", "./...")) {
				built[p] = true
			}
			var mod struct{ Require []struct{ Path string } }
			if err := json.Unmarshal([]byte(goIn(t, dir, "mod", "edit", "-json")), &mod); err != nil {
				t.Fatal(err)
			}
			var testOnly []string
			for _, r := range mod.Require {
				if _, ok := integrationOf(r.Path); ok && !built[r.Path] {
					testOnly = append(testOnly, r.Path)
				}
			}
			if len(testOnly) > 0 {
				slices.Sort(testOnly)
				t.Errorf("%s requires integration libraries that only its tests use, which would reach every user's module graph; move those tests to the test module:\n\t%s",
					m.Path, strings.Join(testOnly, "\n\t"))
			}
		})
	}
}

// goIn runs the go command in dir outside the workspace, as a user's build
// sees the module.
func goIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	out, err := cmd.Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("go %s in %s: %s", strings.Join(args, " "), dir, msg)
	}
	return string(out)
}
