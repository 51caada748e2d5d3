import { afterEach, describe, expect, it, vi } from "vitest";
import { followTheme } from "./theme";

describe("followTheme", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("takes the shell's word and its changes, and stops following when asked", () => {
    const root = document.createElement("html");
    let push: ((dark: boolean) => void) | null = null;
    const unlisten = vi.fn();
    const stop = followTheme(true, (h) => ((push = h), unlisten), root);
    expect(root.dataset.theme).toBe("dark");
    push!(false);
    expect(root.dataset.theme).toBe("light");
    push!(true);
    expect(root.dataset.theme).toBe("dark");
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
    const stop = followTheme(null, onShell, root);
    expect(matchMedia).toHaveBeenCalledWith("(prefers-color-scheme: dark)");
    expect(onShell).not.toHaveBeenCalled();
    expect(root.dataset.theme).toBe("dark");
    listeners[0]({ matches: false });
    expect(root.dataset.theme).toBe("light");
    stop();
    expect(listeners).toHaveLength(0);
  });

  it("is light where nothing can tell", () => {
    vi.stubGlobal("matchMedia", undefined);
    const root = document.createElement("html");
    followTheme(null, null, root);
    expect(root.dataset.theme).toBe("light");
  });
});
