// The line's newest message as one line of plain text under its name in the lines list: a
// notice in the reader's words, a bot's Markdown without its marks, files by name or count, and
// "You:" before the reader's own messages; and a draft left in a line's composer.
import type { Draft } from "../lib/app.svelte";
import type { Message, OutboxItem, UserId } from "../lib/backend";
import { t, tn } from "../lib/i18n";
import { parseMarkdown, type Inline } from "../lib/markdown";
import { noticeText } from "../chat/notice";

/** Text on one line: every run of white space (line breaks too) one space, none at the ends. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

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
  return withFiles(oneLine(text), m.files);
}

/** Text, or for a message with files "📎" and its caption, else the one file's name or a count. */
function withFiles(line: string, files: { name: string }[]): string {
  if (files.length === 0) return line;
  const names = files.length === 1 ? files[0].name : tn("lines.files", files.length);
  return `📎 ${line || names}`;
}

/** The reader's own send the server has not acknowledged yet, as "You: …". */
export function pendingPreview(p: OutboxItem): string {
  return t("lines.you", { text: withFiles(oneLine(p.text), p.files) });
}

export function linePreview(m: Message, me: UserId | null): string {
  const w = words(m);
  return m.sender_id != null && m.sender_id === me ? t("lines.you", { text: w }) : w;
}

/** A draft as the lines list shows it: its text, else how many files; null when empty. */
export function draftPreview(d: Draft | undefined): string | null {
  const text = oneLine(d?.text ?? "");
  if (text) return text;
  return d?.files.length ? tn("lines.files", d.files.length) : null;
}
