#!/usr/bin/env bash
# go mod tidy in every module of the repository, as .ci/run checks it.
#
# A public command module (cmd/stackprom-ops) requires the core without a
# replace directive, since `go run …@version` and `go install …@version`
# refuse a module that has one; inside the repository the workspace stands
# in for the core. go mod tidy ignores the workspace, so such a module is
# tidied against the checkout through a replace directive added for the
# run and dropped after it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
core=github.com/stackprom/stackprom
commands=(cmd/stackprom-ops) # test/release's publicCommands
for mod in $(git ls-files go.mod '*/go.mod'); do
	dir=$(dirname "$mod")
	if [[ " ${commands[*]} " == *" $dir "* ]]; then
		(
			cd "$dir"
			go mod edit -replace "$core=../.."
			trap 'go mod edit -dropreplace "$core"' EXIT
			go mod tidy
		)
	else
		(cd "$dir" && go mod tidy)
	fi
done
