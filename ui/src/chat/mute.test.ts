import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { renderApp, world } from "../test/world";

function row(lineId: number): HTMLElement {
  return document.querySelector<HTMLElement>(`[data-testid=line-item][data-line-id="${lineId}"]`)!;
}

async function openLine(w: ReturnType<typeof world>, lineId: number) {
  await renderApp(w.mb);
  await fireEvent.click(row(lineId));
  await screen.findByTestId("chat");
}

describe("muting a line", () => {
  it("mutes and unmutes from Other actions; the list marks it and its unread stop counting", async () => {
    const w = world();
    await openLine(w, w.lines.it.id);
    const chat = w.chats.it;
    expect(row(w.lines.it.id).querySelector(".muted-icon")).toBeNull();

    await fireEvent.click(screen.getByTestId("other-actions"));
    const mute = await screen.findByTestId("menu-mute");
    expect(mute.textContent).toContain("Mute notifications");
    await fireEvent.click(mute);
    await waitFor(() => expect(row(w.lines.it.id).querySelector(".muted-icon")).not.toBeNull());
    await waitFor(() => expect(screen.queryByTestId("menu-mute")).toBeNull());
    expect((await w.mb.lines()).find((l) => l.chat_id === chat)?.muted).toBe(true);

    // A reply to a muted line: counted on its row, not highlighted as unread.
    await fireEvent.click(row(w.lines.quiet.id));
    w.mb.receive(chat, "The VPN is back");
    await waitFor(() => expect(row(w.lines.it.id).textContent).toContain("The VPN is back"));
    expect(row(w.lines.it.id).classList.contains("has-unread")).toBe(false);

    await fireEvent.click(row(w.lines.it.id));
    await screen.findByTestId("chat");
    await fireEvent.click(screen.getByTestId("other-actions"));
    const unmute = await screen.findByTestId("menu-mute");
    expect(unmute.textContent).toContain("Unmute notifications");
    await fireEvent.click(unmute);
    await waitFor(() => expect(row(w.lines.it.id).querySelector(".muted-icon")).toBeNull());
    expect((await w.mb.lines()).find((l) => l.chat_id === chat)?.muted).toBe(false);
  });

  it("says why muting failed and keeps the menu open", async () => {
    const w = world();
    await openLine(w, w.lines.it.id);
    w.mb.setMuted = async () => {
      throw { code: "cache", message: "database is locked" };
    };
    await fireEvent.click(screen.getByTestId("other-actions"));
    await fireEvent.click(await screen.findByTestId("menu-mute"));
    expect((await screen.findByTestId("mute-error")).textContent).toBe(
      "Could not change it: Cannot read or write Okno's data on this computer.",
    );
    expect(screen.getByTestId("menu-mute")).toBeTruthy();
    expect(row(w.lines.it.id).querySelector(".muted-icon")).toBeNull();
  });

  it("refuses a chat the account does not have, as the core does", async () => {
    const w = world();
    await renderApp(w.mb);
    await expect(w.mb.setMuted(987654 as never, true)).rejects.toMatchObject({ code: "invalid_input" });
  });
});
