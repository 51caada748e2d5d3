#!/usr/bin/python3
"""The floor for the warm start: the smallest WebKitGTK app (a GTK window with one WebView, as
Tauri makes on Linux) showing a static page with two avatars where Okno's lines list draws
them (floor.html, which the empty Tauri window shows too). Timed by the same X probe as the
app (desktop_bench.py, step `floor`). Prints when its own imports are done, so the Python
start can be told apart. Needs the system Python with PyGObject and the WebKit2 4.1 typelib
(what okno-desktop links to).
"""
import os
import sys
import time

t0 = time.monotonic()
import gi  # noqa: E402

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gtk, WebKit2  # noqa: E402

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "floor.html")) as f:
    HTML = f.read()

print(f"imports {1000 * (time.monotonic() - t0):.0f} ms", file=sys.stderr, flush=True)
win = Gtk.Window(title="Okno")
win.set_default_size(1180, 760)
win.connect("destroy", Gtk.main_quit)
view = WebKit2.WebView()
win.add(view)
view.load_html(HTML, "file:///")
win.show_all()
Gtk.main()
