// The line's newest message as one line of plain text under its name in the lines list: a
// notice in the reader's words, a bot's Markdown without its marks, files by name or count, and
// "You:" before the reader's own messages.
import type { Message, UserId } from "../lib/backend";
import { t, tn } from "../lib/i18n";
import { parseMarkdown, type Inline } from "../lib/markdown";
import { noticeText } from "../chat/notice";

function plain(inl: Inline[]): string {
  return inl.map((i) => i.text).join("");
}

function words(m: Message): string {
  if (m.notice) return noticeText(m.notice);
  const text = m.bot
    ? parseMarkdown(m.text)
        .map((b) => (b.t === "p" ? plain(b.inl) : b.items.map(plain).join(" ")))
        .join(" ")
    : m.text;
  const line = text.replace(/\s+/g, " ").trim();
  if (m.files.length === 0) return line;
  const files = m.files.length === 1 ? m.files[0].name : tn("lines.files", m.files.length);
  return `📎 ${line || files}`;
}

export function linePreview(m: Message, me: UserId | null): string {
  const w = words(m);
  return m.sender_id != null && m.sender_id === me ? t("lines.you", { text: w }) : w;
}
