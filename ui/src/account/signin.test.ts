import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { renderApp, world } from "../test/world";

describe("sign-in", () => {
  it("shows the form when signed out; errors come from the backend", async () => {
    const w = world({ signedIn: false });
    await renderApp(w.mb);
    expect(screen.getByTestId("login-form")).toBeTruthy();
    expect((screen.getByTestId("login-server") as HTMLInputElement).placeholder).toBe("Built-in demo server");

    await fireEvent.input(screen.getByTestId("login-name"), { target: { value: "user" } });
    await fireEvent.input(screen.getByTestId("login-password"), { target: { value: "wrong" } });
    await fireEvent.click(screen.getByTestId("login-submit"));
    expect((await screen.findByTestId("login-error")).textContent).toBe("Wrong login or password.");
    expect((screen.getByTestId("login-password") as HTMLInputElement).value).toBe("");

    await fireEvent.input(screen.getByTestId("login-server"), { target: { value: "not a url" } });
    await fireEvent.input(screen.getByTestId("login-password"), { target: { value: "okno-demo" } });
    await fireEvent.click(screen.getByTestId("login-submit"));
    await waitFor(() => expect(screen.getByTestId("login-error").textContent).toBe("Enter the server's address like https://okno.example.com"));
    // The password never reached a server: it stays for the next try.
    expect((screen.getByTestId("login-password") as HTMLInputElement).value).toBe("okno-demo");
  });

  it("signs in to the built-in server when the address is empty, and signs out", async () => {
    const w = world({ signedIn: false });
    await renderApp(w.mb);
    await fireEvent.input(screen.getByTestId("login-name"), { target: { value: "user" } });
    await fireEvent.input(screen.getByTestId("login-password"), { target: { value: "okno-demo" } });
    await fireEvent.submit(screen.getByTestId("login-form"));
    await screen.findByTestId("lines-list");
    expect((await w.mb.info()).server_url).toBeNull();
    await waitFor(() => expect(screen.getAllByTestId("line-item").length).toBe(5));

    await fireEvent.click(screen.getByTestId("sign-out"));
    await screen.findByTestId("login-form");
    expect((await w.mb.info()).me).toBeNull();
  });

  // Typed without a scheme, a server means HTTPS, except one on this computer: plain HTTP.
  it.each([
    [" okno.example.com/ ", "https://okno.example.com"],
    ["127.0.0.1:18555", "http://127.0.0.1:18555"],
  ])("a server typed as %j is reached at %s", async (typed, url) => {
    const w = world({ signedIn: false });
    await renderApp(w.mb);
    await fireEvent.input(screen.getByTestId("login-server"), { target: { value: typed } });
    await fireEvent.input(screen.getByTestId("login-name"), { target: { value: "user" } });
    await fireEvent.input(screen.getByTestId("login-password"), { target: { value: "okno-demo" } });
    await fireEvent.submit(screen.getByTestId("login-form"));
    await screen.findByTestId("lines-list");
    expect((await w.mb.info()).server_url).toBe(url);
  });

  it("with a server of its own the form starts with that server and offers no demo", async () => {
    // The shell runs no built-in server when one is configured; signed out, it says which.
    const w = world({ embedded: false });
    w.mb.signInAs("user", "https://okno.example.com");
    await renderApp(w.mb);
    await screen.findByTestId("lines-list");
    await fireEvent.click(screen.getByTestId("sign-out"));
    await screen.findByTestId("login-form");
    const field = screen.getByTestId("login-server") as HTMLInputElement;
    expect(field.value).toBe("https://okno.example.com");
    expect(screen.queryByTestId("login-demo-hint")).toBeNull();
    await fireEvent.input(field, { target: { value: "" } });
    expect(field.placeholder).toBe("https://okno.example.com");
    expect(screen.queryByTestId("login-demo-hint")).toBeNull();
    expect(screen.queryByText("Leave empty to use the built-in demo server.")).toBeNull();
  });

  it("with the built-in server the form starts empty and names the demo accounts", async () => {
    const w = world({ signedIn: false });
    await renderApp(w.mb);
    const field = screen.getByTestId("login-server") as HTMLInputElement;
    expect(field.value).toBe("");
    expect(screen.getByTestId("login-demo-hint").textContent).toContain("okno-demo");
  });

  it("too many attempts count down to the next try", async () => {
    const w = world({ signedIn: false });
    await renderApp(w.mb);
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      w.mb.login = async () => {
        throw { code: "rate_limited", message: "too many attempts; try again in 3 s", retry_after: 3 };
      };
      await fireEvent.input(screen.getByTestId("login-name"), { target: { value: "user" } });
      await fireEvent.input(screen.getByTestId("login-password"), { target: { value: "okno-demo" } });
      await fireEvent.click(screen.getByTestId("login-submit"));
      await waitFor(() => expect(screen.getByTestId("login-error").textContent).toBe("Too many attempts. Try again in 3 s."));
      await vi.advanceTimersByTimeAsync(1000);
      expect(screen.getByTestId("login-error").textContent).toBe("Too many attempts. Try again in 2 s.");
      await vi.advanceTimersByTimeAsync(2000);
      await waitFor(() => expect(screen.queryByTestId("login-error")).toBeNull());
      // The password stays for the next try.
      expect((screen.getByTestId("login-password") as HTMLInputElement).value).toBe("okno-demo");
    } finally {
      vi.useRealTimers();
    }
  });

  it("says why a sign-out failed and stays signed in", async () => {
    const w = world({ signedIn: true });
    await renderApp(w.mb);
    await screen.findByTestId("lines-list");
    w.mb.logout = async () => {
      throw { code: "cache", message: "the cache could not be cleared" };
    };
    await fireEvent.click(screen.getByTestId("sign-out"));
    expect((await screen.findByTestId("sign-out-error")).textContent).toBe(
      "Could not sign out: Cannot read or write Okno's data on this computer.",
    );
    expect(screen.getByTestId("lines-list")).toBeTruthy();
    expect(screen.queryByTestId("login-form")).toBeNull();
  });

  it("asks before signing out would lose messages not sent yet", async () => {
    const w = world({ signedIn: true });
    await renderApp(w.mb);
    await fireEvent.click(await screen.findByText("IT Help Desk"));
    const input = (await screen.findByTestId("composer-input")) as HTMLTextAreaElement;
    await fireEvent.input(input, { target: { value: "written on the train" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => expect(w.mb.sent).toHaveLength(1));

    // Still in the outbox: the dialog asks; Cancel keeps the account and the message.
    await fireEvent.click(screen.getByTestId("sign-out"));
    const dialog = await screen.findByRole("alertdialog");
    expect(dialog.textContent).toContain("Sign out with unsent messages?");
    await fireEvent.click(screen.getByTestId("cancel-dialog"));
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
    expect((await w.mb.info()).me).not.toBeNull();
    expect(screen.getByTestId("lines-list")).toBeTruthy();

    // Asked again, the user signs out anyway: the message goes with the account.
    await fireEvent.click(screen.getByTestId("sign-out"));
    await fireEvent.click(await screen.findByTestId("confirm-sign-out"));
    await screen.findByTestId("login-form");
    expect((await w.mb.info()).me).toBeNull();

    // Delivered messages leave nothing to ask about.
    await fireEvent.input(screen.getByTestId("login-name"), { target: { value: "user" } });
    await fireEvent.input(screen.getByTestId("login-password"), { target: { value: "okno-demo" } });
    await fireEvent.submit(screen.getByTestId("login-form"));
    await screen.findByTestId("lines-list");
    await fireEvent.click(screen.getByTestId("sign-out"));
    await screen.findByTestId("login-form");
    expect(screen.queryByRole("alertdialog")).toBeNull();
  });

  it("asks for a login and password before calling the backend", async () => {
    const w = world({ signedIn: false });
    await renderApp(w.mb);
    await fireEvent.click(screen.getByTestId("login-submit"));
    expect((await screen.findByTestId("login-error")).textContent).toBe("Enter your login and password.");
  });
});
