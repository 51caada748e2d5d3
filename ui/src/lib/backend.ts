// The UI's only way to the rest of the app. `TauriBackend` calls the desktop shell's commands;
// `MemoryBackend` (memory.ts) is a faithful in-memory implementation for browser tests.
//
// Every call either resolves with its value or rejects with an `ApiError` ({code, message}).
// Changes arrive as `CoreEvent`s (ids only): the UI re-reads what it shows.

import type {
  ApiError,
  ChatPage,
  Draft as SavedDraft,
  CoreEvent,
  FileMeta,
  Line,
  LineItem,
  Me,
  SearchHit,
  SyncState,
  Connection,
  ServiceRequest,
  Agent,
  Presence,
  Service,
  ServiceRequestInput,
  ServiceRequestStatus,
  Ticket,
  TicketDetail,
  TicketItem,
  TicketView,
  Hint,
  LineAutomation,
  Message,
} from "./proto/api";
import type { ArticleId, ChatId, CompanyId, ConnectionId, FileId, LineId, MessageId, TicketId, UserId } from "./proto/ids";
import type { LocalZone } from "./clock";
export type * from "./proto/api";
export type * from "./proto/ids";
// `proto-ids.d.ts` lets `proto/api` answer for `ChatId` too (tauri.ts imports it from there):
// name the one to re-export.
export type { ChatId } from "./proto/ids";

/** What the shell knows at start. */
export interface AppInfo {
  me: Me | null;
  /** The server in use; signed out, the one the sign-in form starts with (the configured one,
   * or the last signed in to), if any. */
  server_url: string | null;
  /** True when the app runs its own server with demo data (no server configured) and uses it. */
  embedded: boolean;
  /** The built-in demo server runs: an empty address signs in to it. */
  demo_server?: boolean;
  sync_state: SyncState;
  /** Why the server cannot be reached, while offline (as the `sync_state` event says it). */
  sync_error?: ApiError | null;
  /** The system's locale (e.g. "ru_RU.UTF-8", "en-US"), when the shell knows it. */
  locale?: string | null;
  /** The page's zoom (1 is 100 %), kept across restarts. */
  zoom?: number;
  /** The locale of dates and times (`LC_TIME`): English's clock and date order follow its
   *  region. */
  time_locale?: string | null;
}

/** Starting Okno when the user logs in (the shell's; Linux only for now). */
export interface Autostart {
  /** The setting exists on this system (false: the page hides it). */
  supported: boolean;
  enabled: boolean;
}

/** A file dropped onto the window or picked with the attach button. */
/** A message's limits, as the wire has them (`okno_proto::MAX_MESSAGE_CHARS`, `MAX_MESSAGE_FILES`):
 *  the core refuses past them with the figures; the composer counts down to the first. */
export const MAX_MESSAGE_CHARS = 10_000;
export const MAX_MESSAGE_FILES = 10;

export interface DroppedFile {
  path: string;
  name: string;
}

export interface Backend {
  info(): Promise<AppInfo>;
  /** The system time zone's UTC offsets around now (lib/clock.ts); null where the page's own
   *  `Date` knows them (a browser). */
  localZone(): Promise<LocalZone | null>;
  /** Minutes east of UTC in the IANA time zone `name` now (a line's working hours); rejects
   *  with `invalid_input` for a name the time-zone database lacks. */
  zoneOffset(name: string): Promise<number>;
  /** `server_url` null: the embedded demo server. */
  login(server_url: string | null, login: string, password: string): Promise<Me>;
  /** Signs out. With messages still unsent it rejects with code `unsent` and changes nothing,
   *  unless `discardUnsent`. */
  logout(discardUnsent?: boolean): Promise<void>;

  lines(): Promise<LineItem[]>;
  /** Newest page when `before` is null; older pages with `before` = lowest seq shown. */
  messages(chat: ChatId, before: number | null, limit: number): Promise<ChatPage>;
  /** Queues a message (on disk before it resolves); returns its client message id. */
  send(chat: ChatId, text: string, files: string[]): Promise<string>;
  retry(clientMsgId: string): Promise<void>;
  cancel(clientMsgId: string): Promise<void>;
  cancelTransfer(transferId: string): Promise<void>;
  markRead(chat: ChatId, seq: number): Promise<void>;
  /** Mutes or unmutes a chat's notifications on this device; a muted chat's unread messages are
   * left out of the total (the tray, the docks). */
  setMuted(chat: ChatId, muted: boolean): Promise<void>;
  /** Zooms the page (0.5 to 2) and keeps the zoom for the next start; answers the zoom set. */
  setZoom(zoom: number): Promise<number>;
  /** Whether Okno starts when the user logs in. */
  autostart(): Promise<Autostart>;
  /** Turns starting at login on or off; answers the state after. */
  setAutostart(enabled: boolean): Promise<Autostart>;
  /** The drafts kept for the signed-in account (across restarts). */
  drafts(): Promise<SavedDraft[]>;
  /** Keeps a chat's draft; an empty one (blank text, no files) removes it. */
  setDraft(draft: SavedDraft): Promise<void>;
  search(query: string): Promise<SearchHit[]>;

  directory(query: string): Promise<Line[]>;
  recommended(): Promise<Line[]>;
  requestConnection(line: LineId): Promise<Connection>;
  disconnect(connection: ConnectionId): Promise<void>;

  chatFiles(chat: ChatId): Promise<FileMeta[]>;
  /** The user's open service requests on this chat's line. */
  serviceRequests(chat: ChatId): Promise<ServiceRequest[]>;
  openFile(file: FileId): Promise<void>;
  /** Opens an http(s) link in the system browser. */
  openUrl(url: string): Promise<void>;
  /** Picks files with the system dialog; empty when cancelled. */
  pickFiles(): Promise<DroppedFile[]>;
  /** The files the system clipboard holds (copied in a file manager), or its image saved as a
   *  PNG file; empty when it holds neither. */
  pasteFiles(): Promise<DroppedFile[]>;
  /** Tells the shell which chat is open (for the notification policy). */
  setOpenChat(chat: ChatId | null): Promise<void>;

  // ---- tickets: the specialist's single window (staff), and the user's rating

  /** A list of the specialist's tickets: queued (oldest first), mine, or all open. */
  tickets(view: TicketView): Promise<TicketItem[]>;
  /** One ticket (the client sees their own: the rating prompt reads it). */
  ticket(ticket: TicketId): Promise<Ticket>;
  /** A ticket with the client's card and its service requests (staff). */
  ticketDetail(ticket: TicketId): Promise<TicketDetail>;
  /** Takes a queued ticket; rejects with `conflict` when someone else was first. */
  takeTicket(ticket: TicketId): Promise<Ticket>;
  /** Transfers to a specialist (`toUser`) or a line (`toLine`), exactly one, with a comment. */
  transferTicket(ticket: TicketId, toUser: UserId | null, toLine: LineId | null, comment: string): Promise<Ticket>;
  closeTicket(ticket: TicketId, result: string): Promise<Ticket>;
  /** The client rates a closed ticket 1–5, once. */
  rateTicket(ticket: TicketId, rating: number, comment: string): Promise<Ticket>;
  /** The signed-in employee's agent records (presence, load, competences), one per company. */
  myAgents(): Promise<Agent[]>;
  setPresence(presence: Presence): Promise<Agent[]>;
  /** The company's specialists and admins (transfer dialog). */
  companyAgents(company: CompanyId): Promise<Agent[]>;
  /** The company's lines (transfer dialog). */
  companyLines(company: CompanyId): Promise<Line[]>;
  /** The company's service catalog. */
  services(company: CompanyId): Promise<Service[]>;
  registerServiceRequest(ticket: TicketId, input: ServiceRequestInput): Promise<ServiceRequest>;
  /** Staff move a service request to another status (the same status changes nothing); each
   *  change is a notice in the chat, and a done or cancelled request leaves the user's panel. */
  setServiceRequestStatus(request: number, status: ServiceRequestStatus): Promise<ServiceRequest>;

  // ---- the line's knowledge base, bot and menu (the user's side)

  /** Up to 5 questions from the line's knowledge base like `text` (best first); [] for blank. */
  hints(line: LineId, text: string): Promise<Hint[]>;
  /** A clicked hint: the question (as the user's message) and the bot's answer, in the chat. */
  hintClick(chat: ChatId, article: ArticleId): Promise<Message[]>;
  /** Presses a button under a bot message; returns the choice and the bot's reply. */
  press(chat: ChatId, message: MessageId, button: string): Promise<Message[]>;
  /** The bot shows the line's menu (top level) in the chat. */
  openMenu(chat: ChatId): Promise<Message[]>;
  /** What the line does by itself: bot mode, article count, whether it has a menu. */
  automation(line: LineId): Promise<LineAutomation>;

  /** Core events. Returns an unsubscribe function. */
  onEvent(handler: (e: CoreEvent) => void): () => void;
  /** Files dragged over / dropped onto the window. */
  onDrag(handler: (e: DragEvent_) => void): () => void;
  /** The shell asks to open a chat (a notification was clicked). */
  onOpenChat(handler: (chat: ChatId) => void): () => void;
}

export type DragEvent_ =
  | { type: "enter"; count: number }
  | { type: "over" }
  | { type: "leave" }
  | { type: "drop"; files: DroppedFile[] };

export function isApiError(e: unknown): e is ApiError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}
