#!/usr/bin/env bash
# Regenerates src-tauri/link-order.txt: the app's functions that run at start and in ordinary
# use, which the `desktop` profile links ahead of the rest (src-tauri/build.rs), so the code the
# app runs sits together and the rest of the binary is never paged in (ARCHITECTURE.md,
# "Memory"). Runs the app as `scripts/run` builds it under `valgrind --tool=callgrind` on its own
# Xvfb and D-Bus, with the demo data, in phases: start (up to the idle lines list), opening a
# chat, the information panel, sending a message, quitting. The list holds the phases in that
# order, each under a `# phase` line (the linker skips those as names it does not know), and a
# function under the first phase that ran it: the app idle with no chat open then maps only the
# start's code, and the chat's, the panel's and the sender's lie beyond it, paged in when used;
# functions of earlier lists that no run since has seen come last (`# phase other`).
# Run it again after changing dependencies (Cargo.lock): the names carry hashes that change
# with them, and names that are not found are only skipped. Names already in the list that the
# binary still has are kept (moved to an earlier phase if this run saw them there), and a run
# adds what it saw at the end of each phase, so runs on different data add up. DATA=dir starts
# from a copy of that data directory instead of fresh demo data (e.g. the bench's `data`, with a
# 10,002-message chat). Takes about 5 minutes.
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
# Each phase ends with a dump of what ran in it (callgrind then starts counting afresh):
# cg.out.1 start, .2 the chat, .3 the panel, .4 sending; cg.out, written at exit, quitting.
sleep 45
callgrind_control -d >/dev/null
sleep 3
xdotool mousemove 150 90 click 1      # the first line's chat
sleep 20
callgrind_control -d >/dev/null
sleep 3
xdotool mousemove 1115 30 click 1     # the information panel
sleep 10
xdotool key Escape
sleep 3
callgrind_control -d >/dev/null
sleep 3
xdotool mousemove 700 722 click 1     # the composer
sleep 2
xdotool type --delay 80 "Hello"
xdotool key Return
sleep 20
callgrind_control -d >/dev/null
sleep 3
pkill -f "callgrind-out-file=$WORK" 2>/dev/null || true
for _ in $(seq 1 60); do
    pgrep -f "callgrind-out-file=$WORK" >/dev/null || break
    sleep 1
done

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
# "other": functions of earlier lists that no phase of the runs since has seen (kept after
# the rest: dense there rather than scattered over the binary, should they ever run).
PHASES = ["start", "chat", "info", "send", "quit", "other"]
# The list as it stands: each name under its phase (a list without phase lines is all start).
listed = {p: [] for p in PHASES}
phase_of = {}
try:
    phase = "start"
    for line in open(out):
        name = line.strip()
        parts = name.split()
        if parts[:2] == ["#", "phase"] and len(parts) == 3 and parts[2] in PHASES:
            phase = parts[2]
        elif name and not name.startswith("#") and name in defined and name not in phase_of:
            phase_of[name] = phase
            listed[phase].append(name)
except FileNotFoundError:
    pass
kept = len(phase_of)
# This run: each function under the first phase whose dump has it.
dumps = {f"{work}/cg.out.{i}": PHASES[i - 1] for i in range(1, 5)}
dumps[f"{work}/cg.out"] = "quit"
recorded, ob = {}, None
for path, phase in dumps.items():
    if not os.path.exists(path):
        sys.exit(f"no {path}: did the app run through every phase? see {work}/valgrind.log")
    for line in open(path, errors="replace"):
        if line.startswith("ob="):
            ob = line[3:].strip()
        elif line.startswith("fn=") and ob and os.path.realpath(ob) == app:
            name = re.sub(r"'\d+$", "", line[3:].strip())
            if name not in recorded or PHASES.index(phase) < PHASES.index(recorded[name]):
                recorded[name] = phase
if sum(1 for p in recorded.values() if p == "start") < 1000:
    sys.exit(f"only {len(recorded)} functions recorded: did the app start? see {work}/valgrind.log")
moved = added = 0
for name, phase in recorded.items():
    if name not in defined:
        continue
    if name not in phase_of:
        added += 1
    elif PHASES.index(phase) < PHASES.index(phase_of[name]):
        listed[phase_of[name]].remove(name)
        moved += 1
    else:
        continue
    phase_of[name] = phase
    listed[phase].append(name)
with open(out, "w") as f:
    for phase in PHASES:
        f.write(f"# phase {phase}\n")
        f.writelines(name + "\n" for name in listed[phase])
counts = ", ".join(f"{p} {len(listed[p])}" for p in PHASES)
print(f"{out}: {len(phase_of)} functions ({counts}; {kept} kept, {moved} of them moved to an "
      f"earlier phase, {added} added)")
EOF
