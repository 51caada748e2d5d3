// The desktop shell's implementation of the backend: one command per user intent.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import type { AppInfo, Autostart, Backend, DragEvent_, DroppedFile } from "./backend";
import type { ChatId, CoreEvent } from "./proto/api";
import type * as P from "./proto/api";
import type { ArticleId, CompanyId, LineId, MessageId, TicketId, UserId } from "./proto/ids";
import type { Appearance } from "./theme";
import type { LocalZone } from "./clock";

function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** Listens to a shell event; `onListening` runs once the listener is registered (events emitted
 * before that are not delivered). */
function subscribe<T>(event: string, handler: (payload: T) => void, onListening?: () => void): () => void {
  let unlisten: (() => void) | null = null;
  let stopped = false;
  listen<T>(event, (e) => handler(e.payload)).then((u) => {
    if (stopped) u();
    else {
      unlisten = u;
      onListening?.();
    }
  });
  return () => {
    stopped = true;
    unlisten?.();
  };
}

export class TauriBackend implements Backend {
  /** Shows the window, which starts hidden (tauri.conf.json): the page calls this once its first
   * screen has content, so the first frame the window shows is that screen. Started at login,
   * the shell keeps it in the tray instead. */
  showWindow(): Promise<void> { return invoke<void>("window_ready"); }
  info() { return invoke<AppInfo>("info"); }
  localZone() { return invoke<LocalZone>("local_zone"); }
  zoneOffset(name: string) { return invoke<number>("zone_offset", { name }); }
  autostart() { return invoke<Autostart>("autostart"); }
  setAutostart(enabled: boolean) { return invoke<Autostart>("set_autostart", { enabled }); }
  setZoom(zoom: number) { return invoke<number>("set_zoom", { zoom }); }
  /** Light or dark and the interface font where the shell decides them (Linux), `null`s where
   * the webview follows the system (lib/theme.ts). */
  appearance() { return invoke<Appearance>("appearance"); }
  /** Every change of the desktop's appearance; a change between the page's first
   * `appearance()` and the listener's registration is caught by reading it once more then. */
  onAppearance(handler: (a: Appearance) => void): () => void {
    return subscribe<Appearance>("appearance", handler, () => {
      this.appearance().then(handler).catch(() => {});
    });
  }
  login(server_url: string | null, login: string, password: string) {
    return invoke<import("./proto/api").Me>("login", { serverUrl: server_url, login, password });
  }
  logout(discardUnsent = false) { return invoke<void>("logout", { discardUnsent }); }
  lines() { return invoke<import("./proto/api").LineItem[]>("lines"); }
  messages(chat: ChatId, before: number | null, limit: number) {
    return invoke<import("./proto/api").ChatPage>("messages", { chat, before, limit });
  }
  send(chat: ChatId, text: string, files: string[]) { return invoke<string>("send", { chat, text, files }); }
  retry(clientMsgId: string) { return invoke<void>("retry", { clientMsgId }); }
  cancel(clientMsgId: string) { return invoke<void>("cancel", { clientMsgId }); }
  cancelTransfer(transferId: string) { return invoke<void>("cancel_transfer", { transferId }); }
  markRead(chat: ChatId, seq: number) { return invoke<void>("mark_read", { chat, seq }); }
  setMuted(chat: ChatId, muted: boolean) { return invoke<void>("set_muted", { chat, muted }); }
  drafts() { return invoke<import("./proto/api").Draft[]>("drafts"); }
  setDraft(draft: import("./proto/api").Draft) { return invoke<void>("set_draft", { draft }); }
  search(query: string) { return invoke<import("./proto/api").SearchHit[]>("search", { query }); }
  directory(query: string) { return invoke<import("./proto/api").Line[]>("directory", { query }); }
  recommended() { return invoke<import("./proto/api").Line[]>("recommended"); }
  requestConnection(line: number) { return invoke<import("./proto/api").Connection>("request_connection", { line }); }
  disconnect(connection: number) { return invoke<void>("disconnect", { connection }); }
  chatFiles(chat: ChatId) { return invoke<import("./proto/api").FileMeta[]>("chat_files", { chat }); }
  serviceRequests(chat: ChatId) { return invoke<import("./proto/api").ServiceRequest[]>("service_requests", { chat }); }
  openFile(file: number) { return invoke<void>("open_file", { file }); }
  openUrl(url: string) { return invoke<void>("open_url", { url }); }
  async pickFiles(): Promise<DroppedFile[]> {
    const paths = await invoke<string[]>("pick_files");
    return paths.map((path) => ({ path, name: baseName(path) }));
  }
  async pasteFiles(): Promise<DroppedFile[]> {
    const paths = await invoke<string[]>("paste_files");
    return paths.map((path) => ({ path, name: baseName(path) }));
  }
  setOpenChat(chat: ChatId | null) { return invoke<void>("set_open_chat", { chat }); }

  tickets(view: P.TicketView) { return invoke<P.TicketItem[]>("tickets", { view }); }
  ticket(ticket: TicketId) { return invoke<P.Ticket>("ticket", { ticket }); }
  ticketDetail(ticket: TicketId) { return invoke<P.TicketDetail>("ticket_detail", { ticket }); }
  takeTicket(ticket: TicketId) { return invoke<P.Ticket>("take_ticket", { ticket }); }
  transferTicket(ticket: TicketId, toUser: UserId | null, toLine: LineId | null, comment: string) {
    return invoke<P.Ticket>("transfer_ticket", { ticket, toUser, toLine, comment });
  }
  closeTicket(ticket: TicketId, result: string) { return invoke<P.Ticket>("close_ticket", { ticket, result }); }
  rateTicket(ticket: TicketId, rating: number, comment: string) {
    return invoke<P.Ticket>("rate_ticket", { ticket, rating, comment });
  }
  myAgents() { return invoke<P.Agent[]>("my_agents"); }
  setPresence(presence: P.Presence) { return invoke<P.Agent[]>("set_presence", { presence }); }
  companyAgents(company: CompanyId) { return invoke<P.Agent[]>("company_agents", { company }); }
  companyLines(company: CompanyId) { return invoke<P.Line[]>("company_lines", { company }); }
  services(company: CompanyId) { return invoke<P.Service[]>("services", { company }); }
  registerServiceRequest(ticket: TicketId, input: P.ServiceRequestInput) {
    return invoke<P.ServiceRequest>("register_service_request", { ticket, input });
  }
  setServiceRequestStatus(request: number, status: P.ServiceRequestStatus) {
    return invoke<P.ServiceRequest>("set_service_request_status", { request, status });
  }

  hints(line: LineId, text: string) { return invoke<P.Hint[]>("hints", { line, text }); }
  hintClick(chat: ChatId, article: ArticleId) { return invoke<P.Message[]>("hint_click", { chat, article }); }
  press(chat: ChatId, message: MessageId, button: string) {
    return invoke<P.Message[]>("press", { chat, message, button });
  }
  openMenu(chat: ChatId) { return invoke<P.Message[]>("open_menu", { chat }); }
  automation(line: LineId) { return invoke<P.LineAutomation>("automation", { line }); }

  onEvent(handler: (e: CoreEvent) => void) { return subscribe<CoreEvent>("core", handler); }
  onOpenChat(handler: (chat: ChatId) => void) { return subscribe<ChatId>("open-chat", handler); }
  onDrag(handler: (e: DragEvent_) => void): () => void {
    let unlisten: (() => void) | null = null;
    let stopped = false;
    getCurrentWebview()
      .onDragDropEvent((event) => {
        const p = event.payload;
        if (p.type === "enter") handler({ type: "enter", count: p.paths.length });
        else if (p.type === "over") handler({ type: "over" });
        else if (p.type === "leave") handler({ type: "leave" });
        else if (p.type === "drop")
          handler({ type: "drop", files: p.paths.map((path) => ({ path, name: baseName(path) })) });
      })
      .then((u) => {
        if (stopped) u();
        else unlisten = u;
      });
    return () => {
      stopped = true;
      unlisten?.();
    };
  }
}
