#!/usr/bin/python3
"""A tiny GTK3 drag source for end-to-end tests: a window with one button that drags the
file URIs given on the command line (a real XDND drag, as from a file manager).

Usage: drag_source.py X Y FILE... ; prints "ready W H" once the window is mapped."""
import sys
import gi

gi.require_version("Gtk", "3.0")
from gi.repository import Gtk, Gdk, GLib  # noqa: E402

x, y = int(sys.argv[1]), int(sys.argv[2])
uris = [GLib.filename_to_uri(p, None) for p in sys.argv[3:]]

win = Gtk.Window(title="okno-drag-source")
win.set_default_size(160, 120)
win.move(x, y)
button = Gtk.Button(label="drag me")
button.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [], Gdk.DragAction.COPY)
button.drag_source_add_uri_targets()


def on_get(_w, _ctx, data, _info, _time):
    data.set_uris(uris)


button.connect("drag-data-get", on_get)
win.add(button)
win.connect("destroy", Gtk.main_quit)


def announce(*_a):
    alloc = win.get_allocation()
    print(f"ready {alloc.width} {alloc.height}", flush=True)
    return False


win.connect("map-event", lambda *a: GLib.timeout_add(200, announce))
win.show_all()
GLib.timeout_add_seconds(120, Gtk.main_quit)
Gtk.main()
