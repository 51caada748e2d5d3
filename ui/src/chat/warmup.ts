// The first date separator, system notice or file to scroll into view used to cost a frame
// 9–13 ms of layout on its own: WebKitGTK finds and loads a font face the first time text of a
// new size and weight is laid out (12.5px for notices, 12.5px at weight 550 for dates…), and
// a scrolled frame has no room for that. So once per page, after the first chat has painted,
// one row of each kind is rendered out of sight, laid out and removed in the same task: the
// faces stay in WebKit's font cache, and nothing (a test, an assistive technology) ever sees
// the specimen in the document. The specimen is made of the real row component, so it follows
// any change to the rows' styles by itself.
import { flushSync, mount, unmount } from "svelte";
import type { Message, UserId } from "../lib/backend";
import { buildRows } from "../lib/rows";
import MessageRow from "./MessageRow.svelte";

let warmed = false;

/** Messages that between them use every font the rows use (their texts do not matter). */
function specimen(now: number): Message[] {
  const base = { chat_id: 0, client_msg_id: null, notice: null, files: [] };
  const at = (k: number) => now - (10 - k) * 600_000;
  return [
    {
      ...base,
      id: -1,
      seq: 1,
      sender_id: null,
      sender_name: "",
      kind: "notice",
      text: "",
      notice: {
        type: "ticket_transferred",
        ticket_id: 0,
        number: 1,
        to_line_name: "Line",
        comment: "Comment",
      },
      created_at: at(1),
    },
    { ...base, id: -2, seq: 2, sender_id: -2, sender_name: "Specialist", kind: "text", text: "Text https://example.org 0123456789", created_at: at(2) },
    {
      ...base,
      id: -3,
      seq: 3,
      sender_id: -1,
      sender_name: "Me",
      kind: "file",
      text: "",
      files: [{ id: 0, name: "report.pdf", size: 12_345, content_type: "application/pdf", sha256: "", created_at: at(3) }],
      created_at: at(3),
    },
  ];
}

/** Lays out one row of each kind inside `host` and removes them again, once per page.
 * Returns whether it did (false: already done, or no layout engine to warm). */
function warmRowFonts(host: HTMLElement): boolean {
  if (warmed || typeof document === "undefined") return false;
  warmed = true;
  const box = document.createElement("div");
  box.setAttribute("aria-hidden", "true");
  box.dataset.specimen = "";
  box.style.cssText = `position:absolute;left:0;top:0;width:${host.clientWidth || 600}px;visibility:hidden;pointer-events:none;contain:layout paint style`;
  host.appendChild(box);
  const me: UserId = -1;
  const now = Date.now();
  const rows = buildRows(specimen(now), [], me, { now });
  const noop = () => {};
  const parts = rows.map((row) =>
    mount(MessageRow, {
      target: box,
      props: { row, transfers: new Map(), onOpenUrl: noop, onOpenFile: noop, onRetry: noop, onCancel: noop },
    }),
  );
  flushSync();
  void box.offsetHeight;
  for (const p of parts) void unmount(p);
  box.remove();
  return true;
}

/** Warms the fonts in `host` once the frame being drawn has painted (not before: the first
 * chat shows first). Returns what cancels it (a list closed before then). */
export function warmRowFontsSoon(host: HTMLElement): () => void {
  if (warmed || typeof requestAnimationFrame === "undefined") return () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  const frame = requestAnimationFrame(() => (timer = setTimeout(() => warmRowFonts(host))));
  return () => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
  };
}

/** For tests: lets the next list warm the fonts again. */
export function resetWarmup() {
  warmed = false;
}
