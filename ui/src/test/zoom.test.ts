import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { renderApp, world } from "./world";

const key = (code: string, key: string, extra: Partial<KeyboardEventInit> = {}) =>
  fireEvent.keyDown(window, { code, key, ctrlKey: true, ...extra });

describe("zoom", () => {
  it("Ctrl+= / Ctrl+- / Ctrl+0 step the zoom as browsers do, on any layout, kept by the shell", async () => {
    const w = world();
    await renderApp(w.mb);
    await key("Equal", "=");
    await waitFor(() => expect(w.mb.zoom).toBe(1.1));
    // Ctrl+Shift+= (a "+") and the keypad too.
    await key("Equal", "+", { shiftKey: true });
    await waitFor(() => expect(w.mb.zoom).toBe(1.25));
    await key("NumpadAdd", "+");
    await waitFor(() => expect(w.mb.zoom).toBe(1.5));
    await key("Minus", "-");
    await key("Minus", "-");
    await key("Minus", "-");
    await waitFor(() => expect(w.mb.zoom).toBe(1));
    await key("Minus", "-");
    await waitFor(() => expect(w.mb.zoom).toBe(0.9));
    // A Russian layout: the same keys by their places.
    await key("Digit0", "0");
    await waitFor(() => expect(w.mb.zoom).toBe(1));
    // Alt held: not a zoom key.
    await key("Equal", "=", { altKey: true });
    expect(w.mb.zoom).toBe(1);
  });

  it("Ctrl and the wheel zoom a step at a time; the wheel alone scrolls", async () => {
    const w = world();
    await renderApp(w.mb);
    const wheel = (deltaY: number, ctrlKey = true) => {
      const e = new WheelEvent("wheel", { deltaY, ctrlKey, bubbles: true, cancelable: true });
      window.dispatchEvent(e);
      return e;
    };
    const up = wheel(-100);
    expect(up.defaultPrevented).toBe(true);
    await waitFor(() => expect(w.mb.zoom).toBe(1.1));
    // A fast turn is one step, not one a notch.
    wheel(-100);
    wheel(-100);
    await new Promise((r) => setTimeout(r, 50));
    expect(w.mb.zoom).toBe(1.1);
    await new Promise((r) => setTimeout(r, 200));
    wheel(100);
    await waitFor(() => expect(w.mb.zoom).toBe(1));
    const plain = wheel(100, false);
    expect(plain.defaultPrevented).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(w.mb.zoom).toBe(1);
  });

  it("stops at 200 % and 50 %, works on the sign-in screen, and starts at the zoom kept", async () => {
    const w = world({ signedIn: false });
    w.mb.zoom = 1.75;
    await renderApp(w.mb);
    expect(screen.getByTestId("login-form")).toBeTruthy();
    await key("Equal", "=");
    await waitFor(() => expect(w.mb.zoom).toBe(2));
    await key("Equal", "=");
    expect(w.mb.zoom).toBe(2);
    for (let i = 0; i < 20; i++) await key("Minus", "-");
    await waitFor(() => expect(w.mb.zoom).toBe(0.5));
    await expect(w.mb.setZoom(0.2)).rejects.toMatchObject({ code: "invalid_input" });
    await expect(w.mb.setZoom(2.5)).rejects.toMatchObject({ code: "invalid_input" });
    await expect(w.mb.setZoom(Number.NaN)).rejects.toMatchObject({ code: "invalid_input" });
    expect(w.mb.zoom).toBe(0.5);
  });
});
