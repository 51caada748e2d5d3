import { afterEach, describe, expect, it } from "vitest";
import type { Message } from "../lib/backend";
import type { ChatId, MessageId, UserId } from "../lib/proto/ids";
import { setLang } from "../lib/i18n";
import { linePreview } from "./preview";

const ME = 7 as UserId;
const file = (name: string) => ({ id: 1, name, size: 10, content_type: "application/pdf", created_at: 0 }) as Message["files"][number];

function msg(p: Partial<Message>): Message {
  return {
    id: 1 as MessageId,
    chat_id: 1 as ChatId,
    seq: 1,
    sender_id: 9 as UserId,
    sender_name: "Dmitry",
    kind: "text",
    text: "",
    files: [],
    notice: null,
    client_msg_id: null,
    created_at: 0,
    ...p,
  };
}

describe("the lines list's preview of a line's newest message", () => {
  afterEach(() => setLang("en"));

  it("is the text on one line, with You: before the reader's own", () => {
    expect(linePreview(msg({ text: "  Did it\n\nhelp?  " }), ME)).toBe("Did it help?");
    expect(linePreview(msg({ sender_id: ME, text: "Thanks" }), ME)).toBe("You: Thanks");
    setLang("ru");
    expect(linePreview(msg({ sender_id: ME, text: "Спасибо" }), ME)).toBe("Вы: Спасибо");
  });

  it("names files: the caption, the one file's name, or how many", () => {
    expect(linePreview(msg({ kind: "file", text: "The guide", files: [file("guide.pdf")] }), ME)).toBe("📎 The guide");
    expect(linePreview(msg({ kind: "file", files: [file("guide.pdf")] }), ME)).toBe("📎 guide.pdf");
    expect(linePreview(msg({ kind: "file", sender_id: ME, files: [file("a.png"), file("b.png")] }), ME)).toBe("You: 📎 2 files");
    setLang("ru");
    expect(linePreview(msg({ kind: "file", files: [file("a"), file("b"), file("c"), file("d"), file("e")] }), ME)).toBe("📎 5 файлов");
  });

  it("says a notice in the reader's words", () => {
    const notice = { type: "specialist_assigned", ticket_id: 3, number: 3, specialist_id: 9, specialist_name: "Dmitry Sokolov" } as Message["notice"];
    expect(linePreview(msg({ kind: "notice", sender_id: null, notice }), ME)).toBe("Dmitry Sokolov is working on ticket #3");
    setLang("ru");
    expect(linePreview(msg({ kind: "notice", sender_id: null, notice }), ME)).toBe("Dmitry Sokolov работает над обращением №3");
  });

  it("drops a bot's Markdown marks", () => {
    const bot = { source: "knowledge_base", buttons: [] } as unknown as Message["bot"];
    expect(linePreview(msg({ text: "**Reset** the [profile](https://kb.example.com/p):\n\n- close Outlook\n- run `reset`", bot }), ME)).toBe(
      "Reset the profile: close Outlook run reset",
    );
  });
});
