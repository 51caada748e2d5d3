import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { renderApp, world } from "../test/world";

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
});
