// The specialist's single window: the three ticket lists (queue, mine, all open), the counts,
// the selected ticket and the specialist's presence. Re-read (coalesced) whenever the core says
// a ticket, a chat of a listed ticket or the agent record changed: counts stay right without a
// reload.
import type { Agent, Presence, TicketItem, TicketView } from "./proto/api";
import type { ChatId, TicketId } from "./proto/ids";
import type { Backend } from "./backend";
import { errorText } from "./errors";

export const VIEWS: TicketView[] = ["queued", "mine", "open"];

export class TicketsState {
  private readonly backend: Backend;

  tab = $state<TicketView>("queued");
  lists = $state.raw<Record<TicketView, TicketItem[]>>({ queued: [], mine: [], open: [] });
  loaded = $state(false);
  error = $state<string | null>(null);
  agents = $state.raw<Agent[]>([]);
  selectedId = $state<TicketId | null>(null);
  /** The clock for live waiting times, ticking every second while the section is shown. */
  now = $state(Date.now());

  waiting = $derived(this.lists.queued.length);
  mine = $derived(this.lists.mine.length);
  unreadMine = $derived(this.lists.mine.reduce((n, i) => n + i.unread, 0));
  presence = $derived<Presence>(this.agents.find((a) => a.presence === "online")?.presence ?? this.agents[0]?.presence ?? "offline");
  /** The selected ticket as the lists know it (the view reads its detail itself). */
  selected = $derived(this.find(this.selectedId));

  private inFlight: Promise<void> | null = null;
  private dirty = false;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(backend: Backend) {
    this.backend = backend;
  }

  find(id: TicketId | null): TicketItem | null {
    if (id == null) return null;
    for (const v of VIEWS) {
      const hit = this.lists[v].find((i) => i.ticket.id === id);
      if (hit) return hit;
    }
    return null;
  }

  byChat(chat: ChatId): TicketItem | null {
    for (const v of VIEWS) {
      const hit = this.lists[v].find((i) => i.ticket.chat_id === chat);
      if (hit) return hit;
    }
    return null;
  }

  /** Re-reads the lists; calls during a read coalesce into one more read. */
  reload(): Promise<void> {
    if (this.inFlight) {
      this.dirty = true;
      return this.inFlight;
    }
    const run = async () => {
      do {
        this.dirty = false;
        try {
          const [queued, mine, open] = await Promise.all(VIEWS.map((v) => this.backend.tickets(v)));
          this.lists = { queued, mine, open };
          this.loaded = true;
          this.error = null;
        } catch (e) {
          this.error = errorText(e);
        }
      } while (this.dirty);
    };
    this.inFlight = run().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  async reloadAgents(): Promise<void> {
    try {
      this.agents = await this.backend.myAgents();
    } catch {
      // Keep what is shown; the next event re-reads.
    }
  }

  async setPresence(p: Presence): Promise<void> {
    this.agents = await this.backend.setPresence(p);
  }

  startClock(): () => void {
    this.timer ??= setInterval(() => (this.now = Date.now()), 1000);
    return () => {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
    };
  }

  clear(): void {
    this.lists = { queued: [], mine: [], open: [] };
    this.loaded = false;
    this.agents = [];
    this.selectedId = null;
  }
}
