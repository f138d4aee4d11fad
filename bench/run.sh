#!/usr/bin/env bash
# The whole benchmark in one run (numbers from one machine state, ratios against baselines measured
# in the same run):
#   1. micro: validation cost per token (HS256, ES256, RS256, Connect + qsh) next to the raw crypto of
#      the same token, X-Hub-Signature next to a raw HMAC, and the request pipeline in process
#      (the endpoint called directly, through the isolated worker's adapter) with bytes per request;
#   2. load: events/s and p50/p99 over loopback with keep-alive (wrk in a second process) for the
#      floor (bench/Floor: read body, append a line, group-commit fsync, 202), the app with
#      authentication on (long-lived HS256 rule token) and off (bench-only switch), in alternating
#      rounds, with the ratios to the floor and bytes allocated per request;
#   3. coldstart: process start, as the Functions host does it, to the first authenticated 202,
#      for the JIT build and the ReadyToRun build (as package.sh ships the worker).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

usage() {
  cat <<'USAGE'
Usage: bench/run.sh [--quick] [--only micro|load|coldstart] [--rounds N] [--duration SECONDS] [--log LEVEL] [--compare DIR]
  (default)     every part: several minutes on a quiet 2-core machine (three times that on a busy one)
  --quick       short runs of every part, to check the script (~2 minutes; figures are rough)
  --only PART   one part: micro, load or coldstart (the others are skipped)
  --rounds N    load rounds per mode (default 3; modes alternate floor, on, off in every round)
  --duration S  seconds of measured load per round (default 10; 3 s warm-up before each)
  --log LEVEL   the app's log level under load (default Warning; Information writes one line per decision)
  --compare DIR another build of the benchmark project (a copy of its bin/Release/net10.0, e.g. made before a
                change) loaded as mode "base" (authentication on) in the same alternating rounds: before/after in one run
Prints bench/results/summary.md.
USAGE
}

quick=""; only=""; compare=""; rounds=3; duration=10; warmup=3; loglevel=Warning
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; rounds=1; duration=3; warmup=1 ;;
    --only) only=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --duration) duration=$2; shift ;;
    --log) loglevel=$2; shift ;;
    --compare) compare=$(cd "$2" && pwd); shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done
part() { [ -z "$only" ] || [ "$only" = "$1" ]; }

out=bench/results
rm -rf "$out" && mkdir -p "$out"
summary="$out/summary.md"

if part load && ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)"; apt-get install -y wrk >/dev/null
fi

dotnet build bench/JiraAuthFunctions.Benchmarks -c Release --nologo -v q
dotnet build bench/Floor -c Release --nologo -v q
bench="dotnet bench/JiraAuthFunctions.Benchmarks/bin/Release/net10.0/JiraAuthFunctions.Benchmarks.dll"
floor="dotnet bench/Floor/bin/Release/net10.0/Floor.dll"
median() { sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2] + a[NR/2+1]) / 2}'; }

# 1. Micro benchmarks -------------------------------------------------------------------------
if part micro; then
  if [ -n "$quick" ]; then bdn=(--job Dry --inProcess); else bdn=(--job short --iterationCount 10 --inProcess); fi
  # In process: on a busy 2-core machine the out-of-process build of each job passes BenchmarkDotNet's 120 s timeout.
  $bench validation "${bdn[@]}" --artifacts "$out/micro" --exporters github
  $bench pipeline "${bdn[@]}" --artifacts "$out/micro" --exporters github
fi

# 2. Load ---------------------------------------------------------------------------------------
port=${BENCH_PORT:-7199} # BENCH_PORT: another port when two runs share the machine
body_bytes=$(awk -F"'" '/wrk.body/ {print length($2)}' bench/post.lua)
ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.3f\n", v}'; }
load() { # $1 = floor|on|off|base; prints "rps p50ms p99ms bytes/request"
  local mode=$1 data; data=$(mktemp -d)
  if [ "$mode" = floor ]; then
    $floor --port $port --data "$data" > "$out/serve-$mode.log" 2>&1 &
  elif [ "$mode" = base ]; then
    dotnet "$compare/JiraAuthFunctions.Benchmarks.dll" serve --auth on --port $port --data "$data" --log "$loglevel" > "$out/serve-$mode.log" 2>&1 &
  else
    $bench serve --auth "$mode" --port $port --data "$data" --log "$loglevel" > "$out/serve-$mode.log" 2>&1 &
  fi
  local pid=$!
  for _ in $(seq 300); do [ -e "$data/ready" ] || [ -s "$data/token.txt" ] && break; sleep 0.1; done
  [ -e "$data/ready" ] || [ -s "$data/token.txt" ] || { echo "$mode server did not start; see $out/serve-$mode.log" >&2; kill $pid; exit 1; }
  # The same token header for every mode: an app run's own token (signed with the secret it made
  # in its data folder); the floor gets the first app run's (it reads no header).
  if [ -s "$data/token.txt" ]; then
    [ -s "$out/token.txt" ] || cp "$data/token.txt" "$out/token.txt"
    local token="$data/token.txt"
  else
    local token="$out/token.txt"
  fi
  local url="http://127.0.0.1:$port/api/jira/events/bench"
  TOKEN_FILE="$token" wrk -t1 -c32 -d${warmup}s -s bench/post.lua "$url" > /dev/null
  local before after; before=$(curl -s "http://127.0.0.1:$port/bench/allocated")
  TOKEN_FILE="$token" wrk -t1 -c32 -d${duration}s --latency -s bench/post.lua "$url" > "$out/wrk-$mode.txt"
  after=$(curl -s "http://127.0.0.1:$port/bench/allocated")
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$data"
  # Every response must be a 202: a rejected request is cheap and would flatter the figure.
  if grep -q "Non-2xx" "$out/wrk-$mode.txt"; then echo "load $mode: non-2xx responses" >&2; cat "$out/wrk-$mode.txt" >&2; exit 1; fi
  local rps p50 p99 requests
  rps=$(awk '/Requests\/sec/ {print $2}' "$out/wrk-$mode.txt")
  p50=$(awk '/^ +50%/ {print $2}' "$out/wrk-$mode.txt" | ms)
  p99=$(awk '/^ +99%/ {print $2}' "$out/wrk-$mode.txt" | ms)
  requests=$(awk '/requests in/ {print $1}' "$out/wrk-$mode.txt")
  echo "$rps $p50 $p99 $(( (after - before) / requests ))"
}
if part load; then
  : > "$out/load.txt"
  for round in $(seq "$rounds"); do   # alternate, so drift on the machine hits every mode alike
    for mode in on floor off ${compare:+base}; do
      line="$mode $(load $mode)"; echo "round $round: $line" >&2; echo "$line" >> "$out/load.txt"
    done
  done
  col() { awk -v m="$1" -v c="$2" '$1==m {print $c}' "$out/load.txt" | median; }
  # Bytes/request are whole numbers for the shell's arithmetic below (an even round count's median can end in .5).
  bytes() { col "$1" 5 | awk '{printf "%d", $1 + 0.5}'; }
  for mode in floor on off ${compare:+base}; do
    eval "rps_$mode=$(col $mode 2) p50_$mode=$(col $mode 3) p99_$mode=$(col $mode 4) alloc_$mode=$(bytes $mode)"
  done
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
fi

# 3. Cold start -------------------------------------------------------------------------------
if part coldstart; then
  runs=5; [ -n "$quick" ] && runs=2
  # The deployed worker is built ReadyToRun (package.sh); it cannot start without the Functions host,
  # so the standalone host is measured built the same way and with the plain JIT.
  dotnet publish src/JiraAuthFunctions -c Release -r linux-x64 --self-contained false -o "$out/publish-jit" --nologo -v q
  $bench coldstart --exe "$out/publish-jit/JiraAuthFunctions" --runs $runs --label "JIT" | tee "$out/coldstart.txt"
  dotnet publish src/JiraAuthFunctions -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$out/publish-r2r" --nologo -v q
  $bench coldstart --exe "$out/publish-r2r/JiraAuthFunctions" --runs $runs --label "ReadyToRun (as shipped)" | tee -a "$out/coldstart.txt"
fi

# Summary -------------------------------------------------------------------------------------
{
  echo "## Benchmark $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  if part micro; then
    echo
    echo "### 1. Validation per token (BenchmarkDotNet; Ratio against RawCrypto of the same token)"
    grep -hE '^\|' "$out"/micro/results/*.ValidationBenchmarks-report-github.md | sed 's/\*\*//g'
    echo
    echo "### 1b. X-Hub-Signature per webhook (BenchmarkDotNet; Ratio against raw HMAC-SHA256 of the same body)"
    grep -hE '^\|' "$out"/micro/results/*WebhookSignatureBenchmarks-report-github.md | sed 's/\*\*//g'
    echo
    echo "### 1c. The pipeline in process (BenchmarkDotNet; Ratio against the endpoint called directly; Allocated per request)"
    grep -hE '^\|' "$out"/micro/results/*PipelineBenchmarks-report-github.md | sed 's/\*\*//g'
  fi
  if part load; then
    echo
    echo "### 2. Load over loopback (wrk -t1 -c32, keep-alive, ${duration} s, median of $rounds alternating rounds; app log level $loglevel)"
    echo
    echo "| mode | events/s | / floor | p50 ms | p99 ms | p99 / floor | bytes/request | beyond the body ($body_bytes B) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    echo "| floor (bench/Floor) | $rps_floor | 1.00 | $p50_floor | $p99_floor | 1.00 | $alloc_floor | $((alloc_floor - body_bytes)) |"
    echo "| app, authentication on | $rps_on | $(ratio "$rps_on" "$rps_floor") | $p50_on | $p99_on | $(ratio "$p99_on" "$p99_floor") | $alloc_on | $((alloc_on - body_bytes)) |"
    echo "| app, authentication off (bench-only switch) | $rps_off | $(ratio "$rps_off" "$rps_floor") | $p50_off | $p99_off | $(ratio "$p99_off" "$p99_floor") | $alloc_off | $((alloc_off - body_bytes)) |"
    [ -n "$compare" ] && echo "| base: --compare build, authentication on | $rps_base | $(ratio "$rps_base" "$rps_floor") | $p50_base | $p99_base | $(ratio "$p99_base" "$p99_floor") | $alloc_base | $((alloc_base - body_bytes)) |"
    echo
    echo "authenticated / floor: **$(ratio "$rps_on" "$rps_floor")** (target >= 0.80); p99 / floor's: **$(ratio "$p99_on" "$p99_floor")** (target <= 1.5);"
    echo "authenticated / unauthenticated: $(ratio "$rps_on" "$rps_off"). Bytes/request: the whole process's allocations during the measured run (GC.GetTotalAllocatedBytes), Kestrel's included, over the requests wrk completed."
    echo
    echo "Every round: $(tr '\n' ';' < "$out/load.txt")"
  fi
  if part coldstart; then
    echo
    echo "### 3. Cold start (process start to first authenticated 202)"
    echo
    sed 's/^coldstart /- /' "$out/coldstart.txt"
  fi
} > "$summary"
echo; cat "$summary"
