#!/usr/bin/env bash
# The demo in one command (make demo): starts stitchd with deploy/demo/stitch.yaml, starts the
# three Node.js services (api-gateway, cart, payment; cart's database and payment's bank API
# are logged as services of their own), drives checkout requests through them (normal ones,
# one the bank declines, one with a slow database query), waits for the sampling decisions
# and prints the failing and the slow trace with `stitch trace`.
#
#   deploy/demo/run.sh [REQUESTS]          (default 5 normal requests)
#
# Environment: STITCHD, STITCH (default build/release/daemon/...), STITCH_DEMO_DATA (the
# store and the exported records; default a new directory under /tmp), STITCH_DEMO_LISTEN /
# STITCH_DEMO_API (default 127.0.0.1:7410 / 127.0.0.1:7411; port 0 picks free ports),
# KEEP_RUNNING=1 leaves stitchd running at the end (its pid is printed).
set -euo pipefail
REQUESTS=${1:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STITCHD=${STITCHD:-$ROOT/build/release/daemon/stitchd}
STITCH=${STITCH:-$ROOT/build/release/daemon/stitch}

command -v node >/dev/null ||
    { echo "demo: Node.js (18 or later) is needed: apt-get install nodejs npm" >&2; exit 2; }
[ -x "$STITCHD" ] && [ -x "$STITCH" ] ||
    { echo "demo: build first (make build): no $STITCHD or $STITCH" >&2; exit 2; }
if [ ! -d "$HERE/node_modules/tctx" ]; then
    echo "demo: installing the services' npm packages (tctx)" >&2
    (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

export STITCH_DEMO_DATA=${STITCH_DEMO_DATA:-$(mktemp -d /tmp/stitch-demo.XXXXXX)}
mkdir -p "$STITCH_DEMO_DATA"
READY=$STITCH_DEMO_DATA/ready.json
LOG=$STITCH_DEMO_DATA/stitchd.log
rm -f "$READY"
"$STITCHD" --config "$HERE/stitch.yaml" --ready-file "$READY" 2>"$LOG" &
PID=$!
stop() {
    if [ "${KEEP_RUNNING:-0}" != 1 ] && kill -0 "$PID" 2>/dev/null; then
        kill -TERM "$PID"
        wait "$PID" || true
    fi
}
trap stop EXIT
for _ in $(seq 150); do
    [ -s "$READY" ] && break
    kill -0 "$PID" 2>/dev/null || { echo "demo: stitchd did not start:" >&2; cat "$LOG" >&2; exit 1; }
    sleep 0.1
done
[ -s "$READY" ] || { echo "demo: stitchd not ready after 15 s:" >&2; cat "$LOG" >&2; exit 1; }
ready() { node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1]))[process.argv[2]])' "$READY" "$1"; }
TCP=$(ready tcp)
UDP=$(ready udp)
API=http://$(ready api)
echo "stitchd $PID: ingest tcp $TCP, udp $UDP; API $API; data in $STITCH_DEMO_DATA"

RESULT=$(node "$HERE/demo.mjs" --tcp "$TCP" --udp "$UDP" --requests "$REQUESTS" --json)
field() { node -e 'const r = JSON.parse(process.argv[1]); const v = r[process.argv[2]]; console.log(Array.isArray(v) ? v.join(" ") : v)' "$RESULT" "$1"; }
FAIL=$(field fail)
SLOW=$(field slow)
echo "sent $REQUESTS normal checkouts ($(field normal)), one the bank declines ($FAIL), one slow ($SLOW)"

# A trace is decided root_grace (1 s) after its root span arrives; wait for both.
decided() { "$STITCH" trace "$1" --server "$API" --json 2>/dev/null | grep -q '"state":"kept"'; }
for _ in $(seq 100); do
    decided "$FAIL" && decided "$SLOW" && break
    sleep 0.1
done
echo
"$STITCH" trace "$FAIL" --server "$API" --logs
echo
"$STITCH" trace "$SLOW" --server "$API"
echo
echo "More: $STITCH search --server $API --service cart    (or curl $API/api/traces/$FAIL)"
if [ "${KEEP_RUNNING:-0}" = 1 ]; then
    echo "stitchd is still running (pid $PID); stop it with: kill $PID"
fi
