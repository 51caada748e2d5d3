// Which closed ticket of a chat may still ask its client for a rating: the latest one, when no
// new ticket was registered after it (older unrated tickets stay quiet in the history).
import type { Message, TicketId } from "../lib/backend";

export const RATEABLE = Symbol("okno-rateable");

export interface Rateable {
  readonly id: TicketId | null;
}

export function lastRateable(messages: readonly Message[]): TicketId | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const n = messages[i].notice;
    if (!n) continue;
    if (n.type === "ticket_closed") return n.ticket_id;
    if (n.type === "ticket_registered") return null;
  }
  return null;
}
