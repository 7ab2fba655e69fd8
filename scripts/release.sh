#!/usr/bin/env bash
# Release stackprom's public modules in lock-step: see usage below.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: scripts/release.sh [--tag] VERSION

Releases stackprom's public modules, the core (the repository root), every
adapters/<name> module and the cmd/stackprom-ops command, in lock-step at
VERSION:

  1. refuses when the go.mod files disagree on the version at which they
     require stackprom's public modules, naming the files;
  2. sets every such requirement, in every go.mod of the repository (public
     modules, bench, cmd/demo, test, the internal test modules), to VERSION
     with go mod edit, and checks that the workspace still loads;
  3. runs the release check (test/release) on the result: each public module
     packed as the module proxy would serve its tag, fetched and built by a
     fresh user module outside the repository;
  4. prints the tags, one per public module, and the git commands that
     commit, tag and push.

VERSION  vX.Y.Z or vX.Y.Z-PRERELEASE (semantic version), major 0 or 1:
         the module paths end in no /vN.
--tag    after a passing check, also commit the go.mod edits and create the
         annotated tags at that commit, locally. Without it the edits stay
         in the working tree, uncommitted. Nothing is ever pushed.

Tracked files other than go.mod, go.sum, go.work and go.work.sum must have
no uncommitted edits: the check packs the committed files plus this
script's edits, exactly what the tags will hold.
EOF
}

die() {
	printf 'release.sh: %s\n' "$*" >&2
	exit 1
}

tag=false
version=""
for arg in "$@"; do
	case $arg in
	--tag) tag=true ;;
	-h | --help)
		usage
		exit 0
		;;
	-*)
		printf 'release.sh: unknown flag %s\n\n' "$arg" >&2
		usage >&2
		exit 2
		;;
	*)
		if [[ -n $version ]]; then
			printf 'release.sh: one VERSION only, not %s and %s\n\n' "$version" "$arg" >&2
			usage >&2
			exit 2
		fi
		version=$arg
		;;
	esac
done
if [[ -z $version ]]; then
	usage >&2
	exit 2
fi

num='(0|[1-9][0-9]*)'
if ! [[ $version =~ ^v$num\.$num\.$num(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$ ]]; then
	printf 'release.sh: VERSION %s is not vX.Y.Z or vX.Y.Z-PRERELEASE\n\n' "$version" >&2
	usage >&2
	exit 2
fi
if ((BASH_REMATCH[1] > 1)); then
	die "VERSION $version: major version ${BASH_REMATCH[1]} needs module paths ending in /v${BASH_REMATCH[1]}; stackprom's end in none, so VERSION is v0.x.y or v1.x.y"
fi
if [[ $version == *-* ]]; then
	IFS=. read -ra ids <<<"${version#*-}"
	for id in "${ids[@]}"; do
		[[ ! $id =~ ^0[0-9]+$ ]] || die "VERSION $version: numeric pre-release identifier $id has a leading zero"
	done
fi
[[ $version != v0.0.0 ]] || die "VERSION v0.0.0 is the placeholder of an unreleased tree, which no user can download"

cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ $(git rev-parse --show-toplevel) == "$(pwd -P)" ]] || die "$(pwd) is not the root of a git checkout"
command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
command -v go >/dev/null || die "no go command on PATH"

core=github.com/stackprom/stackprom

# modpath FILE: the module path a go.mod declares.
modpath() {
	go mod edit -print "$1" | awk '$1 == "module" { print $2; exit }'
}

# requires FILE: "path version" for each requirement of a go.mod.
requires() {
	go mod edit -print "$1" | awk '
		/^require \($/ { block = 1; next }
		block && /^\)/ { block = 0; next }
		block && NF >= 2 && $1 !~ /^\/\// { print $1, $2; next }
		/^require [^(]/ { print $2, $3 }'
}

# uses: the directories go.work uses, as . or ./dir.
uses() {
	go work edit -print | awk '
		function norm(d) { return (d == "." || d ~ /^\.\//) ? d : "./" d }
		/^use \($/ { block = 1; next }
		block && /^\)/ { block = 0; next }
		block && NF >= 1 && $1 !~ /^\/\// { print norm($1); next }
		/^use [^(]/ { print norm($2) }'
}

# Every go.mod committed, outside testdata and vendor directories.
gomods=()
while IFS= read -r f; do
	[[ $f =~ (^|/)(testdata|vendor)/ ]] || gomods+=("$f")
done < <(git ls-files -- go.mod '*/go.mod')
[[ " ${gomods[*]} " == *" go.mod "* ]] || die "no go.mod at the repository root"

# The public modules: the root, adapters/<name> and the public commands
# (test/release's publicCommands), by directory and path.
public_re='^(go\.mod|adapters/[^/]+/go\.mod|cmd/stackprom-ops/go\.mod)$'
public_dirs=()
declare -A is_public=()
for f in "${gomods[@]}"; do
	if [[ $f =~ $public_re ]]; then
		dir=$(dirname "$f")
		p=$(modpath "$f") || die "cannot read $f"
		want=$core
		[[ $dir == . ]] || want=$core/$dir
		[[ $p == "$want" ]] || die "$f declares module $p, not $want: no user could fetch it from its directory"
		if [[ $dir == . ]]; then public_dirs=(. "${public_dirs[@]}"); else public_dirs+=("$dir"); fi
		is_public[$p]=1
	fi
done

untracked=$(git ls-files --others --exclude-standard -- go.mod '*/go.mod')
if [[ -n $untracked ]]; then
	printf 'release.sh: warning: untracked go.mod files are no part of the release (git add them first):\n%s\n' "$untracked" >&2
fi

# go.work uses exactly the modules committed.
declare -A used=()
work=$(uses) || die "cannot read go.work"
while IFS= read -r u; do [[ -z $u ]] || used[$u]=1; done <<<"$work"
bad_work=()
for f in "${gomods[@]}"; do
	d=$(dirname "$f")
	[[ $d == . ]] || d=./$d
	[[ -n ${used[$d]:-} ]] || bad_work+=("go.work does not use $d")
	unset 'used[$d]'
done
for d in "${!used[@]}"; do bad_work+=("go.work uses $d, which has no committed go.mod"); done
if ((${#bad_work[@]})); then
	die "go.work and the committed go.mod files disagree (fix go.work with go work use):$(printf '\n  %s' "${bad_work[@]}")"
fi

# Only go.mod, go.sum, go.work and go.work.sum may have uncommitted edits.
dirty=()
while IFS= read -r line; do
	f=${line:3}
	[[ $f =~ (^|/)go\.(mod|sum|work|work\.sum)$ ]] || dirty+=("$f")
done < <(git status --porcelain --untracked-files=no)
if ((${#dirty[@]})); then
	die "uncommitted edits the tags would not hold; commit or stash them first:$(printf '\n  %s' "${dirty[@]}")"
fi

tags=()
for dir in "${public_dirs[@]}"; do
	if [[ $dir == . ]]; then tags+=("$version"); else tags+=("$dir/$version"); fi
done
existing=()
for t in "${tags[@]}"; do
	if git rev-parse -q --verify "refs/tags/$t" >/dev/null; then existing+=("$t"); fi
done
if ((${#existing[@]})); then
	die "tags exist already; $version is released:$(printf '\n  %s' "${existing[@]}")"
fi

# Every requirement of every go.mod, as "file path version" lines.
reqs=""
for f in "${gomods[@]}"; do
	r=$(requires "$f") || die "cannot read $f"
	while read -r p v; do
		[[ -z $p ]] || reqs+="$f $p $v"$'\n'
	done <<<"$r"
done

# Every go.mod must agree on the version of stackprom's public modules.
declare -A by_version=()
unpublished=()
while read -r f p v; do
	if [[ -z $f ]]; then
		continue
	elif [[ -n ${is_public[$p]:-} ]]; then
		by_version[$v]+=$'\n'"    $f ($p)"
	elif [[ ($p == "$core" || $p == "$core"/*) && $f =~ $public_re ]]; then
		unpublished+=("$f requires $p $v")
	fi
done <<<"$reqs"
if ((${#by_version[@]} > 1)); then
	msg="the go.mod files disagree on the version of stackprom's public modules; bring them to one version first:"
	while IFS= read -r v; do msg+=$'\n'"  $v:${by_version[$v]}"; done < <(printf '%s\n' "${!by_version[@]}" | sort -V)
	die "$msg"
fi
for u in "${unpublished[@]}"; do
	printf 'release.sh: warning: %s, which is never published: no user can build that module, and the release check will fail\n' "$u" >&2
done

# Set them to VERSION.
changed=()
for f in "${gomods[@]}"; do
	edit=()
	while read -r g p v; do
		if [[ $g == "$f" && -n ${is_public[$p]:-} && $v != "$version" ]]; then edit+=("-require=$p@$version"); fi
	done <<<"$reqs"
	if ((${#edit[@]})); then
		go mod edit "${edit[@]}" "$f"
		changed+=("$f")
	fi
done
printf 'release.sh: %d go.mod files now require stackprom modules at %s\n' "${#changed[@]}" "$version"

# The workspace still loads and go.work.sum has every checksum it needs
# (a workspace module stands in for every version of itself, so bumping
# stackprom's versions adds none).
if ! out=$(go list -deps -test "$core/..." 2>&1 >/dev/null); then
	die "the workspace does not load after the edits:"$'\n'"$out"
fi

# The check packs the committed files plus these edits: `git stash create`
# commits the working tree of tracked files without touching a branch,
# the index or the working tree.
rev=$(git stash create "release.sh $version")
rev=${rev:-$(git rev-parse HEAD)}
log=$(mktemp "${TMPDIR:-/tmp}/stackprom-release-$version.XXXXXX")
printf 'release.sh: release check of %s at %s (log: %s)\n' "$version" "$rev" "$log"
if ! STACKPROM_RELEASE_CHECK=1 STACKPROM_RELEASE_VERSION=$version STACKPROM_RELEASE_REV=$rev \
	go test -count=1 -timeout 30m -v ./test/release 2>&1 | tee "$log"; then
	undo=""
	((${#changed[@]} == 0)) || undo=$'\n'"The go.mod edits stay in the working tree; undo them with: git checkout -- ${changed[*]}"
	die "the release check failed at $version; the failing tests above say why (log: $log).$undo"
fi

commit_files=()
while IFS= read -r line; do commit_files+=("${line:3}"); done < <(git status --porcelain --untracked-files=no)
message="release $version: stackprom modules require each other at $version"
if $tag; then
	if ((${#commit_files[@]})); then
		git add -- "${commit_files[@]}"
		git commit -q -m "$message" -- "${commit_files[@]}"
	fi
	[[ $(git rev-parse 'HEAD^{tree}') == $(git rev-parse "$rev^{tree}") ]] ||
		die "HEAD's tree differs from the checked one ($rev); no tags created"
	for t in "${tags[@]}"; do git tag -a "$t" -m "stackprom $t"; done
fi

printf '\nRelease check passed at %s. Tags, one per public module (%d):\n' "$version" "${#tags[@]}"
printf '  %s\n' "${tags[@]}"
branch=$(git branch --show-current)
printf '\n'
if $tag; then
	printf 'Committed and tagged %s locally. To publish:\n' "$(git rev-parse --short HEAD)"
else
	printf 'To publish:\n'
	if ((${#commit_files[@]})); then
		printf '  git add %s\n' "${commit_files[*]}"
		printf '  git commit -m %q\n' "$message"
	fi
	for t in "${tags[@]}"; do printf '  git tag -a %s -m %q\n' "$t" "stackprom $t"; done
fi
printf '  git push origin %s\n' "${branch:-HEAD}"
printf '  git push origin %s\n' "${tags[*]}"
