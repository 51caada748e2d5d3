/** Light or dark, on the root element (`data-theme`), which app.css reads.
 *
 * The desktop shell decides where the webview cannot (WebKitGTK on Linux: see ARCHITECTURE.md,
 * "Light and dark on Linux") and then tells the page at start and on every change; with no word
 * from the shell (`null`: other platforms, a plain browser) the page follows the webview's
 * `prefers-color-scheme`. Returns a function that stops following. */
export function followTheme(
  shell: boolean | null,
  onShellChange: ((handler: (dark: boolean) => void) => () => void) | null,
  root: HTMLElement = document.documentElement,
): () => void {
  const set = (dark: boolean) => {
    root.dataset.theme = dark ? "dark" : "light";
  };
  if (shell !== null && onShellChange) {
    set(shell);
    return onShellChange(set);
  }
  if (typeof matchMedia !== "function") {
    set(false);
    return () => {};
  }
  const query = matchMedia("(prefers-color-scheme: dark)");
  set(query.matches);
  const changed = (e: MediaQueryListEvent) => set(e.matches);
  query.addEventListener("change", changed);
  return () => query.removeEventListener("change", changed);
}
