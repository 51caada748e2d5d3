#!/usr/bin/env bash
# The Okno load benchmark: builds the release server, starts `okno-server --demo` on a fresh
# data directory on a free loopback port, runs `okno-load` against it and prints its summary.
# The server is always stopped on exit. See bench/README.md for what the figures mean.
#
# Overrides (environment):
#   CLIENTS=1000 RATE=5000 DURATION=30 WARMUP=5 DRAIN=10
#   STAFF_WATCH=1        0 to watch the senders' own streams only
#   SQLITE_SYNC=full     or `normal` (no fsync per commit; for comparison only)
#   SERVER_LOG=warn      the server's RUST_LOG
#   KEEP_DATA=0          1 keeps the data directory and the server log
#   DATA_PARENT=$TMPDIR  where the data directory is made (put it on the disk you mean to test)
#   NO_BUILD=0           1 skips `cargo build --release`
#   SERVER_BIN, LOAD_BIN prebuilt binaries to use instead of the ones in the target directory
# Extra arguments are passed to okno-load as they are (e.g. --json).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLIENTS="${CLIENTS:-1000}"
RATE="${RATE:-5000}"
DURATION="${DURATION:-30}"
WARMUP="${WARMUP:-5}"
DRAIN="${DRAIN:-10}"
STAFF_WATCH="${STAFF_WATCH:-1}"
SQLITE_SYNC="${SQLITE_SYNC:-full}"
SERVER_LOG="${SERVER_LOG:-warn}"
KEEP_DATA="${KEEP_DATA:-0}"
NO_BUILD="${NO_BUILD:-0}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

if [[ "$NO_BUILD" != 1 && -z "${SERVER_BIN:-}${LOAD_BIN:-}" ]]; then
    echo "== building (release)" >&2
    (cd "$ROOT" && cargo build --release -p okno-server --bins)
fi
SERVER_BIN="${SERVER_BIN:-$TARGET_DIR/release/okno-server}"
LOAD_BIN="${LOAD_BIN:-$TARGET_DIR/release/okno-load}"
for b in "$SERVER_BIN" "$LOAD_BIN"; do
    [[ -x "$b" ]] || { echo "missing $b (set CARGO_TARGET_DIR?)" >&2; exit 1; }
done

# 1,000 WebSockets on each side need more than the usual 1,024 descriptors.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

DATA="$(mktemp -d "${DATA_PARENT:-${TMPDIR:-/tmp}}/load-bench.XXXXXX")"
LOG="$DATA/server.log"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ "$KEEP_DATA" == 1 ]]; then
        echo "== kept $DATA (server log: $LOG)" >&2
    else
        rm -rf "$DATA"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== starting $SERVER_BIN --demo (sqlite sync $SQLITE_SYNC) in $DATA" >&2
# Port 0: the kernel picks a free loopback port; the server prints the one it got.
RUST_LOG="$SERVER_LOG" "$SERVER_BIN" --demo --data-dir "$DATA/data" --listen 127.0.0.1:0 \
    --sqlite-sync "$SQLITE_SYNC" >"$LOG" 2>&1 &
SERVER_PID=$!

URL=""
for _ in $(seq 1 300); do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "the server exited:" >&2; cat "$LOG" >&2; exit 1; }
    URL="$(sed -n 's/^Okno server listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*$/\1/p' "$LOG" | head -n 1)"
    if [[ -n "$URL" ]] && [[ "$(curl -fsS --max-time 2 "$URL/healthz" 2>/dev/null || true)" == ok ]]; then
        break
    fi
    URL=""
    sleep 0.1
done
[[ -n "$URL" ]] || { echo "the server did not become healthy:" >&2; cat "$LOG" >&2; exit 1; }
echo "== server healthy at $URL (pid $SERVER_PID)" >&2

ARGS=(--url "$URL" --clients "$CLIENTS" --rate "$RATE" --duration "$DURATION" --warmup "$WARMUP"
      --drain "$DRAIN" --prefix "bench$$" --server-pid "$SERVER_PID")
[[ "$STAFF_WATCH" == 1 ]] && ARGS+=(--staff-watch)

echo "== okno-load ${ARGS[*]} $*" >&2
set +e
"$LOAD_BIN" "${ARGS[@]}" "$@"
STATUS=$?
set -e
if grep -qiE "panic|ERROR" "$LOG"; then
    echo "== server log has errors:" >&2
    grep -iE "panic|ERROR" "$LOG" | head -n 20 >&2
fi
exit "$STATUS"
