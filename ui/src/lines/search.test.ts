import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { lineItem, renderApp, world } from "../test/world";

const found = (lineId: number) => document.querySelector<HTMLElement>(`[data-testid=found-line][data-line-id="${lineId}"]`);

describe("search mode", () => {
  it("clicking the field shows the connected lines and the recommended ones; Esc leaves", async () => {
    const w = world();
    await renderApp(w.mb);
    const input = screen.getByTestId("search-input") as HTMLInputElement;
    await fireEvent.click(input);
    const results = await screen.findByTestId("search-results");
    expect(screen.queryByTestId("lines-list")).toBeNull();
    expect(within(results).getAllByTestId("line-item")).toHaveLength(5);
    const rec = await screen.findByTestId("recommended-section");
    await waitFor(() => expect(within(rec).getAllByTestId("found-line").map((f) => f.dataset.lineId)).toEqual([String(w.lines.travel.id)]));
    expect(within(rec).getByTestId("request-connection")).toBeTruthy();

    await fireEvent.keyDown(input, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("search-results")).toBeNull());
    expect(screen.getByTestId("lines-list")).toBeTruthy();
  });

  it("Ctrl+K focuses the search and enters search mode", async () => {
    const w = world();
    await renderApp(w.mb);
    await fireEvent.keyDown(window, { key: "k", code: "KeyK", ctrlKey: true });
    await screen.findByTestId("search-results");
    expect(document.activeElement).toBe(screen.getByTestId("search-input"));
  });

  it("typing filters the connected lines and finds published lines (debounced)", async () => {
    const w = world();
    const calls: string[] = [];
    const orig = w.mb.directory.bind(w.mb);
    w.mb.directory = (q) => {
      calls.push(q);
      return orig(q);
    };
    await renderApp(w.mb);
    const input = screen.getByTestId("search-input");
    await fireEvent.click(input);
    await fireEvent.input(input, { target: { value: "l" } });
    await fireEvent.input(input, { target: { value: "le" } });
    await fireEvent.input(input, { target: { value: "legal" } });
    const results = screen.getByTestId("search-results");
    // Connected lines are filtered at once.
    expect(within(results).queryAllByTestId("line-item")).toHaveLength(0);
    await waitFor(() => expect(found(w.lines.legal.id)).not.toBeNull());
    // One directory query for the settled text; unpublished lines are never found.
    expect(calls).toEqual(["legal"]);
    expect(found(w.lines.hidden.id)).toBeNull();

    await fireEvent.input(input, { target: { value: "desk" } });
    await waitFor(() => expect(within(results).getAllByTestId("line-item").map((l) => l.dataset.lineId)).toEqual([String(w.lines.it.id)]));
  });

  it("request → pending → approval → the line appears in the list", async () => {
    const w = world();
    await renderApp(w.mb);
    const input = screen.getByTestId("search-input");
    await fireEvent.click(input);
    await fireEvent.input(input, { target: { value: "legal" } });
    await waitFor(() => expect(found(w.lines.legal.id)).not.toBeNull());
    await fireEvent.click(within(found(w.lines.legal.id)!).getByTestId("request-connection"));
    await waitFor(() => expect(within(found(w.lines.legal.id)!).getByTestId("pending-badge")).toBeTruthy());
    expect(within(found(w.lines.legal.id)!).queryByTestId("request-connection")).toBeNull();

    // The request shows as a pending line too.
    const conn = w.mb.connectionFor(w.lines.legal.id)!;
    expect(conn.state).toBe("pending");
    await fireEvent.keyDown(input, { key: "Escape" });
    const pendingRow = await waitFor(() => {
      const r = document.querySelector<HTMLElement>(`[data-testid=lines-list] [data-testid=line-item][data-line-id="${w.lines.legal.id}"]`);
      if (!r) throw new Error("no row");
      return r;
    });
    expect(pendingRow.dataset.state).toBe("pending");

    w.mb.approve(conn.id);
    await waitFor(() =>
      expect(
        document.querySelector<HTMLElement>(`[data-testid=lines-list] [data-testid=line-item][data-line-id="${w.lines.legal.id}"]`)!.dataset
          .state,
      ).toBe("active"),
    );
    const row = document.querySelector<HTMLElement>(`[data-testid=line-item][data-line-id="${w.lines.legal.id}"]`)!;
    expect(row.dataset.chatId).not.toBe("");
    expect(row.querySelector("[data-testid=pending-badge]")).toBeNull();
  });

  it("shows 'Nothing found' for a query without matches", async () => {
    const w = world();
    await renderApp(w.mb);
    const input = screen.getByTestId("search-input");
    await fireEvent.click(input);
    await fireEvent.input(input, { target: { value: "zzzzqqq" } });
    await waitFor(() => expect(screen.getAllByText("Nothing found").length).toBeGreaterThan(0));
  });
  it("a published line already shown among the recommended is not 'nothing found'", async () => {
    const w = world();
    await renderApp(w.mb);
    const input = screen.getByTestId("search-input");
    await fireEvent.click(input);
    await fireEvent.input(input, { target: { value: "hotels" } });
    await waitFor(() => expect(screen.getByTestId("directory-nothing").textContent).toBe("No other lines found"));
    expect(within(screen.getByTestId("recommended-section")).getAllByTestId("found-line").map((f) => f.dataset.lineId)).toEqual([
      String(w.lines.travel.id),
    ]);
    expect(screen.queryByText("Nothing found")).toBeNull();
  });
  it("finds messages of the connected lines; a hit opens its chat at the message, loading back to it", async () => {
    const w = world();
    const chat = w.chats.quiet;
    const start = w.now - 500 * 60_000;
    for (let i = 0; i < 300; i++) {
      const text = i === 7 ? "The [VPN]   certificate\nexpired" : `message ${i + 1}`;
      w.mb.addMessage(chat, { from: i % 2 ? "me" : { id: 900, name: "Dmitry" }, text, at: start + i * 60_000 });
    }
    const pages: (number | null)[] = [];
    const orig = w.mb.messages.bind(w.mb);
    w.mb.messages = (c, before, limit) => {
      pages.push(before);
      return orig(c, before, limit);
    };
    await renderApp(w.mb);
    const input = screen.getByTestId("search-input");
    await fireEvent.click(input);
    await fireEvent.input(input, { target: { value: "certif" } });
    const section = await screen.findByTestId("messages-section");
    const hits = within(section).getAllByTestId("message-hit");
    expect(hits).toHaveLength(1);
    // The match is marked; brackets in the text stay text; one's own message says so.
    expect(hits[0].querySelector("mark")!.textContent).toBe("certificate");
    expect(hits[0].textContent).toContain("You:");
    expect(hits[0].textContent).toContain("The [VPN] certificate expired");
    expect(hits[0].textContent).toContain("Zeta Quiet Line");

    await fireEvent.click(hits[0]);
    await waitFor(() => expect(screen.getByTestId("chat").dataset.chatId).toBe(String(chat)));
    expect(screen.queryByTestId("search-results")).toBeNull();
    // Message 8 is six pages back: the chat reads back to it and marks it.
    await waitFor(() => expect(document.querySelector("[data-flash]")?.textContent).toContain("The [VPN]"));
    expect(pages.filter((b) => b != null).length).toBeGreaterThanOrEqual(1);
    expect(document.querySelector("[data-testid=message][data-seq='8']")).not.toBeNull();
  });

  it("finds a file by its name, marked in the names, and by its caption", async () => {
    const w = world();
    w.mb.addMessage(w.chats.it, { from: "me", text: "the log you asked for", files: [{ name: "vpn_client-2026.log", size: 900 }, { name: "screen.png", size: 100 }] });
    await renderApp(w.mb);
    const input = screen.getByTestId("search-input");
    await fireEvent.click(input);
    await fireEvent.input(input, { target: { value: "vpn_cli" } });
    let hits = await within(await screen.findByTestId("messages-section")).findAllByTestId("message-hit");
    expect(hits).toHaveLength(1);
    expect(hits[0].textContent).toContain("📎 vpn_client-2026.log, screen.png");
    expect([...hits[0].querySelectorAll("mark")].map((m) => m.textContent)).toEqual(["vpn", "client"]);
    // A word of the caption shows the caption; one from each needs both.
    await fireEvent.input(input, { target: { value: "asked" } });
    await waitFor(() => expect(screen.getByTestId("message-hit").textContent).toContain("📎 the log you asked for"));
    await fireEvent.input(input, { target: { value: "asked screen" } });
    await waitFor(() => expect(screen.getAllByTestId("message-hit")).toHaveLength(1));
    await fireEvent.input(input, { target: { value: "asked docx" } });
    await waitFor(() => expect(screen.queryByTestId("messages-section")).toBeNull());
  });

  it("finds no messages of lines that are not connected, and nothing for an empty query", async () => {
    const w = world();
    await renderApp(w.mb);
    const input = screen.getByTestId("search-input");
    await fireEvent.click(input);
    await fireEvent.input(input, { target: { value: "outlook" } });
    await waitFor(() => expect(screen.getAllByTestId("message-hit")).toHaveLength(2));
    await fireEvent.input(input, { target: { value: "  " } });
    await waitFor(() => expect(screen.queryByTestId("messages-section")).toBeNull());
    await w.mb.disconnect(w.conns.it);
    await waitFor(() => expect(lineItem(w.lines.it.id)).toBeNull());
    await fireEvent.input(input, { target: { value: "outlook" } });
    await new Promise((r) => setTimeout(r, 300));
    expect(screen.queryByTestId("messages-section")).toBeNull();
  });
  it("the keyboard: ↓ walks into the results and through them, ↑ back to the field, Enter opens the first", async () => {
    const w = world();
    await renderApp(w.mb);
    await fireEvent.keyDown(window, { key: "k", code: "KeyK", ctrlKey: true });
    const input = screen.getByTestId("search-input");
    await fireEvent.input(input, { target: { value: "line" } });
    await waitFor(() => expect(within(screen.getByTestId("search-results")).getAllByTestId("line-item")).toHaveLength(2));
    const rows = within(screen.getByTestId("search-results")).getAllByTestId("line-item");
    await fireEvent.keyDown(input, { key: "ArrowDown" });
    expect(document.activeElement).toBe(rows[0]);
    await fireEvent.keyDown(rows[0], { key: "ArrowDown" });
    expect(document.activeElement).toBe(rows[1]);
    await fireEvent.keyDown(rows[1], { key: "ArrowUp" });
    expect(document.activeElement).toBe(rows[0]);
    await fireEvent.keyDown(rows[0], { key: "ArrowUp" });
    expect(document.activeElement).toBe(input);

    // Enter opens the first result: here a message (no line is named so).
    await fireEvent.input(input, { target: { value: "guide" } });
    await waitFor(() => expect(screen.getAllByTestId("message-hit")).toHaveLength(1));
    await fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => expect(screen.getByTestId("chat").dataset.chatId).toBe(String(w.chats.it)));
    expect(screen.queryByTestId("search-results")).toBeNull();
  });
});
