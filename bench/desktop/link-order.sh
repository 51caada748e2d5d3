#!/usr/bin/env bash
# Regenerates src-tauri/link-order.txt: the app's functions that run at start and in ordinary
# use, which the `desktop` profile links ahead of the rest (src-tauri/build.rs), so the code the
# app runs sits together and the rest of the binary is never paged in (ARCHITECTURE.md,
# "Memory"). Runs the app as `scripts/run` builds it under `valgrind --tool=callgrind` on its own
# Xvfb and D-Bus, with the demo data: start, open a chat, the information panel, send a message.
# Run it again after changing dependencies (Cargo.lock): the names carry hashes that change
# with them, and names that are not found are only skipped. Names already in the list that the
# binary still has are kept, and a run adds what it saw after them, so runs on different data
# add up. DATA=dir starts from a copy of that data directory instead of fresh demo data (e.g.
# the bench's `data`, with a 10,002-message chat). Takes about 5 minutes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/okno-target}"
for tool in valgrind callgrind_control Xvfb dbus-run-session xdotool nm python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
(cd "$ROOT" && cargo build --profile desktop -p okno-desktop >&2)
APP="$CARGO_TARGET_DIR/desktop/okno-desktop"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/okno-link-order.XXXXXX")"
if [[ -n "${DATA:-}" ]]; then cp -r "$DATA" "$WORK/data"; fi
n=$((400 + $$ % 200))
while [[ -e /tmp/.X11-unix/X$n || -e /tmp/.X$n-lock ]]; do n=$((n + 1)); done
export DISPLAY=":$n"
Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
XVFB=$!
trap 'kill "$XVFB" 2>/dev/null; pkill -f "callgrind-out-file=$WORK" 2>/dev/null; true' EXIT
for _ in $(seq 1 100); do [[ -e /tmp/.X11-unix/X$n ]] && break; sleep 0.1; done
[[ -e /tmp/.X11-unix/X$n ]] || { echo "Xvfb did not start" >&2; exit 1; }

# JavaScriptCore's gigacage and JIT do not run under valgrind; the web process (not traced)
# runs as usual.
OKNO_DATA_DIR="$WORK/data" OKNO_LOG_DIR="$WORK/logs" OKNO_NO_KEYRING=1 LANG=en_US.UTF-8 \
    GIGACAGE_ENABLED=0 JSC_useJIT=0 \
    dbus-run-session -- valgrind --tool=callgrind --demangle=no --compress-strings=no \
    --compress-pos=no --dump-line=no --callgrind-out-file="$WORK/cg.out" "$APP" \
    >"$WORK/valgrind.log" 2>&1 &

# The lines list appears after about a minute under valgrind.
for _ in $(seq 1 180); do
    xdotool search --name Okno >/dev/null 2>&1 && break
    sleep 1
done
sleep 45
xdotool mousemove 150 90 click 1      # the first line's chat
sleep 20
xdotool mousemove 1115 30 click 1     # the information panel
sleep 10
xdotool key Escape
sleep 3
xdotool mousemove 700 722 click 1     # the composer
sleep 2
xdotool type --delay 80 "Hello"
xdotool key Return
sleep 20
callgrind_control -d >/dev/null
sleep 5

python3 - "$WORK" "$APP" "$ROOT/src-tauri/link-order.txt" <<'EOF'
import glob, os, re, subprocess, sys
work, app, out = sys.argv[1:]
app = os.path.realpath(app)
defined = set()
for line in subprocess.run(["nm", "--defined-only", app], capture_output=True, text=True,
                           check=True).stdout.splitlines():
    parts = line.split()
    if len(parts) == 3 and parts[1] in "tTwW":
        defined.add(parts[2])
names, seen, ob = [], set(), None
try:
    for line in open(out):
        name = line.strip()
        if name in defined and name not in seen:
            seen.add(name)
            names.append(name)
except FileNotFoundError:
    pass
kept, recorded = len(names), set()
for path in sorted(glob.glob(f"{work}/cg.out*")):
    for line in open(path, errors="replace"):
        if line.startswith("ob="):
            ob = line[3:].strip()
        elif line.startswith("fn=") and ob and os.path.realpath(ob) == app:
            name = re.sub(r"'\d+$", "", line[3:].strip())
            recorded.add(name)
            if name in defined and name not in seen:
                seen.add(name)
                names.append(name)
if len(recorded) < 1000:
    sys.exit(f"only {len(recorded)} functions recorded: did the app start? see {work}/valgrind.log")
with open(out, "w") as f:
    f.write("\n".join(names) + "\n")
print(f"{out}: {len(names)} functions ({kept} kept, {len(names) - kept} added)")
EOF
