package release

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// corePath is the module path of the core; every stackprom module's path
// starts with it.
const corePath = "github.com/stackprom/stackprom"

// placeholderVersion is what go.mod files require stackprom modules at
// before any release: the workspace and the replace directives make it work
// inside the repository, and no user can ever download it.
const placeholderVersion = "v0.0.0"

// publicModule is a module the release tags: the core or an adapter.
type publicModule struct {
	Dir   string // slash path of its directory from the repository root; "" for the core
	Path  string // module path
	GoMod []byte // its go.mod at the packed revision
	File  *modfile.File
}

// name is the module's short name, for subtests and messages.
func (m publicModule) name() string {
	if m.Dir == "" {
		return "core"
	}
	return path.Base(m.Dir)
}

// goModName is the slash path of the module's go.mod, for messages.
func (m publicModule) goModName() string {
	return path.Join(m.Dir, "go.mod")
}

// isStackprom reports whether a module path is one of stackprom's modules,
// public or not.
func isStackprom(modPath string) bool {
	return modPath == corePath || strings.HasPrefix(modPath, corePath+"/")
}

// publicCommands are the directories of the public modules that hold
// commands users run with go run or go install at a version, which
// therefore require the core without a replace directive (the go command
// refuses to install a module that has one); inside the repository the
// workspace stands in for it.
var publicCommands = []string{"cmd/stackprom-ops"}

// publicDir reports whether the go.mod at a slash path from the repository
// root belongs to a public module, and that module's directory: the root's
// go.mod, adapters/<name>/go.mod and the public commands' are; bench,
// cmd/demo, test and the internal test modules are not.
func publicDir(goMod string) (dir string, ok bool) {
	if goMod == "go.mod" {
		return "", true
	}
	parts := strings.Split(goMod, "/")
	if len(parts) == 3 && parts[0] == "adapters" && parts[1] != "" && parts[2] == "go.mod" {
		return path.Join(parts[0], parts[1]), true
	}
	if dir, ok := strings.CutSuffix(goMod, "/go.mod"); ok && slices.Contains(publicCommands, dir) {
		return dir, true
	}
	return "", false
}

// publicModules lists the public modules of the repository at rev, from the
// files committed there (as a tag would hold them), core first, adapters in
// directory order.
func publicModules(ctx context.Context, repo, rev string) ([]publicModule, error) {
	names, err := git(ctx, repo, "ls-tree", "-r", "-z", "--name-only", rev)
	if err != nil {
		return nil, err
	}
	var mods []publicModule
	for name := range strings.SplitSeq(strings.TrimSuffix(names, "\x00"), "\x00") {
		dir, ok := publicDir(name)
		if !ok {
			continue
		}
		data, err := git(ctx, repo, "cat-file", "blob", rev+":"+name)
		if err != nil {
			return nil, err
		}
		f, err := modfile.Parse(name, []byte(data), nil)
		if err != nil {
			return nil, err
		}
		want := corePath
		if dir != "" {
			want = corePath + "/" + dir
		}
		if f.Module == nil || f.Module.Mod.Path != want {
			return nil, fmt.Errorf("%s at %s: module path is not %s: no user could fetch it from its directory", name, rev, want)
		}
		mods = append(mods, publicModule{Dir: dir, Path: want, GoMod: []byte(data), File: f})
	}
	// The core's directory, "", sorts first.
	slices.SortFunc(mods, func(a, b publicModule) int { return strings.Compare(a.Dir, b.Dir) })
	if len(mods) == 0 || mods[0].Dir != "" {
		return nil, fmt.Errorf("no go.mod at the root of %s at %s", repo, rev)
	}
	return mods, nil
}

// requirement is one requirement of a stackprom module in a go.mod.
type requirement struct {
	GoMod   string // slash path of the go.mod, for messages
	Path    string
	Version string
}

func (r requirement) String() string {
	return fmt.Sprintf("%s requires %s %s", r.GoMod, r.Path, r.Version)
}

// stackpromRequirements splits the public modules' requirements of
// stackprom modules into those of public modules, which the release sets to
// its version, and those of any other stackprom module, which no user can
// ever download.
func stackpromRequirements(mods []publicModule) (public, unpublished []requirement) {
	isPublic := map[string]bool{}
	for _, m := range mods {
		isPublic[m.Path] = true
	}
	for _, m := range mods {
		for _, r := range m.File.Require {
			if !isStackprom(r.Mod.Path) {
				continue
			}
			req := requirement{GoMod: m.goModName(), Path: r.Mod.Path, Version: r.Mod.Version}
			if isPublic[r.Mod.Path] {
				public = append(public, req)
			} else {
				unpublished = append(unpublished, req)
			}
		}
	}
	return public, unpublished
}

// releaseVersion returns the one version at which the public modules require
// each other, or fallback when none requires another (only the core, or
// adapters that stand alone); an error names every go.mod and version when
// they disagree.
func releaseVersion(reqs []requirement, fallback string) (string, error) {
	byVersion := map[string][]string{}
	for _, r := range reqs {
		byVersion[r.Version] = append(byVersion[r.Version], fmt.Sprintf("%s (%s)", r.GoMod, r.Path))
	}
	switch len(byVersion) {
	case 0:
		return fallback, nil
	case 1:
		return reqs[0].Version, nil
	}
	var b strings.Builder
	b.WriteString("the public modules require stackprom modules at different versions; release them in lock-step with scripts/release.sh VERSION:")
	versions := make([]string, 0, len(byVersion))
	for v := range byVersion {
		versions = append(versions, v)
	}
	semver.Sort(versions)
	for _, v := range versions {
		fmt.Fprintf(&b, "\n\t%s: %s", v, strings.Join(byVersion[v], ", "))
	}
	return "", errors.New(b.String())
}

// checkVersion reports whether version can be the release version of the
// public modules: a canonical semantic version (vX.Y.Z, optionally with a
// pre-release) of major 0 or 1, since the module paths end in no /vN.
func checkVersion(version string) error {
	if !semver.IsValid(version) || semver.Canonical(version) != version {
		return fmt.Errorf("release version %q is not of the form vX.Y.Z or vX.Y.Z-pre", version)
	}
	if err := module.Check(corePath, version); err != nil {
		return fmt.Errorf("release version %s: %w", version, err)
	}
	if version == placeholderVersion {
		return fmt.Errorf("release version %s is the placeholder of an unreleased tree, which no user can download; set the release version with scripts/release.sh VERSION", version)
	}
	return nil
}

// git runs git in repo and returns its standard output.
func git(ctx context.Context, repo string, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = repo
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s in %s: %w\n%s", strings.Join(args, " "), repo, err, stderr.Bytes())
	}
	return stdout.String(), nil
}
