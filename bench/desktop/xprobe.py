"""Reads pixels of the app's window straight from the X server (libX11 through ctypes).

Cheap enough to poll every few milliseconds while the app starts: one small XGetImage per
poll, no fork, no screenshot files. Used to see when the lines list is drawn.
"""

import ctypes
import ctypes.util
import time

_ERR = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


class _Attrs(ctypes.Structure):
    _fields_ = [
        ("x", ctypes.c_int), ("y", ctypes.c_int),
        ("width", ctypes.c_int), ("height", ctypes.c_int),
        ("border_width", ctypes.c_int), ("depth", ctypes.c_int),
        ("visual", ctypes.c_void_p), ("root", ctypes.c_ulong),
        ("class_", ctypes.c_int), ("bit_gravity", ctypes.c_int), ("win_gravity", ctypes.c_int),
        ("backing_store", ctypes.c_int), ("backing_planes", ctypes.c_ulong),
        ("backing_pixel", ctypes.c_ulong), ("save_under", ctypes.c_int),
        ("colormap", ctypes.c_ulong), ("map_installed", ctypes.c_int),
        ("map_state", ctypes.c_int), ("all_event_masks", ctypes.c_long),
        ("your_event_mask", ctypes.c_long), ("do_not_propagate_mask", ctypes.c_long),
        ("override_redirect", ctypes.c_int), ("screen", ctypes.c_void_p),
    ]


class _Image(ctypes.Structure):
    _fields_ = [
        ("width", ctypes.c_int), ("height", ctypes.c_int), ("xoffset", ctypes.c_int),
        ("format", ctypes.c_int), ("data", ctypes.c_void_p), ("byte_order", ctypes.c_int),
        ("bitmap_unit", ctypes.c_int), ("bitmap_bit_order", ctypes.c_int),
        ("bitmap_pad", ctypes.c_int), ("depth", ctypes.c_int),
        ("bytes_per_line", ctypes.c_int), ("bits_per_pixel", ctypes.c_int),
        ("red_mask", ctypes.c_ulong), ("green_mask", ctypes.c_ulong), ("blue_mask", ctypes.c_ulong),
    ]


class _ClientMessage(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
        ("format", ctypes.c_int), ("l", ctypes.c_long * 5), ("pad", ctypes.c_long * 12),
    ]


IS_VIEWABLE = 2
CLIENT_MESSAGE = 33
Z_PIXMAP = 2
ALL_PLANES = ctypes.c_ulong(0xFFFFFFFF)


class X:
    def __init__(self, display: str):
        x = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XDefaultRootWindow.restype = ctypes.c_ulong
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
                                 ctypes.POINTER(ctypes.c_ulong),
                                 ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
                                 ctypes.POINTER(ctypes.c_uint)]
        x.XFetchName.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_char_p)]
        x.XFree.argtypes = [ctypes.c_void_p]
        x.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(_Attrs)]
        x.XGetImage.restype = ctypes.POINTER(_Image)
        x.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                                ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
        x.XDestroyImage.argtypes = [ctypes.POINTER(_Image)]
        x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x.XInternAtom.restype = ctypes.c_ulong
        x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                                 ctypes.POINTER(_ClientMessage)]
        x.XFlush.argtypes = [ctypes.c_void_p]
        self._handler = _ERR(lambda d, e: 0)  # ignore X errors (a window that went away)
        x.XSetErrorHandler(self._handler)
        self.x = x
        self.dpy = x.XOpenDisplay(display.encode())
        if not self.dpy:
            raise RuntimeError(f"cannot open display {display}")
        self.root = x.XDefaultRootWindow(self.dpy)

    def find_window(self, title: str = "Okno"):
        """A viewable top-level window whose name is `title` (or ends with it): (id, x, y, w, h)."""
        x = self.x
        r, p = ctypes.c_ulong(), ctypes.c_ulong()
        kids = ctypes.POINTER(ctypes.c_ulong)()
        n = ctypes.c_uint()
        if not x.XQueryTree(self.dpy, self.root, ctypes.byref(r), ctypes.byref(p),
                            ctypes.byref(kids), ctypes.byref(n)):
            return None
        found = None
        try:
            for i in range(n.value):
                w = kids[i]
                name = ctypes.c_char_p()
                if x.XFetchName(self.dpy, w, ctypes.byref(name)) and name.value is not None:
                    s = name.value.decode("utf-8", "replace")
                    x.XFree(name)
                    if s == title or s.endswith(") " + title):
                        a = _Attrs()
                        if x.XGetWindowAttributes(self.dpy, w, ctypes.byref(a)) and a.map_state == IS_VIEWABLE:
                            found = (w, a.x, a.y, a.width, a.height)
        finally:
            if kids:
                x.XFree(kids)
        return found

    def close_window(self, w) -> None:
        """Asks the window to close, as a window manager's close button does (WM_DELETE_WINDOW):
        the app quits normally (the shell stops its core and embedded server)."""
        ev = _ClientMessage()
        ev.type = CLIENT_MESSAGE
        ev.window = w
        ev.message_type = self.x.XInternAtom(self.dpy, b"WM_PROTOCOLS", 0)
        ev.format = 32
        ev.l[0] = self.x.XInternAtom(self.dpy, b"WM_DELETE_WINDOW", 0)
        ev.l[1] = 0  # CurrentTime
        self.x.XSendEvent(self.dpy, w, 0, 0, ctypes.byref(ev))
        self.x.XFlush(self.dpy)

    def grab_raw(self, x0: int, y0: int, w: int, h: int):
        """The screen rectangle as (bytes, bytes per line), 32 bits a pixel (B, G, R, X)."""
        img = self.x.XGetImage(self.dpy, self.root, x0, y0, w, h, ALL_PLANES, Z_PIXMAP)
        if not img:
            return None
        try:
            im = img.contents
            if im.bits_per_pixel != 32:
                raise RuntimeError(f"unexpected {im.bits_per_pixel} bits per pixel")
            bpl = im.bytes_per_line
            return ctypes.string_at(im.data, bpl * h), bpl
        finally:
            self.x.XDestroyImage(img)

    def grab(self, x0: int, y0: int, w: int, h: int):
        """Pixels of the screen rectangle as rows of (r, g, b); None when it cannot be read."""
        got = self.grab_raw(x0, y0, w, h)
        if got is None:
            return None
        raw, bpl = got
        rows = []
        for yy in range(h):
            base = yy * bpl
            rows.append([(raw[base + 4 * i + 2], raw[base + 4 * i + 1], raw[base + 4 * i])
                         for i in range(w)])
        return rows

    def save_ppm(self, path: str, x0: int, y0: int, w: int, h: int) -> bool:
        rows = self.grab(x0, y0, w, h)
        if rows is None:
            return False
        with open(path, "wb") as f:
            f.write(b"P6 %d %d 255\n" % (w, h))
            for row in rows:
                f.write(bytes(c for px in row for c in px))
        return True


def colored(px) -> bool:
    """An avatar's pixel: clearly saturated (backgrounds, text and borders are greys)."""
    return max(px) - min(px) > 40


def column_runs(raw: bytes, bpl: int, h: int, step: int = 2) -> int:
    """avatar_runs() of a 1-pixel-wide grab, reading every `step`-th pixel straight from the
    bytes (cheap: the probe must not compete with the app for the two cores)."""
    runs = 0
    start = end = None
    for y in range(0, h, step):
        o = y * bpl
        b, g, r = raw[o], raw[o + 1], raw[o + 2]
        if max(r, g, b) - min(r, g, b) > 40:
            if start is None:
                start = y
            end = y
        elif start is not None and y - end > 6:
            runs += end - start + 1 >= 16
            start = None
    if start is not None:
        runs += end - start + 1 >= 16
    return runs


def avatar_runs(column) -> int:
    """Avatars crossed by a vertical line: coloured runs ≥ 16 px, merging gaps ≤ 6 px
    (the white ring of a line with an open ticket)."""
    runs = []
    start = None
    for i, px in enumerate(column):
        if colored(px):
            if start is None:
                start = i
            end = i
        elif start is not None and i - end > 6:
            runs.append(end - start + 1)
            start = None
    if start is not None:
        runs.append(end - start + 1)
    return sum(1 for r in runs if r >= 16)


# Where to look, in window coordinates (1180×760 window, sidebar 320 px wide):
AVATAR_X = 23          # left part of the 44 px avatars at x 18…62 (clear of the initials)
LIST_TOP, LIST_BOTTOM = 56, 690   # below the search box, above the account bar
SEARCH_Y = 30          # the search box row


class StartWatch:
    """Polls the display from the moment the app is spawned: window viewable → UI shell drawn
    (the search box row is no longer one colour) → `expect` avatars drawn in the lines list."""

    def __init__(self, xs: X, period_s: float = 0.005):
        self.xs = xs
        self.period = period_s

    def avatars_now(self):
        w = self.xs.find_window()
        if not w:
            return None
        _, wx, wy, _, _ = w
        col = self.xs.grab(wx + AVATAR_X, wy + LIST_TOP, 1, LIST_BOTTOM - LIST_TOP)
        return None if col is None else avatar_runs([r[0] for r in col])

    def run(self, t0: float, expect: int, timeout_s: float = 60.0, alive=lambda: True):
        marks = {"window": None, "shell": None, "lines": None, "polls": 0}
        cpu0 = time.process_time()
        win = None
        deadline = t0 + timeout_s
        while time.monotonic() < deadline:
            now = time.monotonic()
            marks["polls"] += 1
            if win is None:
                win = self.xs.find_window()
                if win:
                    marks["window"] = (now - t0) * 1000
                    marks["geometry"] = list(win[1:])
            if win:
                _, wx, wy, _, _ = win
                if marks["shell"] is None:
                    row = self.xs.grab_raw(wx + 12, wy + SEARCH_Y, 294, 1)
                    if row and len({row[0][i:i + 3] for i in range(0, 294 * 4, 8)}) > 1:
                        marks["shell"] = (now - t0) * 1000
                h = LIST_BOTTOM - LIST_TOP
                col = self.xs.grab_raw(wx + AVATAR_X, wy + LIST_TOP, 1, h)
                if col is not None:
                    n = column_runs(col[0], col[1], h)
                    if n >= max(1, expect):
                        marks["lines"] = (now - t0) * 1000
                        marks["avatars"] = n
                        if marks["shell"] is None:
                            marks["shell"] = marks["lines"]
                        marks["probe_cpu_ms"] = (time.process_time() - cpu0) * 1000
                        return marks
            if not alive():
                marks["error"] = "the app exited"
                return marks
            time.sleep(self.period)
        marks["error"] = "timed out"
        return marks
