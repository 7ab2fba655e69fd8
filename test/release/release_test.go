package release

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// commandTimeout bounds each go command of the check; a cold module cache
// makes go get and go build the slow ones.
const commandTimeout = 5 * time.Minute

// userModule is the module path of the fresh module that plays the user.
const userModule = "example.com/stackpromuser"

// TestRelease is the release check; see the package documentation.
func TestRelease(t *testing.T) {
	if os.Getenv("STACKPROM_RELEASE_CHECK") != "1" {
		t.Skip("the release check reaches the module proxy and takes minutes: run it with STACKPROM_RELEASE_CHECK=1 (scripts/release.sh does)")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the release check runs the go command: %v", err)
	}
	ctx := t.Context()
	repo, rev := revision(t)
	mods, err := publicModules(ctx, repo, rev)
	if err != nil {
		t.Fatal(err)
	}
	public, unpublished := stackpromRequirements(mods)
	fallback := cmp.Or(os.Getenv("STACKPROM_RELEASE_VERSION"), "v0.1.0")
	version, err := releaseVersion(public, fallback)
	if err != nil {
		t.Fatal(err)
	}
	if want := os.Getenv("STACKPROM_RELEASE_VERSION"); want != "" && version != want {
		t.Fatalf("STACKPROM_RELEASE_VERSION is %s, but at %s the public modules require each other at %s", want, rev, version)
	}
	if err := checkVersion(version); err != nil {
		// Go on: what each module's user meets says what else is wrong.
		t.Error(err)
	}
	for _, r := range unpublished {
		t.Errorf("%s, a module that is never published: no user can build its module", r)
	}
	proxyDir := t.TempDir()
	start := time.Now()
	if err := pack(ctx, repo, rev, mods, version, proxyDir); err != nil {
		t.Fatal(err)
	}
	t.Logf("packed %d public modules of %s at %s as %s (%.1fs)", len(mods), repo, rev, version, time.Since(start).Seconds())
	env := userEnv(t, goCmd, proxyDir)
	isPublic := map[string]bool{}
	for _, m := range mods {
		isPublic[m.Path] = true
	}
	for _, m := range mods {
		allowed, ok := allowedIntegrations[m.Dir]
		if !ok {
			t.Errorf("%s has no row in allowedIntegrations, which says whose libraries its users may build", m.Path)
			continue
		}
		t.Run(m.name(), func(t *testing.T) {
			t.Parallel()
			checkUser(t, goCmd, env, m, version, isPublic, allowed)
		})
	}
}

// revision returns the repository's root and the commit to pack:
// STACKPROM_RELEASE_REV, or HEAD.
func revision(t *testing.T) (repo, rev string) {
	t.Helper()
	top, err := git(t.Context(), ".", "rev-parse", "--show-toplevel")
	if err != nil {
		t.Fatalf("the release check packs the modules from git: %v", err)
	}
	repo = strings.TrimSpace(top)
	rev = cmp.Or(os.Getenv("STACKPROM_RELEASE_REV"), "HEAD")
	hash, err := git(t.Context(), repo, "rev-parse", "--verify", rev+"^{commit}")
	if err != nil {
		t.Fatal(err)
	}
	if rev == "HEAD" {
		if dirty, err := git(t.Context(), repo, "status", "--porcelain", "--untracked-files=no"); err == nil && dirty != "" {
			t.Logf("the working tree has uncommitted edits, which the check leaves out as a tag would: it packs HEAD (scripts/release.sh packs its edits)\n%s", dirty)
		}
	}
	return repo, strings.TrimSpace(hash)
}

// userEnv is the environment of the user's go commands: outside any
// workspace, with only the packed modules for stackprom's, and a module
// cache of its own, so that no copy of a stackprom version extracted by an
// earlier run (of other contents) can stand in for the packed one.
//
// Third-party modules come from the developer's module cache when it has
// them, else from the developer's GOPROXY, and are verified against the
// developer's GOSUMDB: the go command asks each proxy in turn whether it
// serves the checksum database (<proxy>/sumdb/<name>/supported), and
// proxy.golang.org does, so sum.golang.org verifies them even where its own
// host cannot be reached, as here. Stackprom's modules are in no checksum
// database (GONOSUMDB); the user's go.sum holds their hashes as packed.
// The developer's go env file is set aside (GOENV=off) so that nothing in it,
// GOPRIVATE or GOFLAGS, changes how the user fetches; the settings of it
// that matter are read first and passed on.
func userEnv(t *testing.T, goCmd, proxyDir string) []string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), goCmd, "env", "-json", "GOPROXY", "GOMODCACHE", "GOCACHE", "GOSUMDB").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	var dev struct{ GOPROXY, GOMODCACHE, GOCACHE, GOSUMDB string }
	if err := json.Unmarshal(out, &dev); err != nil {
		t.Fatalf("go env: %v", err)
	}
	proxies := []string{fileURL(proxyDir)}
	if dev.GOMODCACHE != "" {
		proxies = append(proxies, fileURL(filepath.Join(dev.GOMODCACHE, "cache", "download")))
	}
	proxies = append(proxies, dev.GOPROXY)
	if dev.GOSUMDB == "off" {
		t.Log("GOSUMDB=off: third-party modules are not verified against a checksum database")
	}
	return append(os.Environ(),
		"GOENV=off",
		"GOWORK=off",
		"GOTOOLCHAIN=local",
		// The module cache is read-only by default, which TempDir's clean-up
		// could not delete.
		"GOFLAGS=-modcacherw",
		"GOMODCACHE="+t.TempDir(),
		// The build cache is keyed by content, so a re-packed version cannot
		// hit a stale entry; sharing it keeps a second run fast.
		"GOCACHE="+dev.GOCACHE,
		"GOPROXY="+strings.Join(proxies, ","),
		"GOSUMDB="+dev.GOSUMDB,
		"GONOSUMDB="+corePath,
		"GOPRIVATE=",
		"GONOPROXY=",
		"GOINSECURE=",
	)
}

// fileURL is the file:// URL of a local directory.
func fileURL(dir string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
}

// checkUser plays a user of m: a fresh module outside the repository gets
// m at version, imports every package m exports, builds, and must meet no
// unpublished stackprom module and compile in no library of an integration
// outside allowed.
func checkUser(t *testing.T, goCmd string, env []string, m publicModule, version string, isPublic map[string]bool, allowed []string) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+userModule+"\n\ngo 1.26.0\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	goRun := func(args ...string) string {
		t.Helper()
		out, err := run(t, goCmd, env, dir, args...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	goRun("get", m.Path+"@"+version)

	listed := goRun("list", "-e", "-f", "{{.ImportPath}}\t{{.Name}}\t{{with .Module}}{{.Path}}{{end}}", m.Path+"/...")
	imports := exported(listed, m.Path)
	if len(imports) == 0 {
		t.Fatalf("%s at %s exports no package:\n%s", m.Path, version, listed)
	}
	var main strings.Builder
	main.WriteString("// Command stackpromuser builds every package that " + m.Path + " exports.\npackage main\n\nimport (\n")
	for _, p := range imports {
		fmt.Fprintf(&main, "\t_ %q\n", p)
	}
	main.WriteString(")\n\nfunc main() {}\n")
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(main.String()), 0o666); err != nil {
		t.Fatal(err)
	}
	goRun("mod", "tidy")
	// -trimpath keeps the fresh module cache's path out of the build cache's
	// keys, so that a second run compiles only what changed.
	goRun("build", "-trimpath", "-o", "stackpromuser", ".")

	if bad := unpublishedModules(goRun("list", "-m", "all"), isPublic, version); len(bad) > 0 {
		t.Errorf("a user of %s at %s meets stackprom modules that are not published at %s:\n\t%s", m.Path, version, version, strings.Join(bad, "\n\t"))
	}
	if foreign := foreignLibraries(goRun("version", "-m", "stackpromuser"), allowed); len(foreign) > 0 {
		var why strings.Builder
		for _, f := range foreign {
			if out, err := run(t, goCmd, env, dir, "mod", "why", "-m", strings.Fields(f)[0]); err == nil {
				why.WriteString(out)
			}
		}
		t.Errorf("a user of %s at %s compiles in other integrations' libraries (it may build %s only):\n\t%s\nwhy:\n%s",
			m.Path, version, cmp.Or(strings.Join(allowed, ", "), "none"), strings.Join(foreign, "\n\t"), why.String())
	}
	// A public command module's commands are run as its README says, go
	// run or go install at the version, which also refuses a module whose
	// go.mod has replace directives.
	var commands []string
	if slices.Contains(publicCommands, m.Dir) {
		commands = mains(listed, m.Path)
		if len(commands) == 0 {
			t.Errorf("%s at %s holds no command", m.Path, version)
		}
	}
	for _, c := range commands {
		bin := t.TempDir()
		if _, err := run(t, goCmd, append(slices.Clone(env), "GOBIN="+bin), dir, "install", c+"@"+version); err != nil {
			t.Error(err)
			continue
		}
		exe := filepath.Join(bin, path.Base(c))
		if foreign := foreignLibraries(goRun("version", "-m", exe), allowed); len(foreign) > 0 {
			t.Errorf("%s@%s compiles in other integrations' libraries (it may build %s only):\n\t%s",
				c, version, cmp.Or(strings.Join(allowed, ", "), "none"), strings.Join(foreign, "\n\t"))
		}
	}
	if !t.Failed() {
		t.Logf("%s at %s: %d packages built, %d commands installed, nothing unpublished or foreign", m.Path, version, len(imports), len(commands))
	}
}

// mains returns the import paths of the commands (main packages) of mod in
// a `go list` listing like exported's, internal ones and testdata left out.
func mains(listed, mod string) []string {
	var paths []string
	for _, line := range strings.Split(listed, "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[2] != mod || f[1] != "main" {
			continue
		}
		elems := strings.Split(strings.TrimPrefix(f[0], mod), "/")
		if slices.Contains(elems, "internal") || slices.Contains(elems, "testdata") {
			continue
		}
		paths = append(paths, f[0])
	}
	slices.Sort(paths)
	return paths
}

// exported returns the import paths of a `go list` listing (import path,
// package name and module path, tab-separated) that a user of mod can
// import: the packages of mod itself, its internal ones and commands left out.
func exported(listed, mod string) []string {
	var paths []string
	for _, line := range strings.Split(listed, "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[2] != mod || f[1] == "main" {
			continue
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(f[0], mod), "/")
		elems := strings.Split(rel, "/")
		if slices.Contains(elems, "internal") || slices.Contains(elems, "testdata") {
			continue
		}
		paths = append(paths, f[0])
	}
	slices.Sort(paths)
	return paths
}

// run runs the go command in dir, bounded by commandTimeout and the test's
// deadline, and returns its standard output; its error names the command
// and holds its standard error.
func run(t *testing.T, goCmd string, env []string, dir string, args ...string) (string, error) {
	timeout := commandTimeout
	if deadline, ok := t.Deadline(); ok {
		// Stop a little before go test would, to report which command hung.
		timeout = max(min(timeout, time.Until(deadline)-30*time.Second), time.Second)
	}
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = a
		if strings.ContainsAny(a, " \t\n'\"{}") {
			quoted[i] = strconv.Quote(a)
		}
	}
	line := "go " + strings.Join(quoted, " ")
	t.Logf("%s (%.1fs)", line, time.Since(start).Seconds())
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "", fmt.Errorf("%s in %s: timed out after %v\n%s", line, dir, timeout, stderr.Bytes())
	}
	if err != nil {
		return "", fmt.Errorf("%s in %s: %v\n%s%s", line, dir, err, stderr.Bytes(), stdout.Bytes())
	}
	return stdout.String(), nil
}
