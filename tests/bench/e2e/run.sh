#!/usr/bin/env bash
# The end-to-end race (make bench-e2e): the whole stitchd pipeline (TCP ingest -> decode and
# validate -> assemble -> tail sampling -> file exporter and store, tests/bench/e2e/stitch.yaml)
# next to rsyslog and syslog-ng, on the same 1M-record file, in the same run, through the
# shared harness (../shared/bench/run_all.sh). Prints the harness's Markdown table (medians),
# then stitchd's margin over the fastest peer, its peak RSS against the configured budget, and
# the store's content after the last run. Run from the repository root after a Release build:
#
#   tests/bench/e2e/run.sh [REPS]                 (default 3)
#
# Environment: STITCHD (default build/release/daemon/stitchd), SHARED_BENCH (default
# ../shared/bench), FILE (default /tmp/logs-1m.ndjson, generated when missing), PEERS
# (default "rsyslog syslog-ng cmd"), PROTOS (default tcp), RESULTS_DIR (default /tmp).
set -euo pipefail
REPS=${1:-3}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
if [ -z "${SHARED_BENCH:-}" ]; then
    SHARED_BENCH=$ROOT/../shared/bench
    [ -d "$SHARED_BENCH" ] || SHARED_BENCH=$ROOT/../../shared/bench
fi
STITCHD=${STITCHD:-$ROOT/build/release/daemon/stitchd}
FILE=${FILE:-/tmp/logs-1m.ndjson}
RESULTS_DIR=${RESULTS_DIR:-/tmp}
CONFIG=$ROOT/tests/bench/e2e/stitch.yaml
export PEERS=${PEERS:-rsyslog syslog-ng cmd}
export PROTOS=${PROTOS:-tcp}

[ -x "$STITCHD" ] || { echo "no stitchd at $STITCHD: build first (make build)" >&2; exit 2; }
[ -d "$SHARED_BENCH" ] || { echo "no bench harness at $SHARED_BENCH" >&2; exit 2; }
"$ROOT/deploy/install-deps.sh" bench
if [ ! -s "$FILE" ]; then
    python3 "$SHARED_BENCH/gen_logs.py" --count 1000000 --seed 42 --out "$FILE"
fi
# A config that does not load would only show up as a failed run: check it first.
env PORT=1 OUT=/tmp/x STORE=/tmp/x.db "$STITCHD" --check-config "$CONFIG" >/dev/null

# rsyslog runs from the unpacked .deb (it conflicts with syslog-ng-core in Debian).
export RSYSLOGD=${RSYSLOGD:-/tmp/rsyslog-root/usr/sbin/rsyslogd}
export RSYSLOG_MODDIR=${RSYSLOG_MODDIR:-/tmp/rsyslog-root/usr/lib/x86_64-linux-gnu/rsyslog}
export PEER_NAME=stitchd
export PEER_VERSION
PEER_VERSION=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo dev)
# The store sits next to the harness's output file, in its per-run work directory; KEEP=1
# keeps both for a look afterwards.
export PEER_CMD="env PORT={PORT} OUT={OUT} STORE={OUT}.traces.db $STITCHD --config $CONFIG"

stamp=$(date +%Y%m%d-%H%M%S)
RESULTS=$RESULTS_DIR/e2e-race-$stamp.txt
echo "## machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "## load before the race: $(cut -d' ' -f1-3 /proc/loadavg)"
RESULTS=$RESULTS "$SHARED_BENCH/run_all.sh" "$FILE" "$REPS"

# The verdict, from the raw result lines: medians per peer and protocol.
python3 - "$RESULTS" <<'PY'
import re, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    if line.startswith("#"):
        continue
    f = dict(re.findall(r"(\w+)=(\S+)", line))
    if "peer" in f:
        runs.setdefault((f["peer"], f["proto"]), []).append(f)
budget_mib = 256 + 64 + 256  # assembly.max_bytes + a shard queue's bytes + the exporter queue
for (peer, proto), rs in sorted(runs.items()):
    if peer != "stitchd":
        continue
    rate = statistics.median(float(r["records_per_s"]) for r in rs)
    rss = max(float(r["peak_rss_MiB"]) for r in rs)
    loss = max(float(r["loss_pct"]) for r in rs)
    peers = [statistics.median(float(r["records_per_s"]) for r in prs)
             for (p, pr), prs in runs.items() if pr == proto and p != "stitchd"]
    best = max(peers) if peers else 0
    print(f"\nstitchd {proto}: median {rate:,.0f} records/s, worst loss {loss}%, "
          f"peak RSS {rss:.0f} MiB (configured budget {budget_mib} MiB)")
    print(f"  target >= 1,000,000 records/s: {'met' if rate >= 1e6 else 'NOT met'}")
    if best:
        print(f"  fastest peer {best:,.0f} records/s: stitchd is {rate / best:.1f}x "
              f"(target 3x: {'met' if rate >= 3 * best else 'NOT met'})")
    print(f"  peak RSS within budget: {'yes' if rss <= budget_mib else 'NO'}")
PY
