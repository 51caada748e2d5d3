// Keeping older pages loaded while the newest page is re-read.
import type { Message } from "./backend";

export interface Merged {
  messages: Message[];
  /** The older messages were dropped (a gap opened between them and the new page). */
  replaced: boolean;
  /** Unchanged: the caller may keep its array (and its rendered rows). */
  same: boolean;
}

/** Merges a freshly read newest page into the loaded history (both oldest first). */
export function mergeNewest(current: readonly Message[], page: readonly Message[]): Merged {
  if (!page.length) return { messages: [], replaced: true, same: current.length === 0 };
  const low = page[0].seq;
  let lo = 0;
  let hi = current.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (current[mid].seq < low) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && current[lo - 1].seq !== low - 1) return { messages: [...page], replaced: true, same: false };
  if (lo + page.length === current.length) {
    let same = true;
    // Same ids and same content: a notice updated in place (a queue position) is a change.
    for (let i = 0; i < page.length && same; i++) same = current[lo + i].id === page[i].id && sameContent(current[lo + i], page[i]);
    if (same) return { messages: current as Message[], replaced: false, same: true };
  }
  return { messages: current.slice(0, lo).concat(page), replaced: false, same: false };
}

/** Prepends an older page, skipping anything already loaded. */
export function mergeOlder(current: readonly Message[], older: readonly Message[]): Message[] {
  if (!current.length) return [...older];
  const low = current[0].seq;
  return older.filter((m) => m.seq < low).concat(current);
}

function sameContent(a: Message, b: Message): boolean {
  if (a === b) return true;
  if (a.text !== b.text) return false;
  if (a.notice == null && b.notice == null) return true;
  return JSON.stringify(a.notice) === JSON.stringify(b.notice);
}
