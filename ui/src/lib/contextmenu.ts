// WebKitGTK offers a browser's context menu on a right click: Back, Forward, Stop and Reload
// on any part of the page (Reload starts the UI afresh), and on links "Open Link in New
// Window" and "Download Linked File", none of which belong in an app. It keeps its menu where
// it helps: in text fields (cut, copy, paste, emoji) and over selected text (copy).

/** Whether a right click on `target` should get the webview's own menu. */
export function wantsNativeMenu(target: EventTarget | null, selection: Selection | null): boolean {
  const el = target instanceof Element ? target : target instanceof Node ? target.parentElement : null;
  if (el?.closest("input, textarea, [contenteditable]:not([contenteditable=false])")) return true;
  if (!selection || selection.isCollapsed || !selection.toString().trim()) return false;
  // Over the selection itself, not anywhere on the page while something stays selected.
  for (let i = 0; i < selection.rangeCount; i++) {
    if (el && selection.getRangeAt(i).intersectsNode(el)) return true;
  }
  return false;
}

/** The page's `contextmenu` handler: suppresses the webview's menu where it does not help. */
export function onContextMenu(e: MouseEvent): void {
  if (!wantsNativeMenu(e.target, typeof window !== "undefined" ? window.getSelection() : null)) e.preventDefault();
}
