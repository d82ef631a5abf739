#!/usr/bin/env bash
# The ingest race: stitchd next to rsyslog and syslog-ng, same input, same run, through the
# shared harness (../shared/bench/run_all.sh). Three parts:
#   1. full speed over one TCP connection (and UDP as fast as the sender goes), REPS reps;
#      stitchd runs tests/bench/ingest.yaml (tail sampling off: parse and write, as the peers);
#   2. UDP paced at RATE records/s (default 100000): loss at a realistic offered load;
#   3. stitchd alone over TCP with tail sampling in the path (tests/bench/ingest-tail.yaml).
# Prints the Markdown tables (medians) and the load average before each part; the raw result
# lines are kept in $RESULTS_DIR. Run from the repository root after a Release build:
#
#   tests/bench/ingest_race.sh [REPS]                   (default 3)
#
# Environment: STITCHD (default build/release/daemon/stitchd), SHARED_BENCH (default
# ../shared/bench), FILE (default /tmp/logs-1m.ndjson, generated when missing), RATE,
# PEERS (default "rsyslog syslog-ng cmd"), RESULTS_DIR (default /tmp).
set -euo pipefail
REPS=${1:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# The harness sits next to the repository (../shared/bench), or next to its worktree folder.
if [ -z "${SHARED_BENCH:-}" ]; then
    SHARED_BENCH=$ROOT/../shared/bench
    [ -d "$SHARED_BENCH" ] || SHARED_BENCH=$ROOT/../../shared/bench
fi
STITCHD=${STITCHD:-$ROOT/build/release/daemon/stitchd}
FILE=${FILE:-/tmp/logs-1m.ndjson}
RATE=${RATE:-100000}
RESULTS_DIR=${RESULTS_DIR:-/tmp}
export PEERS=${PEERS:-rsyslog syslog-ng cmd}

[ -x "$STITCHD" ] || { echo "no stitchd at $STITCHD: build first (make build)" >&2; exit 2; }
[ -d "$SHARED_BENCH" ] || { echo "no bench harness at $SHARED_BENCH" >&2; exit 2; }
"$ROOT/deploy/install-deps.sh" bench
if [ ! -s "$FILE" ]; then
    python3 "$SHARED_BENCH/gen_logs.py" --count 1000000 --seed 42 --out "$FILE"
fi

# rsyslog runs from the unpacked .deb (it conflicts with syslog-ng-core in Debian).
export RSYSLOGD=${RSYSLOGD:-/tmp/rsyslog-root/usr/sbin/rsyslogd}
export RSYSLOG_MODDIR=${RSYSLOG_MODDIR:-/tmp/rsyslog-root/usr/lib/x86_64-linux-gnu/rsyslog}
export PEER_NAME=stitchd
export PEER_VERSION
PEER_VERSION=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo dev)
# stitchd reads ${PORT} and ${OUT} from its environment (tests/bench/ingest*.yaml).
export PEER_CMD="env PORT={PORT} OUT={OUT} $STITCHD --config $ROOT/tests/bench/ingest.yaml"

stamp=$(date +%Y%m%d-%H%M%S)
echo "## machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "## load before the full-speed race: $(cut -d' ' -f1-3 /proc/loadavg)"
RESULTS="$RESULTS_DIR/ingest-race-$stamp.txt" "$SHARED_BENCH/run_all.sh" "$FILE" "$REPS"
echo
echo "## load before the paced UDP race: $(cut -d' ' -f1-3 /proc/loadavg)"
RATE=$RATE PROTOS=udp RESULTS="$RESULTS_DIR/ingest-race-udp$RATE-$stamp.txt" \
    "$SHARED_BENCH/run_all.sh" "$FILE" "$REPS"

echo
echo "## load before the tail-sampling race: $(cut -d' ' -f1-3 /proc/loadavg)"
PEERS=cmd PROTOS=tcp PEER_NAME=stitchd-tail \
    PEER_CMD="env PORT={PORT} OUT={OUT} $STITCHD --config $ROOT/tests/bench/ingest-tail.yaml" \
    RESULTS="$RESULTS_DIR/ingest-race-tail-$stamp.txt" "$SHARED_BENCH/run_all.sh" "$FILE" "$REPS"
