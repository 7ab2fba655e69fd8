package release

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
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
			list := append([]string{"list"}, standalone(t, repo, m)...)
			for _, p := range strings.Fields(goIn(t, dir, append(list, "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", "./...")...)) {
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

// standalone returns the flags that let a go command load m outside the
// workspace: none for a module that replaces the stackprom modules it
// requires, as the adapters do; for a public command module, which
// requires the core without a replace directive (see publicCommands), a
// copy of its go.mod and go.sum that replaces the core by the checkout.
func standalone(t *testing.T, repo string, m publicModule) []string {
	t.Helper()
	replaced := map[string]bool{}
	for _, r := range m.File.Replace {
		replaced[r.Old.Path] = true
	}
	var missing []string
	for _, r := range m.File.Require {
		if isStackprom(r.Mod.Path) && !replaced[r.Mod.Path] {
			missing = append(missing, r.Mod.Path)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	f, err := modfile.Parse(m.goModName(), m.GoMod, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range missing {
		if err := f.AddReplace(p, "", filepath.Join(repo, strings.TrimPrefix(strings.TrimPrefix(p, corePath), "/")), ""); err != nil {
			t.Fatal(err)
		}
	}
	data, err := f.Format()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), data, 0o666); err != nil {
		t.Fatal(err)
	}
	if sum, err := os.ReadFile(filepath.Join(repo, m.Dir, "go.sum")); err == nil {
		if err := os.WriteFile(filepath.Join(tmp, "go.sum"), sum, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	return []string{"-modfile=" + filepath.Join(tmp, "go.mod")}
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
