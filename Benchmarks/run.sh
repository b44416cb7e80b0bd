#!/usr/bin/env bash
# Runs every benchmark and rewrites BENCHMARKS.md at the package root:
#
#   bash Benchmarks/run.sh
#
# Each figure is reported as a ratio to a reference measured in the same run (raw HMAC,
# boto, `openssl speed`, a trivial libmicrohttpd handler, bare round trips), because
# absolute times drift on a shared machine. Builds in release mode; takes about 5 minutes.
# Only loopback traffic; packages come from Debian (apt-get) and PyPI (pip, into a venv).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=$ROOT/.bench-cache
WORK=$CACHE/run
RESULTS=$WORK/results.jsonl
rm -rf "$WORK"
mkdir -p "$WORK"
: >"$RESULTS"
SERVER_PIDS=()

log() { echo "run.sh: $*" >&2; }
record() { echo "$1" >>"$RESULTS"; }
# Servers started here are stopped by their own process ids when the script ends.
cleanup() {
    for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

# --- Tools -------------------------------------------------------------------------------
apt_updated=0
apt_install() {
    if [ "$apt_updated" = 0 ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
command -v wrk >/dev/null || { log "installing wrk"; apt_install wrk; }
# eatmydata only speeds up filling the 100,000-order ledger; no measured figure runs under it.
command -v eatmydata >/dev/null || { log "installing eatmydata"; apt_install eatmydata || true; }
command -v strace >/dev/null || { log "installing strace"; apt_install strace || true; }
python3 -c 'import venv, ensurepip' 2>/dev/null || { log "installing python3-venv"; apt_install python3-venv; }

started=$(date +%s)
python3 - "$WORK/machine.json" <<'PY'
import json, os, platform, subprocess, sys
def run(*command):
    try:
        return subprocess.run(command, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "not found"
model = "unknown"
with open("/proc/cpuinfo") as cpuinfo:
    for line in cpuinfo:
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
with open("/proc/meminfo") as meminfo:
    memory_kib = int(meminfo.readline().split()[1])
json.dump({"cpu": model, "cores": os.cpu_count(), "memory_gib": round(memory_kib / 1048576, 1),
           "kernel": platform.release(), "swift": run("swift", "--version").splitlines()[0],
           "openssl": run("openssl", "version"), "wrk": run("wrk", "-v").splitlines()[0] if run("wrk", "-v") else "",
           "load_start": os.getloadavg()}, open(sys.argv[1], "w"))
PY

# --- Build -------------------------------------------------------------------------------
log "building fps-bench and fps-checkout in release mode"
swift build -c release --product fps-bench >&2
swift build -c release --product fps-checkout >&2
BIN=$(swift build -c release --show-bin-path)
BENCH=$BIN/fps-bench

# --- 1. Signing ----------------------------------------------------------------------------
log "1/7 signing"
"$BENCH" signing --rounds 5 --round-seconds 0.4 >>"$RESULTS"

# --- 2. boto 2.49 ------------------------------------------------------------------------
log "2/7 boto 2.49"
VENV=$CACHE/venv
if ! "$VENV/bin/python" -c 'import boto; assert boto.__version__ == "2.49.0"' 2>/dev/null; then
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check boto==2.49.0 >&2
fi
# boto 2.49's FPS module is Python 2 code. These edits to the venv's copy make the two
# signing paths run on Python 3; the project keeps no copy of boto.
FPS=$("$VENV/bin/python" -c 'import boto, os; print(os.path.join(os.path.dirname(boto.__file__), "fps", "connection.py"))')
sed -i \
    -e 's/len(filter(kw\.has_key, x))/len(list(filter(kw.__contains__, x)))/' \
    -e 's/filter(kw\.has_key, /filter(kw.__contains__, /' \
    -e 's/len(filter(hasgroup, groups))/len(list(filter(hasgroup, groups)))/' \
    -e 's/urllib\.quote(/urllib.parse.quote(/' \
    -e 's/^import urllib$/import urllib.parse/' "$FPS"
# No boto config file, no proxy: the connection object is only used to sign.
env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY BOTO_CONFIG=/dev/null \
    "$VENV/bin/python" "$ROOT/Benchmarks/boto_bench.py" 5 0.4 >>"$RESULTS"

# --- 3. Return-URI verification ----------------------------------------------------------
log "3/7 return-URI verification and openssl speed"
"$BENCH" verify --rounds 5 --round-seconds 0.5 >>"$RESULTS"
openssl speed -seconds 3 rsa2048 2>/dev/null >"$WORK/openssl-speed.txt"
record "$(awk '/^rsa 2048 bits/ { printf "{\"measure\":\"openssl_rsa2048\",\"sign_per_s\":%s,\"verify_per_s\":%s}", $(NF-1), $NF }' "$WORK/openssl-speed.txt")"

# --- 4. XML decoding ---------------------------------------------------------------------
log "4/7 XML decoding"
"$BENCH" xml --fixtures "$ROOT/Tests/FPSClientTests/Fixtures/xml" --rounds 3 --round-seconds 0.2 >>"$RESULTS"

# --- 5. Sandbox throughput ---------------------------------------------------------------
log "5/7 sandbox throughput under wrk"
"$BENCH" commits --seconds 3 >>"$RESULTS"
# 512-byte synchronous overwrites of a preallocated file: the data-only flush a WAL commit
# needs, without the file-size metadata that appending would add.
dd if=/dev/zero of="$WORK/dsync.tmp" bs=512 count=2000 2>/dev/null
dd if=/dev/zero of="$WORK/dsync.tmp" bs=512 count=2000 oflag=dsync conv=notrunc 2>"$WORK/dd.txt"
rm -f "$WORK/dsync.tmp"
record "$(awk '/copied/ { for (i = 1; i <= NF; i++) if ($i == "s,") seconds = $(i-1); printf "{\"measure\":\"dd_dsync\",\"writes_per_s\":%.1f}", 2000 / seconds }' "$WORK/dd.txt")"

# Starts a server mode of fps-bench in the background and sets PORT once it is ready.
start_server() {
    local name=$1; shift
    "$BENCH" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    SERVER_PIDS+=($!)
    for _ in $(seq 1 1200); do
        if grep -q '^ready port=' "$WORK/$name.out" 2>/dev/null; then
            PORT=$(sed -n 's/^ready port=//p' "$WORK/$name.out")
            return 0
        fi
        kill -0 "${SERVER_PIDS[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    log "$name did not start:"; cat "$WORK/$name.err" >&2; return 1
}
# CPU seconds (user + system) a process has used so far, from /proc/PID/stat. The server's
# CPU time per request shows what the handler costs apart from wrk and the kernel's loopback.
cpu_seconds() {
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$1/stat"
}
run_wrk() { # label port pid body-file duration connections [limit]
    local label=$1 port=$2 pid=$3 bodies=$4 duration=$5 connections=$6 limit=${7:-0}
    local before after
    before=$(cpu_seconds "$pid")
    BODIES=$bodies LIMIT=$limit wrk -t1 -c"$connections" -d"$duration" --timeout 5s \
        -s "$ROOT/Benchmarks/wrk/bodies.lua" "http://127.0.0.1:$port/" >"$WORK/wrk-$label.txt"
    after=$(cpu_seconds "$pid")
    record "$(grep '^{' "$WORK/wrk-$label.txt" | tail -1 | sed "s/^{/{\"measure\":\"wrk\",\"label\":\"$label\",\"connections\":$connections,\"server_cpu_s\":$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.3f", a - b }'),/")"
}

mkdir -p "$WORK/sandbox"
# Pay bodies are minted before the run (about 2 ms each) and each is sent at most once: the
# wrk thread stops after PAY_LIMIT responses, and the spare bodies cover requests still in
# flight on the 8 connections. A run that reaches the limit reports a lower bound.
PAY_BODIES=6000
PAY_LIMIT=$((PAY_BODIES - 16))
start_server serve-sandbox serve-sandbox --dir "$WORK/sandbox" --gts 1000 --pay "$PAY_BODIES"
SANDBOX_PORT=$PORT
SANDBOX_PID=${SERVER_PIDS[-1]}
start_server serve-trivial serve-trivial
TRIVIAL_PORT=$PORT
TRIVIAL_PID=${SERVER_PIDS[-1]}
# Trivial handler and GetTransactionStatus alternate, two rounds each, with the same bodies.
for round in 1 2; do
    run_wrk "trivial-$round" "$TRIVIAL_PORT" "$TRIVIAL_PID" "$WORK/sandbox/gts.txt" 4s 8
    run_wrk "gts-$round" "$SANDBOX_PORT" "$SANDBOX_PID" "$WORK/sandbox/gts.txt" 4s 8
done
run_wrk pay "$SANDBOX_PORT" "$SANDBOX_PID" "$WORK/sandbox/pay.txt" 2s 8 "$PAY_LIMIT"
record "{\"measure\":\"pay_setup\",\"bodies\":$PAY_BODIES,\"limit\":$PAY_LIMIT}"

# --- 6. End-to-end checkout latency ------------------------------------------------------
log "6/7 end-to-end checkouts"
"$BENCH" e2e --checkouts 1000 --warmup 20 >>"$RESULTS"
if command -v strace >/dev/null; then
    # fsync calls per checkout: the difference between 100 checkouts and none, same start-up.
    count_syncs() {
        strace -f -qq -c -e trace=fsync,fdatasync -o "$WORK/strace.txt" "$BENCH" e2e --checkouts "$1" --warmup 0 --bare 0 >/dev/null
        awk '$NF == "fsync" || $NF == "fdatasync" { total += $4 } END { print total + 0 }' "$WORK/strace.txt"
    }
    with=$(count_syncs 100)
    without=$(count_syncs 0)
    record "{\"measure\":\"e2e_syncs\",\"checkouts\":100,\"syncs\":$((with - without))}"
fi

# --- 7. Console --------------------------------------------------------------------------
log "7/7 console"
BIG_LEDGER=$CACHE/ledger-100k.sqlite
if command -v eatmydata >/dev/null; then
    eatmydata "$BENCH" ledger-fill --path "$BIG_LEDGER" --orders 100000 >>"$RESULTS"
else
    "$BENCH" ledger-fill --path "$BIG_LEDGER" --orders 100000 >>"$RESULTS"
fi
"$BENCH" ledger-list --path "$BIG_LEDGER" >>"$RESULTS"
python3 "$ROOT/Benchmarks/console_probe.py" --binary "$BIN/fps-checkout" --big-ledger "$BIG_LEDGER" \
    --trace "$WORK/console-trace.txt" >>"$RESULTS"

# --- Report ------------------------------------------------------------------------------
python3 - "$WORK/machine.json" "$(($(date +%s) - started))" <<'PY'
import json, os, sys
machine = json.load(open(sys.argv[1]))
machine["load_end"] = os.getloadavg()
machine["seconds"] = int(sys.argv[2])
json.dump(machine, open(sys.argv[1], "w"))
PY
python3 "$ROOT/Benchmarks/format.py" "$WORK/machine.json" "$RESULTS" >"$ROOT/BENCHMARKS.md"
log "wrote BENCHMARKS.md in $(($(date +%s) - started)) s"
