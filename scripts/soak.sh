#!/usr/bin/env bash
# Soak: the demo under load from wrk on loopback, sampled every 10 s.
#
#   scripts/soak.sh [SECONDS] [CONNECTIONS]     (default 600 s, 16 connections)
#
# It builds and starts the demo (SQLite, in-process cache) on a free port,
# loads it with wrk (Debian's package) across every view plus hostile
# traffic (random paths and query strings, invented methods, a charset that
# is not UTF-8), and every 10 s reads the demo's own /metrics: the heap in
# use, goroutines, open files, the number of series exposed, and requests
# served. It prints one row a sample; the figures should stay flat. The
# demo is stopped by its process id at the end. Not a test: nothing is
# asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
conns=${2:-16}
command -v wrk >/dev/null || { echo "soak.sh: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin

work=$(mktemp -d)
trap 'kill "$demo" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/demo" ./cmd/demo
"$work/demo" -addr 127.0.0.1:0 -db "$work/soak.db" >"$work/demo.log" 2>&1 &
demo=$!
url=""
for _ in $(seq 1 100); do
  url=$(sed -n 's|.*serving on \(http://[^ ]*\)/$|\1|p' "$work/demo.log")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/demo.log" >&2; exit 1; }

cat >"$work/load.lua" <<'LUA'
local views = {"/", "/help", "/sql", "/cache", "/file", "/objection", "/slow", "/nowhere"}
local n = 0
request = function()
  n = n + 1
  local k = n % 12
  if k < #views then
    return wrk.format("GET", views[k + 1])
  elseif k == 8 then
    return wrk.format("GET", "/random/" .. math.random(1, 1e9) .. "?q=" .. math.random(1, 1e9))
  elseif k == 9 then
    return wrk.format("BREW" .. math.random(1, 1e6), "/")
  elseif k == 10 then
    return wrk.format("POST", "/", {["Content-Type"] = "text/plain; charset=\255" .. math.random(1, 1e6)}, "hello")
  end
  return wrk.format("GET", "/help", {["X-Requested-With"] = "XMLHttpRequest"})
end
LUA

sample() { # t: one row from /metrics
  curl -fsS "$url/metrics" | awk -v t="$1" '
    /^#/ { next }
    { series++ }
    $1 == "go_memstats_heap_inuse_bytes" { heap = $2 }
    $1 == "go_goroutines" { g = $2 }
    $1 == "process_open_fds" { fds = $2 }
    $1 == "http_requests_before_middlewares_total" { reqs = $2 }
    END { printf "%6d %12.1f %10d %9d %8d %12d\n", t, heap / 1048576, g, fds, series, reqs }'
}

printf 'demo at %s, %d s, %d connections\n' "$url" "$secs" "$conns"
printf '%6s %12s %10s %9s %8s %12s\n' "t (s)" "heap MiB" goroutines "open fds" series requests
sample 0
wrk -t2 -c"$conns" -d"${secs}s" -s "$work/load.lua" "$url" >"$work/wrk.txt" 2>&1 &
load=$!
start=$SECONDS
while kill -0 "$load" 2>/dev/null; do
  sleep 10
  sample $((SECONDS - start))
done
wait "$load" || true
sleep 2 # let the last responses finish
sample $((SECONDS - start))
echo
cat "$work/wrk.txt"
