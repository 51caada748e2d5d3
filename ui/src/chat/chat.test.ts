import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { setLang } from "../lib/i18n";
import { renderApp, world } from "../test/world";

async function openChat(w: ReturnType<typeof world>, lineId = w.lines.it.id) {
  await renderApp(w.mb);
  const row = document.querySelector<HTMLElement>(`[data-testid=line-item][data-line-id="${lineId}"]`)!;
  await fireEvent.click(row);
  await waitFor(() => expect(screen.getByTestId("chat")).toBeTruthy());
  await waitFor(() => expect(screen.getAllByTestId("message").length).toBeGreaterThan(0));
  return screen.getByTestId("composer-input") as HTMLTextAreaElement;
}

/** Fifty messages from the line in the quiet chat, a minute apart, the first `read` of them read. */
function fiftyUpdates(w: ReturnType<typeof world>, read: number) {
  const chat = w.chats.quiet;
  const start = w.now - 100 * 60_000;
  for (let i = 0; i < 50; i++) {
    w.mb.addMessage(chat, { from: { id: 900, name: "Dmitry" }, text: `update ${i + 1}`, at: start + i * 60_000, read: i < read });
  }
  return chat;
}

const pendingRows = () => screen.queryAllByTestId("message").filter((m) => m.dataset.status !== "sent");

describe("chat", () => {
  it("renders messages: own on the right, others with names, notices apart, date separators", async () => {
    const w = world();
    await openChat(w);
    const msgs = screen.getAllByTestId("message");
    const mine = msgs.filter((m) => m.dataset.mine === "true");
    const theirs = msgs.filter((m) => m.dataset.mine === "false" && m.dataset.kind !== "notice");
    expect(mine.map((m) => m.textContent)).toEqual([expect.stringContaining("Outlook keeps asking")]);
    expect(mine[0].classList.contains("mine")).toBe(true);
    expect(theirs[0].textContent).toContain("Dmitry Sokolov");
    const notices = screen.getAllByTestId("notice");
    expect(notices.map((n) => n.textContent!.trim())).toEqual([
      "Ticket #1001 registered",
      "Service request #201 registered: Reset Outlook profile",
    ]);
    for (const n of notices) expect(n.closest("[data-testid=message]")!.getAttribute("data-kind")).toBe("notice");
    const seps = screen.getAllByTestId("date-separator").map((d) => d.textContent!.trim());
    expect(seps.length).toBeGreaterThanOrEqual(2);
    expect(seps.at(-1)).toBe("Today");
    // Messages carry their positions.
    expect(msgs.map((m) => Number(m.dataset.seq))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(msgs.find((m) => m.dataset.seq === "5")!.dataset.kind).toBe("file");
  });

  it("counts the characters near the limit and refuses a longer text with its figures", async () => {
    const w = world();
    const input = await openChat(w);
    await fireEvent.input(input, { target: { value: "a".repeat(8_999) } });
    expect(screen.queryByTestId("composer-count")).toBeNull();
    await fireEvent.input(input, { target: { value: "я".repeat(9_500) } });
    const count = await screen.findByTestId("composer-count");
    expect(count.textContent!.trim()).toBe("9,500 / 10,000");
    expect(count.classList.contains("over")).toBe(false);
    await fireEvent.input(input, { target: { value: "я".repeat(10_001) } });
    await waitFor(() => expect(screen.getByTestId("composer-count").classList.contains("over")).toBe(true));
    await fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() =>
      expect(screen.getByRole("alert").textContent).toBe(
        "The message is too long: 10,001 characters, at most 10,000. Split it, or send the text as a file.",
      ),
    );
    expect(w.mb.sent).toHaveLength(0);
    expect(input.value).toHaveLength(10_001);
  });

  it("Enter sends, Shift+Enter does not; sending then sent", async () => {
    const w = world();
    const input = await openChat(w);
    await fireEvent.input(input, { target: { value: "line one" } });
    // Shift+Enter keeps the default (a new line) and sends nothing.
    expect(await fireEvent.keyDown(input, { key: "Enter", shiftKey: true })).toBe(true);
    expect(w.mb.sent).toHaveLength(0);
    await fireEvent.input(input, { target: { value: "line one\nline two" } });
    expect(await fireEvent.keyDown(input, { key: "Enter" })).toBe(false);
    await waitFor(() => expect(w.mb.sent).toHaveLength(1));
    expect(w.mb.sent[0]).toMatchObject({ chat: w.chats.it, text: "line one\nline two", files: [] });
    await waitFor(() => expect(pendingRows()).toHaveLength(1));
    expect(pendingRows()[0].dataset.status).toBe("sending");
    expect(pendingRows()[0].querySelector("[aria-label='Sending…']")).not.toBeNull();
    expect(input.value).toBe("");

    w.mb.deliverAll();
    await waitFor(() => expect(pendingRows()).toHaveLength(0));
    const last = screen.getAllByTestId("message").filter((m) => m.dataset.mine === "true").at(-1)!;
    expect(last.textContent).toContain("line one");
    expect(last.dataset.status).toBe("sent");
    expect(last.querySelector("[aria-label=Sent]")).not.toBeNull();
  });

  it("the send button sends; empty text sends nothing", async () => {
    const w = world();
    const input = await openChat(w);
    const send = screen.getByTestId("send-button") as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    await fireEvent.keyDown(input, { key: "Enter" });
    expect(w.mb.sent).toHaveLength(0);
    await fireEvent.input(input, { target: { value: "  hello  " } });
    expect(send.disabled).toBe(false);
    await fireEvent.click(send);
    await waitFor(() => expect(w.mb.sent).toHaveLength(1));
    expect(w.mb.sent[0].text).toBe("hello");
  });

  it("a failed send shows the error with Retry and Cancel", async () => {
    const w = world();
    const input = await openChat(w);
    w.mb.failSends("Text rejected by the server");
    await fireEvent.input(input, { target: { value: "will fail" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => expect(pendingRows()).toHaveLength(1));
    w.mb.deliverAll();
    await waitFor(() => expect(pendingRows()[0].dataset.status).toBe("failed"));
    const failed = pendingRows()[0];
    expect(failed.textContent).toContain("Text rejected by the server");

    // Retry: back to sending, then delivered.
    w.mb.failSends(null);
    await fireEvent.click(within(failed).getByTestId("retry-button"));
    await waitFor(() => expect(pendingRows()[0].dataset.status).toBe("sending"));
    w.mb.deliverAll();
    await waitFor(() => expect(pendingRows()).toHaveLength(0));

    // Cancel: the entry disappears.
    w.mb.failSends("nope");
    await fireEvent.input(input, { target: { value: "cancel me" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => expect(pendingRows()).toHaveLength(1));
    w.mb.deliverAll();
    await waitFor(() => expect(pendingRows()[0]?.dataset.status).toBe("failed"));
    await fireEvent.click(screen.getByTestId("cancel-button"));
    await waitFor(() => expect(pendingRows()).toHaveLength(0));
    expect(screen.queryByText("cancel me")).toBeNull();
  });

  it("says why a send failed in the UI's language, from the server's code and figures", async () => {
    setLang("ru");
    const w = world();
    const input = await openChat(w);
    w.mb.failSends("files may have at most 10485760 bytes", "payload_too_large", { limit: 10_485_760 });
    await fireEvent.input(input, { target: { value: "журнал приложен" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => expect(pendingRows()).toHaveLength(1));
    w.mb.deliverAll();
    await waitFor(() => expect(pendingRows()[0].dataset.status).toBe("failed"));
    expect(pendingRows()[0].textContent).toContain("Не отправлено: Файл слишком большой: сервер принимает не больше 10 МБ.");
  });

  it("links open through openUrl; file chips through openFile", async () => {
    const w = world();
    await openChat(w);
    const link = screen.getByText("https://kb.example.com/outlook") as HTMLAnchorElement;
    expect(link.tagName).toBe("A");
    expect(await fireEvent.click(link)).toBe(false); // no navigation inside the app
    await waitFor(() => expect(w.mb.opened.urls).toEqual(["https://kb.example.com/outlook"]));

    const chip = screen.getByTestId("message-file");
    expect(chip.textContent).toContain("guide.pdf");
    expect(chip.textContent).toContain("1.4 MB");
    await fireEvent.click(chip);
    await waitFor(() => expect(w.mb.opened.files).toHaveLength(1));
  });

  it("only http(s) become links", async () => {
    const w = world();
    w.mb.addMessage(w.chats.it, { from: { id: 900, name: "Dmitry" }, text: "see javascript:alert(1) or ftp://x.example.com or http://ok.example.com." });
    await openChat(w);
    const anchors = Array.from(document.querySelectorAll("[data-testid=message] a")).map((a) => a.getAttribute("href"));
    expect(anchors).toContain("http://ok.example.com");
    expect(anchors.some((h) => h!.startsWith("javascript") || h!.startsWith("ftp"))).toBe(false);
  });

  it("attach picks files, chips can be removed, send carries the paths", async () => {
    const w = world();
    const input = await openChat(w);
    w.mb.setPickFiles([w.mb.addLocalFile("/tmp/a.pdf", 1000), w.mb.addLocalFile("/tmp/b.png", 2000)]);
    await fireEvent.click(screen.getByTestId("attach-button"));
    await waitFor(() => expect(screen.getAllByTestId("attachment-chip")).toHaveLength(2));
    await fireEvent.click(within(screen.getAllByTestId("attachment-chip")[1]).getByRole("button"));
    await waitFor(() => expect(screen.getAllByTestId("attachment-chip")).toHaveLength(1));
    await fireEvent.input(input, { target: { value: "see attached" } });
    await fireEvent.click(screen.getByTestId("send-button"));
    await waitFor(() => expect(w.mb.sent).toHaveLength(1));
    expect(w.mb.sent[0]).toMatchObject({ text: "see attached", files: ["/tmp/a.pdf"] });
    await waitFor(() => expect(screen.queryAllByTestId("attachment-chip")).toHaveLength(0));
    const p = pendingRows()[0];
    expect(p.dataset.kind).toBe("file");
    expect(within(p).getAllByTestId("upload-progress")).toHaveLength(1);
  });

  it("Ctrl+V of an image or of copied files attaches them; text pastes as text", async () => {
    const w = world();
    const input = (await openChat(w)) as HTMLTextAreaElement;
    const clip = (types: string[], plain = "") => ({ clipboardData: { types, getData: (t: string) => (t === "text/plain" ? plain : "") } });
    // Text: the page pastes it itself; the shell is not asked.
    const asked = vi.spyOn(w.mb, "pasteFiles");
    w.mb.setClipboardFiles([w.mb.addLocalFile("/tmp/never.png", 10)]);
    expect(await fireEvent.paste(input, clip(["text/plain"], "hello"))).toBe(true);
    expect(asked).not.toHaveBeenCalled();

    // An image (WebKitGTK shows the page no types at all): the shell's file is attached.
    w.mb.setClipboardFiles([w.mb.addLocalFile("/data/pasted/image-2026-12-06-174012.png", 2000)]);
    expect(await fireEvent.paste(input, clip([]))).toBe(false);
    await waitFor(() => expect(screen.getAllByTestId("attachment-chip")).toHaveLength(1));
    expect(screen.getByTestId("attachment-chip").textContent).toContain("image-2026-12-06-174012.png");
    // Files copied in a file manager come with their paths as text: attached, not typed in.
    w.mb.setClipboardFiles([w.mb.addLocalFile("/home/u/report.pdf", 3000)]);
    await fireEvent.paste(input, clip(["text/uri-list", "text/plain"], "/home/u/report.pdf"));
    await waitFor(() => expect(screen.getAllByTestId("attachment-chip")).toHaveLength(2));
    expect(input.value).toBe("");
    // A list of links, not files: the shell finds none and the text is pasted after all.
    w.mb.setClipboardFiles([]);
    await fireEvent.paste(input, clip(["text/uri-list", "text/plain"], "https://example.com/a"));
    await waitFor(() => expect(input.value).toBe("https://example.com/a"));
    await fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => expect(w.mb.sent).toHaveLength(1));
    expect(w.mb.sent[0]).toMatchObject({ text: "https://example.com/a", files: ["/data/pasted/image-2026-12-06-174012.png", "/home/u/report.pdf"] });
  });

  it("shows per-file upload progress from transfer events; × cancels the send", async () => {
    const w = world();
    const input = await openChat(w);
    w.mb.setPickFiles([w.mb.addLocalFile("/tmp/big.zip", 10_000)]);
    await fireEvent.click(screen.getByTestId("attach-button"));
    await waitFor(() => expect(screen.getAllByTestId("attachment-chip")).toHaveLength(1));
    await fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => expect(pendingRows()).toHaveLength(1));
    const id = w.mb.sent[0].id;
    w.mb.emit({ type: "transfer", transfer_id: `up:${id}:0`, done: 4000, total: 10_000, finished: false });
    await waitFor(() => expect(screen.getByTestId("upload-progress").dataset.progress).toBe("40"));
    await fireEvent.click(screen.getByTestId("cancel-upload"));
    await waitFor(() => expect(pendingRows()).toHaveLength(0));
  });

  it("inserts emoji at the caret", async () => {
    const w = world();
    const input = await openChat(w);
    await fireEvent.input(input, { target: { value: "Hello world" } });
    input.setSelectionRange(5, 5);
    input.focus();
    // A mouse click (one press): the composer keeps the focus.
    await fireEvent.click(screen.getByTestId("emoji-button"), { detail: 1 });
    const picker = await screen.findByTestId("emoji-picker");
    const emoji = within(picker).getAllByTestId("emoji");
    expect(emoji.length).toBeGreaterThanOrEqual(80);
    await new Promise((r) => setTimeout(r, 0));
    expect(picker.contains(document.activeElement)).toBe(false);
    await fireEvent.click(emoji[0]);
    expect(input.value).toBe(`Hello${emoji[0].textContent} world`);
    // Esc closes the picker.
    await fireEvent.keyDown(window, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("emoji-picker")).toBeNull());
  });

  it("the emoji picker works from the keyboard", async () => {
    const w = world();
    const input = await openChat(w);
    await fireEvent.input(input, { target: { value: "Thanks" } });
    input.setSelectionRange(6, 6);
    const button = screen.getByTestId("emoji-button");
    // Enter or Space on the button: a click with no mouse press; the first emoji takes the focus.
    await fireEvent.click(button, { detail: 0 });
    const picker = await screen.findByTestId("emoji-picker");
    const emoji = within(picker).getAllByTestId("emoji");
    await waitFor(() => expect(document.activeElement).toBe(emoji[0]));
    // Only the current one is in the tab order; the arrows move through the grid of ten.
    expect(emoji.filter((e) => e.tabIndex === 0)).toEqual([emoji[0]]);
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowRight" });
    expect(document.activeElement).toBe(emoji[1]);
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowDown" });
    expect(document.activeElement).toBe(emoji[11]);
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowLeft" });
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowUp" });
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowUp" });
    expect(document.activeElement).toBe(emoji[0]);
    await fireEvent.keyDown(document.activeElement!, { key: "End" });
    expect(document.activeElement).toBe(emoji.at(-1));
    await fireEvent.keyDown(document.activeElement!, { key: "Home" });
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowRight" });
    expect(emoji.filter((e) => e.tabIndex === 0)).toEqual([emoji[1]]);
    // Enter on it (a button's click) puts it at the caret.
    await fireEvent.click(emoji[1]);
    expect(input.value).toBe(`Thanks${emoji[1].textContent}`);
    // Esc from inside the picker closes it and gives the focus back to its button.
    emoji[1].focus();
    await fireEvent.keyDown(window, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("emoji-picker")).toBeNull());
    expect(document.activeElement).toBe(button);
  });

  it("marks the chat read when the newest message is in view", async () => {
    const w = world();
    await openChat(w);
    await waitFor(() => expect(w.mb.reads.at(-1)).toEqual({ chat: w.chats.it, seq: 6 }));
    await waitFor(() =>
      expect(document.querySelector<HTMLElement>(`[data-testid=line-item][data-line-id="${w.lines.it.id}"]`)!.dataset.unread).toBe("0"),
    );
  });

  it("opens at the first unread message, marked, when the unread ones do not fit; read once the newest is in view", async () => {
    const w = world();
    const chat = fiftyUpdates(w, 10);
    await openChat(w, w.lines.quiet.id);
    const separator = await screen.findByTestId("unread-separator");
    expect(separator.textContent).toBe("Unread messages");
    // The separator comes right before message 11, and the view starts there, not at the newest.
    const next = separator.parentElement!.nextElementSibling!.querySelector<HTMLElement>("[data-testid=message]");
    expect(next!.dataset.seq).toBe("11");
    const list = screen.getByTestId("message-list");
    const canvas = list.firstElementChild as HTMLElement;
    expect(list.scrollTop).toBeLessThan(parseFloat(canvas.style.height) - 600 - 100);
    await new Promise((r) => setTimeout(r, 1200));
    expect(w.mb.reads.filter((r) => r.chat === chat)).toEqual([]);
    // The way back to the newest counts the unread messages.
    const jump = screen.getByTestId("to-newest");
    expect(within(jump).getByTestId("to-newest-unread").textContent).toBe("40");
    expect(jump.getAttribute("aria-label")).toBe("Go to the newest messages, 40 unread");
    // Scrolled down to the newest: read.
    list.scrollTop = 1e9;
    await fireEvent.scroll(list);
    await waitFor(() => expect(w.mb.reads.at(-1)).toEqual({ chat, seq: 50 }));
    await waitFor(() => expect(screen.queryByTestId("to-newest")).toBeNull());
  });

  it("the way back to the newest: counts what is unread, jumps there, and the chat is read", async () => {
    const w = world();
    const chat = fiftyUpdates(w, 45);
    await openChat(w, w.lines.quiet.id);
    await waitFor(() => expect(w.mb.reads.at(-1)).toEqual({ chat, seq: 50 }));
    // Read back up the history: the button has no count while nothing is unread.
    const list = screen.getByTestId("message-list");
    list.scrollTop = 0;
    await fireEvent.scroll(list);
    const jump = await screen.findByTestId("to-newest");
    expect(within(jump).queryByTestId("to-newest-unread")).toBeNull();
    expect(jump.getAttribute("aria-label")).toBe("Go to the newest messages");
    // Two new messages arrive while the reader is up there: counted on the button.
    w.mb.receive(chat, "one more");
    w.mb.receive(chat, "and another");
    await waitFor(() => expect(within(jump).getByTestId("to-newest-unread").textContent).toBe("2"));
    await fireEvent.click(jump);
    await waitFor(() => expect(w.mb.reads.at(-1)).toEqual({ chat, seq: 52 }));
    await waitFor(() => expect(screen.queryByTestId("to-newest")).toBeNull());
  });

  it("a few unread messages: marked, the view at the newest, read at once; none unread: no mark", async () => {
    const w = world();
    w.mb.addMessage(w.chats.quiet, { from: { id: 900, name: "Dmitry" }, text: "seen", read: true });
    w.mb.addMessage(w.chats.quiet, { from: { id: 900, name: "Dmitry" }, text: "new one" });
    await openChat(w, w.lines.quiet.id);
    const separator = await screen.findByTestId("unread-separator");
    expect(separator.parentElement!.nextElementSibling!.textContent).toContain("new one");
    await waitFor(() => expect(w.mb.reads.at(-1)).toEqual({ chat: w.chats.quiet, seq: 2 }));
    // Opened again, nothing is unread.
    await fireEvent.click(document.querySelector<HTMLElement>(`[data-testid=line-item][data-line-id="${w.lines.it.id}"]`)!);
    await waitFor(() => expect(screen.getByTestId("chat").dataset.chatId).toBe(String(w.chats.it)));
    await fireEvent.click(document.querySelector<HTMLElement>(`[data-testid=line-item][data-line-id="${w.lines.quiet.id}"]`)!);
    await waitFor(() => expect(screen.getByTestId("chat").dataset.chatId).toBe(String(w.chats.quiet)));
    await waitFor(() => expect(screen.getAllByTestId("message").length).toBe(2));
    expect(screen.queryByTestId("unread-separator")).toBeNull();
  });

  it("a new message from the line appears while the chat is open", async () => {
    const w = world();
    await openChat(w);
    w.mb.receive(w.chats.it, "A fresh answer");
    await waitFor(() => expect(within(screen.getByTestId("chat")).getByText("A fresh answer")).toBeTruthy());
  });

  it("shows the empty state for a chat without messages", async () => {
    const w = world();
    await renderApp(w.mb);
    await fireEvent.click(document.querySelector<HTMLElement>(`[data-testid=line-item][data-line-id="${w.lines.alpha.id}"]`)!);
    await waitFor(() => expect(screen.getByText("No messages yet — write your question")).toBeTruthy());
  });

  it("loads older pages at the top and keeps them", async () => {
    const w = world();
    const chat = w.chats.quiet;
    const start = w.now - 500 * 60_000;
    for (let i = 0; i < 120; i++) w.mb.addMessage(chat, { from: i % 2 ? "me" : { id: 900, name: "Dmitry" }, text: `message ${i + 1}`, at: start + i * 60_000 });
    const calls: (number | null)[] = [];
    const orig = w.mb.messages.bind(w.mb);
    w.mb.messages = (c, before, limit) => {
      calls.push(before);
      return orig(c, before, limit);
    };
    await openChat(w, w.lines.quiet.id);
    const list = screen.getByTestId("message-list");
    // Scroll to the top: the next older page is read with `before` = the lowest seq shown.
    list.scrollTop = 0;
    await fireEvent.scroll(list);
    await waitFor(() => expect(calls).toContain(71));
    list.scrollTop = 0;
    await fireEvent.scroll(list);
    await waitFor(() => expect(calls).toContain(21));
    // A new message re-reads the newest page and keeps the older pages.
    w.mb.receive(chat, "newest");
    await waitFor(() => expect(calls.filter((c) => c === null).length).toBeGreaterThanOrEqual(2));
    list.scrollTop = 0;
    await fireEvent.scroll(list);
    await waitFor(() => expect(document.querySelector("[data-testid=message][data-seq='1']")).not.toBeNull());
    expect(calls.filter((c) => c === 71)).toHaveLength(1);
  });
});
