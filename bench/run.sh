#!/usr/bin/env bash
# The whole benchmark in one run (numbers from one machine state, ratios against baselines measured
# in the same run):
#   1. validation cost per token (HS256, ES256, RS256) next to the raw crypto of the same token;
#   2. end-to-end authenticated events/s and p50/p99 over loopback with keep-alive (wrk in a second
#      process), next to the same app and sink with authentication switched off (bench-only switch);
#   3. cold start: process start, as the Functions host does it, to the first authenticated 202,
#      for the JIT build and the ReadyToRun build (as package.sh ships the worker).
# Usage: bench/run.sh [--quick]   (--quick: shorter runs, for checking the script itself)
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

quick=${1:-}
out=bench/results
rm -rf "$out" && mkdir -p "$out"
summary="$out/summary.md"

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)"; apt-get install -y wrk >/dev/null
fi

dotnet build bench/JiraAuthFunctions.Benchmarks -c Release --nologo -v q
bench="dotnet bench/JiraAuthFunctions.Benchmarks/bin/Release/net10.0/JiraAuthFunctions.Benchmarks.dll"

# 1. Validation -------------------------------------------------------------------------------
if [ "$quick" = "--quick" ]; then bdn=(--job Dry); else bdn=(--warmupCount 6 --iterationCount 20 --launchCount 1); fi
$bench validation "${bdn[@]}" --artifacts "$out/validation" --exporters github
report=$(ls "$out"/validation/results/*.ValidationBenchmarks-report-github.md)
hooks_report=$(ls "$out"/validation/results/*WebhookSignatureBenchmarks-report-github.md)

# 2. End-to-end load --------------------------------------------------------------------------
duration=15s; warmup=3s; rounds=3
if [ "$quick" = "--quick" ]; then duration=3s; warmup=1s; rounds=1; fi
port=7199
load() { # $1 = on|off; prints "rps p50 p99"
  local data; data=$(mktemp -d)
  $bench serve --auth "$1" --port $port --data "$data" > "$out/serve-$1.log" 2>&1 &
  local pid=$!
  for _ in $(seq 200); do [ -s "$data/token.txt" ] && break; sleep 0.1; done
  [ -s "$data/token.txt" ] || { echo "bench server did not start; see $out/serve-$1.log" >&2; kill $pid; exit 1; }
  TOKEN_FILE="$data/token.txt" wrk -t1 -c32 -d$warmup -s bench/post.lua "http://127.0.0.1:$port/api/jira/events/bench" > /dev/null
  TOKEN_FILE="$data/token.txt" wrk -t1 -c32 -d$duration --latency -s bench/post.lua "http://127.0.0.1:$port/api/jira/events/bench" > "$out/wrk-$1.txt"
  kill $pid; wait $pid 2>/dev/null || true
  # Every response must be a 202: a rejected request is cheap and would flatter the figure.
  if grep -q "Non-2xx" "$out/wrk-$1.txt"; then echo "load with auth $1: non-2xx responses" >&2; cat "$out/wrk-$1.txt" >&2; exit 1; fi
  local lines; lines=$(cat "$data"/events/*.jsonl | wc -l)
  rm -rf "$data"
  awk -v lines="$lines" '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {print rps, p50, p99, lines}' "$out/wrk-$1.txt"
}
: > "$out/load.txt"
for round in $(seq $rounds); do   # alternate, so drift on the machine hits both modes alike
  echo "off $(load off)" >> "$out/load.txt"
  echo "on $(load on)" >> "$out/load.txt"
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rps_off=$(awk '$1=="off" {print $2}' "$out/load.txt" | median)
rps_on=$(awk '$1=="on" {print $2}' "$out/load.txt" | median)
p50_on=$(awk '$1=="on" {print $3}' "$out/load.txt" | sort -V | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
p99_on=$(awk '$1=="on" {print $4}' "$out/load.txt" | sort -V | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
p50_off=$(awk '$1=="off" {print $3}' "$out/load.txt" | sort -V | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
p99_off=$(awk '$1=="off" {print $4}' "$out/load.txt" | sort -V | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
ratio=$(awk -v a="$rps_on" -v b="$rps_off" 'BEGIN {printf "%.2f", a/b}')

# 3. Cold start -------------------------------------------------------------------------------
runs=9; [ "$quick" = "--quick" ] && runs=3
# The deployed worker is built ReadyToRun (package.sh); it cannot start without the Functions host,
# so the standalone host is measured built the same way and with the plain JIT.
dotnet publish src/JiraAuthFunctions -c Release -r linux-x64 --self-contained false -o "$out/publish-jit" --nologo -v q
$bench coldstart --exe "$out/publish-jit/JiraAuthFunctions" --runs $runs --label "JIT" | tee "$out/coldstart.txt"
dotnet publish src/JiraAuthFunctions -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$out/publish-r2r" --nologo -v q
$bench coldstart --exe "$out/publish-r2r/JiraAuthFunctions" --runs $runs --label "ReadyToRun (as shipped)" | tee -a "$out/coldstart.txt"

# Summary -------------------------------------------------------------------------------------
{
  echo "## Benchmark $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores"
  echo
  echo "### 1. Validation per token (BenchmarkDotNet; Ratio against RawCrypto of the same token)"
  grep -E '^\|' "$report" | sed 's/\*\*//g'
  echo
  echo "### 1b. X-Hub-Signature per webhook (BenchmarkDotNet; Ratio against raw HMAC-SHA256 of the same body)"
  grep -E '^\|' "$hooks_report" | sed 's/\*\*//g'
  echo
  echo "### 2. End-to-end over loopback (wrk -t1 -c32, keep-alive, median of $rounds rounds)"
  echo
  echo "| authentication | events/s | p50 | p99 |"
  echo "|---|---:|---:|---:|"
  echo "| off (bench-only switch) | $rps_off | $p50_off | $p99_off |"
  echo "| on | $rps_on | $p50_on | $p99_on |"
  echo
  echo "authenticated / unauthenticated throughput: **$ratio** (target >= 0.80)"
  echo
  echo "### 3. Cold start (process start to first authenticated 202)"
  echo
  sed 's/^coldstart /- /' "$out/coldstart.txt"
} > "$summary"
echo; cat "$summary"
