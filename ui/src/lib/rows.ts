// The chat history as a flat list of rows for the virtualized list: date separators,
// messages (grouped by sender) and the pending sends after them.
import type { Message, MessageId, OutboxItem, UserId } from "./backend";
import { dayKey, formatDay } from "./format";

export type Row =
  | { type: "loader"; key: string }
  | { type: "date"; key: string; at: number; label: string }
  /** Before the first message that was unread when the chat opened. */
  | { type: "unread"; key: string }
  | {
      type: "message";
      key: string;
      msg: Message;
      mine: boolean;
      /** First of a run from the same sender: shows the name. */
      head: boolean;
      /** Last of a run: the bubble gets its tail and more space after it. */
      tail: boolean;
    }
  | { type: "pending"; key: string; item: OutboxItem; tail: boolean };

const GROUP_GAP = 5 * 60_000;

export function buildRows(
  messages: readonly Message[],
  pending: readonly OutboxItem[],
  me: UserId | null,
  opts: { loader?: boolean; now?: number; unreadFrom?: MessageId | null } = {},
): Row[] {
  const now = opts.now ?? Date.now();
  const rows: Row[] = [];
  if (opts.loader) rows.push({ type: "loader", key: "loader" });
  let lastDay = -1;
  let prev: Message | null = null;
  let prevRow: Extract<Row, { type: "message" }> | null = null;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    const day = dayKey(m.created_at);
    if (day !== lastDay) {
      rows.push({ type: "date", key: "d" + day, at: m.created_at, label: formatDay(m.created_at, now) });
      lastDay = day;
      prev = null;
    }
    const mine = m.kind !== "notice" && me != null && m.sender_id === me;
    const sameRun =
      prev != null &&
      m.kind !== "notice" &&
      prev.kind !== "notice" &&
      prev.sender_id === m.sender_id &&
      m.created_at - prev.created_at < GROUP_GAP;
    if (m.id === opts.unreadFrom) rows.push({ type: "unread", key: "unread" });
    if (prevRow && !sameRun) prevRow.tail = true;
    const row = { type: "message" as const, key: "m" + m.id, msg: m, mine, head: !sameRun, tail: false };
    rows.push(row);
    prevRow = row;
    prev = m;
  }
  if (prevRow) prevRow.tail = true;
  if (pending.length) {
    const today = dayKey(now);
    if (lastDay !== today) rows.push({ type: "date", key: "d" + today, at: now, label: formatDay(now, now) });
    pending.forEach((item, i) =>
      rows.push({ type: "pending", key: "p" + item.client_msg_id, item, tail: i === pending.length - 1 }),
    );
  }
  return rows;
}

/** A first guess of a row's height before it is measured (px). */
export function estimateHeight(row: Row): number {
  switch (row.type) {
    case "loader":
      return 40;
    case "date":
      return 44;
    case "unread":
      return 40;
    case "message": {
      const m = row.msg;
      if (m.kind === "notice") return 40;
      return bubbleHeight(m.text, m.files.length, row.head && !row.mine) + (row.tail ? 8 : 2);
    }
    case "pending":
      return bubbleHeight(row.item.text, row.item.files.length, false) + 10 + (row.item.state === "failed" ? 34 : 0);
  }
}

function bubbleHeight(text: string, files: number, name: boolean): number {
  let lines = 0;
  if (text) {
    for (const para of text.split("\n")) lines += Math.max(1, Math.ceil(para.length / 58));
  }
  return 16 + (name ? 20 : 0) + lines * 20 + files * 50 + (lines ? 0 : 14);
}
