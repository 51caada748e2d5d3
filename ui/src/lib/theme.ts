/** Light or dark (`data-theme` on the root element), high contrast (`data-contrast="more"`),
 * the desktop's interface font (the `--desktop-font` property on it) and reduced motion
 * (`data-motion="reduce"`), which app.css reads.
 *
 * The desktop shell decides where the webview cannot (WebKitGTK on Linux: see ARCHITECTURE.md,
 * "Light, dark and the font on Linux") and then tells the page at start and on every change;
 * with no word from the shell (`null`s: other platforms, a plain browser) the page follows the
 * webview's `prefers-color-scheme`, `prefers-contrast`, `prefers-reduced-motion` and its own
 * `system-ui`. */

/** What the shell says of the desktop (the `appearance` command and event). */
export interface Appearance {
  dark: boolean | null;
  /** A family name, or several separated by commas (Pango's form). */
  font: string | null;
  /** The desktop asks for no animations (GTK's `gtk-enable-animations` off). */
  reduce_motion: boolean | null;
  /** The desktop asks for high contrast. */
  high_contrast: boolean | null;
}

/** A CSS font-family list from the shell's family names, each quoted; `null` if none is left. */
export function cssFamilies(font: string): string | null {
  const names = font
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n && !/[\u0000-\u001f\u007f]/.test(n));
  return names.length ? names.map((n) => `"${n.replace(/["\\]/g, "\\$&")}"`).join(", ") : null;
}

/** Applies the shell's appearance and follows its changes; returns a function that stops. */
export function followAppearance(
  shell: Appearance | null,
  onShellChange: ((handler: (a: Appearance) => void) => () => void) | null,
  root: HTMLElement = document.documentElement,
): () => void {
  const setDark = (dark: boolean) => {
    root.dataset.theme = dark ? "dark" : "light";
  };
  const setFont = (font: string | null) => {
    const list = font ? cssFamilies(font) : null;
    if (list) root.style.setProperty("--desktop-font", list);
    else root.style.removeProperty("--desktop-font");
  };
  /** Sets `data-<key>="<value>"` on the root while on, removes it while off. */
  const flag = (key: "contrast" | "motion", value: string) => (on: boolean) => {
    if (on) root.dataset[key] = value;
    else delete root.dataset[key];
  };
  const setContrast = flag("contrast", "more");
  const setMotion = flag("motion", "reduce");
  const stops: (() => void)[] = [];
  // Dark, high contrast and reduced motion each: the shell's word where it has one (then its
  // changes), else the webview's media query, followed live, else off.
  const decide = (word: boolean | null | undefined, query: string, set: (on: boolean) => void) => {
    if (word != null) return set(word);
    if (typeof matchMedia !== "function") return set(false);
    const q = matchMedia(query);
    set(q.matches);
    const changed = (e: MediaQueryListEvent) => set(e.matches);
    q.addEventListener("change", changed);
    stops.push(() => q.removeEventListener("change", changed));
  };
  const shellDecides = {
    dark: shell?.dark != null,
    contrast: shell?.high_contrast != null,
    motion: shell?.reduce_motion != null,
  };
  setFont(shell?.font ?? null);
  if (
    shell &&
    onShellChange &&
    (shellDecides.dark || shellDecides.contrast || shellDecides.motion || shell.font !== null)
  ) {
    stops.push(
      onShellChange((a) => {
        if (shellDecides.dark && a.dark != null) setDark(a.dark);
        if (shellDecides.contrast && a.high_contrast != null) setContrast(a.high_contrast);
        if (shellDecides.motion && a.reduce_motion != null) setMotion(a.reduce_motion);
        setFont(a.font);
      }),
    );
  }
  decide(shell?.dark, "(prefers-color-scheme: dark)", setDark);
  decide(shell?.high_contrast, "(prefers-contrast: more)", setContrast);
  decide(shell?.reduce_motion, "(prefers-reduced-motion: reduce)", setMotion);
  return () => stops.forEach((stop) => stop());
}
