package release

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

// pack writes every module at version into dir, laid out as a GOPROXY
// directory serves a tag (<dir>/<escaped path>/@v/{list,V.info,V.mod,V.zip}),
// each zip holding exactly the files committed at rev in the module's
// directory, nested modules left out, as the module proxy would build it
// from the tag.
//
// zip.CreateFromVCS runs git archive at rev, so neither untracked files nor
// uncommitted edits go in, as neither would be in a tag. It only accepts a
// directory whose .git is the repository itself, which a linked worktree's
// is not, so it runs on a shared clone without a checkout: no files copied,
// every object reachable, even a commit no branch holds, such as the one
// `git stash create` makes of uncommitted edits (which scripts/release.sh
// checks before committing them).
func pack(ctx context.Context, repo, rev string, mods []publicModule, version, dir string) error {
	clone, err := os.MkdirTemp("", "stackprom-release-clone-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(clone)
	if _, err := git(ctx, repo, "clone", "--quiet", "--shared", "--no-checkout", repo, clone); err != nil {
		return err
	}
	when, err := git(ctx, repo, "show", "-s", "--format=%cI", rev)
	if err != nil {
		return err
	}
	commitTime, err := time.Parse(time.RFC3339, strings.TrimSpace(when))
	if err != nil {
		return fmt.Errorf("commit time of %s: %w", rev, err)
	}
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{version, commitTime.UTC()})
	if err != nil {
		return err
	}
	for _, m := range mods {
		escaped, err := module.EscapePath(m.Path)
		if err != nil {
			return err
		}
		at := filepath.Join(dir, filepath.FromSlash(escaped), "@v")
		if err := os.MkdirAll(at, 0o777); err != nil {
			return err
		}
		z, err := os.Create(filepath.Join(at, version+".zip"))
		if err != nil {
			return err
		}
		err = zip.CreateFromVCS(z, module.Version{Path: m.Path, Version: version}, clone, rev, m.Dir)
		if cerr := z.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("packing %s at %s: %w", m.Path, rev, err)
		}
		for name, data := range map[string][]byte{
			"list":            []byte(version + "\n"),
			version + ".info": info,
			version + ".mod":  m.GoMod,
		} {
			if err := os.WriteFile(filepath.Join(at, name), data, 0o666); err != nil {
				return err
			}
		}
	}
	return nil
}
