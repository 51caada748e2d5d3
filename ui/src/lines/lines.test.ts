import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { setLang } from "../lib/i18n";
import { byTestId, lineItem, renderApp, world } from "../test/world";

describe("lines list", () => {
  it("keeps the backend's order and shows ring, unread and pending", async () => {
    const w = world();
    await renderApp(w.mb);
    const expected = (await w.mb.lines()).map((l) => String(l.line.id));
    const rows = screen.getAllByTestId("line-item");
    expect(rows.map((r) => r.dataset.lineId)).toEqual(expected);
    // Lines with messages first, newest first; then the rest.
    expect(expected.slice(0, 2)).toEqual([String(w.lines.it.id), String(w.lines.acct.id)]);

    const it = rows.find((r) => r.dataset.lineId === String(w.lines.it.id))!;
    expect(it.dataset.openTicket).toBe("true");
    expect(it.dataset.state).toBe("active");
    expect(it.dataset.chatId).toBe(String(w.chats.it));
    expect(it.dataset.unread).toBe("2");
    expect(it.querySelector("[data-testid=unread-badge]")!.textContent).toBe("2");
    expect(it.querySelector(".ring")).not.toBeNull();

    const acct = rows.find((r) => r.dataset.lineId === String(w.lines.acct.id))!;
    expect(acct.dataset.openTicket).toBe("false");
    expect(acct.querySelector(".ring")).toBeNull();
    expect(acct.querySelector("[data-testid=unread-badge]")).toBeNull();

    const vpn = rows.find((r) => r.dataset.lineId === String(w.lines.vpn.id))!;
    expect(vpn.dataset.state).toBe("pending");
    expect(vpn.querySelector("[data-testid=pending-badge]")).not.toBeNull();
  });

  it("re-reads on events: a new message moves its line to the top", async () => {
    const w = world();
    await renderApp(w.mb);
    w.mb.receive(w.chats.quiet, "Hello from the quiet line");
    await waitFor(() => expect(screen.getAllByTestId("line-item")[0].dataset.lineId).toBe(String(w.lines.quiet.id)));
    expect(screen.getAllByTestId("line-item")[0].dataset.unread).toBe("1");
  });

  it("shows the sync state and the offline banner", async () => {
    const w = world();
    await renderApp(w.mb);
    // The connection's words, apart from a specialist's presence (Online, Away, Offline).
    expect(screen.getByTestId("sync-state").dataset.state).toBe("online");
    expect(screen.getByTestId("sync-state").textContent).toBe("Connected");
    expect(screen.queryByTestId("offline-banner")).toBeNull();
    w.mb.setSyncState("offline");
    await waitFor(() => expect(screen.getByTestId("offline-banner")).toBeTruthy());
    expect(screen.getByTestId("sync-state").dataset.state).toBe("offline");
    expect(screen.getByTestId("sync-state").textContent).toBe("No connection");
    // Each reconnect attempt leaves the banner as it was: it does not blink with the attempts.
    w.mb.setSyncState("connecting");
    await waitFor(() => expect(screen.getByTestId("sync-state").dataset.state).toBe("connecting"));
    expect(screen.getByTestId("offline-banner").textContent).toContain("No connection");
    w.mb.setSyncState("online");
    await waitFor(() => expect(screen.queryByTestId("offline-banner")).toBeNull());
  });

  it("says why it is offline when the person or an administrator can act on it, in both languages", async () => {
    const w = world();
    await renderApp(w.mb);
    const banner = async () => (await screen.findByTestId("offline-banner")) as HTMLElement;
    w.mb.setSyncState("offline", { code: "proxy_auth_required", message: "the proxy asks for a user name and password" });
    expect((await banner()).textContent).toContain("the network's proxy asks for a user name and password");
    expect((await banner()).dataset.reason).toBe("proxy_auth_required");
    expect(screen.getByTestId("sync-state").title).toContain("Ask your administrator");
    // The reconnect attempts keep the reason; the next failure may bring another one.
    w.mb.setSyncState("connecting");
    await waitFor(() => expect(screen.getByTestId("sync-state").dataset.state).toBe("connecting"));
    expect((await banner()).dataset.reason).toBe("proxy_auth_required");
    w.mb.setSyncState("offline", { code: "untrusted_certificate", message: "invalid peer certificate: UnknownIssuer" });
    await waitFor(async () => expect((await banner()).textContent).toContain("does not trust the server's certificate"));
    // A plain network failure says only that the connection is gone.
    w.mb.setSyncState("connecting");
    w.mb.setSyncState("offline", { code: "offline", message: "connection refused" });
    await waitFor(async () => expect((await banner()).dataset.reason).toBe("offline"));
    expect((await banner()).textContent!.trim()).toBe("No connection. Messages will be sent when it is back.");
    w.mb.setSyncState("online");
    await waitFor(() => expect(screen.queryByTestId("offline-banner")).toBeNull());
  });

  it("opened while offline for a reason, says it at once (the shell's info carries it)", async () => {
    setLang("ru");
    try {
      const w = world();
      w.mb.setSyncState("offline", { code: "proxy_refused", message: "the proxy refused the connection (403)" });
      await renderApp(w.mb);
      const banner = await screen.findByTestId("offline-banner");
      expect(banner.textContent).toContain("прокси-сервер сети не пропускает Окно");
    } finally {
      setLang("en");
    }
  });

  it("when the server ends the session, the same account signs in again and keeps the open chat and what waits to be sent", async () => {
    const w = world({ embedded: false });
    w.mb.signInAs("user", "https://okno.example.com");
    await renderApp(w.mb);
    await fireEvent.click(lineItem(w.lines.it.id)!);
    const input = (await screen.findByTestId("composer-input")) as HTMLTextAreaElement;
    w.mb.endSession();
    const banner = await screen.findByTestId("offline-banner");
    expect(banner.textContent).toContain("The server ended this session.");
    expect(screen.getByTestId("sync-state").textContent).toBe("Session ended");
    // Written meanwhile: waits, as sending.
    await fireEvent.input(input, { target: { value: "written while signed out" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => expect(screen.getAllByTestId("message").at(-1)!.dataset.status).toBe("sending"));

    await fireEvent.click(screen.getByTestId("sign-in-again"));
    const dialog = await screen.findByTestId("sign-in-again-dialog");
    expect(screen.getByTestId("sign-in-again-who").textContent!.trim()).toBe("user on https://okno.example.com");
    await fireEvent.input(screen.getByTestId("sign-in-again-password"), { target: { value: "not it" } });
    await fireEvent.submit(dialog);
    await waitFor(() => expect(screen.getByTestId("dialog-error").textContent).toBe("Wrong login or password."));
    expect((screen.getByTestId("sign-in-again-password") as HTMLInputElement).value).toBe("");
    await fireEvent.input(screen.getByTestId("sign-in-again-password"), { target: { value: "okno-demo" } });
    await fireEvent.submit(dialog);
    await waitFor(() => expect(screen.queryByTestId("sign-in-again-dialog")).toBeNull());
    await waitFor(() => expect(screen.queryByTestId("offline-banner")).toBeNull());
    // Nothing was reset: the same chat, the message still there, on its way.
    expect(screen.getByTestId("chat")).toBeTruthy();
    expect(screen.getAllByTestId("message").at(-1)!.textContent).toContain("written while signed out");
    expect(screen.queryByTestId("login-form")).toBeNull();
    expect((await w.mb.info()).server_url).toBe("https://okno.example.com");
  });

  it("says in Russian that the server ended the session", async () => {
    setLang("ru");
    const w = world();
    await renderApp(w.mb);
    w.mb.endSession();
    const banner = await screen.findByTestId("offline-banner");
    expect(banner.textContent).toContain("Сервер завершил этот сеанс.");
    expect(screen.getByTestId("sign-in-again").textContent).toBe("Войти снова");
    await fireEvent.click(screen.getByTestId("sign-in-again"));
    expect(screen.getByTestId("sign-in-again-who").textContent!.trim()).toBe("user на встроенном демо-сервере");
  });

  it("shows each line's newest message under its name, and its company where there is none", async () => {
    const w = world();
    await renderApp(w.mb);
    const preview = (line: number) => lineItem(line)!.querySelector("[data-testid=line-preview]")?.textContent ?? null;
    expect(preview(w.lines.it.id)).toBe("Did it help?");
    expect(preview(w.lines.acct.id)).toBe("Fixed in 3.2");
    expect(preview(w.lines.quiet.id)).toBeNull();
    expect(lineItem(w.lines.quiet.id)!.textContent).toContain("Okno Demo");
    expect(lineItem(w.lines.vpn.id)!.textContent).toContain("Okno Demo");
    // The row's tooltip keeps the company of a line showing its message.
    expect(lineItem(w.lines.acct.id)!.title).toBe("Accounting — Acme Cloud");

    w.mb.receive(w.chats.quiet, "Hello from the quiet line");
    await waitFor(() => expect(preview(w.lines.quiet.id)).toBe("Hello from the quiet line"));
    await w.mb.send(w.chats.it, "Works now,\nthank you", []);
    w.mb.deliverAll();
    await waitFor(() => expect(preview(w.lines.it.id)).toBe("You: Works now, thank you"));
    // Writing to a line without an open ticket registers one: its notice is the newest message.
    await w.mb.send(w.chats.acct, "The import fails again", []);
    w.mb.deliverAll();
    await waitFor(() => expect(preview(w.lines.acct.id)).toMatch(/^Ticket #\d+ was registered outside working hours/));

    // Search mode lists lines by name and owner: the company, not the message.
    await fireEvent.click(screen.getByTestId("search-input"));
    await waitFor(() => expect(screen.getByTestId("search-results")).toBeTruthy());
    const found = lineItem(w.lines.acct.id)!;
    expect(found.querySelector("[data-testid=line-preview]")).toBeNull();
    expect(found.textContent).toContain("Acme Cloud");
  });

  it("Alt+↓ and Alt+↑ walk the lines list, from the composer too, and stop at its ends", async () => {
    const w = world();
    await renderApp(w.mb);
    const order = () => screen.getAllByTestId("line-item").map((r) => r.dataset.lineId);
    const selected = () => document.querySelector<HTMLElement>("[data-testid=line-item][aria-current=true]")?.dataset.lineId;
    const ids = order();
    expect(ids.length).toBeGreaterThan(2);
    await fireEvent.keyDown(window, { key: "ArrowDown", altKey: true });
    await waitFor(() => expect(selected()).toBe(ids[0]));
    await waitFor(() => expect(screen.getByTestId("chat")).toBeTruthy());
    const input = screen.getByTestId("composer-input");
    await fireEvent.keyDown(input, { key: "ArrowDown", altKey: true });
    await waitFor(() => expect(selected()).toBe(ids[1]));
    await fireEvent.keyDown(window, { key: "ArrowUp", altKey: true });
    await waitFor(() => expect(selected()).toBe(ids[0]));
    // At the top it stays; without Alt the arrows are the page's.
    await fireEvent.keyDown(window, { key: "ArrowUp", altKey: true });
    await fireEvent.keyDown(window, { key: "ArrowDown" });
    await new Promise((r) => setTimeout(r, 50));
    expect(selected()).toBe(ids[0]);
  });

  it("shows the reader's send still on its way in its line, first in the list; a failed one marked until retried", async () => {
    const w = world();
    await renderApp(w.mb);
    const shown = () => lineItem(w.lines.quiet.id)!.querySelector<HTMLElement>("[data-testid=line-preview]");
    const first = () => screen.getAllByTestId("line-item")[0].dataset.lineId;
    expect(first()).not.toBe(String(w.lines.quiet.id));
    const id = await w.mb.send(w.chats.quiet, "Is anyone\nthere?", []);
    await waitFor(() => expect(shown()?.textContent).toBe("You: Is anyone there?"));
    expect(shown()!.dataset.outboxState).toBe("sending");
    expect(shown()!.querySelector("[aria-label]")!.getAttribute("aria-label")).toBe("Sending…");
    expect(first()).toBe(String(w.lines.quiet.id));

    w.mb.failSends("The line does not take messages now");
    w.mb.deliverAll();
    await waitFor(() => expect(shown()!.dataset.outboxState).toBe("failed"));
    expect(shown()!.querySelector("[aria-label]")!.getAttribute("aria-label")).toBe("Not sent");
    expect(first()).toBe(String(w.lines.quiet.id));

    w.mb.failSends(null);
    await w.mb.retry(id);
    await waitFor(() => expect(shown()!.dataset.outboxState).toBe("sending"));
    w.mb.deliverAll();
    // Delivered, it is the line's newest message like any other.
    await waitFor(() => expect(shown()!.dataset.outboxState).toBeUndefined());
    expect(shown()!.textContent).toMatch(/^You: Is anyone there\?$|^Ticket #\d+/);
    expect(shown()!.querySelector("[aria-label]")).toBeNull();
  });

  it("shows a draft left in a line's composer in place of its message, and unread lines darker", async () => {
    const w = world();
    await renderApp(w.mb);
    expect(lineItem(w.lines.it.id)!.classList.contains("has-unread")).toBe(true);
    expect(lineItem(w.lines.acct.id)!.classList.contains("has-unread")).toBe(false);
    await fireEvent.click(lineItem(w.lines.acct.id)!);
    const input = await screen.findByTestId("composer-input");
    await fireEvent.input(input, { target: { value: "Half  a\nthought" } });
    // Not while its chat is open: the composer shows it.
    expect(lineItem(w.lines.acct.id)!.querySelector("[data-testid=line-draft]")).toBeNull();
    await fireEvent.click(lineItem(w.lines.it.id)!);
    await waitFor(() => expect(lineItem(w.lines.acct.id)!.querySelector("[data-testid=line-draft]")?.textContent).toBe("Draft: Half a thought"));
    expect(lineItem(w.lines.acct.id)!.querySelector("[data-testid=line-preview]")).toBeNull();
    // Back in the chat the draft is in the composer; emptied, the message shows again.
    await fireEvent.click(lineItem(w.lines.acct.id)!);
    const again = (await screen.findByTestId("composer-input")) as HTMLTextAreaElement;
    expect(again.value).toBe("Half  a\nthought");
    await fireEvent.input(again, { target: { value: "" } });
    await fireEvent.click(lineItem(w.lines.it.id)!);
    await waitFor(() => expect(lineItem(w.lines.acct.id)!.querySelector("[data-testid=line-preview]")?.textContent).toBe("Fixed in 3.2"));
  });

  it("keeps a draft across a restart; emptied (or sent), it is gone at once", async () => {
    const w = world();
    const first = await renderApp(w.mb);
    await fireEvent.click(lineItem(w.lines.acct.id)!);
    const input = await screen.findByTestId("composer-input");
    await fireEvent.input(input, { target: { value: "Half a thought" } });
    await waitFor(() => expect(w.mb.draftMap.get(w.chats.acct)).toEqual({ chat_id: w.chats.acct, text: "Half a thought", files: [] }));
    // The app quits and starts again on the same data.
    first.unmount();
    await renderApp(w.mb);
    await waitFor(() => expect(lineItem(w.lines.acct.id)!.querySelector("[data-testid=line-draft]")?.textContent).toBe("Draft: Half a thought"));
    await fireEvent.click(lineItem(w.lines.acct.id)!);
    const again = (await screen.findByTestId("composer-input")) as HTMLTextAreaElement;
    expect(again.value).toBe("Half a thought");
    // Sent: the composer empties and the kept draft goes with it, without waiting.
    await fireEvent.keyDown(again, { key: "Enter" });
    await waitFor(() => expect(again.value).toBe(""));
    expect(w.mb.draftMap.has(w.chats.acct)).toBe(false);
    // Signing out forgets drafts (once the sent message is delivered: an unsent one would ask).
    w.mb.deliverAll();
    await fireEvent.input(again, { target: { value: "Another one" } });
    await waitFor(() => expect(w.mb.draftMap.size).toBe(1));
    await fireEvent.click(screen.getByTestId("sign-out"));
    await screen.findByTestId("login-form");
    expect(w.mb.draftMap.size).toBe(0);
  });

  it("opens a chat on click and tells the shell", async () => {
    const w = world();
    await renderApp(w.mb);
    await fireEvent.click(byTestId(document, "line-item")[0]);
    await waitFor(() => expect(screen.getByTestId("chat").dataset.chatId).toBe(String(w.chats.it)));
    await waitFor(() => expect(w.mb.openChats.at(-1)).toBe(w.chats.it));
  });

  it("opens the chat the shell asks for", async () => {
    const w = world();
    await renderApp(w.mb);
    w.mb.requestOpenChat(w.chats.acct);
    await waitFor(() => expect(screen.getByTestId("chat").dataset.chatId).toBe(String(w.chats.acct)));
  });
});
