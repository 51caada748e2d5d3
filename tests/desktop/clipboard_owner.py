#!/usr/bin/python3
"""Owns the X clipboard for end-to-end tests, as an app does after "Copy": an image (like a
screenshot tool or "Copy image" in a browser) or files (like "Copy" in a file manager: their
URIs, and their paths as text).

Usage: clipboard_owner.py image PNG | clipboard_owner.py files FILE... ; prints "ready" once
the clipboard is set, and serves it until killed (two minutes at most)."""
import sys
import gi

gi.require_version("Gtk", "3.0")
from gi.repository import Gtk, Gdk, GdkPixbuf, GLib  # noqa: E402

mode, args = sys.argv[1], sys.argv[2:]
clipboard = Gtk.Clipboard.get(Gdk.SELECTION_CLIPBOARD)
if mode == "image":
    clipboard.set_image(GdkPixbuf.Pixbuf.new_from_file(args[0]))
else:
    # Gtk.Clipboard.set_with_data is not callable from Python: own the selection with a widget.
    uris = [GLib.filename_to_uri(p, None) for p in args]
    owner = Gtk.Invisible()
    for info, target in enumerate(["text/uri-list", "UTF8_STRING", "text/plain;charset=utf-8"]):
        Gtk.selection_add_target(owner, Gdk.SELECTION_CLIPBOARD, Gdk.Atom.intern(target, False), info)

    def get(_owner, data, info, _time):
        if info == 0:
            data.set_uris(uris)
        else:
            data.set_text("\n".join(args), -1)

    owner.connect("selection-get", get)
    Gtk.selection_owner_set(owner, Gdk.SELECTION_CLIPBOARD, Gdk.CURRENT_TIME)
print("ready", flush=True)
GLib.timeout_add_seconds(120, Gtk.main_quit)
Gtk.main()
