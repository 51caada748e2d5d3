import { describe, expect, it } from "vitest";
import type { Message, Notice } from "./backend";
import { lastRateable } from "../chat/rateable";
import { addressBreaks, groupHours } from "./format";
import { setLang } from "./i18n";
import { linkify } from "./linkify";
import { mergeNewest, mergeOlder } from "./merge";
import { buildRows } from "./rows";
import { MemoryBackend } from "./memory";
import { markPlatform } from "./platform";

const msg = (seq: number, at = seq * 1000): Message => ({
  id: seq,
  chat_id: 1,
  seq,
  sender_id: 1,
  sender_name: "A",
  kind: "text",
  text: `m${seq}`,
  files: [],
  notice: null,
  client_msg_id: null,
  created_at: at,
});
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => msg(a + i));

describe("linkify", () => {
  it("finds http(s) and www links and trims punctuation", () => {
    expect(linkify("see https://a.example.com/x?y=1, then (http://b.example.com).")).toEqual([
      { text: "see " },
      { text: "https://a.example.com/x?y=1", href: "https://a.example.com/x?y=1" },
      { text: ", then (" },
      { text: "http://b.example.com", href: "http://b.example.com" },
      { text: ")." },
    ]);
    expect(linkify("www.example.com")).toEqual([{ text: "www.example.com", href: "https://www.example.com" }]);
    expect(linkify("javascript:alert(1) mailto:x@y.z")).toEqual([{ text: "javascript:alert(1) mailto:x@y.z" }]);
    expect(linkify("https://en.wikipedia.org/wiki/Okno_(film)")[0].href).toBe("https://en.wikipedia.org/wiki/Okno_(film)");
  });
});

describe("merging pages", () => {
  it("keeps older pages when the newest page continues them", () => {
    const cur = range(1, 100);
    const r = mergeNewest(cur, range(60, 101));
    expect(r.messages.map((m) => m.seq)).toEqual(range(1, 101).map((m) => m.seq));
    expect(r.replaced).toBe(false);
  });
  it("reports an unchanged page", () => {
    const cur = range(1, 100);
    expect(mergeNewest(cur, range(51, 100)).same).toBe(true);
  });
  it("drops older pages when a gap opens", () => {
    const r = mergeNewest(range(1, 50), range(80, 129));
    expect(r.replaced).toBe(true);
    expect(r.messages[0].seq).toBe(80);
  });
  it("prepends an older page without duplicates", () => {
    expect(mergeOlder(range(51, 100), range(1, 55)).map((m) => m.seq)).toEqual(range(1, 100).map((m) => m.seq));
  });
});

describe("rows", () => {
  it("adds a date separator per day and groups runs of one sender", () => {
    const day = 86_400_000;
    const base = new Date(2024, 0, 10, 12).getTime();
    const rows = buildRows([msg(1, base), msg(2, base + 60_000), msg(3, base + day)], [], 1, { now: base + 2 * day });
    expect(rows.map((r) => r.type)).toEqual(["date", "message", "message", "date", "message"]);
    const m = rows.filter((r) => r.type === "message");
    expect(m.map((r) => [r.head, r.tail])).toEqual([
      [true, false],
      [false, true],
      [true, true],
    ]);
  });
});

describe("working hours", () => {
  it("groups consecutive days with equal hours", () => {
    const g = groupHours([
      ...[1, 2, 3, 4, 5].map((weekday) => ({ weekday, open: "09:00", close: "18:00" })),
      { weekday: 6, open: "10:00", close: "14:00" },
    ]);
    expect(g.map((x) => [x.days, x.hours, x.closed])).toEqual([
      ["Mon–Fri", "9:00 AM–6:00 PM", false],
      ["Sat", "10:00 AM–2:00 PM", false],
      ["Sun", "", true],
    ]);
  });

  it("writes the hours on the reader's clock", () => {
    const day = (open: string, close: string) => groupHours([{ weekday: 1, open, close }])[0].hours;
    expect(day("00:00", "24:00")).toBe("12:00 AM–12:00 AM");
    expect(day("12:30", "13:00")).toBe("12:30 PM–1:00 PM");
    setLang("en", "en-GB");
    try {
      expect(day("09:00", "18:00")).toBe("09:00–18:00");
      expect(day("00:00", "24:00")).toBe("00:00–24:00");
    } finally {
      setLang("en", null);
    }
    setLang("ru");
    try {
      expect(day("9:00", "18:00")).toBe("09:00–18:00");
    } finally {
      setLang("en");
    }
  });
});

describe("MemoryBackend", () => {
  it("pages messages by seq and keeps the outbox on the page", async () => {
    const mb = new MemoryBackend({ manual: true });
    mb.addAccount("u", "p", "U");
    mb.signInAs("u");
    const c = mb.addCompany("C");
    const l = mb.addLine(c, { name: "L" });
    const chat = mb.connect(l.id).chat_id!;
    for (let i = 0; i < 120; i++) mb.addMessage(chat, { from: "me", text: `t${i}` });
    const p1 = await mb.messages(chat, null, 50);
    expect([p1.messages[0].seq, p1.messages.at(-1)!.seq, p1.has_older]).toEqual([71, 120, true]);
    const p2 = await mb.messages(chat, 71, 50);
    expect([p2.messages[0].seq, p2.messages.at(-1)!.seq, p2.has_older]).toEqual([21, 70, true]);
    const p3 = await mb.messages(chat, 21, 50);
    expect([p3.messages.length, p3.has_older]).toEqual([20, false]);
    const id = await mb.send(chat, "hi", []);
    expect((await mb.messages(chat, null, 1)).pending.map((p) => [p.client_msg_id, p.state])).toEqual([[id, "sending"]]);
    mb.deliverAll();
    const after = await mb.messages(chat, null, 3);
    expect(after.pending).toHaveLength(0);
    // The first message with no open ticket registers one: the message, then the notice, then
    // the routing step (no specialist serves the line: it waits in the queue, first).
    expect(after.messages.map((m) => m.kind)).toEqual(["text", "notice", "notice"]);
    expect(after.messages.map((m) => m.notice?.type ?? null)).toEqual([null, "ticket_registered", "ticket_queued"]);
    expect(after.messages[0].client_msg_id).toBe(id);
  });

  it("refuses what the real core refuses", async () => {
    const mb = new MemoryBackend({ manual: true });
    mb.addAccount("u", "p", "U");
    mb.signInAs("u");
    const c = mb.addCompany("C");
    const l = mb.addLine(c, { name: "L" });
    const chat = mb.connect(l.id).chat_id!;
    await expect(mb.send(chat, "   ", [])).rejects.toMatchObject({ code: "invalid_input" });
    await expect(mb.send(chat, "x".repeat(10_001), [])).rejects.toMatchObject({ code: "text_too_long", size: 10_001, limit: 10_000 });
    const eleven = Array.from({ length: 11 }, (_, i) => `/tmp/f${i}.txt`);
    await expect(mb.send(chat, "", eleven)).rejects.toMatchObject({ code: "too_many_files", size: 11, limit: 10 });
    mb.addLocalFile("/tmp/dir", -1);
    await expect(mb.send(chat, "", ["/tmp/dir"])).rejects.toMatchObject({ code: "not_a_file", name: "dir" });
    // Invisible control characters go, as the core leaves them out.
    await mb.send(chat, "a\u0000b\u000bc\n\td", []);
    expect(mb.sent.at(-1)!.text).toBe("abc\n\td");
    await expect(mb.openUrl("file:///etc/passwd")).rejects.toMatchObject({ code: "invalid_input" });
    await expect(mb.requestConnection(l.id)).rejects.toMatchObject({ code: "not_found" }); // not published
    await expect(mb.messages(999, null, 50)).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("rating prompts", () => {
  const notice = (seq: number, n: Notice): Message => ({
    id: seq, chat_id: 1, seq, sender_id: null, sender_name: "", kind: "notice", text: "", files: [], notice: n, client_msg_id: null, created_at: seq,
  });
  it("only the chat's latest ticket, closed and not followed by a new one, asks", () => {
    const closed1 = notice(1, { type: "ticket_closed", ticket_id: 1, number: 1, result: "" });
    const reg2 = notice(2, { type: "ticket_registered", ticket_id: 2, number: 2 });
    const closed2 = notice(3, { type: "ticket_closed", ticket_id: 2, number: 2, result: "ok" });
    expect(lastRateable([closed1])).toBe(1);
    expect(lastRateable([closed1, reg2])).toBeNull();
    expect(lastRateable([closed1, reg2, closed2])).toBe(2);
    expect(lastRateable([])).toBeNull();
  });
});

describe("merging a page", () => {
  it("a notice updated in place (a queue position) replaces the loaded one", () => {
    const q = (position: number): Message => ({
      id: 9, chat_id: 1, seq: 1, sender_id: null, sender_name: "", kind: "notice", text: "", files: [],
      notice: { type: "ticket_queued", ticket_id: 1, number: 1, position }, client_msg_id: null, created_at: 1,
    });
    const before = [q(3)];
    const same = mergeNewest(before, [q(3)]);
    expect(same.same).toBe(true);
    const moved = mergeNewest(before, [q(2)]);
    expect(moved.same).toBe(false);
    expect(moved.messages[0].notice).toMatchObject({ position: 2 });
  });
});

describe("markPlatform", () => {
  const ua = {
    webkitgtk: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
    chromeLinux: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36",
    mac: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)",
    windows: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36 Edg/140.0",
    android: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Mobile Safari/537.36",
  };
  it("marks Linux desktops only, where app.css keeps the font stacks short", () => {
    const on = (s: string) => {
      const el = document.createElement("html");
      markPlatform(el, s);
      return el.dataset.os ?? null;
    };
    expect(on(ua.webkitgtk)).toBe("linux");
    expect(on(ua.chromeLinux)).toBe("linux");
    expect(on(ua.mac)).toBeNull();
    expect(on(ua.windows)).toBeNull();
    expect(on(ua.android)).toBeNull();
  });
});

describe("addressBreaks", () => {
  it("breaks an e-mail address after @ and before its dots, and keeps the text", () => {
    const text = "+7 495 000-00-00, anna@romashka.example";
    const parts = addressBreaks(text);
    expect(parts).toEqual(["+7 495 000-00-00, anna@", "romashka", ".example"]);
    expect(parts.join("")).toBe(text);
  });
  it("leaves numbers, ellipses and plain text whole", () => {
    expect(addressBreaks("v1.2 costs 3.50... ok")).toEqual(["v1.2 costs 3.50... ok"]);
    expect(addressBreaks("")).toEqual([]);
  });
});
