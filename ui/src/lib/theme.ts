/** Light or dark (`data-theme` on the root element), high contrast (`data-contrast="more"`),
 * the desktop's interface font (the `--desktop-font` property on it) and reduced motion
 * (`data-motion="reduce"`), which app.css reads.
 *
 * The desktop shell decides where the webview cannot (WebKitGTK on Linux: see ARCHITECTURE.md,
 * "Light, dark and the font on Linux") and then tells the page at start and on every change;
 * with no word from the shell (`null`s: other platforms, a plain browser) the page follows the
 * webview's `prefers-color-scheme`, `prefers-contrast` and its own `system-ui`. The webview's
 * `prefers-reduced-motion` is honoured in any case; the shell's word adds to it. */

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
  const setContrast = (more: boolean) => {
    if (more) root.dataset.contrast = "more";
    else delete root.dataset.contrast;
  };
  const setMotion = (reduce: boolean | null | undefined) => {
    if (reduce) root.dataset.motion = "reduce";
    else delete root.dataset.motion;
  };
  const stops: (() => void)[] = [];
  const shellDecidesDark = shell?.dark != null;
  const shellDecidesContrast = shell?.high_contrast != null;
  setFont(shell?.font ?? null);
  setMotion(shell?.reduce_motion);
  if (
    shell &&
    onShellChange &&
    (shell.dark !== null ||
      shell.font !== null ||
      shell.reduce_motion != null ||
      shell.high_contrast != null)
  ) {
    stops.push(
      onShellChange((a) => {
        if (shellDecidesDark && a.dark !== null) setDark(a.dark);
        if (shellDecidesContrast && a.high_contrast != null) setContrast(a.high_contrast);
        setFont(a.font);
        setMotion(a.reduce_motion);
      }),
    );
  }
  if (shellDecidesDark) {
    setDark(shell!.dark!);
  } else if (typeof matchMedia !== "function") {
    setDark(false);
  } else {
    const query = matchMedia("(prefers-color-scheme: dark)");
    setDark(query.matches);
    const changed = (e: MediaQueryListEvent) => setDark(e.matches);
    query.addEventListener("change", changed);
    stops.push(() => query.removeEventListener("change", changed));
  }
  if (shellDecidesContrast) {
    setContrast(shell!.high_contrast!);
  } else if (typeof matchMedia === "function") {
    const query = matchMedia("(prefers-contrast: more)");
    setContrast(query.matches);
    const changed = (e: MediaQueryListEvent) => setContrast(e.matches);
    query.addEventListener("change", changed);
    stops.push(() => query.removeEventListener("change", changed));
  }
  return () => stops.forEach((stop) => stop());
}
