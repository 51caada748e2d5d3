import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { setLang } from "../lib/i18n";
import { renderApp, world } from "../test/world";

describe("settings", () => {
  it("turns starting at login on and off", async () => {
    const w = world({ signedIn: true });
    await renderApp(w.mb);
    await fireEvent.click(await screen.findByTestId("settings"));
    const item = await screen.findByTestId("setting-autostart");
    expect(item.textContent).toContain("Start Okno at login");
    expect(item.getAttribute("aria-checked")).toBe("false");

    await fireEvent.click(item);
    await waitFor(() => expect(item.getAttribute("aria-checked")).toBe("true"));
    expect((await w.mb.autostart()).enabled).toBe(true);

    await fireEvent.click(item);
    await waitFor(() => expect(item.getAttribute("aria-checked")).toBe("false"));
    expect((await w.mb.autostart()).enabled).toBe(false);

    // Esc closes the menu.
    await fireEvent.keyDown(window, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("settings-menu")).toBeNull());
  });

  it("shows what the desktop changed meanwhile when opened again", async () => {
    const w = world({ signedIn: true });
    await renderApp(w.mb);
    await fireEvent.click(await screen.findByTestId("settings"));
    expect((await screen.findByTestId("setting-autostart")).getAttribute("aria-checked")).toBe("false");
    await fireEvent.click(screen.getByTestId("settings"));
    // The user turned it on in the desktop's own startup settings.
    w.mb.loginStart = { supported: true, enabled: true };
    await fireEvent.click(screen.getByTestId("settings"));
    await waitFor(() => expect(screen.getByTestId("setting-autostart").getAttribute("aria-checked")).toBe("true"));
  });

  it("says why a change failed and keeps the state", async () => {
    const w = world({ signedIn: true });
    await renderApp(w.mb);
    w.mb.setAutostart = async () => {
      throw { code: "io", message: "cannot write ~/.config/autostart/Okno.desktop: read-only" };
    };
    await fireEvent.click(await screen.findByTestId("settings"));
    await fireEvent.click(await screen.findByTestId("setting-autostart"));
    expect((await screen.findByTestId("settings-error")).textContent).toBe(
      "Could not change it: Cannot read or write Okno's data on this computer.",
    );
    expect(screen.getByTestId("setting-autostart").getAttribute("aria-checked")).toBe("false");
  });

  it("is not offered where the system has no such setting", async () => {
    const w = world({ signedIn: true });
    w.mb.loginStart = { supported: false, enabled: false };
    await renderApp(w.mb);
    await screen.findByTestId("lines-list");
    await screen.findByTestId("sign-out");
    expect(screen.queryByTestId("settings")).toBeNull();
    await expect(w.mb.setAutostart(true)).rejects.toMatchObject({ code: "unsupported" });
  });

  it("speaks Russian", async () => {
    setLang("ru");
    try {
      const w = world({ signedIn: true });
      await renderApp(w.mb);
      await fireEvent.click(await screen.findByTestId("settings"));
      expect((await screen.findByTestId("setting-autostart")).textContent).toContain("Запускать Окно при входе в систему");
      expect(screen.getByTestId("settings").getAttribute("aria-label")).toBe("Настройки");
    } finally {
      setLang("en");
    }
  });
});
