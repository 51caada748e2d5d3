// A small, deterministic world for the tests.
import { render, screen, waitFor } from "@testing-library/svelte";
import App from "../App.svelte";
import { MemoryBackend } from "../lib/memory";

export const HOUR = 3_600_000;

export function world(opts: { signedIn?: boolean; embedded?: boolean } = {}) {
  const now = Date.now();
  // `hours` ago, but never before today's midnight (the tests expect these under "Today" at
  // any time of day): shortly after midnight they move to just after it, in the same order.
  const midnight = new Date(now).setHours(0, 0, 0, 0);
  const todayAgo = (hours: number) => Math.max(now - hours * HOUR, midnight + (10 - hours) * 1_000);
  const mb = new MemoryBackend({ manual: true, embedded: opts.embedded });
  const me = mb.addAccount("user", "okno-demo", "Anna Petrova");
  mb.addAccount("specialist", "okno-demo", "Dmitry Sokolov");
  mb.signInAs("user");
  const demo = mb.addCompany("Okno Demo");
  const acme = mb.addCompany("Acme Cloud");

  const it = mb.addLine(demo, {
    name: "IT Help Desk",
    description: "Computers, accounts and printers.",
    details_url: "https://okno.example.com/it",
    hours: {
      time_zone: "Europe/Moscow",
      weekly: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, open: "09:00", close: "18:00" })),
      holidays: [],
    },
    working_now: true,
    published: true,
  });
  const acct = mb.addLine(acme, {
    name: "Accounting",
    description: "Bank statements and reports.",
    hours: { time_zone: "Europe/Moscow", weekly: [{ weekday: 1, open: "10:00", close: "12:00" }], holidays: [] },
    working_now: false,
    next_open_at: now + 20 * HOUR,
  });
  const quiet = mb.addLine(demo, { name: "Zeta Quiet Line" });
  const alpha = mb.addLine(demo, { name: "Alpha Empty Line" });
  const vpn = mb.addLine(demo, { name: "Corporate VPN", published: true });
  const travel = mb.addLine(acme, { name: "Travel Booking", description: "Tickets and hotels", published: true, recommended: true });
  const legal = mb.addLine(acme, { name: "Legal Consultations", description: "Contracts and approvals", published: true });
  const hidden = mb.addLine(acme, { name: "Internal Legal Archive", description: "not published" });

  const itConn = mb.connect(it.id);
  const itChat = itConn.chat_id!;
  const spec = { id: 900, name: "Dmitry Sokolov" };
  mb.addMessage(itChat, { from: "me", text: "Outlook keeps asking for my password", at: now - 50 * HOUR });
  mb.openTicket(itChat, now - 50 * HOUR);
  mb.addMessage(itChat, { from: spec, text: "Please see https://kb.example.com/outlook for the fix.", at: now - 49 * HOUR, read: true });
  mb.addServiceRequest(itChat, "Reset Outlook profile", "in_progress", now - 48 * HOUR);
  mb.addMessage(itChat, { from: spec, text: "Here is the guide", files: [{ name: "guide.pdf", size: 1_500_000 }], at: todayAgo(2) });
  mb.addMessage(itChat, { from: spec, text: "Did it help?", at: todayAgo(1) });

  const acctChat = mb.connect(acct.id).chat_id!;
  mb.addMessage(acctChat, { from: "me", text: "Statement import fails", at: now - 30 * HOUR });
  mb.addMessage(acctChat, { from: { id: 901, name: "Pavel" }, text: "Fixed in 3.2", at: now - 29 * HOUR, read: true });

  const quietConn = mb.connect(quiet.id);
  const alphaConn = mb.connect(alpha.id);
  const vpnConn = mb.connect(vpn.id, { state: "pending", origin: "request" });

  if (opts.signedIn === false) void mb.logout();
  return {
    mb,
    me,
    now,
    lines: { it, acct, quiet, alpha, vpn, travel, legal, hidden },
    chats: { it: itChat, acct: acctChat, quiet: quietConn.chat_id!, alpha: alphaConn.chat_id! },
    conns: { it: itConn.id, vpn: vpnConn.id },
  };
}

export async function renderApp(mb: MemoryBackend) {
  const r = render(App, { props: { backend: mb } });
  await waitFor(() => {
    if (!screen.queryByTestId("login-form") && !screen.queryAllByTestId("line-item").length) throw new Error("not ready");
  });
  return r;
}

export function byTestId<T extends Element = HTMLElement>(root: ParentNode, id: string): T[] {
  return Array.from(root.querySelectorAll<T>(`[data-testid="${id}"]`));
}

export function lineItem(lineId: number): HTMLElement | null {
  return document.querySelector(`[data-testid="lines-list"] [data-testid="line-item"][data-line-id="${lineId}"], [data-testid="search-results"] [data-testid="line-item"][data-line-id="${lineId}"]`);
}
