#!/usr/bin/env bash
# The Okno desktop app benchmarks (the app as users build it, Cargo profile `desktop`, under
# Xvfb): warm start to an interactive lines list, memory of the whole process tree idle with
# 10,000 cached messages, and scrolling a 100,000-message chat inside the app's own WebKit
# window (plus headless Chromium for comparison). Builds what it needs, starts its own Xvfb and
# D-Bus session bus, runs desktop_bench.py, prints a summary table and stops every process it
# started.
# See ui/README.md, section "Desktop figures".
#
# Overrides (environment):
#   RUNS=10          warm starts (the start with 10,000 cached messages gets RUNS/2)
#   IDLE=20          seconds of idling before each memory reading
#   MESSAGES=10000   messages put into the demo user's IT Support chat
#   STEPS=start,floor,memory,breakdown,scroll,chromium   (also: warm = warm starts only; ab =
#                    warm starts alternating A = the app as configured and B = AB_APP and/or
#                    AB_ENV=K=V,… and/or AB_DATA=<data dir>, for comparing one change while the machine is busy)
#   APP_ENV=K=V,…    extra environment for the app in every step (experiments)
#   QUIET_WAIT=60    seconds to wait (each time) for a quiet machine (< 15 % CPU busy) before a
#                    timed start or a step; the figures record how busy it was
#   TIME_LIMIT=1800  seconds for the measurements (builds not counted); then everything stops
#   OUT=…            where results, logs, screenshots and data go (a fresh temp dir by default)
#   NO_BUILD=0       1 skips `npm run build` and `cargo build --release`
#   APP_BIN, SERVER_BIN, FLOOR_BIN  prebuilt binaries to use instead of the ones in the target directory
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/bench/desktop"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/okno-target}"
RUNS="${RUNS:-10}"
IDLE="${IDLE:-20}"
MESSAGES="${MESSAGES:-10000}"
STEPS="${STEPS:-start,floor,memory,breakdown,scroll,chromium}"
QUIET_WAIT="${QUIET_WAIT:-60}"
TIME_LIMIT="${TIME_LIMIT:-1800}"
NO_BUILD="${NO_BUILD:-0}"
OUT="${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/okno-desktop-bench.XXXXXX")}"
mkdir -p "$OUT"

for tool in Xvfb dbus-daemon xdotool python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
TAURI_DRIVER="${TAURI_DRIVER:-$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")}"

if [[ "$NO_BUILD" != 1 ]]; then
    echo "== building the UI, the app (desktop profile) and the server (release)" >&2
    (cd "$ROOT/ui" && npm run build >&2)
    # The app exactly as `scripts/run` builds it. The empty window in a second invocation: an
    # example may use dev-dependencies, so building both at once would unify their features
    # into the app (zbus on tokio, for one) and measure a binary users never get.
    (cd "$ROOT" && cargo build --profile desktop -p okno-desktop >&2)
    (cd "$ROOT" && cargo build --profile desktop -p okno-desktop --example blank_window >&2)
    (cd "$ROOT" && cargo build --release -p okno-server --bin okno-server >&2)
fi
APP_BIN="${APP_BIN:-$CARGO_TARGET_DIR/desktop/okno-desktop}"
SERVER_BIN="${SERVER_BIN:-$CARGO_TARGET_DIR/release/okno-server}"
FLOOR_BIN="${FLOOR_BIN:-$CARGO_TARGET_DIR/desktop/examples/blank_window}"
[[ -x "$APP_BIN" ]] || { echo "missing $APP_BIN" >&2; exit 1; }
[[ -f "$ROOT/ui/dist/bench.html" ]] || { echo "missing ui/dist/bench.html (npm run build in ui/)" >&2; exit 1; }

# Everything started here is stopped on exit, whatever happens.
PGIDS="$OUT/pgids"
: >"$PGIDS"
XVFB_PID="" DBUS_PID="" DRIVER_PID=""
cleanup() {
    set +e
    [[ -n "$DRIVER_PID" ]] && kill -TERM -- "-$DRIVER_PID" 2>/dev/null
    while read -r g; do
        [[ -n "$g" ]] && kill -TERM -- "-$g" 2>/dev/null
    done <"$PGIDS"
    sleep 1
    while read -r g; do
        [[ -n "$g" ]] && kill -KILL -- "-$g" 2>/dev/null
    done <"$PGIDS"
    [[ -n "$DRIVER_PID" ]] && kill -KILL -- "-$DRIVER_PID" 2>/dev/null
    [[ -n "$DBUS_PID" ]] && kill -TERM "$DBUS_PID" 2>/dev/null
    [[ -n "$XVFB_PID" ]] && kill -TERM "$XVFB_PID" 2>/dev/null
    wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A display of our own.
n=$((100 + $$ % 300))
while [[ -e /tmp/.X11-unix/X$n || -e /tmp/.X$n-lock ]]; do n=$((n + 1)); done
DISPLAY_NUM=":$n"
Xvfb "$DISPLAY_NUM" -screen 0 1600x1000x24 -nolisten tcp >"$OUT/xvfb.log" 2>&1 &
XVFB_PID=$!
for _ in $(seq 1 100); do [[ -e /tmp/.X11-unix/X$n ]] && break; sleep 0.1; done
[[ -e /tmp/.X11-unix/X$n ]] || { echo "Xvfb did not start" >&2; exit 1; }

# A session bus of our own (the app's single-instance guard and notifications use it).
{ read -r BUS; read -r DBUS_PID; } < <(dbus-daemon --session --fork --print-address=1 --print-pid=1)
[[ -n "$BUS" && -n "$DBUS_PID" ]] || { echo "dbus-daemon did not start" >&2; exit 1; }

echo "== measuring (display $DISPLAY_NUM, results in $OUT)" >&2
set +e
OKNO_BENCH_PGIDS="$PGIDS" OKNO_BENCH_ROOTS="$$,$DBUS_PID" setsid timeout --signal=TERM --kill-after=20 "$TIME_LIMIT" \
    python3 "$HERE/desktop_bench.py" --app "$APP_BIN" --server-bin "$SERVER_BIN" --floor-bin "$FLOOR_BIN" \
    --tauri-driver "$TAURI_DRIVER" --display "$DISPLAY_NUM" --bus "$BUS" --out "$OUT" \
    --runs "$RUNS" --idle "$IDLE" --messages "$MESSAGES" --steps "$STEPS" --quiet-wait "$QUIET_WAIT" --app-env "${APP_ENV:-}" &
DRIVER_PID=$!
wait "$DRIVER_PID"
status=$?
set -e
echo "== results: $OUT/results.json, screenshots: $OUT/*.png, logs: $OUT/logs" >&2
exit "$status"
