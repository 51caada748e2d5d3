// An in-memory implementation of `Backend` that behaves like the desktop shell and its client
// core: the same ordering of lines, paging of messages, outbox states, transfer events,
// connection requests and CoreEvents (ids only, delivered asynchronously like the shell's).
// Used by the browser demo (`npx vite`), by the unit tests and by the scroll benchmark.
//
// Test helpers (not part of `Backend`): approve/reject a request, receive a message, change the
// sync state, make sends fail, deliver the outbox by hand, simulate drag-and-drop, and the
// recorded calls of openUrl/openFile/markRead/setOpenChat.
import { MAX_MESSAGE_CHARS, MAX_MESSAGE_FILES, type AppInfo, type Autostart, type Backend, type DragEvent_, type DroppedFile } from "./backend";
import type { ChatId, CompanyId, ConnectionId, FileId, LineId, TicketId, UserId } from "./proto/ids";
import type { LocalZone } from "./clock";
import type {
  Agent,
  ApiError,
  CatalogField,
  ClientCard,
  CompanyRole,
  Presence,
  Service,
  ServiceRequestInput,
  TicketDetail,
  TicketItem,
  TicketView,
  ChatPage,
  Company,
  Connection,
  CoreEvent,
  FileMeta,
  Line,
  LineItem,
  Me,
  Message,
  Notice,
  OutboxItem,
  SearchHit,
  ServiceRequest,
  ServiceRequestStatus,
  SyncState,
  Ticket,
  Article,
  ChatButton,
  Hint,
  LineAutomation,
  Menu,
  MenuItem,
} from "./proto/api";
import type { ArticleId, MessageId } from "./proto/ids";
import { validateFields } from "./catalog";

export interface MemoryOptions {
  /** Sends stay "sending" until `deliverAll()` (tests). Default false: delivered on timers. */
  manual?: boolean;
  /** Simulated network latency for deliveries, ms (timer mode). */
  latency?: number;
  /** Upload speed, bytes per second (timer mode). */
  uploadSpeed?: number;
  /** A specialist answers the user's first message in a while (demo). */
  autoReply?: boolean;
  /** The clock. */
  now?: () => number;
  /** Called by openUrl after validation (the demo opens a browser tab). */
  onOpenUrl?: (url: string) => void;
  embedded?: boolean;
}

interface Account {
  password: string;
  me: Me;
}

interface ChatRec {
  id: ChatId;
  line_id: LineId;
  user_id: UserId;
  read_seq: number;
  messages: Message[];
  ticket: Ticket | null;
  muted: boolean;
}

interface Upload {
  timers: ReturnType<typeof setTimeout>[];
}

const MAX_FILE_SIZE = 100 * 1024 * 1024;
const MAX_PAGE = 1000;
const SR_STATUSES: readonly ServiceRequestStatus[] = ["open", "in_progress", "done", "cancelled"];

function apiError(code: string, message: string, figures: Pick<ApiError, "retry_after" | "limit" | "size" | "name"> = {}): ApiError {
  return { code, message, ...figures };
}

function uuid(): string {
  if (typeof crypto !== "undefined" && "randomUUID" in crypto) return crypto.randomUUID();
  return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, (c) => {
    const r = (Math.random() * 16) | 0;
    return (c === "x" ? r : (r & 0x3) | 0x8).toString(16);
  });
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** Lower case with ё folded to е: the server's search normalisation. */
function fold(s: string): string {
  return s.toLowerCase().replace(/ё/g, "е");
}

function guessType(name: string): string {
  const ext = name.split(".").pop()?.toLowerCase() ?? "";
  const map: Record<string, string> = {
    png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp",
    pdf: "application/pdf", zip: "application/zip", txt: "text/plain", log: "text/plain",
    csv: "text/csv", mp4: "video/mp4", mp3: "audio/mpeg",
    doc: "application/msword", xls: "application/vnd.ms-excel",
    docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  };
  return map[ext] ?? "application/octet-stream";
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** Minutes east of UTC in the IANA zone `name` at the instant `ms`, from the browser's
 *  time-zone database (`Intl`); throws a RangeError for a zone it lacks. */
export function intlZoneOffset(name: string, ms: number): number {
  let f = offsetFormats.get(name);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: name, timeZoneName: "longOffset" });
    offsetFormats.set(name, f);
  }
  const value = f
    .formatToParts(ms)
    .find((p) => p.type === "timeZoneName")?.value;
  const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(value ?? "");
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

export class MemoryBackend implements Backend {
  // --- recorded calls, for tests ---
  readonly opened = { urls: [] as string[], files: [] as FileId[] };
  readonly reads: { chat: ChatId; seq: number }[] = [];
  readonly openChats: (ChatId | null)[] = [];
  readonly sent: { chat: ChatId; text: string; files: string[]; id: string }[] = [];

  /** What pickFiles() answers when no test set an answer (the demo's "system dialog"). */
  defaultPick: DroppedFile[] = [];

  private opts: Required<Omit<MemoryOptions, "onOpenUrl">> & Pick<MemoryOptions, "onOpenUrl">;
  private accounts = new Map<string, Account>();
  private me: Me | null = null;
  /** Drafts kept "across restarts": a new AppState on the same backend reads them back. */
  readonly draftMap = new Map<ChatId, import("./proto/api").Draft>();
  private serverUrl: string | null = null;
  private syncState: SyncState = "idle";
  private syncError: ApiError | null = null;
  private companies = new Map<number, Company>();
  private lineMap = new Map<LineId, Line>();
  private connections = new Map<ConnectionId, Connection>();
  private chats = new Map<ChatId, ChatRec>();
  private outbox: OutboxItem[] = [];
  private uploads = new Map<string, Upload>();
  private fileMeta = new Map<FileId, FileMeta>();
  private fs = new Map<string, number>();
  private requests: ServiceRequest[] = [];
  private ticketNumbers = new Map<number, number>();
  private srNumbers = new Map<number, number>();
  private failure: ApiError | null = null;
  private pickQueue: DroppedFile[] | null = null;
  private clipboard: DroppedFile[] = [];
  private ids = { user: 100, company: 1, line: 1, connection: 1, chat: 1, message: 1, file: 1, ticket: 1, sr: 1 };
  private handlers = new Set<(e: CoreEvent) => void>();
  private dragHandlers = new Set<(e: DragEvent_) => void>();
  private openChatHandlers = new Set<(c: ChatId) => void>();
  private replied = new Set<ChatId>();
  // --- tickets and routing ---
  private ticketMap = new Map<TicketId, Ticket>();
  /** By `${company}:${user}`. */
  private agentMap = new Map<string, Agent>();
  private catalog = new Map<CompanyId, Service[]>();
  private cards = new Map<string, Partial<ClientCard>>();
  /** Employees' read markers, by `${chat}:${user}` (the client's is on the chat). */
  private staffReads = new Map<string, number>();
  /** The one queue-position notice of each waiting ticket. */
  private queueNotice = new Map<TicketId, Message>();
  private catalogIds = { service: 1, workType: 1 };
  // --- knowledge base, bot, menus ---
  private articles = new Map<ArticleId, Article>();
  private menus = new Map<LineId, Menu>();
  private bots = new Map<LineId, { id: UserId; name: string }>();
  private articleIds = 1;

  constructor(opts: MemoryOptions = {}) {
    this.opts = {
      manual: opts.manual ?? false,
      latency: opts.latency ?? 350,
      uploadSpeed: opts.uploadSpeed ?? 3 * 1024 * 1024,
      autoReply: opts.autoReply ?? false,
      now: opts.now ?? (() => Date.now()),
      embedded: opts.embedded ?? true,
      onOpenUrl: opts.onOpenUrl,
    };
  }

  private now(): number {
    return this.opts.now();
  }

  // ------------------------------------------------------------------ setup helpers

  /** Adds an account that can sign in; returns its Me. */
  addAccount(login: string, password: string, display_name: string, extra: Partial<Me> = {}): Me {
    const me: Me = {
      id: this.ids.user++,
      login,
      display_name,
      service_admin: false,
      memberships: [],
      ...extra,
    };
    this.accounts.set(login.toLowerCase(), { password, me });
    return me;
  }

  /** Starts signed in as `login` (no events), online. */
  signInAs(login: string, serverUrl: string | null = null): Me {
    const acc = this.accounts.get(login.toLowerCase());
    if (!acc) throw new Error(`no account ${login}`);
    this.me = acc.me;
    this.serverUrl = serverUrl;
    this.syncState = "online";
    return acc.me;
  }

  get currentUser(): Me | null {
    return this.me;
  }

  addCompany(name: string): Company {
    const c = { id: this.ids.company++, name };
    this.companies.set(c.id, c);
    return c;
  }

  addLine(company: Company, input: Partial<Line> & { name: string }): Line {
    const line: Line = {
      id: this.ids.line++,
      company_id: company.id,
      company_name: company.name,
      internal_name: "",
      description: "",
      details_url: "",
      has_avatar: false,
      hours: null,
      working_now: true,
      next_open_at: null,
      published: false,
      recommended: false,
      ...input,
    };
    this.lineMap.set(line.id, line);
    return line;
  }

  updateLine(id: LineId, patch: Partial<Line>): void {
    const l = this.lineMap.get(id);
    if (!l) throw new Error(`no line ${id}`);
    this.lineMap.set(id, { ...l, ...patch, id });
    this.emit({ type: "lines_changed" });
  }

  /** Connects the signed-in user to a line (as a company admin would); no event. */
  connect(line: LineId, opts: { state?: Connection["state"]; origin?: Connection["origin"]; muted?: boolean } = {}): Connection {
    const me = this.requireMeSync();
    const l = this.lineMap.get(line);
    if (!l) throw new Error(`no line ${line}`);
    const state = opts.state ?? "active";
    const conn: Connection = {
      id: this.ids.connection++,
      user_id: me.id,
      user_display_name: me.display_name,
      line: l,
      state,
      origin: opts.origin ?? "admin",
      chat_id: null,
      created_at: this.now(),
    };
    if (state === "active") conn.chat_id = this.chatFor(line, me.id).id;
    if (opts.muted && conn.chat_id != null) this.chats.get(conn.chat_id)!.muted = true;
    this.connections.set(conn.id, conn);
    return conn;
  }

  private chatFor(line: LineId, user: UserId): ChatRec {
    for (const c of this.chats.values()) if (c.line_id === line && c.user_id === user) return c;
    const rec: ChatRec = { id: this.ids.chat++, line_id: line, user_id: user, read_seq: 0, messages: [], ticket: null, muted: false };
    this.chats.set(rec.id, rec);
    return rec;
  }

  /** Appends a stored message directly (seeding; no events). */
  addMessage(
    chat: ChatId,
    m: { from: "me" | { id: UserId; name: string } | null; text?: string; files?: { name: string; size: number; content_type?: string }[]; notice?: Notice; at?: number; read?: boolean },
  ): Message {
    const rec = this.chats.get(chat);
    if (!rec) throw new Error(`no chat ${chat}`);
    const me = this.me;
    const at = m.at ?? this.now();
    const files = (m.files ?? []).map((f) => this.storeFile(f.name, f.size, f.content_type, at));
    const isMe = m.from === "me";
    const sender = m.from === null ? null : isMe ? { id: me!.id, name: me!.display_name } : (m.from as { id: UserId; name: string });
    const msg: Message = {
      id: this.ids.message++,
      chat_id: chat,
      seq: rec.messages.length + 1,
      sender_id: sender?.id ?? null,
      sender_name: sender?.name ?? "",
      kind: m.notice ? "notice" : files.length ? "file" : "text",
      text: m.text ?? "",
      files,
      notice: m.notice ?? null,
      client_msg_id: isMe ? uuid() : null,
      created_at: at,
    };
    rec.messages.push(msg);
    if (isMe || m.read) rec.read_seq = msg.seq;
    return msg;
  }

  /** Fast bulk seeding for the benchmark: `n` messages produced by `make(i)`. */
  addMessages(chat: ChatId, n: number, make: (i: number) => Omit<Message, "id" | "chat_id" | "seq">): void {
    const rec = this.chats.get(chat);
    if (!rec) throw new Error(`no chat ${chat}`);
    for (let i = 0; i < n; i++) {
      const m = make(i);
      rec.messages.push({ ...m, id: this.ids.message++, chat_id: chat, seq: rec.messages.length + 1 });
    }
    rec.read_seq = rec.messages.length;
  }

  private storeFile(name: string, size: number, content_type: string | undefined, at: number): FileMeta {
    const f: FileMeta = {
      id: this.ids.file++,
      name,
      size,
      content_type: content_type ?? guessType(name),
      sha256: (this.ids.file * 2654435761).toString(16).padStart(64, "0").slice(0, 64),
      created_at: at,
    };
    this.fileMeta.set(f.id, f);
    return f;
  }

  /** Opens a ticket in the chat with its notice (seeding; no events, no routing). With
   * `assignee` it is assigned to that employee; `queued` leaves it waiting in the line's queue. */
  openTicket(chat: ChatId, at?: number, opts: { assignee?: UserId; queued?: boolean } = {}): Ticket {
    const rec = this.chats.get(chat)!;
    const ticket = this.newTicket(rec, at ?? this.now());
    this.addMessage(chat, { from: null, notice: { type: "ticket_registered", ticket_id: ticket.id, number: ticket.number }, at, read: true });
    if (opts.queued) {
      ticket.state = "queued";
      ticket.queued_at = ticket.opened_at;
    } else if (opts.assignee != null) {
      const agent = this.agentOf(ticket.company_id, opts.assignee);
      ticket.state = "assigned";
      ticket.assignee_id = opts.assignee;
      ticket.assignee_name = agent?.display_name ?? this.userName(opts.assignee);
      ticket.assigned_at = ticket.opened_at;
      if (agent) agent.load++;
    }
    return ticket;
  }

  private newTicket(rec: ChatRec, at: number): Ticket {
    const line = this.lineMap.get(rec.line_id)!;
    const number = (this.ticketNumbers.get(line.company_id) ?? 1000) + 1;
    this.ticketNumbers.set(line.company_id, number);
    const ticket: Ticket = {
      id: this.ids.ticket++,
      number,
      company_id: line.company_id,
      line_id: line.id,
      line_name: line.name,
      chat_id: rec.id,
      user_id: rec.user_id,
      client_name: this.userName(rec.user_id),
      channel: "desktop",
      state: "assigned",
      assignee_id: null,
      assignee_name: null,
      opened_at: at,
      queued_at: null,
      queue_position: null,
      assigned_at: null,
      closed_at: null,
      result: null,
      rating: null,
      rating_comment: null,
    };
    rec.ticket = ticket;
    this.ticketMap.set(ticket.id, ticket);
    return ticket;
  }

  /** Closes the open ticket with its notice. */
  closeChatTicket(chat: ChatId, at?: number, result = ""): void {
    const rec = this.chats.get(chat)!;
    if (!rec.ticket) return;
    const t = rec.ticket;
    this.finishTicket(t, result, at ?? this.now());
    this.changed(chat);
  }

  addServiceRequest(chat: ChatId, title: string, status: ServiceRequestStatus = "open", at?: number): ServiceRequest {
    const rec = this.chats.get(chat)!;
    const line = this.lineMap.get(rec.line_id)!;
    const number = (this.srNumbers.get(line.company_id) ?? 200) + 1;
    this.srNumbers.set(line.company_id, number);
    const ts = at ?? this.now();
    const sr: ServiceRequest = {
      id: this.ids.sr++,
      number,
      title,
      status,
      ticket_id: rec.ticket?.id ?? 0,
      chat_id: chat,
      line_id: line.id,
      service_name: "",
      work_type_name: "",
      fields: {},
      created_at: ts,
      updated_at: ts,
    };
    this.requests.push(sr);
    this.addMessage(chat, { from: null, notice: { type: "service_request_registered", number, title }, at: ts, read: true });
    return sr;
  }

  /** Registers a file on the simulated disk (for send validation and sizes); a size of -1 is
   *  a folder. */
  addLocalFile(path: string, size: number): DroppedFile {
    this.fs.set(path, size);
    return { path, name: baseName(path) };
  }

  // ------------------------------------------------------------------ test / demo drivers

  /** The line owner approves a connection request: the line becomes active with its chat. */
  approve(connectionId: ConnectionId): void {
    const c = this.connections.get(connectionId);
    if (!c) throw new Error(`no connection ${connectionId}`);
    c.state = "active";
    c.chat_id = this.chatFor(c.line.id, c.user_id).id;
    this.emit({ type: "lines_changed" });
  }

  reject(connectionId: ConnectionId): void {
    const c = this.connections.get(connectionId);
    if (!c) throw new Error(`no connection ${connectionId}`);
    c.state = "rejected";
    this.emit({ type: "lines_changed" });
  }

  /** The pending connection request for a line, if any. */
  connectionFor(line: LineId): Connection | undefined {
    for (const c of this.connections.values()) if (c.line.id === line) return c;
    return undefined;
  }

  /** A message from a specialist arrives through the sync stream. */
  receive(chat: ChatId, text: string, opts: { from?: string; files?: { name: string; size: number }[] } = {}): Message {
    const msg = this.addMessage(chat, { from: { id: 9000, name: opts.from ?? "Specialist" }, text, files: opts.files });
    this.emit({ type: "new_message", chat_id: chat, message_id: msg.id });
    this.changed(chat);
    return msg;
  }

  setSyncState(state: SyncState, error: ApiError | null = null): void {
    this.syncState = state;
    if (state === "offline") this.syncError = error;
    else if (state !== "connecting") this.syncError = null;
    this.emit({ type: "sync_state", state, error });
    if (state === "online" && !this.opts.manual) {
      for (const item of this.outbox) if (item.state === "sending") this.schedule(item);
    }
  }

  /** The server ends the session (revoked from another device): nothing syncs or sends until
   *  the same account signs in again, as the core does. */
  endSession(): void {
    for (const up of this.uploads.values()) for (const timer of up.timers) clearTimeout(timer);
    this.uploads.clear();
    this.setSyncState("session_ended");
  }

  /** Sends fail with this server refusal (a 4xx: its message, and its code and figures) until
   *  set back to null. */
  failSends(message: string | null, code = "invalid_input", figures: Pick<ApiError, "limit" | "size"> = {}): void {
    this.failure = message == null ? null : apiError(code, message, figures);
  }

  /** Manual mode: delivers (or fails) every entry waiting to be sent. */
  deliverAll(): void {
    for (const item of [...this.outbox]) if (item.state === "sending") this.finish(item);
  }

  /** What the system clipboard holds as files (pasteFiles() answers it until changed). */
  setClipboardFiles(files: DroppedFile[]): void {
    this.clipboard = files;
  }

  /** The next pickFiles() answer. */
  setPickFiles(files: DroppedFile[]): void {
    this.pickQueue = files;
  }

  emit(e: CoreEvent): void {
    queueMicrotask(() => {
      for (const h of this.handlers) h(e);
    });
  }

  drag(e: DragEvent_): void {
    queueMicrotask(() => {
      for (const h of this.dragHandlers) h(e);
    });
  }

  /** Simulates the shell's drag-and-drop: enter, over, then drop. */
  drop(files: (DroppedFile | string)[]): void {
    const list = files.map((f) => (typeof f === "string" ? { path: f, name: baseName(f) } : f));
    this.drag({ type: "enter", count: list.length });
    this.drag({ type: "over" });
    this.drag({ type: "drop", files: list });
  }

  /** The shell asks to open a chat (a notification was clicked). */
  requestOpenChat(chat: ChatId): void {
    queueMicrotask(() => {
      for (const h of this.openChatHandlers) h(chat);
    });
  }

  /** Browser demo: turns HTML5 file drags on `target` into the shell's drag events. */
  attachDomDragDrop(target: Window): () => void {
    let depth = 0;
    const hasFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes("Files");
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (depth++ === 0) this.drag({ type: "enter", count: e.dataTransfer?.items.length ?? 0 });
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      this.drag({ type: "over" });
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      if (--depth <= 0) {
        depth = 0;
        this.drag({ type: "leave" });
      }
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      const files = Array.from(e.dataTransfer?.files ?? []).map((f) => this.addLocalFile(`/home/demo/Downloads/${f.name}`, f.size));
      this.drag({ type: "drop", files });
    };
    target.addEventListener("dragenter", enter);
    target.addEventListener("dragover", over);
    target.addEventListener("dragleave", leave);
    target.addEventListener("drop", drop);
    return () => {
      target.removeEventListener("dragenter", enter);
      target.removeEventListener("dragover", over);
      target.removeEventListener("dragleave", leave);
      target.removeEventListener("drop", drop);
    };
  }

  // ------------------------------------------------------------------ tickets: setup

  /** Makes an account an employee of the company with an agent record (no events). */
  addAgent(
    company: Company,
    login: string,
    opts: { role?: CompanyRole; presence?: Presence; capacity?: number; lines?: LineId[] } = {},
  ): Agent {
    const acc = this.accounts.get(login.toLowerCase());
    if (!acc) throw new Error(`no account ${login}`);
    const role = opts.role ?? "specialist";
    if (!acc.me.memberships.some((m) => m.company_id === company.id))
      acc.me.memberships.push({ company_id: company.id, company_name: company.name, role });
    const agent: Agent = {
      company_id: company.id,
      user_id: acc.me.id,
      display_name: acc.me.display_name,
      role,
      presence: opts.presence ?? "online",
      capacity: opts.capacity ?? 5,
      load: 0,
      competences: (opts.lines ?? []).map((line_id) => ({ line_id, level: 1, priority: 1 })),
    };
    this.agentMap.set(`${company.id}:${acc.me.id}`, agent);
    return agent;
  }

  /** Adds a service to the company's catalog with its work types. */
  addService(company: Company, name: string, workTypes: { name: string; fields?: CatalogField[] }[], description = ""): Service {
    const id = this.catalogIds.service++;
    const service: Service = {
      id,
      company_id: company.id,
      name,
      description,
      archived: false,
      work_types: workTypes.map((w) => ({ id: this.catalogIds.workType++, service_id: id, name: w.name, fields: w.fields ?? [], archived: false })),
    };
    const list = this.catalog.get(company.id) ?? [];
    list.push(service);
    this.catalog.set(company.id, list);
    return service;
  }

  /** What the company knows about a client (organization, contact). */
  setClientCard(company: Company, user: UserId, card: Partial<ClientCard>): void {
    this.cards.set(`${company.id}:${user}`, card);
  }

  /** Connects another account (a client) to a line and returns its chat (no events). */
  connectUser(login: string, line: LineId): ChatId {
    const acc = this.accounts.get(login.toLowerCase());
    const l = this.lineMap.get(line);
    if (!acc || !l) throw new Error(`no account ${login} or line ${line}`);
    const conn: Connection = {
      id: this.ids.connection++,
      user_id: acc.me.id,
      user_display_name: acc.me.display_name,
      line: l,
      state: "active",
      origin: "admin",
      chat_id: this.chatFor(line, acc.me.id).id,
      created_at: this.now(),
    };
    this.connections.set(conn.id, conn);
    return conn.chat_id!;
  }

  /** A client (not the signed-in account) writes in their chat, live: the message arrives
   * through the stream, and registers and routes a ticket when none is open. */
  clientWrites(chat: ChatId, text: string): Message {
    const rec = this.chats.get(chat);
    if (!rec) throw new Error(`no chat ${chat}`);
    const msg = this.addMessage(chat, { from: { id: rec.user_id, name: this.userName(rec.user_id) }, text });
    rec.read_seq = msg.seq;
    this.emit({ type: "new_message", chat_id: chat, message_id: msg.id });
    if (!rec.ticket) this.registerTicket(rec, msg.created_at);
    this.changed(chat);
    return msg;
  }

  /** A colleague takes a queued ticket (over the API, elsewhere). */
  colleagueTakes(ticket: TicketId, login: string): void {
    const acc = this.accounts.get(login.toLowerCase());
    const t = this.ticketMap.get(ticket);
    if (!acc || !t || t.state !== "queued") throw new Error("cannot take");
    this.assign(t, acc.me.id);
    this.requeue(t.line_id);
  }

  /** Runs a call as another account (a colleague or a client elsewhere), for tests: the
   * call's synchronous part runs as them; the signed-in account is back before it resolves. */
  as<T>(login: string, f: () => Promise<T>): Promise<T> {
    const acc = this.accounts.get(login.toLowerCase());
    if (!acc) throw new Error(`no account ${login}`);
    const me = this.me;
    this.me = acc.me;
    try {
      return f();
    } finally {
      this.me = me;
    }
  }

  ticketById(id: TicketId): Ticket | undefined {
    const t = this.ticketMap.get(id);
    return t ? { ...t } : undefined;
  }

  // ------------------------------------------------------------------ tickets: routing

  private userName(id: UserId): string {
    for (const a of this.accounts.values()) if (a.me.id === id) return a.me.display_name;
    return "Client";
  }

  private agentOf(company: CompanyId, user: UserId): Agent | undefined {
    return this.agentMap.get(`${company}:${user}`);
  }

  private serves(agent: Agent, line: LineId): boolean {
    return agent.competences.some((c) => c.line_id === line);
  }

  private notice(chat: ChatId, notice: Notice, at = this.now()): Message {
    return this.addMessage(chat, { from: null, notice, at, read: this.chats.get(chat)?.ticket == null });
  }

  /** The user's message registered a ticket: the notice, then routing. */
  private registerTicket(rec: ChatRec, at: number): Ticket {
    const t = this.newTicket(rec, at);
    this.notice(rec.id, { type: "ticket_registered", ticket_id: t.id, number: t.number }, at);
    this.route(t);
    return t;
  }

  /** To the free competent online specialist with the least load, else into the queue. */
  private route(t: Ticket): void {
    const line = this.lineMap.get(t.line_id)!;
    if (!line.working_now) {
      this.enqueue(t, false);
      this.notice(t.chat_id, { type: "outside_hours", ticket_id: t.id, number: t.number, next_open_at: line.next_open_at ?? null });
      this.ticketChanged(t);
      return;
    }
    const free = [...this.agentMap.values()]
      .filter((a) => a.company_id === t.company_id && a.presence === "online" && a.load < a.capacity && this.serves(a, t.line_id))
      .sort((a, b) => a.load - b.load || a.user_id - b.user_id);
    if (free.length) this.assign(t, free[0].user_id);
    else this.enqueue(t, true);
  }

  private queueOf(line: LineId): Ticket[] {
    return [...this.ticketMap.values()]
      .filter((t) => t.state === "queued" && t.line_id === line)
      .sort((a, b) => (a.queued_at ?? 0) - (b.queued_at ?? 0) || a.id - b.id);
  }

  private enqueue(t: Ticket, withNotice: boolean): void {
    t.state = "queued";
    t.queued_at = this.now();
    t.assignee_id = null;
    t.assignee_name = null;
    t.assigned_at = null;
    const position = this.queueOf(t.line_id).findIndex((q) => q.id === t.id) + 1;
    t.queue_position = position;
    if (withNotice) {
      const m = this.notice(t.chat_id, { type: "ticket_queued", ticket_id: t.id, number: t.number, position });
      this.queueNotice.set(t.id, m);
    }
    this.ticketChanged(t);
    const me = this.me;
    const mine = me ? this.agentOf(t.company_id, me.id) : undefined;
    if (mine && this.serves(mine, t.line_id)) this.emit({ type: "ticket_queued", ticket_id: t.id, chat_id: t.chat_id });
  }

  /** Queue positions moved: each waiting ticket's notice is updated in place. */
  private requeue(line: LineId): void {
    this.queueOf(line).forEach((t, i) => {
      const position = i + 1;
      if (t.queue_position === position) return;
      t.queue_position = position;
      const m = this.queueNotice.get(t.id);
      if (m && m.notice?.type === "ticket_queued") {
        // Updated in place, as the server's message_updated: a new object with the same id.
        const updated: Message = { ...m, notice: { ...m.notice, position } };
        const rec = this.chats.get(t.chat_id)!;
        rec.messages[updated.seq - 1] = updated;
        this.queueNotice.set(t.id, updated);
        this.emit({ type: "messages_changed", chat_id: t.chat_id });
      }
      this.ticketChanged(t);
    });
  }

  private assign(t: Ticket, user: UserId): void {
    const agent = this.agentOf(t.company_id, user);
    t.state = "assigned";
    t.assignee_id = user;
    t.assignee_name = agent?.display_name ?? this.userName(user);
    t.assigned_at = this.now();
    t.queued_at = null;
    t.queue_position = null;
    this.queueNotice.delete(t.id);
    if (agent) {
      agent.load++;
      this.agentChanged(agent);
    }
    this.notice(t.chat_id, { type: "specialist_assigned", ticket_id: t.id, number: t.number, specialist_id: user, specialist_name: t.assignee_name });
    this.ticketChanged(t);
    this.changed(t.chat_id);
  }

  private release(t: Ticket): Agent | undefined {
    if (t.assignee_id == null) return undefined;
    const agent = this.agentOf(t.company_id, t.assignee_id);
    if (agent) {
      agent.load = Math.max(0, agent.load - 1);
      this.agentChanged(agent);
    }
    return agent;
  }

  /** A specialist has room: the oldest waiting ticket of their lines goes to them at once. */
  private freeUp(agent: Agent | undefined): void {
    if (!agent) return;
    while (agent.presence === "online" && agent.load < agent.capacity) {
      const next = [...this.ticketMap.values()]
        .filter((t) => t.state === "queued" && t.company_id === agent.company_id && this.serves(agent, t.line_id) && this.lineMap.get(t.line_id)?.working_now)
        .sort((a, b) => (a.queued_at ?? 0) - (b.queued_at ?? 0) || a.id - b.id)[0];
      if (!next) return;
      this.assign(next, agent.user_id);
      this.requeue(next.line_id);
    }
  }

  private finishTicket(t: Ticket, result: string, at: number): void {
    const rec = this.chats.get(t.chat_id)!;
    const wasQueued = t.state === "queued";
    const agent = this.release(t);
    t.state = "closed";
    t.closed_at = at;
    t.result = result;
    t.queue_position = null;
    this.queueNotice.delete(t.id);
    if (rec.ticket?.id === t.id) rec.ticket = null;
    this.addMessage(t.chat_id, { from: null, notice: { type: "ticket_closed", ticket_id: t.id, number: t.number, result }, at, read: true });
    this.ticketChanged(t);
    if (wasQueued) this.requeue(t.line_id);
    this.freeUp(agent);
  }

  private ticketChanged(t: Ticket): void {
    this.emit({ type: "ticket_changed", ticket_id: t.id, chat_id: t.chat_id });
  }

  private agentChanged(a: Agent): void {
    if (this.me && a.user_id === this.me.id) this.emit({ type: "agent_changed" });
  }

  // ------------------------------------------------------------------ tickets: access

  private membership(company: CompanyId) {
    return this.requireMeSync().memberships.find((m) => m.company_id === company);
  }

  /** The lines whose tickets the signed-in employee works: competences; admins every line. */
  private myLines(): Set<LineId> {
    const me = this.requireMeSync();
    const out = new Set<LineId>();
    for (const m of me.memberships) {
      const agent = this.agentOf(m.company_id, me.id);
      if (m.role === "admin") for (const l of this.lineMap.values()) if (l.company_id === m.company_id) out.add(l.id);
      for (const c of agent?.competences ?? []) out.add(c.line_id);
    }
    return out;
  }

  private staffTicket(id: TicketId): Ticket {
    const t = this.ticketMap.get(id);
    if (!t || !this.membership(t.company_id)) throw apiError("not_found", "Ticket not found");
    return t;
  }

  private readOf(rec: ChatRec, user: UserId): number {
    return rec.user_id === user ? rec.read_seq : (this.staffReads.get(`${rec.id}:${user}`) ?? 0);
  }

  private unreadFor(rec: ChatRec, user: UserId): number {
    const read = this.readOf(rec, user);
    let n = 0;
    for (let i = rec.messages.length - 1; i >= 0 && rec.messages[i].seq > read; i--) {
      const m = rec.messages[i];
      if (m.kind !== "notice" && m.sender_id !== user) n++;
    }
    return n;
  }

  private item(t: Ticket): TicketItem {
    const rec = this.chats.get(t.chat_id)!;
    const queue_position = t.state === "queued" ? this.queueOf(t.line_id).findIndex((q) => q.id === t.id) + 1 : null;
    return { ticket: { ...t, queue_position }, unread: this.unreadFor(rec, this.requireMeSync().id), last_message_at: this.lastAt(rec) };
  }

  // ------------------------------------------------------------------ tickets: Backend

  async tickets(view: TicketView): Promise<TicketItem[]> {
    const me = this.requireMeSync();
    if (!me.memberships.length) throw apiError("forbidden", "Only a company's employees see its tickets");
    const lines = this.myLines();
    const all = [...this.ticketMap.values()].filter((t) => this.membership(t.company_id));
    let list: Ticket[];
    if (view === "queued") list = all.filter((t) => t.state === "queued" && lines.has(t.line_id));
    else if (view === "mine") list = all.filter((t) => t.state === "assigned" && t.assignee_id === me.id);
    else list = all.filter((t) => t.state !== "closed" && (lines.has(t.line_id) || t.assignee_id === me.id));
    const waitingSince = (t: Ticket) => t.queued_at ?? t.opened_at;
    list.sort((a, b) =>
      view === "queued" ? waitingSince(a) - waitingSince(b) || a.id - b.id : (this.lastAt(this.chats.get(b.chat_id)!) ?? 0) - (this.lastAt(this.chats.get(a.chat_id)!) ?? 0),
    );
    return list.map((t) => this.item(t));
  }

  async ticket(id: TicketId): Promise<Ticket> {
    const me = this.requireMeSync();
    const t = this.ticketMap.get(id);
    if (!t || (t.user_id !== me.id && !this.membership(t.company_id))) throw apiError("not_found", "Ticket not found");
    return { ...t };
  }

  async ticketDetail(id: TicketId): Promise<TicketDetail> {
    const t = this.staffTicket(id);
    const rec = this.chats.get(t.chat_id)!;
    let login = "";
    for (const [k, a] of this.accounts) if (a.me.id === t.user_id) login = k;
    const card = this.cards.get(`${t.company_id}:${t.user_id}`) ?? {};
    const responsible = card.responsible_id ?? null;
    return {
      ticket: { ...t },
      client: {
        user_id: t.user_id,
        display_name: this.userName(t.user_id),
        login,
        organization: card.organization ?? "",
        contact: card.contact ?? "",
        responsible_id: responsible,
        responsible_name: responsible != null ? this.userName(responsible) : null,
      },
      unread: this.unreadFor(rec, this.requireMeSync().id),
      service_requests: this.requests
        .filter((r) => r.ticket_id === t.id)
        .sort((a, b) => b.id - a.id)
        .map((r) => ({ ...r })),
    };
  }

  async takeTicket(id: TicketId): Promise<Ticket> {
    const me = this.requireMeSync();
    const t = this.staffTicket(id);
    const m = this.membership(t.company_id)!;
    const agent = this.agentOf(t.company_id, me.id);
    if (m.role !== "admin" && !(agent && this.serves(agent, t.line_id))) throw apiError("forbidden", "You do not serve this line");
    if (t.state !== "queued") throw apiError("conflict", "The ticket is not waiting: someone has taken it");
    this.assign(t, me.id);
    this.requeue(t.line_id);
    return { ...t };
  }

  private mayAct(t: Ticket): void {
    const me = this.requireMeSync();
    const m = this.membership(t.company_id)!;
    if (t.state === "closed") throw apiError("conflict", "The ticket is closed");
    if (m.role === "admin") return;
    if (t.state === "assigned" && t.assignee_id !== me.id) throw apiError("forbidden", "The ticket is assigned to someone else");
    const agent = this.agentOf(t.company_id, me.id);
    if (t.state === "queued" && !(agent && this.serves(agent, t.line_id))) throw apiError("forbidden", "You do not serve this line");
  }

  async transferTicket(id: TicketId, toUser: UserId | null, toLine: LineId | null, comment: string): Promise<Ticket> {
    const t = this.staffTicket(id);
    this.mayAct(t);
    if ((toUser == null) === (toLine == null)) throw apiError("invalid_input", "Transfer to either a specialist or a line");
    const c = comment.trim();
    if (!c || [...c].length > 1000) throw apiError("invalid_input", "The comment must have 1 to 1,000 characters");
    const wasLine = t.line_id;
    const previous = this.release(t);
    if (toUser != null) {
      const agent = this.agentOf(t.company_id, toUser);
      if (!agent) throw apiError("invalid_input", "No such specialist in the company");
      this.notice(t.chat_id, {
        type: "ticket_transferred", ticket_id: t.id, number: t.number,
        to_line_id: null, to_line_name: null, to_specialist_id: toUser, to_specialist_name: agent.display_name, comment: c,
      });
      t.state = "assigned";
      t.assignee_id = toUser;
      t.assignee_name = agent.display_name;
      t.assigned_at = this.now();
      t.queued_at = null;
      t.queue_position = null;
      this.queueNotice.delete(t.id);
      agent.load++;
      this.agentChanged(agent);
      this.ticketChanged(t);
    } else {
      const line = this.lineMap.get(toLine!);
      if (!line || line.company_id !== t.company_id) throw apiError("invalid_input", "No such line in the company");
      this.notice(t.chat_id, {
        type: "ticket_transferred", ticket_id: t.id, number: t.number,
        to_line_id: line.id, to_line_name: line.name, to_specialist_id: null, to_specialist_name: null, comment: c,
      });
      t.line_id = line.id;
      t.line_name = line.name;
      this.queueNotice.delete(t.id);
      this.route(t);
    }
    if (wasLine !== t.line_id) this.requeue(wasLine);
    this.freeUp(previous);
    this.changed(t.chat_id);
    return { ...t };
  }

  async closeTicket(id: TicketId, result: string): Promise<Ticket> {
    const t = this.staffTicket(id);
    this.mayAct(t);
    const r = result.trim();
    if (!r || [...r].length > 1000) throw apiError("invalid_input", "The result must have 1 to 1,000 characters");
    this.finishTicket(t, r, this.now());
    this.changed(t.chat_id);
    return { ...t };
  }

  async rateTicket(id: TicketId, rating: number, comment: string): Promise<Ticket> {
    const me = this.requireMeSync();
    const t = this.ticketMap.get(id);
    if (!t || t.user_id !== me.id) throw apiError("not_found", "Ticket not found");
    if (t.state !== "closed") throw apiError("conflict", "Only a closed ticket can be rated");
    if (t.rating != null) throw apiError("conflict", "The ticket is rated already");
    if (!Number.isInteger(rating) || rating < 1 || rating > 5) throw apiError("invalid_input", "The rating is 1 to 5");
    if ([...comment].length > 1000) throw apiError("invalid_input", "The comment may have at most 1,000 characters");
    t.rating = rating;
    t.rating_comment = comment.trim() || null;
    this.notice(t.chat_id, { type: "ticket_rated", ticket_id: t.id, number: t.number, rating });
    this.chats.get(t.chat_id)!.read_seq = this.chats.get(t.chat_id)!.messages.length;
    this.ticketChanged(t);
    this.changed(t.chat_id);
    return { ...t };
  }

  async myAgents(): Promise<Agent[]> {
    const me = this.requireMeSync();
    return me.memberships.map((m) => this.agentOf(m.company_id, me.id)).filter((a): a is Agent => !!a).map((a) => ({ ...a }));
  }

  async setPresence(presence: Presence): Promise<Agent[]> {
    const me = this.requireMeSync();
    if (!me.memberships.length) throw apiError("forbidden", "Only employees have a presence");
    for (const m of me.memberships) {
      const a = this.agentOf(m.company_id, me.id);
      if (!a) continue;
      a.presence = presence;
      this.agentChanged(a);
      this.freeUp(a);
    }
    return this.myAgents();
  }

  async companyAgents(company: CompanyId): Promise<Agent[]> {
    if (!this.membership(company)) throw apiError("not_found", "Company not found");
    return [...this.agentMap.values()].filter((a) => a.company_id === company).map((a) => ({ ...a }));
  }

  async companyLines(company: CompanyId): Promise<Line[]> {
    if (!this.membership(company)) throw apiError("not_found", "Company not found");
    return [...this.lineMap.values()].filter((l) => l.company_id === company).sort((a, b) => a.name.localeCompare(b.name));
  }

  async services(company: CompanyId): Promise<Service[]> {
    if (!this.membership(company)) throw apiError("not_found", "Company not found");
    return (this.catalog.get(company) ?? []).filter((s) => !s.archived).map((s) => structuredClone(s));
  }

  async registerServiceRequest(id: TicketId, input: ServiceRequestInput): Promise<ServiceRequest> {
    const t = this.staffTicket(id);
    const title = input.title.trim();
    if (!title || [...title].length > 200) throw apiError("invalid_input", "The title must have 1 to 200 characters");
    const service = (this.catalog.get(t.company_id) ?? []).find((s) => s.work_types.some((w) => w.id === input.work_type_id));
    const wt = service?.work_types.find((w) => w.id === input.work_type_id);
    if (!service || !wt || wt.archived || service.archived) throw apiError("invalid_input", "No such work type in the catalog");
    const fields = input.fields ?? {};
    const problem = validateFields(wt.fields, fields);
    if (problem) throw apiError("invalid_input", problem);
    const number = (this.srNumbers.get(t.company_id) ?? 200) + 1;
    this.srNumbers.set(t.company_id, number);
    const at = this.now();
    const sr: ServiceRequest = {
      id: this.ids.sr++,
      number,
      title,
      status: "open",
      ticket_id: t.id,
      chat_id: t.chat_id,
      line_id: this.chats.get(t.chat_id)!.line_id,
      service_id: service.id,
      service_name: service.name,
      work_type_id: wt.id,
      work_type_name: wt.name,
      fields: { ...fields },
      created_at: at,
      updated_at: at,
    };
    this.requests.push(sr);
    this.notice(t.chat_id, { type: "service_request_registered", number, title });
    this.changed(t.chat_id);
    return { ...sr };
  }

  /** As the server: staff of the request's company set any status; the same status changes
   *  nothing; a change is a notice in the chat (the client's panel lists only open ones). */
  async setServiceRequestStatus(id: number, status: ServiceRequestStatus): Promise<ServiceRequest> {
    const me = this.requireMeSync();
    if (!SR_STATUSES.includes(status)) throw apiError("invalid_input", `Unknown status ${String(status)}`);
    const sr = this.requests.find((r) => r.id === id);
    const company = sr ? this.lineMap.get(sr.line_id)?.company_id : undefined;
    if (!sr || company == null || !this.membership(company)) {
      if (sr && this.chats.get(sr.chat_id)?.user_id === me.id) throw apiError("forbidden", "Only the company's staff change a request's status");
      throw apiError("not_found", "Service request not found");
    }
    if (sr.status === status) return { ...sr };
    sr.status = status;
    sr.updated_at = this.now();
    this.notice(sr.chat_id, { type: "service_request_status_changed", number: sr.number, title: sr.title, status });
    this.changed(sr.chat_id);
    return { ...sr };
  }

  // ------------------------------------------------------------------ Backend

  async info(): Promise<AppInfo> {
    return {
      me: this.me,
      // As the shell: signed out, the last server signed in to stays for the sign-in form.
      server_url: this.serverUrl,
      embedded: this.opts.embedded && this.serverUrl == null,
      demo_server: !!this.opts.embedded,
      sync_state: this.syncState,
      sync_error: this.syncError,
      zoom: this.zoom,
    };
  }

  /** The page's zoom, as the shell keeps it. */
  zoom = 1;

  /** The browser's own `Date` knows its time zone (the shell sends the system's offsets). */
  async localZone(): Promise<LocalZone | null> {
    return null;
  }

  /** The browser's time-zone database stands in for the shell's (chrono-tz). */
  async zoneOffset(name: string): Promise<number> {
    try {
      return intlZoneOffset(name, this.now());
    } catch {
      throw apiError("invalid_input", `unknown time zone: ${name}`);
    }
  }

  async setZoom(zoom: number): Promise<number> {
    if (!(zoom >= 0.5 && zoom <= 2)) throw apiError("invalid_input", "the zoom goes from 0.5 to 2");
    this.zoom = zoom;
    return zoom;
  }

  /** Starting at login, as the shell keeps it (`supported: false` plays a system without it). */
  loginStart: Autostart = { supported: true, enabled: false };

  async autostart(): Promise<Autostart> {
    return { ...this.loginStart };
  }

  async setAutostart(enabled: boolean): Promise<Autostart> {
    if (!this.loginStart.supported) throw apiError("unsupported", "starting at login is not available on this system");
    this.loginStart = { ...this.loginStart, enabled };
    return { ...this.loginStart };
  }

  async login(server_url: string | null, login: string, password: string): Promise<Me> {
    // As the core checks it: http(s)://host[:port], no path; a bare host means HTTPS, this
    // computer's own plain HTTP.
    const typed = server_url?.trim().replace(/\/+$/, "") || null;
    const bare = typed && !typed.includes("://") ? typed : null;
    const loopback = !!bare && /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/i.test(bare);
    const server = bare ? `${loopback ? "http" : "https"}://${bare}` : typed;
    if (server) {
      let ok = false;
      try {
        const u = new URL(server);
        ok = (u.protocol === "http:" || u.protocol === "https:") && !!u.host && u.pathname === "/" && !u.search && !u.hash && !u.username;
      } catch {
        ok = false;
      }
      if (!ok) throw apiError("server_address", "the server address must be like https://okno.example.com");
    }
    if (!login.trim() || !password) throw apiError("invalid_input", "Login and password are required");
    const acc = this.accounts.get(login.trim().toLowerCase());
    if (!acc || acc.password !== password) throw apiError("unauthorized", "Wrong login or password");
    this.me = acc.me;
    this.serverUrl = server;
    this.setSyncState("connecting");
    if (this.opts.manual) this.setSyncState("online");
    else setTimeout(() => this.me && this.setSyncState("online"), 300);
    return acc.me;
  }

  async logout(discardUnsent = false): Promise<void> {
    if (!discardUnsent && this.outbox.length)
      throw apiError("unsent", `${this.outbox.length} message(s) not sent yet; signing out now would discard them`);
    this.outbox = [];
    this.me = null;
    this.draftMap.clear();
    // The server stays, as the shell keeps it in its settings for the next sign-in.
    this.syncState = "idle";
    this.syncError = null;
    this.emit({ type: "sync_state", state: "idle", error: null });
    this.emit({ type: "signed_out" });
  }

  private requireMeSync(): Me {
    if (!this.me) throw apiError("unauthorized", "Not signed in");
    return this.me;
  }

  private lastAt(rec: ChatRec): number | null {
    const m = rec.messages[rec.messages.length - 1];
    return m ? m.created_at : null;
  }

  private unread(rec: ChatRec): number {
    let n = 0;
    for (let i = rec.messages.length - 1; i >= 0 && rec.messages[i].seq > rec.read_seq; i--) {
      const m = rec.messages[i];
      if (m.kind !== "notice" && m.sender_id !== rec.user_id) n++;
    }
    return n;
  }

  async lines(): Promise<LineItem[]> {
    const me = this.requireMeSync();
    const items: LineItem[] = [];
    for (const c of this.connections.values()) {
      if (c.user_id !== me.id) continue;
      const line = this.lineMap.get(c.line.id) ?? c.line;
      const rec = c.state === "active" && c.chat_id != null ? this.chats.get(c.chat_id) : undefined;
      const sent = rec ? this.outbox.filter((o) => o.chat_id === rec.id).at(-1) : undefined;
      items.push({
        line,
        connection_id: c.id,
        state: c.state,
        chat_id: rec?.id ?? null,
        unread: rec ? this.unread(rec) : 0,
        read_seq: rec?.read_seq ?? 0,
        last_message_at: rec ? this.lastAt(rec) : null,
        last_message: rec?.messages[rec.messages.length - 1] ?? null,
        pending: sent ? { ...sent, files: sent.files.map((f) => ({ ...f })) } : null,
        open_ticket: !!rec?.ticket,
        muted: rec?.muted ?? false,
      });
    }
    // The core's order: lines with messages first, newest first (a send on its way counts from
    // when it was written); then the rest by name.
    const active = (i: LineItem): number | null => {
      const at = [i.last_message_at, i.pending?.created_at].filter((x): x is number => x != null);
      return at.length ? Math.max(...at) : null;
    };
    return items.sort((a, b) => {
      const la = active(a);
      const lb = active(b);
      if (la != null && lb != null) return lb - la;
      if (la != null) return -1;
      if (lb != null) return 1;
      return a.line.name.localeCompare(b.line.name);
    });
  }

  /** The client's own chat, or (an employee) any chat of their companies' lines. */
  /** The chat, if this account may see it; else refused with `code`. */
  private chatOf(chat: ChatId, code: "not_found" | "invalid_input" = "not_found"): ChatRec {
    const me = this.requireMeSync();
    const rec = this.chats.get(chat);
    if (!rec || (rec.user_id !== me.id && !this.isStaffChat(rec))) throw apiError(code, "Chat not found");
    return rec;
  }

  private isStaffChat(rec: ChatRec): boolean {
    const line = this.lineMap.get(rec.line_id);
    return !!line && !!this.me?.memberships.some((m) => m.company_id === line.company_id);
  }

  async messages(chat: ChatId, before: number | null, limit: number): Promise<ChatPage> {
    const rec = this.chatOf(chat);
    const lim = Math.max(1, Math.min(MAX_PAGE, Math.floor(limit) || 50));
    const all = rec.messages;
    // Messages are stored by seq: seq n is at index n-1.
    const end = before == null ? all.length : Math.max(0, Math.min(all.length, before - 1));
    const start = Math.max(0, end - lim);
    return {
      messages: all.slice(start, end),
      pending: this.outbox.filter((o) => o.chat_id === chat).map((o) => ({ ...o, files: o.files.map((f) => ({ ...f })) })),
      has_older: start > 0,
    };
  }


  // ------------------------------------------------------------------ knowledge base, bot, menus

  /** Adds an article to a line's knowledge base (setup; no events). */
  addArticle(line: LineId, a: { question: string; answer: string; keywords?: string[] }): Article {
    const art: Article = {
      id: this.articleIds++,
      line_id: line,
      question: a.question,
      answer: a.answer,
      keywords: a.keywords ?? [],
      helpful: 0,
      not_helpful: 0,
      created_at: this.now(),
      updated_at: this.now(),
    };
    this.articles.set(art.id, art);
    return art;
  }

  /** An article as stored (usefulness counts included), for tests. */
  articleById(id: ArticleId): Article | undefined {
    return this.articles.get(id);
  }

  /** Sets (or with null removes) a line's digital menu; the next press uses it. */
  setMenu(line: LineId, menu: Menu | null): void {
    if (menu) this.menus.set(line, menu);
    else this.menus.delete(line);
  }

  async hints(line: LineId, text: string): Promise<Hint[]> {
    this.requireMeSync();
    if (!this.lineMap.has(line)) throw apiError("not_found", "Line not found");
    const words = hintWords(text);
    if (!words.length) return [];
    const scored: Hint[] = [];
    for (const a of this.articles.values()) {
      if (a.line_id !== line) continue;
      const head = hintWords([a.question, ...a.keywords].join(" "));
      const body = hintWords(a.answer);
      let score = 0;
      for (const w of words) {
        if (head.some((h) => h.startsWith(w) || w.startsWith(h))) score += 3;
        else if (body.some((h) => h.startsWith(w))) score += 1;
      }
      if (score > 0) scored.push({ article_id: a.id, question: a.question, score });
    }
    scored.sort((x, y) => y.score - x.score || x.article_id - y.article_id);
    return scored.slice(0, 5);
  }

  async automation(line: LineId): Promise<LineAutomation> {
    this.requireMeSync();
    if (!this.lineMap.has(line)) throw apiError("not_found", "Line not found");
    const articles = [...this.articles.values()].filter((a) => a.line_id === line).length;
    return { line_id: line, mode: "specialists", articles, has_menu: this.menus.has(line), integration: false };
  }

  async hintClick(chat: ChatId, article: ArticleId): Promise<Message[]> {
    const rec = this.ownChat(chat);
    const a = this.articles.get(article);
    if (!a || a.line_id !== rec.line_id) throw apiError("not_found", "Article not found");
    const from = rec.messages.length;
    this.addMessage(chat, { from: "me", text: a.question });
    this.postArticle(rec, a);
    return this.exchange(rec, from);
  }

  async openMenu(chat: ChatId): Promise<Message[]> {
    const rec = this.ownChat(chat);
    const menu = this.menus.get(rec.line_id);
    if (!menu) throw apiError("not_found", "The line has no menu");
    const from = rec.messages.length;
    this.showMenu(rec, menu, null);
    return this.exchange(rec, from);
  }

  async press(chat: ChatId, message: MessageId, button: string): Promise<Message[]> {
    const rec = this.ownChat(chat);
    const m = rec.messages.find((x) => x.id === message);
    if (!m) throw apiError("not_found", "Message not found");
    if (!m.bot?.buttons.length) throw apiError("invalid_input", "that message has no buttons");
    const b = m.bot.buttons.find((x) => x.id === button);
    if (!b) throw apiError("invalid_input", "that message has no such button");
    if (b.url) throw apiError("invalid_input", "a link button opens its link; there is nothing to press");
    const from = rec.messages.length;
    this.addMessage(chat, { from: "me", text: b.label });
    const r = isRu(m.text);
    if (m.bot.source === "bot") {
      if (button === "helped") {
        const a = m.bot.article_id != null ? this.articles.get(m.bot.article_id) : undefined;
        if (a) a.helpful++;
        this.postBot(rec, r ? "Рад, что помог!" : "Glad it helped!", "bot", []);
      } else {
        const a = m.bot.article_id != null ? this.articles.get(m.bot.article_id) : undefined;
        if (a) a.not_helpful++;
        this.postBot(rec, r ? "Передаю ваш вопрос специалисту." : "Passing your question to a specialist.", "bot", []);
        this.handOver(rec);
      }
    } else if (m.bot.source === "menu") {
      const menu = this.menus.get(rec.line_id);
      const item = menu?.items.find((i) => `m:${i.id}` === button);
      if (!menu) this.postBot(rec, r ? "Меню больше недоступно." : "The menu is no longer available.", "menu", []);
      else if (!item) this.showMenu(rec, menu, null);
      else this.menuAction(rec, menu, item);
    }
    return this.exchange(rec, from);
  }

  private ownChat(chat: ChatId): ChatRec {
    const me = this.requireMeSync();
    const rec = this.chats.get(chat);
    if (!rec || rec.user_id !== me.id) throw apiError("not_found", "Chat not found");
    if (!this.activeConnectionForChat(chat)) throw apiError("forbidden", "The line is not connected");
    return rec;
  }

  private exchange(rec: ChatRec, from: number): Message[] {
    rec.read_seq = rec.messages.length;
    this.changed(rec.id);
    return rec.messages.slice(from);
  }

  private botOf(line: LineId): { id: UserId; name: string } {
    let b = this.bots.get(line);
    if (!b) {
      b = { id: this.ids.user++, name: this.lineMap.get(line)?.name ?? "Bot" };
      this.bots.set(line, b);
    }
    return b;
  }

  private postBot(rec: ChatRec, text: string, source: "bot" | "menu", buttons: ChatButton[], article: ArticleId | null = null): Message {
    const m = this.addMessage(rec.id, { from: this.botOf(rec.line_id), text, read: true });
    m.bot = { source, buttons, article_id: article };
    return m;
  }

  private postArticle(rec: ChatRec, a: Article): void {
    const r = isRu(a.question);
    const buttons: ChatButton[] = [
      { id: "helped", label: r ? "Помогло" : "Yes, it helped", url: null },
      { id: "not_helped", label: r ? "Не помогло" : "No", url: null },
      { id: "specialist", label: r ? "Позвать специалиста" : "Call a specialist", url: null },
    ];
    const ask = r ? "Помог ли этот ответ?" : "Did this answer help?";
    this.postBot(rec, `**${a.question}**\n\n${a.answer}\n\n${ask}`, "bot", buttons, a.id);
  }

  private showMenu(rec: ChatRec, menu: Menu, parent: string | null): void {
    const text = parent == null ? menu.greeting : (menu.items.find((i) => i.id === parent)?.label ?? menu.greeting);
    const buttons: ChatButton[] = menu.items
      .filter((i) => (i.parent ?? null) === parent)
      .map((i) => ({ id: `m:${i.id}`, label: i.label, url: i.action.type === "link" ? i.action.url : null }));
    this.postBot(rec, text, "menu", buttons);
  }

  private menuAction(rec: ChatRec, menu: Menu, item: MenuItem): void {
    const r = isRu(menu.greeting);
    const act = item.action;
    switch (act.type) {
      case "submenu":
        this.showMenu(rec, menu, item.id);
        break;
      case "back": {
        const parent = menu.items.find((i) => i.id === item.parent);
        this.showMenu(rec, menu, parent?.parent ?? null);
        break;
      }
      case "close":
        this.postBot(rec, r ? "Меню закрыто." : "Menu closed.", "menu", []);
        break;
      case "text":
        this.postBot(rec, act.text, "menu", []);
        break;
      case "file":
        this.postBot(rec, act.text || item.label, "menu", []);
        break;
      case "article": {
        const a = this.articles.get(act.article_id);
        if (a && a.line_id === rec.line_id) this.postArticle(rec, a);
        else this.postBot(rec, r ? "Эта статья больше недоступна." : "That article is no longer available.", "menu", []);
        break;
      }
      case "specialist":
      case "service_request":
        this.postBot(rec, r ? "Передаю ваш вопрос специалисту." : "Passing your question to a specialist.", "menu", []);
        this.handOver(rec);
        break;
      case "link":
        throw apiError("invalid_input", "a link button opens its link; there is nothing to press");
    }
  }

  /** To the specialists: the bot's ticket joins the queue, or a new ticket is registered. */
  private handOver(rec: ChatRec): void {
    const t = rec.ticket;
    if (t) {
      if (t.state === "bot") {
        t.state = "queued";
        this.route(t);
      }
      return;
    }
    this.registerTicket(rec, this.now());
  }

  async send(chat: ChatId, text: string, files: string[]): Promise<string> {
    const target = this.chatOf(chat);
    if (target.user_id === this.me!.id && !this.activeConnectionForChat(chat)) throw apiError("forbidden", "The line is not connected");
    // As the core: invisible control characters go; the limits come with their figures.
    text = text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, "");
    const length = [...text].length;
    if (length > MAX_MESSAGE_CHARS)
      throw apiError("text_too_long", `a message may have at most ${MAX_MESSAGE_CHARS} characters, this one has ${length}`, { size: length, limit: MAX_MESSAGE_CHARS });
    if (files.length > MAX_MESSAGE_FILES)
      throw apiError("too_many_files", `a message may carry at most ${MAX_MESSAGE_FILES} files, this one has ${files.length}`, {
        size: files.length,
        limit: MAX_MESSAGE_FILES,
      });
    if (!text.trim() && files.length === 0) throw apiError("invalid_input", "Nothing to send");
    // As the core checks them, each by name, before anything is queued.
    const pending = files.map((path) => {
      const size = this.fs.get(path) ?? this.sizeFromName(path);
      const name = baseName(path);
      if (size < 0) throw apiError("not_a_file", `${name}: not a file`, { name });
      if (size > MAX_FILE_SIZE)
        throw apiError("payload_too_large", `the file is too large: ${size} bytes, at most ${MAX_FILE_SIZE}`, { size, limit: MAX_FILE_SIZE, name });
      if (size === 0) throw apiError("empty_file", `${name}: the file is empty`, { name });
      return { name, size, file_id: null };
    });
    const item: OutboxItem = {
      client_msg_id: uuid(),
      chat_id: chat,
      text,
      files: pending,
      state: "sending",
      error: null,
      created_at: this.now(),
    };
    this.outbox.push(item);
    this.sent.push({ chat, text, files: [...files], id: item.client_msg_id });
    this.emit({ type: "outbox_changed", chat_id: chat, client_msg_id: item.client_msg_id });
    if (!this.opts.manual && this.syncState === "online") this.schedule(item);
    return item.client_msg_id;
  }

  private activeConnectionForChat(chat: ChatId): Connection | undefined {
    for (const c of this.connections.values()) if (c.chat_id === chat && c.state === "active") return c;
    return undefined;
  }

  private sizeFromName(path: string): number {
    let h = 0;
    for (const ch of path) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    return 20_000 + (h % 4_000_000);
  }

  /** Timer mode: uploads with progress events, then delivery. */
  private schedule(item: OutboxItem): void {
    if (this.uploads.has(item.client_msg_id)) return;
    const up: Upload = { timers: [] };
    this.uploads.set(item.client_msg_id, up);
    let t = 0;
    item.files.forEach((f, index) => {
      if (f.file_id != null) return;
      const duration = Math.min(4000, Math.max(400, (f.size / this.opts.uploadSpeed) * 1000));
      const steps = Math.max(4, Math.round(duration / 120));
      for (let s = 0; s <= steps; s++) {
        const at = t + (duration * s) / steps;
        up.timers.push(
          setTimeout(() => {
            const done = Math.round((f.size * s) / steps);
            const finished = s === steps;
            if (finished) f.file_id = this.storeFile(f.name, f.size, undefined, this.now()).id;
            this.emit({ type: "transfer", transfer_id: `up:${item.client_msg_id}:${index}`, done, total: f.size, finished, error: null });
          }, at),
        );
      }
      t += duration;
    });
    up.timers.push(setTimeout(() => this.finish(item), t + this.opts.latency));
  }

  private stopUploads(id: string): void {
    const up = this.uploads.get(id);
    if (up) for (const timer of up.timers) clearTimeout(timer);
    this.uploads.delete(id);
  }

  private finish(item: OutboxItem): void {
    this.stopUploads(item.client_msg_id);
    if (!this.outbox.includes(item)) return;
    if (this.failure) {
      item.state = "failed";
      item.error = this.failure;
      this.emit({ type: "outbox_changed", chat_id: item.chat_id, client_msg_id: item.client_msg_id });
      return;
    }
    const rec = this.chats.get(item.chat_id)!;
    const me = this.me;
    if (!me) return;
    const at = this.now();
    const files = item.files.map((f) =>
      f.file_id != null && this.fileMeta.has(f.file_id) ? this.fileMeta.get(f.file_id)! : this.storeFile(f.name, f.size, undefined, at),
    );
    const msg: Message = {
      id: this.ids.message++,
      chat_id: rec.id,
      seq: rec.messages.length + 1,
      sender_id: me.id,
      sender_name: me.display_name,
      kind: files.length ? "file" : "text",
      text: item.text,
      files,
      notice: null,
      client_msg_id: item.client_msg_id,
      created_at: at,
    };
    rec.messages.push(msg);
    const client = rec.user_id === me.id;
    if (client) rec.read_seq = msg.seq;
    else this.staffReads.set(`${rec.id}:${me.id}`, msg.seq);
    this.outbox.splice(this.outbox.indexOf(item), 1);
    // The client's message registers a ticket when none is open; employees' never do.
    if (client && !rec.ticket) this.registerTicket(rec, at);
    this.emit({ type: "outbox_changed", chat_id: rec.id, client_msg_id: item.client_msg_id });
    this.changed(rec.id);
    if (this.opts.autoReply && !this.replied.has(rec.id)) {
      this.replied.add(rec.id);
      setTimeout(() => {
        const line = this.lineMap.get(rec.line_id);
        const ru = typeof navigator !== "undefined" && navigator.language.toLowerCase().startsWith("ru");
        this.receive(
          rec.id,
          ru
            ? "Здравствуйте! Спасибо за обращение, уже разбираемся. Ответим здесь в течение нескольких минут."
            : "Hello! Thanks for reaching out — we're looking into it and will reply here within a few minutes.",
          { from: line?.company_name ? (ru ? "Мария, поддержка" : "Maria, support") : "Specialist" },
        );
      }, 2500);
    }
  }

  private changed(chat: ChatId): void {
    this.emit({ type: "messages_changed", chat_id: chat });
    this.emit({ type: "chat_changed", chat_id: chat });
  }

  private findOutbox(id: string): OutboxItem {
    const item = this.outbox.find((o) => o.client_msg_id === id);
    if (!item) throw apiError("not_found", "No such message in the outbox");
    return item;
  }

  async retry(clientMsgId: string): Promise<void> {
    const item = this.findOutbox(clientMsgId);
    if (item.state !== "failed") return;
    item.state = "sending";
    item.error = null;
    this.emit({ type: "outbox_changed", chat_id: item.chat_id, client_msg_id: item.client_msg_id });
    if (!this.opts.manual && this.syncState === "online") this.schedule(item);
  }

  async cancel(clientMsgId: string): Promise<void> {
    const item = this.findOutbox(clientMsgId);
    this.stopUploads(clientMsgId);
    this.outbox.splice(this.outbox.indexOf(item), 1);
    this.emit({ type: "outbox_changed", chat_id: item.chat_id, client_msg_id: item.client_msg_id });
  }

  async cancelTransfer(transferId: string): Promise<void> {
    const m = /^up:(.+):(\d+)$/.exec(transferId);
    if (!m) throw apiError("not_found", "No such transfer");
    const item = this.findOutbox(m[1]);
    this.stopUploads(item.client_msg_id);
    item.state = "failed";
    item.error = apiError("cancelled", "the upload was cancelled");
    this.emit({ type: "transfer", transfer_id: transferId, done: 0, total: item.files[+m[2]]?.size ?? 0, finished: true, error: "cancelled" });
    this.emit({ type: "outbox_changed", chat_id: item.chat_id, client_msg_id: item.client_msg_id });
  }

  async drafts(): Promise<import("./proto/api").Draft[]> {
    this.requireMeSync();
    return [...this.draftMap.values()].sort((a, b) => a.chat_id - b.chat_id).map((d) => structuredClone(d));
  }

  async setDraft(draft: import("./proto/api").Draft): Promise<void> {
    this.requireMeSync();
    if ([...draft.text].length > 100_000) throw apiError("invalid_input", "a draft may have at most 100,000 characters");
    if (draft.files.length > 100) throw apiError("invalid_input", "at most 100 files in a draft");
    if (!draft.text.trim() && !draft.files.length) this.draftMap.delete(draft.chat_id);
    else this.draftMap.set(draft.chat_id, structuredClone(draft));
  }

  async setMuted(chat: ChatId, muted: boolean): Promise<void> {
    // As the core: a chat this account's cache lacks is invalid input.
    const rec = this.chatOf(chat, "invalid_input");
    rec.muted = muted;
    this.emit({ type: "chat_changed", chat_id: chat });
    this.emit({ type: "lines_changed" });
  }

  async markRead(chat: ChatId, seq: number): Promise<void> {
    const rec = this.chatOf(chat);
    const me = this.requireMeSync();
    this.reads.push({ chat, seq });
    const s = Math.min(seq, rec.messages.length);
    if (rec.user_id !== me.id) {
      const key = `${chat}:${me.id}`;
      if (s > (this.staffReads.get(key) ?? 0)) {
        this.staffReads.set(key, s);
        this.emit({ type: "chat_changed", chat_id: chat });
      }
    } else if (s > rec.read_seq) {
      rec.read_seq = s;
      this.emit({ type: "chat_changed", chat_id: chat });
    }
  }

  async search(query: string): Promise<SearchHit[]> {
    const me = this.requireMeSync();
    // The words as the core's `fts_query` takes them: runs of letters and digits, at most 8.
    const words = fold(query).split(/[^\p{L}\p{N}]+/u).filter(Boolean).slice(0, 8);
    if (!words.length) return [];
    const hits: SearchHit[] = [];
    for (const rec of this.chats.values()) {
      if (rec.user_id !== me.id) continue;
      for (const m of rec.messages) {
        // As the core's index: the text and the file names are two columns; every word must be
        // in one of them, and the snippet is the column that matches the most of the words,
        // then the most often (FTS5's snippet score; the text on a tie).
        const columns = [m.text, m.files.map((f) => f.name).join(", ")];
        const tokens = columns.map((c) => fold(c).split(/[^\p{L}\p{N}]+/u).filter(Boolean));
        if (!words.every((w) => tokens.some((ts) => ts.some((tok) => tok.startsWith(w))))) continue;
        const score = (ts: string[]) => words.reduce((n, w) => {
          const k = ts.filter((tok) => tok.startsWith(w)).length;
          return n + (k ? 1000 + k : 0);
        }, 0);
        const column = columns[score(tokens[1]) > score(tokens[0]) ? 1 : 0];
        const snippet = column.replace(/[\p{L}\p{N}]+/gu, (tok) => (words.some((w) => fold(tok).startsWith(w)) ? `\u0002${tok}\u0003` : tok));
        hits.push({ message: m, line_id: rec.line_id, snippet });
      }
    }
    return hits.sort((a, b) => b.message.id - a.message.id).slice(0, 100);
  }

  async directory(query: string): Promise<Line[]> {
    this.requireMeSync();
    const words = fold(query).split(/\s+/).filter(Boolean);
    return [...this.lineMap.values()]
      .filter((l) => l.published)
      .filter((l) => {
        const text = fold(`${l.name} ${l.description}`);
        return words.every((w) => text.includes(w));
      })
      .sort((a, b) => Number(b.recommended) - Number(a.recommended) || a.name.localeCompare(b.name));
  }

  async recommended(): Promise<Line[]> {
    this.requireMeSync();
    return [...this.lineMap.values()].filter((l) => l.published && l.recommended).sort((a, b) => a.name.localeCompare(b.name));
  }

  async requestConnection(lineId: LineId): Promise<Connection> {
    const me = this.requireMeSync();
    const line = this.lineMap.get(lineId);
    if (!line || !line.published) throw apiError("not_found", "Line not found");
    const existing = [...this.connections.values()].find((c) => c.line.id === lineId && c.user_id === me.id);
    if (existing?.state === "active") throw apiError("conflict", "The line is already connected");
    if (existing?.state === "pending") return { ...existing };
    if (existing) this.connections.delete(existing.id);
    const conn: Connection = {
      id: this.ids.connection++,
      user_id: me.id,
      user_display_name: me.display_name,
      line,
      state: "pending",
      origin: "request",
      chat_id: null,
      created_at: this.now(),
    };
    this.connections.set(conn.id, conn);
    this.emit({ type: "lines_changed" });
    return { ...conn };
  }

  async disconnect(connection: ConnectionId): Promise<void> {
    const me = this.requireMeSync();
    const c = this.connections.get(connection);
    if (!c || c.user_id !== me.id) throw apiError("not_found", "Connection not found");
    this.connections.delete(connection);
    // The chat and its history stay: they return when the line is connected again.
    this.emit({ type: "lines_changed" });
  }

  async chatFiles(chat: ChatId): Promise<FileMeta[]> {
    const rec = this.chatOf(chat);
    const files: FileMeta[] = [];
    for (let i = rec.messages.length - 1; i >= 0; i--) files.push(...rec.messages[i].files);
    return files;
  }

  async serviceRequests(chat: ChatId): Promise<ServiceRequest[]> {
    const rec = this.chatOf(chat);
    return this.requests
      .filter((r) => r.line_id === rec.line_id && r.chat_id === rec.id && (r.status === "open" || r.status === "in_progress"))
      .sort((a, b) => b.number - a.number)
      .map((r) => ({ ...r }));
  }

  async openFile(file: FileId): Promise<void> {
    this.requireMeSync();
    if (!this.fileMeta.has(file)) throw apiError("not_found", "File not found");
    this.opened.files.push(file);
  }

  async openUrl(url: string): Promise<void> {
    let ok = false;
    try {
      const u = new URL(url);
      ok = u.protocol === "http:" || u.protocol === "https:";
    } catch {
      ok = false;
    }
    if (!ok) throw apiError("invalid_input", "Only http and https links can be opened");
    this.opened.urls.push(url);
    this.opts.onOpenUrl?.(url);
  }

  async pickFiles(): Promise<DroppedFile[]> {
    const files = this.pickQueue ?? this.defaultPick;
    this.pickQueue = null;
    return files.map((f) => ({ ...f }));
  }

  async pasteFiles(): Promise<DroppedFile[]> {
    return this.clipboard.map((f) => ({ ...f }));
  }

  async setOpenChat(chat: ChatId | null): Promise<void> {
    this.openChats.push(chat);
  }

  onEvent(handler: (e: CoreEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  onDrag(handler: (e: DragEvent_) => void): () => void {
    this.dragHandlers.add(handler);
    return () => this.dragHandlers.delete(handler);
  }

  onOpenChat(handler: (chat: ChatId) => void): () => void {
    this.openChatHandlers.add(handler);
    return () => this.openChatHandlers.delete(handler);
  }
}

/** Words of a hint query or an article, lower-cased, "ё" as "е", at least 3 letters. */
function hintWords(text: string): string[] {
  return (text.toLowerCase().replaceAll("ё", "е").match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length >= 3);
}

function isRu(text: string): boolean {
  return /[а-яё]/i.test(text);
}
