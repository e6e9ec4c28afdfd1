#!/usr/bin/env bash
# rss-after-load.sh measures the idle RSS of a fresh server and of the same
# server 45 s after a load, as docs/benchmarks.md reports them.
#
#   go build -o /tmp/hc ./cmd/halcytone      # CGO_ENABLED=0 for the shipped static build
#   /tmp/hc bench seed --database-url sqlite:/tmp/hcb/bench.db --jobs 100000
#   scripts/rss-after-load.sh /tmp/hc /tmp/hcb/bench.db [serve flags...]
#
# It serves a copy of the database on 127.0.0.1:8000, reads the RSS 2 s
# after start, runs the jobs (concurrency 4), preview (2) and health (64)
# scenarios for 8 s each, waits 45 s and reads the RSS again, with the Go
# runtime's memory figures from /metrics. Loopback only.
set -euo pipefail
bin=${1:?usage: rss-after-load.sh BINARY DATABASE [serve flags...]}
db=${2:?usage: rss-after-load.sh BINARY DATABASE [serve flags...]}
shift 2
key=bench-0123456789abcdef0123456789abcdef
dir=$(mktemp -d)
cp "$db" "$dir/bench.db"
HALCYTONE_API_KEYS="bench:$key:admin:0" "$bin" serve --addr 127.0.0.1:8000 \
  --database-url "sqlite:$dir/bench.db" --log-level warn "$@" >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
until curl -sf -o /dev/null http://127.0.0.1:8000/health; do
  kill -0 $pid 2>/dev/null || { cat "$dir/serve.log"; exit 1; }
  sleep 0.1
done
sleep 2
echo "start: $("$bin" bench rss --pid $pid --json | tr -d ' \n')"
for sc in "jobs 4" "preview 2" "health 64"; do
  set -- $sc
  "$bin" bench run --key $key --scenario "$1" --concurrency "$2" --client conn \
    --duration 8s --warmup 1s --server-pid $pid --json >"$dir/$1.json"
  echo "$1: $(grep -o '"requests_per_second": *[0-9.]*' "$dir/$1.json" | head -1)"
done
sleep 45
echo "after: $("$bin" bench rss --pid $pid --json | tr -d ' \n')"
curl -s -H 'Accept: text/plain' -H "Authorization: Bearer $key" http://127.0.0.1:8000/metrics |
  grep -E '^go_memstats_(heap_alloc|heap_inuse|gc_sys|mspan_sys|stack_inuse|other_sys)_bytes'
