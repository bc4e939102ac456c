#!/usr/bin/env bash
# Load test of `unspin serve` with wrk on 127.0.0.1, bounded in time.
#   bench/load.sh [SECONDS] [CONNECTIONS]     (defaults 15 s, 16 connections)
# POSTs examples/oped-bridge.txt to /v1/analyze (full analysis, with cues) and
# prints wrk's throughput and latency percentiles plus the non-2xx count.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
conns=${2:-16}
command -v wrk >/dev/null || { echo "load: wrk is not installed (scripts/install-deps.sh --all)"; exit 1; }
make -s all
tmp=$(mktemp -d)
./build/unspin serve -q --port 0 --threads "$(nproc)" > "$tmp/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$tmp/serve.log" && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$tmp/serve.log" | head -1)
[ -n "$url" ] || { echo "load: server did not start"; cat "$tmp/serve.log"; exit 1; }
cat > "$tmp/post.lua" <<LUA
local f = io.open("examples/oped-bridge.txt", "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "text/plain; charset=utf-8"
done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors connect %d read %d write %d status %d timeout %d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
  io.write(string.format("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
LUA
echo "# wrk -t2 -c$conns -d${secs}s POST ${url}/v1/analyze (examples/oped-bridge.txt, $(wc -c < examples/oped-bridge.txt) bytes)"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$tmp/post.lua" "${url}/v1/analyze"
