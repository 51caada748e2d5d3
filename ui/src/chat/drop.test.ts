import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { renderApp, world } from "../test/world";

describe("drag and drop", () => {
  it("shows the overlay on enter/over, hides it on leave", async () => {
    const w = world();
    await renderApp(w.mb);
    await fireEvent.click(document.querySelector<HTMLElement>(`[data-testid=line-item][data-line-id="${w.lines.it.id}"]`)!);
    await screen.findByTestId("chat");
    w.mb.drag({ type: "enter", count: 2 });
    const overlay = await screen.findByTestId("drop-overlay");
    expect(overlay.textContent).toContain("Drop files to send");
    expect(overlay.textContent).toContain("2 files");
    w.mb.drag({ type: "over" });
    w.mb.drag({ type: "leave" });
    await waitFor(() => expect(screen.queryByTestId("drop-overlay")).toBeNull());
  });

  it("dropping sends the files at once, with the composer's text", async () => {
    const w = world();
    await renderApp(w.mb);
    await fireEvent.click(document.querySelector<HTMLElement>(`[data-testid=line-item][data-line-id="${w.lines.it.id}"]`)!);
    await screen.findByTestId("chat");
    const input = screen.getByTestId("composer-input") as HTMLTextAreaElement;
    await fireEvent.input(input, { target: { value: "logs attached" } });
    w.mb.drop(["/home/anna/app.log", "/home/anna/shot.png"]);
    await waitFor(() => expect(w.mb.sent).toHaveLength(1));
    expect(w.mb.sent[0]).toMatchObject({ chat: w.chats.it, text: "logs attached", files: ["/home/anna/app.log", "/home/anna/shot.png"] });
    await waitFor(() => expect(screen.queryByTestId("drop-overlay")).toBeNull());
    await waitFor(() => expect(input.value).toBe(""));
    const pending = await waitFor(() => {
      const p = screen.getAllByTestId("message").find((m) => m.dataset.status === "sending");
      if (!p) throw new Error("no pending");
      return p;
    });
    expect(pending.querySelectorAll("[data-testid=message-file]")).toHaveLength(2);
  });

  it("a file over the limit is refused, with its size and the limit, and nothing is sent", async () => {
    const w = world();
    await renderApp(w.mb);
    await fireEvent.click(document.querySelector<HTMLElement>(`[data-testid=line-item][data-line-id="${w.lines.it.id}"]`)!);
    await screen.findByTestId("chat");
    w.mb.addLocalFile("/home/anna/backup.iso", 150 * 1024 * 1024);
    w.mb.drop(["/home/anna/backup.iso"]);
    const alert = await waitFor(() => {
      const a = screen.getAllByRole("alert").find((e) => e.textContent?.includes("too large"));
      if (!a) throw new Error("no alert");
      return a;
    });
    expect(alert.textContent).toBe("“backup.iso” is too large: 150 MB, at most 100 MB.");
    expect(w.mb.sent).toHaveLength(0);
  });

  it("a dropped folder or empty file is refused by name, marked among the attachments, and the rest waits", async () => {
    const w = world();
    await renderApp(w.mb);
    await fireEvent.click(document.querySelector<HTMLElement>(`[data-testid=line-item][data-line-id="${w.lines.it.id}"]`)!);
    await screen.findByTestId("chat");
    w.mb.addLocalFile("/home/anna/Отчёты", -1);
    w.mb.addLocalFile("/home/anna/empty.txt", 0);
    w.mb.drop(["/home/anna/app.log", "/home/anna/Отчёты", "/home/anna/empty.txt"]);
    const alert = await waitFor(() => {
      const a = screen.getAllByRole("alert").find((e) => e.textContent?.includes("folders"));
      if (!a) throw new Error("no alert");
      return a;
    });
    expect(alert.textContent).toBe("“Отчёты” is not a file: folders cannot be sent.");
    expect(w.mb.sent).toHaveLength(0);
    const chips = () => screen.getAllByTestId("attachment-chip");
    expect(chips().map((c) => [c.textContent!.trim(), c.dataset.refused])).toEqual([
      ["app.log", "false"],
      ["Отчёты", "true"],
      ["empty.txt", "false"],
    ]);
    // Removed: the next send names the empty file.
    await fireEvent.click(chips()[1].querySelector("button")!);
    await fireEvent.click(screen.getByTestId("send-button"));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toBe("“empty.txt” is empty: there is nothing to send."));
    expect(chips().find((c) => c.dataset.refused === "true")!.textContent!.trim()).toBe("empty.txt");
    // Without it, the log goes.
    await fireEvent.click(chips()[1].querySelector("button")!);
    await fireEvent.click(screen.getByTestId("send-button"));
    await waitFor(() => expect(w.mb.sent).toHaveLength(1));
    expect(w.mb.sent[0].files).toEqual(["/home/anna/app.log"]);
    expect(screen.queryAllByTestId("attachment-chip")).toHaveLength(0);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("without an open chat a drop sends nothing", async () => {
    const w = world();
    await renderApp(w.mb);
    w.mb.drop(["/tmp/x.txt"]);
    await new Promise((r) => setTimeout(r, 20));
    expect(w.mb.sent).toHaveLength(0);
    expect(screen.queryByTestId("drop-overlay")).toBeNull();
  });
});
