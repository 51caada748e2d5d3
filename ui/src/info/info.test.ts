import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { renderApp, world } from "../test/world";

async function openLine(w: ReturnType<typeof world>, lineId: number) {
  await renderApp(w.mb);
  await fireEvent.click(document.querySelector<HTMLElement>(`[data-testid=line-item][data-line-id="${lineId}"]`)!);
  await screen.findByTestId("chat");
}

describe("information panel", () => {
  it("toggles by the title and by Other actions → Information, and closes with Esc", async () => {
    const w = world();
    await openLine(w, w.lines.it.id);
    expect(screen.queryByTestId("info-panel")).toBeNull();
    await fireEvent.click(screen.getByTestId("chat-title"));
    expect(await screen.findByTestId("info-panel")).toBeTruthy();
    await fireEvent.click(screen.getByTestId("chat-title"));
    await waitFor(() => expect(screen.queryByTestId("info-panel")).toBeNull());

    await fireEvent.click(screen.getByTestId("other-actions"));
    await fireEvent.click(await screen.findByTestId("menu-information"));
    expect(await screen.findByTestId("info-panel")).toBeTruthy();
    await fireEvent.click(screen.getByTestId("other-actions"));
    await fireEvent.click(await screen.findByTestId("menu-information"));
    await waitFor(() => expect(screen.queryByTestId("info-panel")).toBeNull());

    await fireEvent.click(screen.getByTestId("chat-title"));
    await screen.findByTestId("info-panel");
    await fireEvent.keyDown(window, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("info-panel")).toBeNull());
  });

  it("shows name, description with More, hours, working now, requests and files", async () => {
    const w = world();
    await openLine(w, w.lines.it.id);
    await fireEvent.click(screen.getByTestId("chat-title"));
    const panel = await screen.findByTestId("info-panel");
    expect(within(panel).getByTestId("info-name").textContent).toBe("IT Help Desk");
    expect(within(panel).getByTestId("info-description").textContent).toContain("Computers, accounts and printers.");
    await fireEvent.click(within(panel).getByTestId("info-more-link"));
    await waitFor(() => expect(w.mb.opened.urls).toEqual(["https://okno.example.com/it"]));

    const hours = within(panel).getByTestId("info-hours");
    expect(hours.textContent).toContain("Mon–Fri");
    expect(hours.textContent).toContain("9:00 AM–6:00 PM");
    expect(hours.textContent).toContain("Europe/Moscow");
    expect(within(panel).getByTestId("info-working-now").textContent).toContain("Specialists are working now");

    await waitFor(() => expect(within(panel).getByTestId("info-service-requests").textContent).toContain("Reset Outlook profile"));
    expect(within(panel).getByTestId("info-service-requests").textContent).toContain("201");
    expect(within(panel).getByTestId("info-service-requests").textContent).toContain("In progress");

    const files = await within(panel).findAllByTestId("info-file");
    expect(files.map((f) => f.textContent)).toEqual([expect.stringContaining("guide.pdf")]);
    await fireEvent.click(files[0]);
    await waitFor(() => expect(w.mb.opened.files).toHaveLength(1));
  });

  it("shows when a closed line opens, and no requests", async () => {
    const w = world();
    await openLine(w, w.lines.acct.id);
    await fireEvent.click(screen.getByTestId("chat-title"));
    const panel = await screen.findByTestId("info-panel");
    expect(within(panel).getByTestId("info-working-now").textContent).toMatch(/Not working now — opens (today|tomorrow) at/);
    await waitFor(() => expect(within(panel).getByTestId("info-service-requests").textContent).toContain("No open requests"));
    expect(within(panel).queryByTestId("info-more-link")).toBeNull();
  });

  it("disconnects the line after confirmation and closes the chat", async () => {
    const w = world();
    await openLine(w, w.lines.it.id);
    await fireEvent.click(screen.getByTestId("chat-title"));
    await fireEvent.click(await screen.findByTestId("info-disconnect"));
    // Cancel keeps everything.
    await fireEvent.click(await screen.findByTestId("cancel-dialog"));
    await waitFor(() => expect(screen.queryByTestId("confirm-disconnect")).toBeNull());
    expect(screen.getByTestId("chat")).toBeTruthy();
    // Esc closes the dialog as well (and only the dialog).
    await fireEvent.click(screen.getByTestId("info-disconnect"));
    await screen.findByTestId("confirm-disconnect");
    await fireEvent.keyDown(window, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("confirm-disconnect")).toBeNull());
    expect(screen.getByTestId("info-panel")).toBeTruthy();

    await fireEvent.click(screen.getByTestId("info-disconnect"));
    await fireEvent.click(await screen.findByTestId("confirm-disconnect"));
    await waitFor(() => expect(screen.queryByTestId("chat")).toBeNull());
    expect(screen.queryByTestId("info-panel")).toBeNull();
    expect(document.querySelector(`[data-testid=line-item][data-line-id="${w.lines.it.id}"]`)).toBeNull();
    expect(screen.getByText("Choose a line on the left")).toBeTruthy();
  });
});
