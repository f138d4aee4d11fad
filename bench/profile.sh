#!/usr/bin/env bash
# Where the CPU goes under load: perf samples (cpu-clock, call stacks) of the app or the floor while
# wrk loads it as bench/run.sh does, JIT frames named through the runtime's perf map, then
# bench/perf_parts.py sorts every sample into a part of the pipeline (token validation, body read,
# JSON parse, record, sink write + fsync, Kestrel, thread pool, GC...). Needs perf (Debian linux-perf).
# Usage: bench/profile.sh on|off|floor [seconds]    (build first: bench/run.sh builds both projects)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?on, off or floor}; seconds=${2:-15}; port=7202; out=bench/results/profile-$mode
mkdir -p "$out"; data=$(mktemp -d)
# Every method JIT-compiled (no ReadyToRun code, which the perf map does not name), mapped once (no W^X double mapping).
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 DOTNET_ReadyToRun=0
if [ "$mode" = floor ]; then
  dotnet bench/Floor/bin/Release/net10.0/Floor.dll --port $port --data "$data" > "$out/serve.log" 2>&1 &
else
  dotnet bench/JiraAuthFunctions.Benchmarks/bin/Release/net10.0/JiraAuthFunctions.Benchmarks.dll serve --auth "$mode" --port $port --data "$data" > "$out/serve.log" 2>&1 &
fi
pid=$!
for _ in $(seq 300); do [ -e "$data/ready" ] || [ -s "$data/token.txt" ] && break; sleep 0.1; done
token="$data/token.txt"; [ -s "$token" ] || { echo "any-token" > "$data/any.txt"; token="$data/any.txt"; }
TOKEN_FILE="$token" wrk -t1 -c32 -d$((seconds + 30))s -s bench/post.lua "http://127.0.0.1:$port/api/jira/events/bench" > "$out/wrk.txt" &
load=$!
sleep 20 # past the JIT's tiering (everything is JIT-compiled here)
perf record -e cpu-clock -F 999 -g -p $pid -o "$out/perf.data" -- sleep "$seconds" > /dev/null 2>&1
wait $load
kill $pid; wait $pid 2>/dev/null || true
perf script -i "$out/perf.data" 2>/dev/null > "$out/perf.txt"
cp "/tmp/perf-$pid.map" "$out/perf.map"
rm -rf "$data"
rps=$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt")
python3 bench/perf_parts.py "$out/perf.txt" "$out/perf.map" --rps "$rps" --seconds "$seconds" | tee "$out/parts.txt"
