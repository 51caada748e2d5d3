import { afterEach, describe, expect, it, vi } from "vitest";
import { cssFamilies, followAppearance, type Appearance } from "./theme";

describe("followAppearance", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("takes the shell's word and its changes, and stops following when asked", () => {
    const root = document.createElement("html");
    let push: ((a: Appearance) => void) | null = null;
    const unlisten = vi.fn();
    const matchMedia = vi.fn();
    vi.stubGlobal("matchMedia", matchMedia);
    const stop = followAppearance(
      { dark: true, font: "Cantarell", reduce_motion: false, high_contrast: false },
      (h) => ((push = h), unlisten),
      root,
    );
    expect(root.dataset.theme).toBe("dark");
    expect(root.style.getPropertyValue("--desktop-font")).toBe('"Cantarell"');
    push!({ dark: false, font: "Cantarell", reduce_motion: null, high_contrast: null });
    expect(root.dataset.theme).toBe("light");
    push!({ dark: true, font: "Noto Sans, DejaVu Sans", reduce_motion: null, high_contrast: null });
    expect(root.dataset.theme).toBe("dark");
    expect(root.style.getPropertyValue("--desktop-font")).toBe('"Noto Sans", "DejaVu Sans"');
    // The desktop stops naming a font: the page's own stack again.
    push!({ dark: true, font: null, reduce_motion: null, high_contrast: null });
    expect(root.style.getPropertyValue("--desktop-font")).toBe("");
    expect(matchMedia).not.toHaveBeenCalled();
    stop();
    expect(unlisten).toHaveBeenCalledOnce();
  });

  it("follows prefers-color-scheme when the shell has no word", () => {
    const listeners: ((e: { matches: boolean }) => void)[] = [];
    const query = {
      matches: true,
      addEventListener: (_: string, l: (e: { matches: boolean }) => void) => listeners.push(l),
      removeEventListener: (_: string, l: (e: { matches: boolean }) => void) =>
        listeners.splice(listeners.indexOf(l), 1),
    };
    const matchMedia = vi.fn(() => query);
    vi.stubGlobal("matchMedia", matchMedia);
    const root = document.createElement("html");
    const onShell = vi.fn();
    const stop = followAppearance({ dark: null, font: null, reduce_motion: null, high_contrast: null }, onShell, root);
    expect(matchMedia).toHaveBeenCalledWith("(prefers-color-scheme: dark)");
    expect(onShell).not.toHaveBeenCalled();
    expect(root.dataset.theme).toBe("dark");
    expect(root.style.getPropertyValue("--desktop-font")).toBe("");
    listeners[0]({ matches: false });
    expect(root.dataset.theme).toBe("light");
    stop();
    expect(listeners).toHaveLength(0);
  });

  it("takes a font from the shell while the webview decides light or dark", () => {
    const query = { matches: false, addEventListener: vi.fn(), removeEventListener: vi.fn() };
    vi.stubGlobal("matchMedia", vi.fn(() => query));
    const root = document.createElement("html");
    let push: ((a: Appearance) => void) | null = null;
    const stop = followAppearance({ dark: null, font: "Segoe UI", reduce_motion: null, high_contrast: null }, (h) => ((push = h), () => {}), root);
    expect(root.dataset.theme).toBe("light");
    expect(root.style.getPropertyValue("--desktop-font")).toBe('"Segoe UI"');
    // A shell event never overrides the webview's own light or dark here.
    push!({ dark: true, font: "Segoe UI", reduce_motion: null, high_contrast: null });
    expect(root.dataset.theme).toBe("light");
    stop();
    // Each of the webview's queries (light or dark, contrast, motion) is let go.
    expect(query.removeEventListener).toHaveBeenCalledTimes(3);
  });

  it("reduces motion while the shell says the desktop asks for it", () => {
    const root = document.createElement("html");
    let push: ((a: Appearance) => void) | null = null;
    vi.stubGlobal("matchMedia", vi.fn());
    const stop = followAppearance(
      { dark: false, font: null, reduce_motion: true, high_contrast: false },
      (h) => ((push = h), () => {}),
      root,
    );
    expect(root.dataset.motion).toBe("reduce");
    // Turned back on in the desktop's settings: the page animates again.
    push!({ dark: false, font: null, reduce_motion: false, high_contrast: false });
    expect(root.dataset.motion).toBeUndefined();
    push!({ dark: false, font: null, reduce_motion: true, high_contrast: false });
    expect(root.dataset.motion).toBe("reduce");
    stop();
  });

  it("listens to the shell for motion alone, and leaves motion to the webview without a word", () => {
    const query = { matches: false, addEventListener: vi.fn(), removeEventListener: vi.fn() };
    vi.stubGlobal("matchMedia", vi.fn(() => query));
    const root = document.createElement("html");
    let push: ((a: Appearance) => void) | null = null;
    followAppearance({ dark: null, font: null, reduce_motion: false, high_contrast: null }, (h) => ((push = h), () => {}), root);
    expect(root.dataset.motion).toBeUndefined();
    push!({ dark: null, font: null, reduce_motion: true, high_contrast: null });
    expect(root.dataset.motion).toBe("reduce");

    const plain = document.createElement("html");
    const onShell = vi.fn();
    followAppearance({ dark: null, font: null, reduce_motion: null, high_contrast: null }, onShell, plain);
    expect(onShell).not.toHaveBeenCalled();
    expect(plain.dataset.motion).toBeUndefined();
  });

  it("draws in high contrast while the shell says so, over the webview's word", () => {
    const query = { matches: false, addEventListener: vi.fn(), removeEventListener: vi.fn() };
    const matchMedia = vi.fn(() => query);
    vi.stubGlobal("matchMedia", matchMedia);
    const root = document.createElement("html");
    let push: ((a: Appearance) => void) | null = null;
    followAppearance(
      { dark: false, font: null, reduce_motion: false, high_contrast: true },
      (h) => ((push = h), () => {}),
      root,
    );
    expect(root.dataset.contrast).toBe("more");
    expect(matchMedia).not.toHaveBeenCalled();
    push!({ dark: true, font: null, reduce_motion: false, high_contrast: false });
    expect(root.dataset.contrast).toBeUndefined();
    expect(root.dataset.theme).toBe("dark");
  });

  it("follows prefers-contrast and prefers-reduced-motion when the shell has no word", () => {
    const listeners = new Map<string, (e: { matches: boolean }) => void>();
    vi.stubGlobal(
      "matchMedia",
      vi.fn((q: string) => ({
        matches: q !== "(prefers-color-scheme: dark)",
        addEventListener: (_: string, l: (e: { matches: boolean }) => void) => listeners.set(q, l),
        removeEventListener: () => listeners.delete(q),
      })),
    );
    const root = document.createElement("html");
    const stop = followAppearance(null, null, root);
    expect(root.dataset.contrast).toBe("more");
    expect(root.dataset.motion).toBe("reduce");
    expect(root.dataset.theme).toBe("light");
    listeners.get("(prefers-contrast: more)")!({ matches: false });
    expect(root.dataset.contrast).toBeUndefined();
    listeners.get("(prefers-reduced-motion: reduce)")!({ matches: false });
    expect(root.dataset.motion).toBeUndefined();
    stop();
    expect(listeners.size).toBe(0);
  });

  it("is light where nothing can tell", () => {
    vi.stubGlobal("matchMedia", undefined);
    const root = document.createElement("html");
    followAppearance(null, null, root);
    expect(root.dataset.theme).toBe("light");
  });
});

describe("cssFamilies", () => {
  it("quotes each name and escapes what would end the string", () => {
    expect(cssFamilies("Cantarell")).toBe('"Cantarell"');
    expect(cssFamilies(" Noto Sans ,  Ubuntu ")).toBe('"Noto Sans", "Ubuntu"');
    expect(cssFamilies('Evil"; color: red')).toBe('"Evil\\"; color: red"');
    expect(cssFamilies("Back\\slash")).toBe('"Back\\\\slash"');
  });

  it("leaves out empty names and names with control characters", () => {
    expect(cssFamilies("")).toBeNull();
    expect(cssFamilies(" , ")).toBeNull();
    expect(cssFamilies("Line\nbreak, Ubuntu")).toBe('"Ubuntu"');
  });
});
