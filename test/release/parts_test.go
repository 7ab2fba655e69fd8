package release

import (
	"archive/zip"
	"bytes"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// The tests below check the release check's parts offline, in every test
// run; the ones that read the repository need git.

func TestPublicDir(t *testing.T) {
	for goMod, want := range map[string]string{
		"go.mod":                     "",
		"adapters/chimetrics/go.mod": "adapters/chimetrics",
		"cmd/stackprom-ops/go.mod":   "cmd/stackprom-ops",
	} {
		if dir, ok := publicDir(goMod); !ok || dir != want {
			t.Errorf("publicDir(%q) = %q, %v; want %q, true", goMod, dir, ok, want)
		}
	}
	for _, goMod := range []string{
		"bench/go.mod", "cmd/demo/go.mod", "test/go.mod", "internal/dbtest/go.mod",
		"sqlmetrics/internal/drivertest/go.mod", "adapters/go.mod",
		"adapters/chimetrics/testdata/go.mod", "adapters/chimetrics/go.sum",
		"cmd/go.mod", "cmd/stackprom-ops/opsgen/go.mod",
	} {
		if dir, ok := publicDir(goMod); ok {
			t.Errorf("publicDir(%q) = %q, true; want not public", goMod, dir)
		}
	}
}

// parseModules parses go.mod texts keyed by directory, as publicModules
// would find them.
func parseModules(t *testing.T, goMods map[string]string) []publicModule {
	t.Helper()
	var mods []publicModule
	for dir, text := range goMods {
		f, err := modfile.Parse(dir+"/go.mod", []byte(text), nil)
		if err != nil {
			t.Fatal(err)
		}
		mods = append(mods, publicModule{Dir: dir, Path: f.Module.Mod.Path, GoMod: []byte(text), File: f})
	}
	slices.SortFunc(mods, func(a, b publicModule) int { return strings.Compare(a.Dir, b.Dir) })
	return mods
}

func TestReleaseVersion(t *testing.T) {
	core := "module github.com/stackprom/stackprom\n\ngo 1.26.0\n\nrequire github.com/prometheus/client_golang v1.25.0\n"
	adapter := func(name string, reqs ...string) string {
		return "module github.com/stackprom/stackprom/adapters/" + name + "\n\ngo 1.26.0\n\nrequire (\n\tgithub.com/go-chi/chi/v5 v5.5.0\n\t" +
			strings.Join(reqs, "\n\t") + "\n)\n\nreplace github.com/stackprom/stackprom => ../..\n"
	}
	t.Run("agree", func(t *testing.T) {
		mods := parseModules(t, map[string]string{
			"":                    core,
			"adapters/chimetrics": adapter("chimetrics", "github.com/stackprom/stackprom v0.2.0"),
			"adapters/pgxmetrics": adapter("pgxmetrics", "github.com/stackprom/stackprom v0.2.0", "github.com/stackprom/stackprom/adapters/chimetrics v0.2.0"),
		})
		public, unpublished := stackpromRequirements(mods)
		if len(public) != 3 || len(unpublished) != 0 {
			t.Fatalf("requirements: public %v, unpublished %v; want 3 public, none unpublished", public, unpublished)
		}
		if v, err := releaseVersion(public, "v0.1.0"); v != "v0.2.0" || err != nil {
			t.Errorf("releaseVersion = %q, %v; want v0.2.0", v, err)
		}
	})
	t.Run("disagree", func(t *testing.T) {
		mods := parseModules(t, map[string]string{
			"":                    core,
			"adapters/chimetrics": adapter("chimetrics", "github.com/stackprom/stackprom v0.2.0"),
			"adapters/ginmetrics": adapter("ginmetrics", "github.com/stackprom/stackprom v0.0.0"),
			"adapters/pgxmetrics": adapter("pgxmetrics", "github.com/stackprom/stackprom v0.2.0"),
		})
		public, _ := stackpromRequirements(mods)
		_, err := releaseVersion(public, "v0.1.0")
		if err == nil {
			t.Fatal("releaseVersion agreed on versions v0.0.0 and v0.2.0")
		}
		want := "\n\tv0.0.0: adapters/ginmetrics/go.mod (github.com/stackprom/stackprom)" +
			"\n\tv0.2.0: adapters/chimetrics/go.mod (github.com/stackprom/stackprom), adapters/pgxmetrics/go.mod (github.com/stackprom/stackprom)"
		if !strings.HasSuffix(err.Error(), want) {
			t.Errorf("releaseVersion's error:\n%s\nwant it to end in:%s", err, want)
		}
	})
	t.Run("none", func(t *testing.T) {
		mods := parseModules(t, map[string]string{"": core})
		public, _ := stackpromRequirements(mods)
		if v, err := releaseVersion(public, "v0.1.0"); v != "v0.1.0" || err != nil {
			t.Errorf("releaseVersion = %q, %v; want the fallback v0.1.0", v, err)
		}
	})
	t.Run("unpublished", func(t *testing.T) {
		mods := parseModules(t, map[string]string{
			"":                    core,
			"adapters/bunmetrics": adapter("bunmetrics", "github.com/stackprom/stackprom v0.1.0", "github.com/stackprom/stackprom/internal/dbtest v0.0.0"),
		})
		public, unpublished := stackpromRequirements(mods)
		want := "adapters/bunmetrics/go.mod requires github.com/stackprom/stackprom/internal/dbtest v0.0.0"
		if len(public) != 1 || len(unpublished) != 1 || unpublished[0].String() != want {
			t.Errorf("requirements: public %v, unpublished %v; want one each, the unpublished %q", public, unpublished, want)
		}
	})
}

func TestCheckVersion(t *testing.T) {
	for _, v := range []string{"v0.1.0", "v1.0.0", "v0.1.0-rc.1", "v1.2.3-alpha.0.beta"} {
		if err := checkVersion(v); err != nil {
			t.Errorf("checkVersion(%q): %v", v, err)
		}
	}
	for _, v := range []string{"", "0.1.0", "v0.1", "v1", "v0.1.0+meta", "v01.0.0", "v2.0.0", "v0.1.0-01", "v0.0.0"} {
		if err := checkVersion(v); err == nil {
			t.Errorf("checkVersion(%q) accepted it", v)
		}
	}
}

// chiUser is what `go version -m` says of a chi user's binary that also
// compiled in pgx and the SQLite driver (the chi adapter pulling in a test
// helper, say).
const chiUser = `stackpromuser: go1.26.8
	path	example.com/stackpromuser
	mod	example.com/stackpromuser	(devel)	
	dep	github.com/beorn7/perks	v1.0.1	h1:VlbKKnNfV8bJzeqoa4cOKqO6bYr3WgKZxO8Z16+hsOM=
	dep	github.com/go-chi/chi/v5	v5.5.0	h1:xdKQ1dJmVJsmgahrXSKhUx8NyVPzpwdlyrrQFpMPJgg=
	dep	github.com/jackc/pgx/v5	v5.12.0	h1:Ovn9bA1CE3yeM1UErMVWdFSM5HO5tbDD0i4fSFh5Ii4=
	dep	github.com/jackc/pgxlisten	v0.0.0-20250101000000-000000000000	h1:AAAA
	dep	github.com/prometheus/client_golang	v1.25.0	h1:AAAA
	dep	github.com/stackprom/stackprom	v0.1.0	h1:AAAA
	dep	github.com/stackprom/stackprom/adapters/chimetrics	v0.1.0	h1:AAAA
	dep	example.com/sqlite	v1.0.0
	=>	modernc.org/sqlite	v1.62.0	h1:AAAA
	build	-buildmode=exe
	build	GOOS=linux
`

func TestForeignLibraries(t *testing.T) {
	got := foreignLibraries(chiUser, allowedIntegrations["adapters/chimetrics"])
	// pgxlisten is not pgx: prefixes match whole path elements.
	want := []string{"github.com/jackc/pgx/v5 v5.12.0 (pgx)", "modernc.org/sqlite v1.62.0 (SQLite)"}
	if !slices.Equal(got, want) {
		t.Errorf("foreign libraries of the chi user:\n%q\nwant\n%q", got, want)
	}
	got = foreignLibraries(chiUser, nil)
	want = []string{"github.com/go-chi/chi/v5 v5.5.0 (chi)", "github.com/jackc/pgx/v5 v5.12.0 (pgx)", "modernc.org/sqlite v1.62.0 (SQLite)"}
	if !slices.Equal(got, want) {
		t.Errorf("foreign libraries of the same binary for the core:\n%q\nwant\n%q", got, want)
	}
	for _, libs := range allowedIntegrations {
		for _, name := range libs {
			if _, ok := integrations[name]; !ok {
				t.Errorf("allowedIntegrations names %q, which is not in integrations", name)
			}
		}
	}
	prefixes := map[string]string{}
	for name, ps := range integrations {
		for _, p := range ps {
			if other, ok := integrationOf(p); !ok || other != name {
				t.Errorf("prefix %s of %s is classified as %q", p, name, other)
			}
			prefixes[p] = name
		}
	}
	for p, name := range prefixes {
		if isStackprom(p) {
			t.Errorf("integration %s claims a stackprom path, %s", name, p)
		}
	}
}

func TestUnpublishedModules(t *testing.T) {
	listM := `example.com/stackpromuser
github.com/go-chi/chi/v5 v5.5.0
github.com/stackprom/stackprom v0.1.0
github.com/stackprom/stackprom/adapters/chimetrics v0.1.0
github.com/stackprom/stackprom/adapters/pgxmetrics v0.0.0
github.com/stackprom/stackprom/adapters/redismetrics v0.0.9
github.com/stackprom/stackprom/adapters/ginmetrics v0.1.0 => ../gin
github.com/stackprom/stackprom/internal/dbtest v0.0.0
github.com/stackprom/stackprom/test v0.1.0
github.com/stackprom/stackprom/bench v0.1.0
github.com/stackprom/stackprom/cmd/demo v0.1.0
github.com/stackprom/stackpromx v0.0.0
`
	public := map[string]bool{}
	for _, p := range []string{"", "/adapters/chimetrics", "/adapters/pgxmetrics", "/adapters/redismetrics", "/adapters/ginmetrics"} {
		public[corePath+p] = true
	}
	got := unpublishedModules(listM, public, "v0.1.0")
	want := []string{
		"github.com/stackprom/stackprom/adapters/pgxmetrics v0.0.0: the placeholder of an unreleased tree",
		"github.com/stackprom/stackprom/adapters/redismetrics v0.0.9: not the release version v0.1.0",
		"github.com/stackprom/stackprom/adapters/ginmetrics: replaced (=> ../gin)",
		"github.com/stackprom/stackprom/internal/dbtest v0.0.0: not a public module, never tagged",
		"github.com/stackprom/stackprom/test v0.1.0: not a public module, never tagged",
		"github.com/stackprom/stackprom/bench v0.1.0: not a public module, never tagged",
		"github.com/stackprom/stackprom/cmd/demo v0.1.0: not a public module, never tagged",
	}
	if !slices.Equal(got, want) {
		t.Errorf("unpublished modules:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestExported(t *testing.T) {
	listed := strings.Join([]string{
		"github.com/stackprom/stackprom\tstackprom\tgithub.com/stackprom/stackprom",
		"github.com/stackprom/stackprom/httpmetrics\thttpmetrics\tgithub.com/stackprom/stackprom",
		"github.com/stackprom/stackprom/internal/config\tconfig\tgithub.com/stackprom/stackprom",
		"github.com/stackprom/stackprom/sqlmetrics/internal/x\tx\tgithub.com/stackprom/stackprom",
		"github.com/stackprom/stackprom/examples/quickstart\tmain\tgithub.com/stackprom/stackprom",
		"github.com/stackprom/stackprom/adapters/chimetrics\tchimetrics\tgithub.com/stackprom/stackprom/adapters/chimetrics",
		"github.com/stackprom/stackprom/internalish\tinternalish\tgithub.com/stackprom/stackprom",
		"",
	}, "\n")
	got := exported(listed, corePath)
	want := []string{"github.com/stackprom/stackprom", "github.com/stackprom/stackprom/httpmetrics", "github.com/stackprom/stackprom/internalish"}
	if !slices.Equal(got, want) {
		t.Errorf("exported = %q, want %q", got, want)
	}
	ops := corePath + "/cmd/stackprom-ops"
	listed = strings.Join([]string{
		ops + "\tmain\t" + ops,
		ops + "/opsgen\topsgen\t" + ops,
		ops + "/internal/tool\tmain\t" + ops,
		corePath + "/examples/quickstart\tmain\t" + corePath,
	}, "\n")
	if got, want := mains(listed, ops), []string{ops}; !slices.Equal(got, want) {
		t.Errorf("mains = %q, want %q", got, want)
	}
	if got, want := exported(listed, ops), []string{ops + "/opsgen"}; !slices.Equal(got, want) {
		t.Errorf("exported = %q, want %q", got, want)
	}
}

// repoHead returns the repository's root, skipping without git.
func repoHead(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	top, err := git(t.Context(), ".", "rev-parse", "--show-toplevel")
	if err != nil {
		t.Skipf("not in a git checkout: %v", err)
	}
	return strings.TrimSpace(top)
}

// Every public module committed has its row in allowedIntegrations, and
// every row a module.
func TestTablesCoverPublicModules(t *testing.T) {
	repo := repoHead(t)
	mods, err := publicModules(t.Context(), repo, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	for dir := range allowedIntegrations {
		rows[dir] = true
	}
	for _, m := range mods {
		if !rows[m.Dir] {
			t.Errorf("%s is a public module without a row in allowedIntegrations", m.Path)
		}
		delete(rows, m.Dir)
	}
	for dir := range rows {
		t.Errorf("allowedIntegrations has a row for %q, which is no public module at HEAD", dir)
	}
}

// pack lays out a GOPROXY directory, and a module's zip holds its committed
// files only: none of the nested modules (adapters, bench, test), and no
// untracked file.
func TestPack(t *testing.T) {
	repo := repoHead(t)
	mods, err := publicModules(t.Context(), repo, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	var picked []publicModule
	for _, m := range mods {
		if m.Dir == "" || m.Dir == "adapters/chimetrics" {
			picked = append(picked, m)
		}
	}
	if len(picked) != 2 {
		t.Fatalf("want the core and chimetrics among the public modules, have %d of them", len(picked))
	}
	dir := t.TempDir()
	if err := pack(t.Context(), repo, "HEAD", picked, "v0.9.0", dir); err != nil {
		t.Fatal(err)
	}
	tree, err := git(t.Context(), repo, "ls-tree", "-r", "-z", "--name-only", "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	committed := map[string]bool{}
	for name := range strings.SplitSeq(tree, "\x00") {
		committed[name] = true
	}
	for _, m := range picked {
		at := filepath.Join(dir, filepath.FromSlash(m.Path), "@v")
		list, err := os.ReadFile(filepath.Join(at, "list"))
		if err != nil || string(list) != "v0.9.0\n" {
			t.Errorf("%s: list %q, %v; want v0.9.0", m.Path, list, err)
		}
		mod, err := os.ReadFile(filepath.Join(at, "v0.9.0.mod"))
		if err != nil || !bytes.Equal(mod, m.GoMod) {
			t.Errorf("%s: v0.9.0.mod differs from its go.mod at HEAD (%v)", m.Path, err)
		}
		info, err := os.ReadFile(filepath.Join(at, "v0.9.0.info"))
		if err != nil || !strings.HasPrefix(string(info), `{"Version":"v0.9.0","Time":"`) {
			t.Errorf("%s: v0.9.0.info %s, %v", m.Path, info, err)
		}
		z, err := zip.OpenReader(filepath.Join(at, "v0.9.0.zip"))
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		prefix := m.Path + "@v0.9.0/"
		names := map[string]bool{}
		for _, f := range z.File {
			name, ok := strings.CutPrefix(f.Name, prefix)
			if !ok {
				t.Errorf("%s: zip entry %s is outside %s", m.Path, f.Name, prefix)
			}
			names[name] = true
		}
		if !names["go.mod"] {
			t.Errorf("%s: zip has no go.mod", m.Path)
		}
		for name := range names {
			for _, nested := range []string{"adapters/", "bench/", "cmd/demo/", "cmd/stackprom-ops/", "test/", "internal/dbtest/"} {
				if m.Dir == "" && strings.HasPrefix(name, nested) {
					t.Errorf("core zip holds %s, a file of a nested module", name)
				}
			}
			if !committed[path.Join(m.Dir, name)] {
				t.Errorf("%s: zip holds %s, which is not committed at HEAD", m.Path, name)
			}
		}
	}
}
