#!/usr/bin/env python3
"""Okno desktop benchmarks (Cargo profile `desktop`, under Xvfb): warm start to an interactive
lines list, memory (summed PSS of the app's process tree), and scrolling a 100,000-message chat
in the app's own WebKit window. Started by bench/desktop/run.sh, which provides the display and
the session bus; see ui/README.md ("Desktop figures") for the method and the figures.

Standard library only (+ libX11 through ctypes, see xprobe.py).
"""

import argparse
import concurrent.futures
import datetime as dt
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xprobe  # noqa: E402
from webdriver import Session  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DEMO_PASSWORD = "okno-demo"
# Where WebKitGTK 4.1 keeps its web and network process binaries (Debian and Ubuntu).
WEBKIT_DIR = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1"


def log(*a):
    print(f"[{time.strftime('%H:%M:%S')}]", *a, file=sys.stderr, flush=True)


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def pct(xs, p):
    s = sorted(xs)
    if not s:
        return None
    # nearest-rank
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


# ------------------------------------------------------------------------------ processes

def proc_table():
    t = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                s = f.read()
        except OSError:
            continue
        r = s.rfind(")")
        fields = s[r + 2:].split()
        t[int(d)] = {"comm": s[s.find("(") + 1:r], "ppid": int(fields[1]), "pgrp": int(fields[2])}
    return t


def tree(pid: int):
    """`pid` and all its descendants."""
    t = proc_table()
    kids = {}
    for p, v in t.items():
        kids.setdefault(v["ppid"], []).append(p)
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p in t:
            out.append(p)
            todo.extend(kids.get(p, []))
    return out, t


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def rollup(pid):
    """smaps_rollup in kB: Rss, Pss, Pss_Anon, Pss_File, Pss_Shmem, Swap…"""
    out = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                m = re.match(r"(\w+):\s+(\d+) kB", line)
                if m:
                    out[m.group(1)] = int(m.group(2))
    except OSError:
        pass
    return out


# The bench's own X server: it maps Mesa's libLLVM for GLX like a user's X server does, so
# its share of those pages is part of the setup, not a disturbance.
OWN_DISPLAY = None


def foreign_webkit(ours):
    """Processes outside `ours` that map WebKitGTK or Mesa's libLLVM (another WebKit app, or
    another X server that has served GL clients): they share those pages, which lowers our
    file-backed PSS. A reading taken beside them is not comparable. Another Xvfb with libLLVM
    mapped lowered the app's PSS by 7 MB (ui/README.md, "Session 7")."""
    n = 0
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) in ours:
            continue
        try:
            with open(f"/proc/{d}/maps") as f:
                maps = f.read()
            if "libwebkit2gtk" not in maps and "libLLVM" not in maps:
                continue
            if OWN_DISPLAY and cmdline(int(d)).split()[:2] == ["Xvfb", OWN_DISPLAY]:
                continue
            n += 1
        except OSError:
            pass
    return n


def tree_memory(pid):
    pids, t = tree(pid)
    procs = []
    total = {"Pss": 0, "Pss_Anon": 0, "Pss_File": 0, "Pss_Shmem": 0, "Rss": 0}
    for p in pids:
        r = rollup(p)
        name = t[p]["comm"]
        procs.append({"pid": p, "name": name, "cmd": cmdline(p)[:120],
                      **{k: r.get(k, 0) for k in total}, "top": top_mappings(p)})
        for k in total:
            total[k] += r.get(k, 0)
    return {"total_kb": total, "processes": procs, "foreign_webkit_processes": foreign_webkit(set(pids))}


def track(p: subprocess.Popen):
    """Notes a started process group in $OKNO_BENCH_PGIDS, so run.sh can stop it whatever
    happens to this driver."""
    path = os.environ.get("OKNO_BENCH_PGIDS")
    if path:
        with open(path, "a") as f:
            f.write(f"{p.pid}\n")
    return p


def stop_group(p: subprocess.Popen, grace_s=5.0):
    """Stops a process started with start_new_session=True: its group and every descendant."""
    if p.poll() is not None and not tree(p.pid)[0]:
        return
    pids, _ = tree(p.pid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            pass
        for q in pids:
            try:
                os.kill(q, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline:
            p.poll()
            alive = [q for q in pids if os.path.exists(f"/proc/{q}") and not _zombie(q)]
            if not alive:
                break
            time.sleep(0.05)
        else:
            continue
        break
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
        return s[s.rfind(")") + 2] == "Z"
    except OSError:
        return False


def cpu_busy(window_s=1.0):
    """Share of all CPUs busy over `window_s` (0…1), from /proc/stat."""
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        idle = v[3] + v[4]
        return sum(v), idle
    t1, i1 = snap()
    time.sleep(window_s)
    t2, i2 = snap()
    return 1 - (i2 - i1) / max(1, t2 - t1)


def cpu_jiffies():
    """(busy, total) clock ticks of the whole machine so far."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v)


def tree_cpu_ms(pid):
    """CPU time used so far by `pid` and its live descendants (user + system), ms."""
    pids, _ = tree(pid)
    ms = 0.0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                s = f.read()
            f_ = s[s.rfind(")") + 2:].split()
            ms += (int(f_[11]) + int(f_[12])) * 1000 / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return ms


def wait_quiet(max_wait_s, limit=0.15):
    """Waits (at most `max_wait_s`) until the machine is quiet: less than `limit` of the CPUs
    busy over two seconds. Returns the last busy share seen."""
    deadline = time.monotonic() + max_wait_s
    while True:
        b = cpu_busy(2.0)
        if b < limit or time.monotonic() > deadline:
            return round(b, 3)
        time.sleep(3)


def top_mappings(pid, n=14):
    """PSS by mapping (file path, [heap], [anon], …) in kB, largest first."""
    agg = {}
    name = None
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                    parts = line.split(None, 5)
                    name = parts[5].strip() if len(parts) > 5 else "[anon]"
                elif line.startswith("Pss:"):
                    agg[name] = agg.get(name, 0) + int(line.split()[1])
    except OSError:
        pass
    return sorted(agg.items(), key=lambda kv: -kv[1])[:n]


class Foreign(threading.Thread):
    """Samples every second how much CPU processes outside this benchmark use (anything not
    descended from run.sh, from this driver or from the bench's own D-Bus daemon), so that a
    figure disturbed by another job on the machine can be told apart."""

    def __init__(self, roots):
        super().__init__(daemon=True)
        self.roots = set(roots)
        self.total_s = 0.0
        self.by_comm = {}
        self.lock = threading.Lock()

    def snapshot(self):
        with self.lock:
            return self.total_s, dict(self.by_comm)

    def run(self):
        tck = os.sysconf("SC_CLK_TCK")
        prev = {}
        while True:
            cur = {}
            ppid = {}
            comm = {}
            for d in os.listdir("/proc"):
                if not d.isdigit():
                    continue
                try:
                    with open(f"/proc/{d}/stat") as f:
                        st = f.read()
                except OSError:
                    continue
                r = st.rfind(")")
                fl = st[r + 2:].split()
                pid = int(d)
                cur[pid] = int(fl[11]) + int(fl[12])
                ppid[pid] = int(fl[1])
                comm[pid] = st[st.find("(") + 1:r]
            ours = {}

            def is_ours(p):
                seen = []
                while p > 1 and p not in ours:
                    if p in self.roots:
                        ours[p] = True
                        break
                    seen.append(p)
                    p = ppid.get(p, 1)
                res = ours.get(p, False)
                for q in seen:
                    ours[q] = res
                return res

            with self.lock:
                for pid, t in cur.items():
                    d = t - prev.get(pid, t)
                    if d > 0 and not is_ours(pid) and comm[pid] not in ("kworker", "swapper"):
                        self.total_s += d / tck
                        self.by_comm[comm[pid]] = self.by_comm.get(comm[pid], 0) + d / tck
            prev = cur
            time.sleep(1.0)


def foreign_since(ctx, mark):
    """Foreign CPU seconds (and the top commands) since `mark` (a snapshot)."""
    t1, c1 = ctx.foreign.snapshot()
    t0, c0 = mark
    top = sorted(((k, v - c0.get(k, 0)) for k, v in c1.items()), key=lambda kv: -kv[1])
    return {"cpu_s": round(t1 - t0, 1), "top": [(k, round(v, 1)) for k, v in top[:4] if v >= 0.1]}


# ------------------------------------------------------------------------------ the app

class App:
    """okno-desktop started directly (no WebDriver), in its own process group."""

    def __init__(self, ctx, data_dir, name, env=None, argv=None):
        self.ctx, self.data, self.name = ctx, data_dir, name
        self.extra = env or {}
        self.argv = argv
        self.p = None

    def env(self, logs):
        e = dict(os.environ)
        e.update({
            "DISPLAY": self.ctx.display,
            "DBUS_SESSION_BUS_ADDRESS": self.ctx.bus,
            "OKNO_DATA_DIR": self.data,
            "OKNO_LOG_DIR": logs,
            "OKNO_NO_KEYRING": "1",
            "LANG": "en_US.UTF-8",
            "LANGUAGE": "en",
        })
        e.pop("OKNO_SERVER_URL", None)
        e.update(self.ctx.app_env)
        e.update(self.extra)
        return e

    def start(self):
        self.logs = os.path.join(self.ctx.out, "logs", f"{self.name}-{time.time_ns()}")
        os.makedirs(self.logs, exist_ok=True)
        env = self.env(self.logs)
        out = open(os.path.join(self.logs, "stderr.log"), "wb")
        self.wall0 = time.time()
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(self.argv or [self.ctx.app], env=env, stdout=out, stderr=out,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
        track(self.p)
        out.close()
        return self

    def alive(self):
        return self.p is not None and self.p.poll() is None

    def stop(self):
        """Quits as a user does (closing the window); signals only if that does not end it.
        Returns once every process of the tree is gone (WebKit's children outlive the app for
        a moment; the single-instance guard would hand a new start to a running one)."""
        if self.p is None:
            return
        pids = set(tree(self.p.pid)[0])
        if self.alive():
            w = self.ctx.xs.find_window()
            if w:
                self.ctx.xs.close_window(w[0])
                try:
                    self.p.wait(timeout=8)
                except subprocess.TimeoutExpired:
                    log(f"  {self.name}: did not quit on window close; signalling")
        gone = lambda: all(not os.path.exists(f"/proc/{q}") or _zombie(q) for q in pids)  # noqa: E731
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not gone():
            time.sleep(0.05)
        stop_group(self.p)
        for q in pids:
            if not gone():
                try:
                    os.kill(q, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not gone():
            time.sleep(0.05)
        self.p = None

    def log_text(self):
        txt = ""
        for f in sorted(os.listdir(self.logs)):
            if f.startswith("okno"):
                with open(os.path.join(self.logs, f), errors="replace") as fh:
                    txt += fh.read()
        return txt

    def server_listening(self, wait_s=10):
        """(ms after spawn, address) of the embedded server's `listening` log line."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            m = re.search(r"^(\S+)\s+INFO\s.*listening addr=(\S+)", self.log_text(), re.M)
            if m:
                ts = dt.datetime.fromisoformat(m.group(1).replace("Z", "+00:00")).timestamp()
                return (ts - self.wall0) * 1000, m.group(2)
            time.sleep(0.1)
        return None, None


# ------------------------------------------------------------------------------ HTTP API

class Api:
    """The server's HTTP API as one account; one keep-alive connection per thread."""

    def __init__(self, base, login):
        self.base = base
        hostport = base.split("//", 1)[1].rstrip("/")
        self.host, port = hostport.rsplit(":", 1)
        self.port = int(port)
        self.local = threading.local()
        self.token = None
        self.token = self.request("POST", "/api/v1/auth/login",
                                  {"login": login, "password": DEMO_PASSWORD})["token"]

    def request(self, method, path, body=None):
        headers = {"content-type": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        for attempt in range(3):
            c = getattr(self.local, "c", None)
            if c is None:
                c = self.local.c = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                c.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
                r = c.getresponse()
                data = r.read()
            except (http.client.HTTPException, OSError):
                c.close()
                self.local.c = None
                if attempt == 2:
                    raise
                time.sleep(0.2)
                continue
            if r.status >= 300:
                raise RuntimeError(f"{method} {path}: {r.status} {data[:200]!r}")
            return json.loads(data) if data else None


SENTENCES = [
    "Good morning! The printer on the third floor is jammed again.",
    "Could you check my access to the accounting system?",
    "We have registered your request, a specialist will contact you shortly.",
    "Please restart the computer and try once more.",
    "Thanks, it works now!",
    "The VPN disconnects every few minutes since yesterday's update.",
    "Here are the logs: https://support.example.com/kb/vpn-logs",
    "Which version of the client do you use?",
    "Заявка зарегистрирована, инженер подойдёт после обеда.",
    "Не открывается отчёт за квартал, пишет «Недостаточно прав».",
    "Проверьте, пожалуйста, ещё раз — права выданы.",
    "👍",
    "OK",
]


def post_messages(base, chat, n, threads=8):
    """n messages into `chat`: ~55 % from the specialist, the rest from the user (another
    session of the same account), texts of one to six sentences."""
    spec, user = Api(base, "specialist"), Api(base, "user")
    rnd = random.Random(42)
    plan = []
    for i in range(n):
        parts = [rnd.choice(SENTENCES) for _ in range(1 + int(rnd.random() * rnd.random() * 6))]
        plan.append((spec if rnd.random() < 0.55 else user, f"#{i + 1} " + " ".join(parts)))
    t0 = time.monotonic()

    def send(item):
        who, text = item
        who.request("POST", f"/api/v1/chats/{chat}/messages",
                    {"client_msg_id": str(uuid.uuid4()), "text": text})

    with concurrent.futures.ThreadPoolExecutor(threads) as ex:
        list(ex.map(send, plan, chunksize=50))
    return time.monotonic() - t0


def cached_count(data_dir, chat):
    path = os.path.join(data_dir, "client", "cache.db")
    try:
        c = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return c.execute("SELECT count(*) FROM messages WHERE chat_id = ?", (chat,)).fetchone()[0]
        finally:
            c.close()
    except sqlite3.Error:
        return -1


def account_url(data_dir):
    c = sqlite3.connect(f"file:{os.path.join(data_dir, 'client', 'cache.db')}?mode=ro", uri=True)
    try:
        return c.execute("SELECT server_url FROM account").fetchone()[0]
    finally:
        c.close()


# ------------------------------------------------------------------------------ context

class Ctx:
    def __init__(self, a):
        self.app = a.app
        self.display = a.display
        global OWN_DISPLAY
        OWN_DISPLAY = a.display
        self.bus = a.bus
        self.out = a.out
        self.server_bin = a.server_bin
        self.floor_bin = a.floor_bin
        self.tauri_driver = a.tauri_driver
        self.xs = xprobe.X(a.display)
        self.watch = xprobe.StartWatch(self.xs)
        self.results = {}
        self.quiet_wait = a.quiet_wait
        roots = [os.getpid()] + [int(x) for x in os.environ.get("OKNO_BENCH_ROOTS", "").split(",") if x]
        self.foreign = Foreign(roots)
        self.foreign.start()
        self.app_env = dict(kv.split("=", 1) for kv in a.app_env.split(",") if "=" in kv)

    def save(self):
        with open(os.path.join(self.out, "results.json"), "w") as f:
            json.dump(self.results, f, indent=1, ensure_ascii=False)

    def screenshot(self, name):
        w = self.xs.find_window()
        if not w:
            return None
        ppm = os.path.join(self.out, f"{name}.ppm")
        if self.xs.save_ppm(ppm, w[1], w[2], w[3], w[4]):
            png = ppm[:-4] + ".png"
            if shutil.which("convert") and subprocess.run(["convert", ppm, png]).returncode == 0:
                os.remove(ppm)
                return png
            return ppm
        return None


def xdotool(ctx, *args):
    subprocess.run(["xdotool", *map(str, args)], env={**os.environ, "DISPLAY": ctx.display},
                   check=True, stdout=subprocess.DEVNULL)


def main_pane_row(ctx):
    w = ctx.xs.find_window()
    if not w:
        return None
    row = ctx.xs.grab(w[1] + 330, w[2] + 20, 840, 1)  # the chat header row
    return row[0] if row else None


def click_row(ctx, index):
    """Clicks line `index` (0-based) of the lines list (rows are 61 px apart from y≈90)."""
    w = ctx.xs.find_window()
    y = 90 + 61 * index
    xdotool(ctx, "mousemove", w[1] + 160, w[2] + y, "click", "1")


# ------------------------------------------------------------------------------ 1. start

def timed_start(ctx, app, expect, click_check=False):
    busy0, _ = cpu_jiffies()
    app.start()
    marks = ctx.watch.run(app.t0, expect, timeout_s=90, alive=app.alive)
    if "error" in marks:
        return marks
    # How much CPU went elsewhere meanwhile (not the app's processes, not the probe): a run
    # disturbed by another job shows here.
    busy1, _ = cpu_jiffies()
    app_ms = tree_cpu_ms(app.p.pid)
    marks["app_cpu_ms"] = round(app_ms)
    marks["other_cpu_ms"] = round((busy1 - busy0) * 1000 / os.sysconf("SC_CLK_TCK")
                                  - app_ms - marks.get("probe_cpu_ms", 0))
    if click_check:
        # Interactive? Click the first line at once and time until the main pane changes.
        before = main_pane_row(ctx)
        t = time.monotonic()
        click_row(ctx, 0)
        while time.monotonic() - t < 10:
            now = main_pane_row(ctx)
            if now is not None and before is not None and now != before:
                marks["click_to_chat_ms"] = (time.monotonic() - t) * 1000
                break
            time.sleep(0.004)
    listening, addr = app.server_listening(wait_s=3)
    marks["server_listening"] = listening
    marks["server_addr"] = addr
    return marks


def bench_start(ctx, data, runs, tag="", settle_s=8.0, cold=True, env=None):
    res = {"runs": []}
    expect = 1
    if cold:
        log(f"start{tag}: cold first run (fresh data directory)")
        app = App(ctx, data, f"start-cold{tag}")
        m = timed_start(ctx, app, 1)
        res["cold"] = m
        log(f"  cold: window {m.get('window')} shell {m.get('shell')} lines {m.get('lines')} ms, "
            f"embedded server listening at {m.get('server_listening')} ms")
        time.sleep(settle_s)  # demo sign-in, first sync
        # The first start seeds the demo data and signs in (password hashing): what it leaves
        # behind stays until the app quits.
        mem = tree_memory(app.p.pid)
        res["cold_pss_mb"] = round(mem["total_kb"]["Pss"] / 1024, 1)
        res["cold_pss_anon_mb"] = round(mem["total_kb"]["Pss_Anon"] / 1024, 1)
        log(f"  cold: PSS {res['cold_pss_mb']} MB (anon {res['cold_pss_anon_mb']}) "
            f"{settle_s:.0f} s after the start")
        app.stop()
        time.sleep(1)
    # How many avatars the settled list shows: the readiness criterion of the warm runs.
    app = App(ctx, data, f"start-calibrate{tag}", env).start()
    ctx.watch.run(app.t0, 1, timeout_s=90, alive=app.alive)
    time.sleep(settle_s)
    expect = ctx.watch.avatars_now() or 1
    res["expected_avatars"] = expect
    res["screenshot_settled"] = ctx.screenshot(f"start{tag}-settled")
    app.stop()
    time.sleep(1.5)
    for i in range(runs):
        busy = wait_quiet(ctx.quiet_wait)
        app = App(ctx, data, f"start-warm{tag}-{i}", env)
        m = timed_start(ctx, app, expect, click_check=True)
        m["busy_before"] = busy
        if i == 0:
            res["screenshot_at_ready"] = ctx.screenshot(f"start{tag}-after-click")
        res["runs"].append(m)
        log(f"  warm {i + 1}/{runs}: window {fmt(m.get('window'))} shell {fmt(m.get('shell'))} "
            f"lines {fmt(m.get('lines'))} ms (server listening {fmt(m.get('server_listening'))}, "
            f"click→chat {fmt(m.get('click_to_chat_ms'))}) {m.get('error', '')}")
        time.sleep(1.0)
        app.stop()
        time.sleep(1.5)
    ok = [r["lines"] for r in res["runs"] if r.get("lines") is not None]
    for k in ("window", "shell", "lines", "server_listening", "click_to_chat_ms"):
        xs = [r[k] for r in res["runs"] if r.get(k) is not None]
        if xs:
            res[k] = {"median": statistics.median(xs), "p90": pct(xs, 90), "min": min(xs), "max": max(xs)}
    res["ok_runs"] = len(ok)
    return res


def fmt(x):
    return "-" if x is None else f"{x:.0f}"


def bench_ab(ctx, data, runs):
    """Warm starts alternating between A (the app as configured) and B (the binary in $AB_APP
    and/or the extra environment in $AB_ENV, K=V,…, and/or the data directory $AB_DATA), in the
    order AB, BA, AB…, so that both see the same load: for judging one change on a machine that
    is not quiet."""
    b_env = dict(kv.split("=", 1) for kv in os.environ.get("AB_ENV", "").split(",") if "=" in kv)
    b_app = os.environ.get("AB_APP") or ctx.app
    dirs = {"A": data, "B": os.environ.get("AB_DATA") or data}
    expect = {}
    for k, d in dirs.items():
        app = App(ctx, d, f"ab-calibrate-{k}").start()
        ctx.watch.run(app.t0, 1, timeout_s=90, alive=app.alive)
        time.sleep(5)
        expect[k] = ctx.watch.avatars_now() or 1
        app.stop()
        time.sleep(1.5)
    res = {"b_env": b_env, "b_app": b_app, "b_data": dirs["B"], "A": [], "B": []}
    for i in range(runs):
        for k in ("A", "B") if i % 2 == 0 else ("B", "A"):
            wait_quiet(ctx.quiet_wait)
            real = ctx.app
            if k == "B":
                ctx.app = b_app
            try:
                app = App(ctx, dirs[k], f"ab-{k}-{i}", b_env if k == "B" else None)
                m = timed_start(ctx, app, expect[k])
            finally:
                ctx.app = real
            time.sleep(1.0)
            app.stop()
            time.sleep(1.5)
            res[k].append(m)
            log(f"  ab {i + 1}/{runs} {k}: window {fmt(m.get('window'))} lines {fmt(m.get('lines'))} ms "
                f"(other CPU {m.get('other_cpu_ms')} ms) {m.get('error', '')}")
    for k in ("A", "B"):
        for f in ("window", "lines", "server_listening"):
            xs = [r[f] for r in res[k] if r.get(f) is not None]
            if xs:
                res[f"{k}_{f}"] = {"median": statistics.median(xs), "p90": pct(xs, 90)}
    return res


def floor_starts(ctx, runs, name, argv, env=None):
    """Warm starts of a floor app until the watcher sees its page (two avatars): `runs` counted
    after one that only warms the file cache. Returns each counted start's marks and stderr."""
    out = []
    for i in range(runs + 1):
        wait_quiet(ctx.quiet_wait)
        app = App(ctx, os.path.join(ctx.out, "floor-data"), f"floor-{name}-{i}", env, argv=argv)
        app.start()
        m = ctx.watch.run(app.t0, 2, timeout_s=60, alive=app.alive)
        time.sleep(0.5)
        app.stop()
        if i and m.get("lines") is not None:
            with open(os.path.join(app.logs, "stderr.log"), errors="replace") as f:
                out.append((m, f.read()))
        time.sleep(1)
    return out


def bench_floor(ctx, runs):
    """The same measurement of the smallest apps that draw what the watcher looks for: the empty
    Tauri window (`--floor-bin`, src-tauri/examples/blank_window.rs: the app's settings, one
    static page) and a bare WebKitGTK window (webkit_floor.py, when PyGObject is there). What a
    start costs on this machine before Okno does anything."""
    def medians(starts):
        xs = [m["lines"] for m, _ in starts]
        wins = [m["window"] for m, _ in starts]
        return {"runs": [round(x) for x in xs], "median": statistics.median(xs) if xs else None,
                "p90": pct(xs, 90) if xs else None,
                "window_median": statistics.median(wins) if wins else None}

    res = {}
    if ctx.floor_bin and os.path.exists(ctx.floor_bin):
        res["tauri"] = medians(floor_starts(ctx, runs, "tauri", [ctx.floor_bin]))
        log(f"floor tauri: {res['tauri']}")
    py = "/usr/bin/python3"
    argv = [py, os.path.join(HERE, "webkit_floor.py")]
    if subprocess.run(argv[:1] + ["-c", "import gi; gi.require_version('WebKit2', '4.1')"],
                      capture_output=True).returncode != 0:
        res["skipped"] = "no PyGObject with WebKit2 4.1"
        return res
    for name, env in (("default", {}), ("nodmabuf", {"WEBKIT_DISABLE_DMABUF_RENDERER": "1"})):
        starts = floor_starts(ctx, runs, name, argv, env)
        imports = [int(im.group(1)) for _, err in starts
                   if (im := re.search(r"imports (\d+) ms", err))]
        res[name] = medians(starts)
        res[name]["python_imports_median"] = statistics.median(imports) if imports else None
        log(f"floor {name}: {res[name]}")
    return res


# ------------------------------------------------------------------------------ 2. memory

def populate(ctx, data, n):
    """Puts n messages into the user's IT Support chat through the embedded server's HTTP API
    while the app runs (it receives them live and caches them)."""
    app = App(ctx, data, "populate").start()
    m = ctx.watch.run(app.t0, 1, timeout_s=90, alive=app.alive)
    _, addr = app.server_listening()
    if not addr:
        raise RuntimeError("no embedded server address in the log")
    base = f"http://{addr}"
    user = Api(base, "user")
    snap = user.request("GET", "/api/v1/snapshot")
    chat = next(c["chat_id"] for c in snap["connections"] if c["line"]["name"] == "IT Support")
    have = cached_count(data, chat)
    log(f"populate: IT Support chat {chat}, {have} cached; posting {n} messages to {base}")
    took = post_messages(base, chat, n)
    log(f"  posted in {took:.1f} s; waiting for the app's cache")
    deadline = time.monotonic() + 300
    while cached_count(data, chat) < have + n and time.monotonic() < deadline:
        time.sleep(1)
    got = cached_count(data, chat)
    log(f"  cached: {got}")
    time.sleep(5)
    app.stop()
    return {"chat": chat, "posted": n, "post_seconds": round(took, 1), "cached": got}


def verify_open(base, chat, wait_s=10):
    """Opening a chat marks it read: the server's unread count of the chat drops to 0."""
    try:
        api = Api(base, "user")
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            s = api.request("GET", "/api/v1/snapshot")
            c = next((c for c in s["chats"] if c["id"] == chat), None)
            if c and c["unread"] == 0 and c["read_seq"] >= c["last_seq"] - 1:
                return True
            time.sleep(0.5)
    except Exception as e:  # noqa: BLE001
        log(f"  cannot verify the open chat: {e}")
    return False


def measure_memory(ctx, data, chat, name, env, idle_s, server_url=None):
    app = App(ctx, data, f"mem-{name}", env).start()
    m = ctx.watch.run(app.t0, 1, timeout_s=90, alive=app.alive)
    if "error" in m:
        app.stop()
        raise RuntimeError(f"{name}: {m['error']}")
    base = server_url or ("http://" + (app.server_listening()[1] or ""))
    log(f"memory {name}: idle {idle_s} s with no chat open")
    time.sleep(idle_s)
    closed = tree_memory(app.p.pid)
    before = main_pane_row(ctx)
    click_row(ctx, 0)  # IT Support has the newest message: first in the list
    t = time.monotonic()
    while time.monotonic() - t < 10 and main_pane_row(ctx) == before:
        time.sleep(0.02)
    opened = verify_open(base, chat)
    shot = ctx.screenshot(f"mem-{name}-chat-open")
    log(f"  chat opened (verified by the server's read mark: {opened}); idle {idle_s} s")
    time.sleep(idle_s)
    open_ = tree_memory(app.p.pid)
    app.stop()
    r = {"closed": closed, "open": open_, "open_verified": opened, "screenshot": shot}
    log(f"  PSS closed {closed['total_kb']['Pss'] / 1024:.1f} MB (anon {closed['total_kb']['Pss_Anon'] / 1024:.1f}), "
        f"open {open_['total_kb']['Pss'] / 1024:.1f} MB (anon {open_['total_kb']['Pss_Anon'] / 1024:.1f}); "
        f"foreign WebKit or Mesa processes {closed['foreign_webkit_processes']} / {open_['foreign_webkit_processes']}"
        + (" (shared pages split with them: PSS too low)" if closed['foreign_webkit_processes'] or open_['foreign_webkit_processes'] else ""))
    return r


def measure_floor(ctx, idle_s):
    """The same reading of the emptiest Tauri window (src-tauri/examples/blank_window.rs: the
    app's profile and WebKitGTK settings, a static page, nothing of Okno's): what any Tauri
    window costs on this machine, so the app's own share is the difference."""
    if not ctx.floor_bin or not os.path.exists(ctx.floor_bin):
        return {"skipped": f"no {ctx.floor_bin}"}
    app = App(ctx, os.path.join(ctx.out, "floor-data"), "mem-floor", argv=[ctx.floor_bin]).start()
    m = ctx.watch.run(app.t0, 2, timeout_s=60, alive=app.alive)
    if "error" in m:
        app.stop()
        raise RuntimeError(f"floor: {m['error']}")
    time.sleep(idle_s)
    r = tree_memory(app.p.pid)
    r["screenshot"] = ctx.screenshot("mem-floor")
    app.stop()
    log(f"memory floor (empty Tauri window): PSS {r['total_kb']['Pss'] / 1024:.1f} MB "
        f"(anon {r['total_kb']['Pss_Anon'] / 1024:.1f}); foreign WebKit or Mesa processes {r['foreign_webkit_processes']}")
    return r


def bench_memory(ctx, data, n, idle_s, start_runs):
    res = {}
    res["populate"] = populate(ctx, data, n)
    chat = res["populate"]["chat"]
    time.sleep(2)
    # The warm start again, now with 10,000 cached messages.
    res["start_with_messages"] = bench_start(ctx, data, start_runs, tag="-10k", cold=False, settle_s=5)
    for name, env in (("embedded", {}), ("embedded-nodmabuf", {"WEBKIT_DISABLE_DMABUF_RENDERER": "1"})):
        res[name] = measure_memory(ctx, data, chat, name, env, idle_s)
        time.sleep(2)
    try:
        res["floor"] = measure_floor(ctx, idle_s)
    except Exception as e:  # noqa: BLE001
        log(f"memory floor skipped: {e}")
        res["floor"] = {"error": str(e)}
    # The same data with the server in its own process: the shell starts no embedded server
    # when OKNO_SERVER_URL is set; the server listens on the address the account was signed in
    # at, so the client resumes the same account and cache unchanged.
    if ctx.server_bin and os.path.exists(ctx.server_bin):
        ext = os.path.join(ctx.out, "data-external")
        shutil.rmtree(ext, ignore_errors=True)
        shutil.copytree(data, ext)
        url = account_url(ext)
        hostport = url.split("//", 1)[1].rstrip("/")
        slog = open(os.path.join(ctx.out, "external-server.log"), "wb")
        srv = subprocess.Popen([ctx.server_bin, "--listen", hostport, "--data-dir", os.path.join(ext, "server")],
                               stdout=slog, stderr=slog, stdin=subprocess.DEVNULL, start_new_session=True,
                               env={**os.environ, "RUST_LOG": "warn"})
        track(srv)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(url + "/healthz", timeout=1).read()
                    break
                except OSError:
                    if time.monotonic() > deadline or srv.poll() is not None:
                        raise RuntimeError("the external server did not start (port taken?)")
                    time.sleep(0.2)
            r = measure_memory(ctx, ext, chat, "external-server", {"OKNO_SERVER_URL": url}, idle_s,
                               server_url=url)
            r["server_process"] = tree_memory(srv.pid)
            res["external-server"] = r
        except Exception as e:  # noqa: BLE001
            log(f"external server comparison skipped: {e}")
            res["external-server"] = {"error": str(e)}
        finally:
            stop_group(srv)
            slog.close()
    return res


# ------------------------------------------------------------------------------ 3. scrolling

RECORDER = r"""
if (!window.__frames) {
  window.__frames = [];
  const st = () => document.getElementById('status');
  const f = (ts) => {
    const s = st();
    if (window.__scrollStart == null && s && /scrolling/.test(s.textContent)) window.__scrollStart = ts;
    if (window.__scrollStart != null) window.__frames.push(ts);
    if (window.__benchResult) { window.__scrollEnd = ts; return; }
    requestAnimationFrame(f);
  };
  requestAnimationFrame(f);
}
return true;
"""


WAIT_RESULT = r"""
const done = arguments[arguments.length - 1];
const t0 = Date.now();
const check = () => {
  if (window.__benchResult) done(window.__benchResult);
  else if (Date.now() - t0 > 20000) done(null);
  else setTimeout(check, 500);
};
check();
"""


def dropped(frames, vsync=1000 / 60):
    """Frames missed between consecutive rAF timestamps (rAF keeps being requested every
    frame by the recorder, so any gap longer than one refresh is a missed frame)."""
    gaps = [b - a for a, b in zip(frames, frames[1:])]
    missed = sum(max(0, round(g / vsync) - 1) for g in gaps)
    return {"rendered": len(frames), "missed": missed,
            "gaps_over_25ms": sum(1 for g in gaps if g > 25),
            "max_gap_ms": round(max(gaps), 1) if gaps else None}


class Driver:
    """tauri-driver in its own process group; `session()` starts the app through it."""

    def __init__(self, ctx, data, env, name):
        self.ctx = ctx
        self.port, native = free_port(), free_port()
        self.logs = os.path.join(ctx.out, "logs", f"{name}-{time.time_ns()}")
        os.makedirs(self.logs, exist_ok=True)
        e = dict(os.environ)
        e.update({"DISPLAY": ctx.display, "DBUS_SESSION_BUS_ADDRESS": ctx.bus, "OKNO_DATA_DIR": data,
                  "OKNO_LOG_DIR": self.logs, "OKNO_NO_KEYRING": "1", "LANG": "en_US.UTF-8",
                  "LANGUAGE": "en"})
        e.pop("OKNO_SERVER_URL", None)
        e.update(ctx.app_env)  # APP_ENV applies to every step, this one's WebDriver runs too
        e.update(env)
        out = open(os.path.join(self.logs, "tauri-driver.log"), "wb")
        self.native = native
        self.p = subprocess.Popen([ctx.tauri_driver, "--port", str(self.port), "--native-port", str(native)],
                                  env=e, stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                                  start_new_session=True)
        track(self.p)
        out.close()
        self.sess = None
        deadline = time.monotonic() + 20
        for port in (self.port, self.native):  # tauri-driver, then its WebKitWebDriver
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        self.stop()
                        raise RuntimeError("tauri-driver did not start")
                    time.sleep(0.1)

    def session(self):
        # A failed first attempt can leave an app behind (the single-instance guard would then
        # swallow the next one): stop any before each attempt.
        def before_attempt():
            pids, t = tree(self.p.pid)
            for p in pids:
                if t[p]["comm"] == "okno-desktop":
                    for q in tree(p)[0]:
                        try:
                            os.kill(q, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
            time.sleep(0.3)
        self.sess = Session(f"http://127.0.0.1:{self.port}", self.ctx.app, before_attempt=before_attempt)
        return self.sess

    def app_pid(self):
        pids, t = tree(self.p.pid)
        return next((p for p in pids if t[p]["comm"] == "okno-desktop"), None)

    def stop(self):
        if self.sess:
            self.sess.quit()
        stop_group(self.p)


def bench_scroll(ctx, data, env, name, timeout_s=400):
    wait_quiet(ctx.quiet_wait)
    drv = Driver(ctx, data, env, name)
    try:
        sess = drv.session()
        sess.find("[data-testid=lines-list]", wait_s=60)
        href = sess.js("return window.location.href")
        m = re.match(r"^([a-z]+://[^/]+)", href)
        origin = m.group(1)
        log(f"scroll {name}: the app's page is {href}; opening {origin}/bench.html")
        sess.go(origin + "/bench.html")
        sess.js(RECORDER)
        deadline = time.monotonic() + timeout_s
        result = None
        while time.monotonic() < deadline:
            # Waits for the result inside the page: a WebDriver round trip every second cost
            # the page frames (20-30 ms outliers in the control phase).
            result = sess.js_async(WAIT_RESULT, timeout_s=40)
            if result:
                break
        if not result:
            raise RuntimeError("no window.__benchResult in time")
        frames = sess.js("return window.__frames || []")
        ua = sess.js("return navigator.userAgent")
        shot = ctx.screenshot(f"scroll-{name}")
        r = {"origin": origin, "userAgent": ua, "result": result, "raf": dropped(frames), "screenshot": shot}
        log(f"  {name}: frames max {result['all']['max']} ms, p99 {result['all']['p99']} ms, "
            f"{result['late']} late, {result['missed']} missed of {result['all']['frames']}; "
            f"idle floor {(result.get('idle') or {}).get('late')} late; rAF: {r['raf']}")
        return r
    finally:
        drv.stop()


# ------------------------------------------------------------------------------ start breakdown

PAGE_TIMING = r"""
const nav = performance.getEntriesByType('navigation')[0];
return {
  timeOrigin: performance.timeOrigin,
  nav: nav ? {responseEnd: nav.responseEnd, domInteractive: nav.domInteractive,
              domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd} : null,
  paint: performance.getEntriesByType('paint').map(e => [e.name, e.startTime]),
  resources: performance.getEntriesByType('resource').map(e => [e.name, e.initiatorType, e.startTime, e.responseEnd]),
  marks: performance.getEntriesByType('mark').filter(e => e.name.startsWith('okno:')).map(e => [e.name.slice(5), e.startTime]),
};
"""


IPC_TIMING = r"""
const done = arguments[arguments.length - 1];
(async () => {
  const invoke = window.__TAURI_INTERNALS__.invoke;
  const out = {};
  for (const cmd of ['info', 'lines']) {
    const xs = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await invoke(cmd);
      xs.push(performance.now() - t);
    }
    xs.sort((a, b) => a - b);
    out[cmd] = {median: xs[10], min: xs[0], max: xs[19]};
  }
  return out;
})().then(done, (e) => done(String(e)));
"""


def page_reloads(sess, n):
    """The page part of a start alone: reload the page (the process, the embedded server and
    the core stay up) and read navigation start → DOMContentLoaded → first contentful paint."""
    out = []
    for _ in range(n):
        sess.refresh()
        t0 = time.monotonic()
        while not sess.js("return !!document.querySelector('[data-testid=line-item]')"):
            if time.monotonic() - t0 > 30:
                break
            time.sleep(0.05)
        page = sess.js(PAGE_TIMING)
        nav = page["nav"] or {}
        out.append({"response_end": nav.get("responseEnd"), "dom_content_loaded": nav.get("domContentLoaded"),
                    "first_contentful_paint": dict(page["paint"]).get("first-contentful-paint")})
        time.sleep(0.5)
    return out


def strace_timeline(ctx, data):
    """One warm start under strace (seccomp-filtered: execve and openat of a few paths only)
    for the order of events inside the process: embedded server database opened, client cache
    opened, WebKit's processes started; plus the X probe's marks."""
    if not shutil.which("strace"):
        return {"skipped": "no strace"}
    wk = WEBKIT_DIR
    trace = os.path.join(ctx.out, "strace.txt")
    paths = [ctx.app, f"{wk}/WebKitWebProcess", f"{wk}/WebKitNetworkProcess",
             os.path.join(data, "server", "okno.db"), os.path.join(data, "client", "cache.db")]
    wait_quiet(ctx.quiet_wait)
    app = App(ctx, data, "strace")
    real = ctx.app
    # App.start runs ctx.app with no arguments; run strace through a tiny wrapper instead.
    wrapper = os.path.join(ctx.out, "strace-wrap.sh")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\nexec strace -f -tt --seccomp-bpf -e trace=execve,openat "
                + " ".join(f"-P '{p}'" for p in paths) + f" -o '{trace}' '{real}'\n")
    os.chmod(wrapper, 0o755)
    ctx.app = wrapper
    try:
        app.start()
        marks = ctx.watch.run(app.t0, 1, timeout_s=90, alive=app.alive)
        listening, _ = app.server_listening()
        time.sleep(2)
        app.stop()
    finally:
        ctx.app = real
    events = {}
    day = dt.datetime.fromtimestamp(app.wall0).date()
    with open(trace) as f:
        for line in f:
            m = re.match(r"^\d+\s+(\d\d:\d\d:\d\d\.\d+) (\w+)\(\"?([^\",]*)", line)
            if not m or "resumed" in line or "= -1" in line:
                continue
            t = dt.datetime.combine(day, dt.time.fromisoformat(m.group(1))).timestamp()
            key = f"{m.group(2)} {os.path.basename(m.group(3))}"
            events.setdefault(key, round((t - app.wall0) * 1000))
    return {"events_ms": dict(sorted(events.items(), key=lambda kv: kv[1])),
            "server_listening_ms": listening, "window_ms": marks.get("window"),
            "lines_ms": marks.get("lines")}


def proc_start_epoch(pid):
    """A process's start as Unix time (10 ms granularity: clock ticks since boot)."""
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    ticks = int(s[s.rfind(")") + 2:].split()[19])
    # /proc/stat's btime is whole seconds; the boot clock gives the boot instant exactly.
    boot = time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def bench_breakdown(ctx, data, runs=3, env=None):
    """Where a warm start's time goes, from the app's own clocks: the process start
    (/proc, 10 ms ticks), the embedded server's `listening` log line, and the page's
    navigation, resource (each IPC call is a fetch of ipc://localhost/<command>) and paint
    timings. Through tauri-driver (the page cannot be read otherwise); diagnostics only."""
    out = []
    for i in range(runs):
        wait_quiet(ctx.quiet_wait)
        drv = Driver(ctx, data, env or {}, f"breakdown-{i}")
        try:
            t_req = time.time()
            sess = drv.session()
            t_sess = time.time()
            pid = drv.app_pid()
            start = proc_start_epoch(pid) if pid else None
            # First sight of a line item by polling through WebDriver (granularity: one round trip).
            seen, polls, t_poll0 = None, 0, time.monotonic()
            while seen is None and time.monotonic() - t_poll0 < 60:
                polls += 1
                if sess.js("return !!document.querySelector('[data-testid=line-item]')"):
                    seen = time.time()
            rtt = (time.monotonic() - t_poll0) / max(1, polls) * 1000
            page = sess.js(PAGE_TIMING)
            m = re.search(r"^(\S+)\s+INFO\s.*listening", _read_logs(drv.logs), re.M)
            listening = dt.datetime.fromisoformat(m.group(1).replace("Z", "+00:00")).timestamp() if m else None
            rel = lambda t: None if t is None or start is None else round((t - start) * 1000)  # noqa: E731
            origin = page["timeOrigin"] / 1000
            po = lambda ms: None if ms is None else rel(origin + ms / 1000)  # noqa: E731
            ipc = {}
            for name, kind, s0, s1 in page["resources"]:
                cmd = name.split("ipc://localhost/", 1)[1] if name.startswith("ipc://localhost/") else None
                if cmd and cmd in ("info", "lines") and cmd not in ipc:
                    ipc[cmd] = [po(s0), po(s1)]
            r = {
                # The app must start after the request (else a stray one was measured).
                "valid": rel(t_req) is not None and rel(t_req) > -50,
                "session_requested": rel(t_req), "session_ready": rel(t_sess),
                "server_listening": rel(listening), "page_navigation_start": rel(origin),
                "page_response_end": po((page["nav"] or {}).get("responseEnd")),
                "dom_content_loaded": po((page["nav"] or {}).get("domContentLoaded")),
                "load_event": po((page["nav"] or {}).get("load")),
                "paint": {n: po(t) for n, t in page["paint"]},
                # The UI's own moments (ui/src/lib/marks.ts): main script, backend module, info
                # answered, mounted, the app's own info read, lines asked for and read, the window
                # asked to show and shown, the frame after the lines.
                "marks": {n: po(t) for n, t in page.get("marks") or []},
                "ipc_info": ipc.get("info"), "ipc_lines": ipc.get("lines"),
                "line_item_seen_by_polling": rel(seen), "webdriver_poll_ms": round(rtt, 1),
                "resources": [[n.rsplit('/', 1)[-1][:40], k, po(a), po(b)] for n, k, a, b in page["resources"]][:40],
            }
            if i == runs - 1:
                r["ipc_ms"] = sess.js_async(IPC_TIMING, timeout_s=60)
                r["reloads"] = page_reloads(sess, 5)
            out.append(r)
            log(f"breakdown {i + 1}/{runs}: " + ", ".join(f"{k} {v}" for k, v in r.items() if k != "resources"))
        finally:
            drv.stop()
        time.sleep(1.5)
    return out


def _read_logs(d):
    txt = ""
    for f in sorted(os.listdir(d)):
        if f.startswith("okno"):
            with open(os.path.join(d, f), errors="replace") as fh:
                txt += fh.read()
    return txt


def bench_chromium(ctx, timeout_s=400):
    node = shutil.which("node")
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not node or not os.path.exists(chromium):
        return {"skipped": "node or chromium missing"}
    p = subprocess.run([node, os.path.join(HERE, "chromium_bench.mjs")],
                       env={**os.environ, "CHROMIUM": chromium, "UI_DIST": os.path.join(ROOT, "ui", "dist")},
                       capture_output=True, text=True, timeout=timeout_s, start_new_session=True)
    line = next((ln for ln in p.stdout.splitlines() if ln.startswith("{")), None)
    if p.returncode != 0 or not line:
        return {"error": (p.stderr or p.stdout)[-800:]}
    r = json.loads(line)
    r["raf"] = dropped(r.pop("frames"))
    log(f"  chromium: frames max {r['result']['all']['max']} ms, p99 {r['result']['all']['p99']} ms; rAF: {r['raf']}")
    return r


# ------------------------------------------------------------------------------ summary

def summary(res):
    rows = []
    s = res.get("start")
    if s:
        lines = s.get("lines", {})
        rows.append(("warm start → lines list drawn (median / p90)",
                     f"{fmt(lines.get('median'))} / {fmt(lines.get('p90'))} ms", "≤ 600 ms",
                     ok(lines.get("median"), 600)))
        c = s.get("cold", {})
        rows.append(("cold first start (fresh data dir) → lines", f"{fmt(c.get('lines'))} ms", "", ""))
        if s.get("cold_pss_mb") is not None:
            rows.append(("  PSS after the first start (demo data seeded, signed in)",
                         f"{s['cold_pss_mb']} MB (anon {s.get('cold_pss_anon_mb')})", "", ""))
        for k, label in (("window", "  window mapped"), ("shell", "  UI shell drawn"),
                         ("server_listening", "  embedded server listening"),
                         ("click_to_chat_ms", "  click at ready → chat drawn")):
            if k in s:
                rows.append((label + " (median)", f"{fmt(s[k]['median'])} ms", "", ""))
    sn = (res.get("start_nodmabuf") or {}).get("lines")
    if sn:
        rows.append(("warm start, DMABUF renderer off (median / p90)",
                     f"{fmt(sn['median'])} / {fmt(sn['p90'])} ms", "≤ 600 ms", ok(sn["median"], 600)))
    fl = res.get("floor") or {}
    ft = fl.get("tauri") or {}
    if ft.get("median") is not None:
        rows.append(("warm start of the empty Tauri window → its page drawn (median / p90)",
                     f"{fmt(ft['median'])} / {fmt(ft['p90'])} ms", "", ""))
    for k, label in (("default", "floor: bare WebKitGTK window"),
                     ("nodmabuf", "floor, DMABUF off")):
        v = fl.get(k)
        if v and v.get("median") is not None:
            rows.append((f"{label} (incl. {fmt(v.get('python_imports_median'))} ms Python)",
                         f"{fmt(v['median'])} ms", "", ""))
    bd = res.get("breakdown") or {}
    for k, label in (("webdriver", "default"), ("webdriver-nodmabuf", "DMABUF off")):
        runs = [r for r in (bd.get(k) or []) if isinstance(r, dict) and r.get("valid", True)]
        if runs:
            def med(f):
                xs = [f(r) for r in runs if f(r) is not None]
                return statistics.median(xs) if xs else None
            rows.append((f"timeline, {label} (WebDriver): listening/nav/DCL/FCP",
                         " / ".join(fmt(med(f)) for f in (
                             lambda r: r.get("server_listening"), lambda r: r.get("page_navigation_start"),
                             lambda r: r.get("dom_content_loaded"),
                             lambda r: (r.get("paint") or {}).get("first-contentful-paint"))), "", ""))
            rl = [x for r in runs for x in r.get("reloads", []) if x.get("first_contentful_paint")]
            if rl:
                rows.append(("  page reloaded in the running app: FCP after nav",
                             f"{fmt(statistics.median(x['first_contentful_paint'] for x in rl))} ms", "", ""))
    m = res.get("memory")
    if m:
        sw = m.get("start_with_messages", {}).get("lines")
        if sw:
            n = m.get("populate", {}).get("cached", "?")
            rows.append((f"warm start with {n} cached messages (median / p90)",
                         f"{fmt(sw['median'])} / {fmt(sw['p90'])} ms", "≤ 600 ms", ok(sw["median"], 600)))
        for k in ("embedded", "embedded-nodmabuf", "external-server"):
            v = m.get(k)
            if not v or "closed" not in v:
                continue
            for state in ("closed", "open"):
                mb = v[state]["total_kb"]["Pss"] / 1024
                foreign = v[state].get("foreign_webkit_processes")
                note = f" ({foreign} foreign WebKit/Mesa procs!)" if foreign else ""
                rows.append((f"PSS, {k}, chat {state}", f"{mb:.1f} MB{note}", "≤ 200 MB", ok(mb, 200)))
            if k == "embedded" and "total_kb" in m.get("floor", {}):
                fl = m["floor"]["total_kb"]["Pss"] / 1024
                rows.append(("  an empty Tauri window, same settings (the floor)", f"{fl:.1f} MB", "", ""))
                rows.append(("  Okno over that floor, chat closed / open",
                             f"{v['closed']['total_kb']['Pss'] / 1024 - fl:.1f} / {v['open']['total_kb']['Pss'] / 1024 - fl:.1f} MB", "", ""))
            if "server_process" in v:
                rows.append(("  external okno-server process PSS",
                             f"{v['server_process']['total_kb']['Pss'] / 1024:.1f} MB", "", ""))
    for key, label in (("scroll", "app (WebKitGTK)"), ("scroll-nodmabuf", "app, DMABUF renderer off"),
                       ("chromium", "headless Chromium")):
        v = res.get(key)
        if v and "result" in v:
            a = v["result"]["all"]
            rows.append((f"scroll 100k, {label}: frame duration max / p99", f"{a['max']} / {a['p99']} ms",
                         "max ≤ 16.7 ms", ok(a["max"], 17.7)))
            rows.append(("  frames late (> 17.7 ms) / missed / all", f"{v['result'].get('late')} / "
                         f"{v['result'].get('missed')} / {a['frames']}", "0 / 0", "yes" if v["result"].get("late") == 0 else "no"))
            idle = v["result"].get("idle")
            if idle:
                rows.append(("  idle floor (nothing moves): late / all, max",
                             f"{idle['late']} / {idle['frames'].get('frames')}, {idle['frames'].get('max')} ms", "", ""))
            b = v["result"].get("busy") or {}
            rows.append(("  main-thread busy per frame max / p99", f"{b.get('max')} / {b.get('p99')} ms", "", ""))
            rows.append(("  missed frames seen by a second rAF recorder / rendered",
                         f"{v['raf']['missed']} / {v['raf']['rendered']}", "0", "yes" if v["raf"]["missed"] == 0 else "no"))
    ab = res.get("ab") or {}
    for k in ("A", "B"):
        v = ab.get(f"{k}_lines")
        if v:
            label = "as configured" if k == "A" else (
                f"{os.path.basename(ab.get('b_app') or '')} {ab.get('b_env')} data {ab.get('b_data')}")
            rows.append((f"A/B warm start, {k} ({label}) (median / p90)",
                         f"{fmt(v['median'])} / {fmt(v['p90'])} ms", "", ""))
    lo = (res.get("machine") or {}).get("link_order_found")
    if lo:
        rows.append(("functions of src-tauri/link-order.txt the binary has (run order)",
                     f"{lo[0]} of {lo[1]}", "all", "yes" if lo[0] >= 0.95 * lo[1] else "NO"))
        if len(lo) > 2:
            rows.append(("  … of those, linked in the list's order",
                         f"{lo[2]} of {lo[0]}", "all", "yes" if lo[2] >= 0.99 * lo[0] else "NO"))
    ra = (res.get("machine") or {}).get("read_ahead_kb") or {}
    if ra:
        rows.append(("readahead of the disk under the app / WebKit (memory depends on it)",
                     f"{ra.get('app')} / {ra.get('webkit')} KB", "", ""))
    fc = res.get("foreign_cpu") or {}
    if fc:
        rows.append(("CPU used by other jobs during each step (s)",
                     ", ".join(f"{k} {v['cpu_s']}" for k, v in fc.items()), "≈ 0", ""))
    w = max(len(r[0]) for r in rows) if rows else 10
    out = [f"{'figure'.ljust(w)}  {'measured':<22} {'goal':<14} met"]
    out += [f"{a.ljust(w)}  {b:<22} {c:<14} {d}" for a, b, c, d in rows]
    return "\n".join(out)


def read_ahead_kb(path):
    """The readahead (KB) of the block device holding `path`, or None. It decides how much of a
    program's code is resident: the kernel reads files in chunks this large and maps the
    cached neighbours of each page a program touches, so PSS of code grows with it
    (ui/README.md, "Session 10")."""
    try:
        dev = os.stat(os.path.realpath(path)).st_dev
        node = os.path.realpath(f"/sys/dev/block/{os.major(dev)}:{os.minor(dev)}")
        for d in (node, os.path.dirname(node)):  # a partition's queue is its disk's
            q = os.path.join(d, "queue", "read_ahead_kb")
            if os.path.exists(q):
                with open(q) as f:
                    return int(f.read().strip())
    except (OSError, ValueError):
        pass
    return None


def link_order_found(app):
    """How many of the functions `src-tauri/link-order.txt` lists the binary has, and how many of
    those it has in the list's order: (found, listed, in_order). Their names carry hashes of the
    crates that instantiate them, so a change of dependencies renames many (session 12: adding
    one dependency to the shell crate renamed 1,180 of 7,757, and the binary's PSS grew by
    2.1 MB); `bench/desktop/link-order.sh` lists them afresh. A binary can have every name and
    none in order: session 22 found builds linked without the list at all (src-tauri/build.rs
    had looked for it in a deleted clone), 4 MB more of the binary resident."""
    listed_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src-tauri",
                               "link-order.txt")
    try:
        with open(listed_path) as f:
            listed = [line.strip() for line in f if line.strip() and not line.startswith("#")]
        out = subprocess.run(["nm", "--defined-only", app], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    addr = {}
    for parts in (line.split() for line in out.splitlines()):
        if len(parts) >= 3:
            try:
                addr[parts[-1]] = int(parts[0], 16)
            except ValueError:
                pass
    found = [addr[name] for name in listed if name in addr]
    # Linked in order, each function lies after the one listed before it (the linker keeps
    # the list's order exactly); without the list, about half do, by chance.
    in_order = 1 + sum(1 for a, b in zip(found, found[1:]) if b > a) if found else 0
    return len(found), len(set(listed)), in_order


def drop_from_page_cache(path):
    """Drops a program file's pages from the page cache, so that what read it before (the bench's
    own `nm`, a build, a package, a test's tooling) does not decide how the next starts map it: a
    file read whole with read() can come into the page cache as large folios, which this kernel
    (6.18) maps whole into a process touching any page of them. (Session 21 blamed this for
    readings of the app's binary at 12.3 MB of PSS against 7.6 in others; session 22 found such
    readings on builds linked without their function order, ui/README.md, "Session 22".) True
    if it was dropped."""
    if not path:
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        os.fsync(fd)  # dirty pages (a build that just wrote it) cannot be dropped
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def ok(x, limit):
    if x is None:
        return ""
    return "yes" if x <= limit else "NO"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--app", required=True)
    ap.add_argument("--server-bin")
    ap.add_argument("--floor-bin", help="the empty Tauri window (src-tauri/examples/blank_window.rs)")
    ap.add_argument("--tauri-driver", default=os.path.expanduser("~/.cargo/bin/tauri-driver"))
    ap.add_argument("--display", required=True)
    ap.add_argument("--bus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--idle", type=float, default=20)
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--steps", default="start,memory,breakdown,scroll,chromium")
    ap.add_argument("--app-env", default="",
                    help="K=V,… added to the app's environment in every step (experiments)")
    ap.add_argument("--quiet-wait", type=float, default=60,
                    help="seconds to wait for a quiet machine before each timed start and step")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    ctx = Ctx(a)
    steps = a.steps.split(",")
    data = os.path.join(a.out, "data")
    res = ctx.results
    res["date"] = dt.datetime.now().isoformat(timespec="seconds")
    res["machine"] = {"cpus": os.cpu_count(), "load_before": os.getloadavg(), "kernel": os.uname().release,
                      "read_ahead_kb": {"app": read_ahead_kb(a.app),
                                        "webkit": read_ahead_kb(WEBKIT_DIR)},
                      "link_order_found": link_order_found(a.app)}
    # The bench's own `nm` just read the binary whole: that must not decide how it is mapped.
    drop_from_page_cache(a.app)
    def ensure_data():
        if not os.path.exists(os.path.join(data, "client", "cache.db")):
            bench_start(ctx, data, 0)

    def step_start():
        shutil.rmtree(data, ignore_errors=True)
        res["start"] = bench_start(ctx, data, a.runs)
        ctx.save()
        res["start_nodmabuf"] = bench_start(ctx, data, max(3, a.runs // 2), tag="-nodmabuf", cold=False,
                                            settle_s=3, env={"WEBKIT_DISABLE_DMABUF_RENDERER": "1"})

    def step_floor():
        res["floor"] = bench_floor(ctx, max(3, a.runs // 2))

    def step_warm():  # warm starts only, on the data directory of an earlier run
        ensure_data()
        res["start"] = bench_start(ctx, data, a.runs, cold=False)

    def step_ab():  # alternating warm starts of two variants ($AB_APP, $AB_ENV)
        ensure_data()
        res["ab"] = bench_ab(ctx, data, a.runs)

    def step_memory():
        ensure_data()
        # Whatever read the binaries before (a build, a package, a test, an earlier step's
        # tooling), their code is paged in by the starts of this step.
        res["page_cache_dropped"] = [p for p in (a.app, a.floor_bin, a.server_bin) if drop_from_page_cache(p)]
        res["memory"] = bench_memory(ctx, data, a.messages, a.idle, max(3, a.runs // 2))

    def step_breakdown():
        ensure_data()
        # The DMA-BUF renderer is off by default in the app now: no separate variant for it.
        res["breakdown"] = {
            "webdriver": bench_breakdown(ctx, data, runs=max(3, a.runs)),
            "strace": strace_timeline(ctx, data),
        }

    def step_scroll():
        sdata = os.path.join(a.out, "data-scroll")
        for key, env in (("scroll", {}), ("scroll-nodmabuf", {"WEBKIT_DISABLE_DMABUF_RENDERER": "1"})):
            try:
                res[key] = bench_scroll(ctx, sdata, env, key)
            except Exception as e:  # noqa: BLE001
                log(f"{key} failed: {e}")
                res[key] = {"error": str(e)}
            ctx.save()

    def step_chromium():
        res["chromium"] = bench_chromium(ctx)

    known = {"start": step_start, "floor": step_floor, "warm": step_warm, "ab": step_ab, "memory": step_memory,
             "breakdown": step_breakdown, "scroll": step_scroll, "chromium": step_chromium}
    for name in [n for n in known if n in steps]:
        mark = ctx.foreign.snapshot()
        try:
            known[name]()
        except Exception as e:  # noqa: BLE001
            log(f"{name} failed: {e}")
            res.setdefault("errors", {})[name] = str(e)
        res.setdefault("foreign_cpu", {})[name] = foreign_since(ctx, mark)
        ctx.save()
    res["machine"]["load_after"] = os.getloadavg()
    ctx.save()
    text = summary(res)
    with open(os.path.join(a.out, "summary.txt"), "w") as f:
        f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
