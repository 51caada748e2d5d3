// The app's shared state: who is signed in, the sync state, the lines list, the selection,
// search mode and the panels. Components get it from context (`useApp()`).
import { getContext, setContext } from "svelte";
import { SvelteMap } from "svelte/reactivity";
import type { AppInfo, Backend, DroppedFile } from "./backend";
import type { ApiError, CoreEvent, LineItem, Me, Message, SyncState } from "./proto/api";
import type { ChatId, LineId, MessageId, TicketId } from "./proto/ids";
import { pushEscape } from "./escape";
import { mark, markNextFrame } from "./marks";
import { TicketsState } from "./tickets.svelte";

export type Section = "lines" | "tickets";

export interface TransferState {
  done: number;
  total: number;
  finished: boolean;
  error: string | null;
}

export interface Draft {
  text: string;
  files: DroppedFile[];
}

/** The browsers' zoom steps, up to 200 % (what WCAG asks text to reach; beyond it the window's
 *  smallest size would not hold the lines list and a chat). */
const ZOOM_STEPS = [0.5, 0.67, 0.75, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2];
const EMPTY_DRAFT = JSON.stringify({ text: "", files: [] });

/** A draft as the core keeps it: the text and each file's path and name, in that order (its
 *  JSON tells whether the core already has it). */
function keptForm(d: Draft): Draft {
  return { text: d.text, files: d.files.map((f) => ({ path: f.path, name: f.name })) };
}
/** Typing pauses this long before the core keeps the draft. */
const DRAFT_SAVE_AFTER = 400;

type ChatListener = (e: CoreEvent & { chat_id: ChatId }) => void;

export class AppState {
  readonly backend: Backend;

  ready = $state(false);
  me = $state<Me | null>(null);
  info = $state.raw<AppInfo | null>(null);
  sync = $state<SyncState>("idle");
  /** What the banner says: the last problem (offline, or the session the server ended), kept
   *  through the reconnect attempts that follow it until the core is online again. */
  problem = $state<"offline" | "session_ended" | null>(null);
  /** Why the server cannot be reached, while offline (`{code, message}` from the core: a
   *  certificate, the network's proxy…), kept through the reconnect attempts too. */
  offlineBecause = $state.raw<ApiError | null>(null);

  /** Employees (specialists, admins) switch between their own Lines and the Tickets section. */
  section = $state<Section>("lines");
  readonly tickets: TicketsState;
  isStaff = $derived(!!this.me && this.me.memberships.length > 0);

  lines = $state.raw<LineItem[]>([]);
  linesLoaded = $state(false);
  selectedLineId = $state<LineId | null>(null);

  infoOpen = $state(false);
  searchMode = $state(false);
  /** Bumped to ask the search field to take focus. */
  searchFocus = $state(0);
  /** Files dragged over the window, or null. */
  dragging = $state<{ count: number } | null>(null);
  /** A message to show in its chat (a search hit): the chat loads back to it and marks it. */
  focus = $state.raw<{ chat: ChatId; seq: number; id: MessageId } | null>(null);

  /** Upload progress by transfer id ("up:<client_msg_id>:<index>"). */
  readonly transfers = new SvelteMap<string, TransferState>();
  /** The page's zoom (1 is 100 %): Ctrl+= / Ctrl+- / Ctrl+0. */
  zoom = $state(1);

  /** Zooms in (1), out (-1) or back to 100 % (0), by the steps browsers use. */
  async stepZoom(dir: 1 | -1 | 0): Promise<void> {
    const z = this.zoom;
    const next =
      dir === 0 ? 1 : dir > 0 ? (ZOOM_STEPS.find((s) => s > z + 1e-6) ?? z) : ([...ZOOM_STEPS].reverse().find((s) => s < z - 1e-6) ?? z);
    if (next === z) return;
    try {
      this.zoom = await this.backend.setZoom(next);
    } catch {
      // The page stays as it is.
    }
  }

  /** Unsent composer contents per chat (the lines list shows them for the other lines), kept by
   *  the core across restarts (`keepDraft`). */
  readonly drafts = new SvelteMap<ChatId, Draft>();
  /** What the core keeps of each chat's draft (as JSON), and the saves waiting to be made. */
  private draftsKept = new Map<ChatId, string>();
  private draftTimers = new Map<ChatId, ReturnType<typeof setTimeout>>();

  selected = $derived(this.lines.find((l) => l.line.id === this.selectedLineId) ?? null);
  unreadTotal = $derived(this.lines.reduce((n, l) => n + (l.muted ? 0 : l.unread), 0));

  /** Settles once the first screen has its content: the sign-in screen, or the lines list read
   * from the cache (the Tickets lists come from the server and are not waited for). The desktop
   * shell keeps its window hidden until then (see ARCHITECTURE.md, "Start"). */
  readonly firstContent: Promise<void>;
  private firstContentDone: () => void = () => {};

  private chatListeners = new Set<ChatListener>();
  private dropListeners = new Set<(files: DroppedFile[]) => void>();
  private linesInFlight: Promise<void> | null = null;
  private linesDirty = false;
  private unsubscribe: (() => void)[] = [];
  private popSearch: (() => void) | null = null;
  private popInfo: (() => void) | null = null;

  constructor(backend: Backend) {
    this.backend = backend;
    this.firstContent = new Promise((resolve) => (this.firstContentDone = resolve));
    this.tickets = new TicketsState(backend);
  }

  /** Reads the start state and subscribes to the shell's events (once). */
  async start(): Promise<void> {
    const b = this.backend;
    this.unsubscribe.push(
      b.onEvent((e) => this.onCoreEvent(e)),
      b.onDrag((e) => {
        if (e.type === "enter") this.dragging = { count: e.count };
        else if (e.type === "over") this.dragging ??= { count: 0 };
        else if (e.type === "leave") this.dragging = null;
        else {
          this.dragging = null;
          if (e.files.length) for (const f of this.dropListeners) f(e.files);
        }
      }),
      b.onOpenChat((chat) => this.openChat(chat)),
    );
    try {
      // Read after subscribing (main.ts read it once already, for the locale): a change of the
      // sync state in between would otherwise be missed.
      const info = await b.info();
      mark("app-info");
      this.info = info;
      this.zoom = info.zoom ?? 1;
      this.me = info.me;
      this.setSync(info.sync_state, info.sync_error ?? null);
    } catch {
      // The shell could not say who is signed in: offer to sign in.
      this.me = null;
    }
    this.ready = true;
    try {
      if (this.me) await this.afterSignIn();
    } finally {
      this.firstContentDone();
    }
  }

  private async afterSignIn(): Promise<void> {
    const staff = !!this.me?.memberships.length;
    this.section = staff ? "tickets" : "lines";
    await Promise.all([
      this.reloadLines(),
      this.reloadDrafts(),
      staff ? this.tickets.reload() : null,
      staff ? this.tickets.reloadAgents() : null,
    ]);
  }

  /** The drafts the core kept (from before a restart); what is being typed meanwhile wins. */
  private async reloadDrafts(): Promise<void> {
    try {
      for (const d of await this.backend.drafts()) {
        const draft = keptForm(d);
        this.draftsKept.set(d.chat_id, JSON.stringify(draft));
        if (!this.drafts.has(d.chat_id)) this.drafts.set(d.chat_id, draft);
      }
    } catch {
      // No drafts to show is no reason to keep the lines from showing.
    }
  }

  /** A chat's composer changed: shown in the lines list at once, kept by the core a moment
   *  after the typing stops (at once when emptied, so a sent message never comes back). */
  keepDraft(chat: ChatId, draft: Draft): void {
    this.drafts.set(chat, draft);
    const kept = keptForm(draft);
    const json = JSON.stringify(kept);
    clearTimeout(this.draftTimers.get(chat));
    this.draftTimers.delete(chat);
    if (json === (this.draftsKept.get(chat) ?? EMPTY_DRAFT)) return;
    const save = () => {
      this.draftTimers.delete(chat);
      this.draftsKept.set(chat, json);
      this.backend.setDraft({ chat_id: chat, ...kept }).catch(() => this.draftsKept.delete(chat));
    };
    if (json === EMPTY_DRAFT) save();
    else this.draftTimers.set(chat, setTimeout(save, DRAFT_SAVE_AFTER));
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
  }

  async login(server: string | null, login: string, password: string): Promise<void> {
    const me = await this.backend.login(server, login, password);
    this.info = await this.backend.info();
    this.setSync(this.info.sync_state, this.info.sync_error ?? null);
    this.me = me;
    await this.afterSignIn();
  }

  /** The server ended the session: the same account signs in again on the same server, and
   *  the cache, the outbox (which then sends) and what is on screen stay as they are. */
  async signInAgain(password: string): Promise<void> {
    if (!this.me || !this.info) return;
    const server = this.info.embedded ? null : this.info.server_url;
    this.me = await this.backend.login(server, this.me.login, password);
    this.info = await this.backend.info();
    this.setSync(this.info.sync_state, this.info.sync_error ?? null);
    await this.reloadLines();
  }

  async logout(discardUnsent = false): Promise<void> {
    await this.backend.logout(discardUnsent);
    this.signedOut();
  }

  private signedOut(): void {
    this.me = null;
    this.problem = null;
    this.offlineBecause = null;
    this.lines = [];
    this.linesLoaded = false;
    this.selectedLineId = null;
    this.focus = null;
    this.closeInfo();
    this.leaveSearch();
    this.transfers.clear();
    this.drafts.clear();
    for (const timer of this.draftTimers.values()) clearTimeout(timer);
    this.draftTimers.clear();
    this.draftsKept.clear();
    this.tickets.clear();
    this.section = "lines";
    void this.backend.setOpenChat(null);
  }

  /** A reconnect attempt ("connecting") leaves the problem shown, so the banner does not blink
   *  off and on with each attempt while the server stays unreachable. */
  private setSync(state: SyncState, error: ApiError | null = null): void {
    this.sync = state;
    if (state === "offline" || state === "session_ended") this.problem = state;
    else if (state !== "connecting") this.problem = null;
    if (state === "offline") this.offlineBecause = error;
    else if (state !== "connecting") this.offlineBecause = null;
  }

  private onCoreEvent(e: CoreEvent): void {
    switch (e.type) {
      case "sync_state":
        this.setSync(e.state, e.error ?? null);
        break;
      case "signed_out":
        if (this.me) this.signedOut();
        break;
      case "lines_changed":
        void this.reloadLines();
        break;
      case "chat_changed":
        void this.reloadLines();
        // Unread counts of listed tickets follow their chats.
        if (this.isStaff && this.tickets.byChat(e.chat_id)) void this.tickets.reload();
        for (const l of this.chatListeners) l(e);
        break;
      case "new_message":
        if (this.isStaff && this.tickets.byChat(e.chat_id)) void this.tickets.reload();
        for (const l of this.chatListeners) l(e);
        break;
      case "outbox_changed":
        // The lines list shows a line's newest send until the server has it.
        void this.reloadLines();
        for (const l of this.chatListeners) l(e);
        break;
      case "messages_changed":
        for (const l of this.chatListeners) l(e);
        break;
      case "ticket_changed":
        if (this.isStaff) void this.tickets.reload();
        for (const l of this.chatListeners) l(e);
        break;
      case "ticket_queued":
        if (this.isStaff) void this.tickets.reload();
        break;
      case "agent_changed":
        if (this.isStaff) void this.tickets.reloadAgents();
        break;
      case "transfer":
        this.transfers.set(e.transfer_id, {
          done: e.done,
          total: e.total,
          finished: e.finished,
          error: e.error ?? null,
        });
        break;
    }
  }

  /** Re-reads the lines list; calls during a read coalesce into one more read. */
  reloadLines(): Promise<void> {
    if (this.linesInFlight) {
      this.linesDirty = true;
      return this.linesInFlight;
    }
    const run = async (): Promise<void> => {
      do {
        this.linesDirty = false;
        try {
          if (!this.me) return;
          if (!this.linesLoaded) mark("lines-ask");
          this.lines = await this.backend.lines();
          if (!this.linesLoaded) {
            mark("lines");
            markNextFrame("lines-frame");
          }
          this.linesLoaded = true;
        } catch {
          // Keep what is shown; the next event re-reads.
        }
        this.firstContentDone();
      } while (this.linesDirty);
    };
    this.linesInFlight = run().finally(() => (this.linesInFlight = null));
    return this.linesInFlight;
  }

  onChatEvent(l: ChatListener): () => void {
    this.chatListeners.add(l);
    return () => this.chatListeners.delete(l);
  }

  onDrop(l: (files: DroppedFile[]) => void): () => void {
    this.dropListeners.add(l);
    return () => this.dropListeners.delete(l);
  }

  /** Alt+↑ / Alt+↓: the line above or below the selected one in the lines list (the first or
   *  the last when none is selected); false when there is none to go to. */
  selectNext(step: 1 | -1): boolean {
    if (!this.lines.length) return false;
    const at = this.lines.findIndex((l) => l.line.id === this.selectedLineId);
    const next = at < 0 ? (step > 0 ? 0 : this.lines.length - 1) : at + step;
    if (next < 0 || next >= this.lines.length) return false;
    this.select(this.lines[next].line.id);
    return true;
  }

  select(line: LineId | null): void {
    if (line !== this.selectedLineId) this.closeInfo();
    this.selectedLineId = line;
  }

  /** Opens a search hit: leaves search mode, selects its line and shows the message. */
  openMessage(line: LineId, m: Message): void {
    this.leaveSearch();
    this.select(line);
    this.focus = { chat: m.chat_id, seq: m.seq, id: m.id };
  }

  showSection(section: Section): void {
    if (section === "tickets" && !this.isStaff) return;
    if (section !== this.section) this.closeInfo();
    this.section = section;
    if (section === "tickets") {
      this.leaveSearch();
      void this.tickets.reload();
    }
  }

  openTicket(ticket: TicketId): void {
    this.showSection("tickets");
    this.tickets.selectedId = ticket;
  }

  openChat(chat: ChatId): void {
    const item = this.lines.find((l) => l.chat_id === chat);
    // An employee's notification for a ticket's chat opens the ticket.
    const ticket = !item && this.isStaff ? this.tickets.byChat(chat) : null;
    if (ticket) {
      this.openTicket(ticket.ticket.id);
      return;
    }
    if (item) {
      this.section = "lines";
      this.leaveSearch();
      this.select(item.line.id);
    } else {
      // The list may not know the chat yet: re-read, then try once more.
      void this.reloadLines().then(() => {
        const again = this.lines.find((l) => l.chat_id === chat);
        if (again) this.select(again.line.id);
      });
    }
  }

  /** Mutes or unmutes a line's chat; the list shows it at once. */
  async setMuted(item: LineItem, muted: boolean): Promise<void> {
    if (item.chat_id == null) return;
    await this.backend.setMuted(item.chat_id, muted);
    await this.reloadLines();
  }

  toggleInfo(): void {
    if (this.infoOpen) this.closeInfo();
    else this.openInfo();
  }

  openInfo(): void {
    if (this.infoOpen) return;
    this.infoOpen = true;
    this.popInfo = pushEscape(() => this.closeInfo());
  }

  closeInfo(): void {
    this.infoOpen = false;
    this.popInfo?.();
    this.popInfo = null;
  }

  enterSearch(focus = true): void {
    this.section = "lines";
    if (!this.searchMode) {
      this.searchMode = true;
      this.popSearch = pushEscape(() => this.leaveSearch());
    }
    if (focus) this.searchFocus++;
  }

  leaveSearch(): void {
    if (!this.searchMode) return;
    this.searchMode = false;
    this.popSearch?.();
    this.popSearch = null;
    const active = typeof document !== "undefined" ? document.activeElement : null;
    if (active instanceof HTMLElement && active.dataset.testid === "search-input") active.blur();
  }
}

const KEY = Symbol("okno-app");

export function provideApp(state: AppState): void {
  setContext(KEY, state);
}

export function useApp(): AppState {
  const s = getContext<AppState>(KEY);
  if (!s) throw new Error("AppState missing from context");
  return s;
}
