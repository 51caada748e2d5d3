#!/usr/bin/python3
"""The floor for the warm start: the smallest WebKitGTK app (a GTK window with one WebView, as
Tauri makes on Linux) showing a static page with two avatars where Okno's lines list draws
them. Timed by the same X probe as the app (desktop_bench.py, step `floor`). Prints when its
own imports are done, so the Python start can be told apart. Needs the system Python with
PyGObject and the WebKit2 4.1 typelib (what okno-desktop links to).
"""
import sys
import time

t0 = time.monotonic()
import gi  # noqa: E402

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gtk, WebKit2  # noqa: E402

AVATAR = ("width:44px;height:44px;border-radius:50%;color:#fff;display:flex;align-items:center;"
          "justify-content:center;font-weight:600;margin:0 0 17px 18px;background:{}")
HTML = f"""<!doctype html><html><body style="margin:0;font:14px sans-serif;background:#edf0f5">
<div style="width:320px;height:760px;background:#fff;padding-top:68px;box-sizing:border-box">
<div style="{AVATAR.format('#4caf6a')}">HQ</div><div style="{AVATAR.format('#3d8fe0')}">IS</div>
</div></body></html>"""

print(f"imports {1000 * (time.monotonic() - t0):.0f} ms", file=sys.stderr, flush=True)
win = Gtk.Window(title="Okno")
win.set_default_size(1180, 760)
win.connect("destroy", Gtk.main_quit)
view = WebKit2.WebView()
win.add(view)
view.load_html(HTML, "file:///")
win.show_all()
Gtk.main()
