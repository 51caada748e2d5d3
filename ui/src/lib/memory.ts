// An in-memory implementation of `Backend` that behaves like the desktop shell and its client
// core: the same ordering of lines, paging of messages, outbox states, transfer events,
// connection requests and CoreEvents (ids only, delivered asynchronously like the shell's).
// Used by the browser demo (`npx vite`), by the unit tests and by the scroll benchmark.
//
// Test helpers (not part of `Backend`): approve/reject a request, receive a message, change the
// sync state, make sends fail, deliver the outbox by hand, simulate drag-and-drop, and the
// recorded calls of openUrl/openFile/markRead/setOpenChat.
import type { AppInfo, Backend, DragEvent_, DroppedFile } from "./backend";
import type { ChatId, ConnectionId, FileId, LineId, UserId } from "./proto/ids";
import type {
  ApiError,
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
} from "./proto/api";

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

const MAX_TEXT = 10_000;
const MAX_FILES = 10;
const MAX_FILE_SIZE = 100 * 1024 * 1024;
const MAX_PAGE = 1000;

function apiError(code: string, message: string): ApiError {
  return { code, message };
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
  private serverUrl: string | null = null;
  private syncState: SyncState = "idle";
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
  private failure: string | null = null;
  private pickQueue: DroppedFile[] | null = null;
  private ids = { user: 100, company: 1, line: 1, connection: 1, chat: 1, message: 1, file: 1, ticket: 1, sr: 1 };
  private handlers = new Set<(e: CoreEvent) => void>();
  private dragHandlers = new Set<(e: DragEvent_) => void>();
  private openChatHandlers = new Set<(c: ChatId) => void>();
  private replied = new Set<ChatId>();

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

  /** Opens a ticket in the chat with its notice (seeding; no events). */
  openTicket(chat: ChatId, at?: number): Ticket {
    const rec = this.chats.get(chat)!;
    const line = this.lineMap.get(rec.line_id)!;
    const number = (this.ticketNumbers.get(line.company_id) ?? 1000) + 1;
    this.ticketNumbers.set(line.company_id, number);
    const ticket: Ticket = {
      id: this.ids.ticket++,
      number,
      company_id: line.company_id,
      line_id: line.id,
      line_name: line.name,
      chat_id: chat,
      user_id: rec.user_id,
      client_name: "",
      channel: "desktop",
      state: "assigned",
      opened_at: at ?? this.now(),
      closed_at: null,
    };
    rec.ticket = ticket;
    this.addMessage(chat, { from: null, notice: { type: "ticket_registered", ticket_id: ticket.id, number }, at, read: true });
    return ticket;
  }

  /** Closes the open ticket with its notice. */
  closeTicket(chat: ChatId, at?: number): void {
    const rec = this.chats.get(chat)!;
    if (!rec.ticket) return;
    const t = rec.ticket;
    rec.ticket = null;
    this.addMessage(chat, { from: null, notice: { type: "ticket_closed", ticket_id: t.id, number: t.number, result: "" }, at, read: true });
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

  /** Registers a file on the simulated disk (for send validation and sizes). */
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

  setSyncState(state: SyncState, detail: string | null = null): void {
    this.syncState = state;
    this.emit({ type: "sync_state", state, detail });
    if (state === "online" && !this.opts.manual) {
      for (const item of this.outbox) if (item.state === "sending") this.schedule(item);
    }
  }

  /** Sends fail with this server message (a 4xx refusal) until set back to null. */
  failSends(message: string | null): void {
    this.failure = message;
  }

  /** Manual mode: delivers (or fails) every entry waiting to be sent. */
  deliverAll(): void {
    for (const item of [...this.outbox]) if (item.state === "sending") this.finish(item);
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

  // ------------------------------------------------------------------ Backend

  async info(): Promise<AppInfo> {
    return {
      me: this.me,
      server_url: this.me ? this.serverUrl : null,
      embedded: this.opts.embedded && this.serverUrl == null,
      sync_state: this.syncState,
    };
  }

  async login(server_url: string | null, login: string, password: string): Promise<Me> {
    const server = server_url?.trim() || null;
    if (server) {
      let ok = false;
      try {
        const u = new URL(server);
        ok = (u.protocol === "http:" || u.protocol === "https:") && !!u.host;
      } catch {
        ok = false;
      }
      if (!ok) throw apiError("invalid_input", "The server address must be an http:// or https:// URL");
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

  async logout(): Promise<void> {
    this.me = null;
    this.serverUrl = null;
    this.syncState = "idle";
    this.emit({ type: "sync_state", state: "idle", detail: null });
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
      items.push({
        line,
        connection_id: c.id,
        state: c.state,
        chat_id: rec?.id ?? null,
        unread: rec ? this.unread(rec) : 0,
        last_message_at: rec ? this.lastAt(rec) : null,
        open_ticket: !!rec?.ticket,
        muted: rec?.muted ?? false,
      });
    }
    // The core's order: lines with messages first, newest first; then the rest by name.
    return items.sort((a, b) => {
      const la = a.last_message_at ?? null;
      const lb = b.last_message_at ?? null;
      if (la != null && lb != null) return lb - la;
      if (la != null) return -1;
      if (lb != null) return 1;
      return a.line.name.localeCompare(b.line.name);
    });
  }

  private chatOf(chat: ChatId): ChatRec {
    const me = this.requireMeSync();
    const rec = this.chats.get(chat);
    if (!rec || rec.user_id !== me.id) throw apiError("not_found", "Chat not found");
    return rec;
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

  async send(chat: ChatId, text: string, files: string[]): Promise<string> {
    this.chatOf(chat);
    if (!this.activeConnectionForChat(chat)) throw apiError("forbidden", "The line is not connected");
    if ([...text].length > MAX_TEXT) throw apiError("invalid_input", `The text is longer than ${MAX_TEXT} characters`);
    if (files.length > MAX_FILES) throw apiError("invalid_input", `At most ${MAX_FILES} files per message`);
    if (!text.trim() && files.length === 0) throw apiError("invalid_input", "Nothing to send");
    const pending = files.map((path) => {
      const size = this.fs.get(path) ?? this.sizeFromName(path);
      if (size > MAX_FILE_SIZE) throw apiError("payload_too_large", `${baseName(path)} is larger than 100 MB`);
      return { name: baseName(path), size, file_id: null };
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
    rec.read_seq = msg.seq;
    this.outbox.splice(this.outbox.indexOf(item), 1);
    if (!rec.ticket) this.openTicket(rec.id, at);
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
    item.error = "Upload cancelled";
    this.emit({ type: "transfer", transfer_id: transferId, done: 0, total: item.files[+m[2]]?.size ?? 0, finished: true, error: "cancelled" });
    this.emit({ type: "outbox_changed", chat_id: item.chat_id, client_msg_id: item.client_msg_id });
  }

  async markRead(chat: ChatId, seq: number): Promise<void> {
    const rec = this.chatOf(chat);
    this.reads.push({ chat, seq });
    const s = Math.min(seq, rec.messages.length);
    if (s > rec.read_seq) {
      rec.read_seq = s;
      this.emit({ type: "chat_changed", chat_id: chat });
    }
  }

  async search(query: string): Promise<SearchHit[]> {
    const me = this.requireMeSync();
    const words = fold(query).split(/\s+/).filter(Boolean);
    if (!words.length) return [];
    const hits: SearchHit[] = [];
    for (const rec of this.chats.values()) {
      if (rec.user_id !== me.id) continue;
      for (const m of rec.messages) {
        const tokens = fold(m.text).split(/[^\p{L}\p{N}]+/u);
        if (!words.every((w) => tokens.some((tok) => tok.startsWith(w)))) continue;
        const snippet = m.text.replace(/[\p{L}\p{N}]+/gu, (tok) => (words.some((w) => fold(tok).startsWith(w)) ? `[${tok}]` : tok));
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
      .sort((a, b) => b.number - a.number);
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
