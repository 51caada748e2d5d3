// The specialist's single window and the user's side of the ticket steps, on the MemoryBackend.
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { MemoryBackend } from "../lib/memory";
import { renderApp } from "../test/world";

function staffWorld(opts: { signIn?: "spec" | "anna"; presence?: "online" | "away" } = {}) {
  const mb = new MemoryBackend({ manual: true });
  const anna = mb.addAccount("anna", "pw", "Anna Petrova");
  const ivan = mb.addAccount("ivan", "pw", "Ivan Sidorov");
  mb.addAccount("spec", "pw", "Dmitry Sokolov");
  mb.addAccount("olga", "pw", "Olga Level Two");
  const co = mb.addCompany("Okno Demo");
  const l1 = mb.addLine(co, { name: "IT Support", working_now: true });
  const l2 = mb.addLine(co, { name: "IT Level 2", working_now: true });
  const spec = mb.addAgent(co, "spec", { presence: opts.presence ?? "away", capacity: 2, lines: [l1.id] });
  const olga = mb.addAgent(co, "olga", { presence: "away", capacity: 2, lines: [l2.id] });
  mb.addService(co, "Workplace", [
    {
      name: "Replace a device",
      fields: [
        { name: "Inventory number", type: "number", required: true },
        { name: "Deadline", type: "date", required: false },
      ],
    },
  ]);
  mb.setClientCard(co, anna.id, { organization: "Romashka LLC", contact: "+7 495 000-00-00" });
  const annaChat = mb.connectUser("anna", l1.id);
  const ivanChat = mb.connectUser("ivan", l1.id);
  // Anna wrote before the specialist signed in: her ticket waits in the queue.
  mb.clientWrites(annaChat, "My printer does not print");
  mb.signInAs(opts.signIn ?? "spec");
  return { mb, co, l1, l2, anna, ivan, spec, olga, annaChat, ivanChat };
}

const rows = () => screen.queryAllByTestId("ticket-item");
const tab = (v: string) => screen.getByTestId(`tickets-tab-${v}`);
const notices = () => screen.queryAllByTestId("notice").map((n) => n.textContent!.replace(/\s+/g, " ").trim());

async function openTickets(mb: MemoryBackend) {
  await renderApp(mb).catch(() => undefined);
  await waitFor(() => expect(screen.getByTestId("tickets-panel")).toBeTruthy());
}

describe("the Tickets section", () => {
  it("is shown to employees, lists the queue live with counts, and keeps Ctrl+K for search", async () => {
    const w = staffWorld();
    await openTickets(w.mb);
    expect(screen.getByTestId("section-tickets").getAttribute("aria-selected")).toBe("true");
    await waitFor(() => expect(rows()).toHaveLength(1));
    const row = rows()[0];
    expect(row.dataset.state).toBe("queued");
    expect(row.textContent).toContain("Anna Petrova");
    expect(row.textContent).toContain("IT Support");
    expect(row.textContent).toContain("App");
    expect(within(row).getByTestId("ticket-wait").textContent).toMatch(/\d+ s/);
    expect(tab("queued").dataset.count).toBe("1");
    expect(screen.getByTestId("waiting-count").textContent).toBe("1");

    // Ivan writes: a second ticket joins the queue without any reload, behind Anna's.
    w.mb.clientWrites(w.ivanChat, "VPN is down");
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(rows().map((r) => r.textContent!.includes("Ivan"))).toEqual([false, true]);
    expect(screen.getByTestId("waiting-count").textContent).toBe("2");
    expect(tab("open").dataset.count).toBe("2");

    // A colleague takes Ivan's: it leaves the queue.
    const ivanTicket = Number(rows()[1].dataset.ticketId);
    w.mb.addAgent(w.co, "olga", { presence: "online", lines: [w.l1.id, w.l2.id] });
    w.mb.colleagueTakes(ivanTicket, "olga");
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(tab("open").dataset.count).toBe("2");

    // Ctrl+K switches to the Lines section's search.
    await fireEvent.keyDown(window, { key: "k", code: "KeyK", ctrlKey: true });
    await waitFor(() => expect(screen.queryByTestId("tickets-panel")).toBeNull());
    expect(screen.getByTestId("section-lines").getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement).toBe(screen.getByTestId("search-input"));
    await fireEvent.click(screen.getByTestId("section-tickets"));
    await waitFor(() => expect(screen.getByTestId("tickets-panel")).toBeTruthy());
  });

  it("a ticket's way back to the newest message counts what the client wrote meanwhile", async () => {
    const w = staffWorld();
    for (let i = 1; i <= 40; i++) w.mb.clientWrites(w.annaChat, `Detail ${i} about the printer`);
    await openTickets(w.mb);
    await waitFor(() => expect(rows()).toHaveLength(1));
    await fireEvent.click(rows()[0]);
    await screen.findByTestId("ticket-view");
    await waitFor(() => expect(screen.getAllByTestId("message").length).toBeGreaterThan(0));
    // Read, then back up the history.
    await waitFor(() => expect(w.mb.reads.at(-1)?.chat).toBe(w.annaChat));
    const list = screen.getByTestId("message-list");
    list.scrollTop = 0;
    await fireEvent.scroll(list);
    const jump = await screen.findByTestId("to-newest");
    expect(within(jump).queryByTestId("to-newest-unread")).toBeNull();
    w.mb.clientWrites(w.annaChat, "Hello?");
    w.mb.clientWrites(w.annaChat, "Are you there?");
    await waitFor(() => expect(within(jump).getByTestId("to-newest-unread").textContent).toBe("2"));
  });

  it("an empty tab says how tickets get there", async () => {
    const w = staffWorld();
    await openTickets(w.mb);
    await waitFor(() => expect(rows()).toHaveLength(1));
    const waiting = Number(rows()[0].dataset.ticketId);
    await fireEvent.click(tab("mine"));
    await waitFor(() => expect(screen.getByTestId("tickets-empty").textContent).toContain("No tickets assigned to you"));
    expect(screen.getByTestId("tickets-empty").textContent).toContain("Tickets you take from the queue or are given appear here.");
    w.mb.colleagueTakes(waiting, "olga");
    await fireEvent.click(tab("queued"));
    await waitFor(() => expect(screen.getByTestId("tickets-empty").textContent).toContain("No one is waiting"));
    expect(screen.getByTestId("tickets-empty").textContent).toContain("New tickets appear here at once.");
  });

  it("is not shown to a client", async () => {
    const w = staffWorld({ signIn: "anna" });
    await renderApp(w.mb);
    expect(screen.queryByTestId("section-tickets")).toBeNull();
    expect(screen.queryByTestId("tickets-panel")).toBeNull();
  });

  it("take, reply, transfer, register a service request and close, from the ticket view", async () => {
    const w = staffWorld();
    await openTickets(w.mb);
    await waitFor(() => expect(rows()).toHaveLength(1));
    await fireEvent.click(rows()[0]);
    const view = await screen.findByTestId("ticket-view");
    expect(view.dataset.state).toBe("queued");
    // The whole history and the client's card.
    await waitFor(() => expect(screen.getAllByTestId("message").some((m) => m.textContent!.includes("My printer"))).toBe(true));
    expect(screen.getByTestId("client-name").textContent).toBe("Anna Petrova");
    expect(screen.getByTestId("client-organization").textContent).toBe("Romashka LLC");

    await fireEvent.click(screen.getByTestId("ticket-take"));
    await waitFor(() => expect(screen.getByTestId("ticket-view").dataset.state).toBe("assigned"));
    expect(screen.getByTestId("ticket-assignee").textContent).toBe("Dmitry Sokolov");
    await waitFor(() => expect(notices()).toContain("Dmitry Sokolov is working on ticket #1001"));
    await waitFor(() => expect(tab("mine").dataset.count).toBe("1"));
    expect(tab("queued").dataset.count).toBe("0");

    // Reply with the composer.
    const input = screen.getByTestId("composer-input") as HTMLTextAreaElement;
    await fireEvent.input(input, { target: { value: "Restart the spooler, please" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    w.mb.deliverAll();
    await waitFor(() =>
      expect(screen.getAllByTestId("message").some((m) => m.dataset.mine === "true" && m.textContent!.includes("Restart the spooler"))).toBe(true),
    );
    // The client answers: the unread count of "mine" follows.
    w.mb.clientWrites(w.annaChat, "Done, still broken");
    await waitFor(() => expect(screen.getAllByTestId("message").some((m) => m.textContent!.includes("still broken"))).toBe(true));

    // Service request: the work type's required field is checked before sending.
    await fireEvent.click(screen.getByTestId("ticket-request"));
    const dlg = await screen.findByTestId("request-dialog");
    await fireEvent.change(within(dlg).getByTestId("request-service"), { target: { value: within(dlg).getAllByRole("option")[1].getAttribute("value") } });
    const wt = within(dlg).getByTestId("request-work-type") as HTMLSelectElement;
    await fireEvent.change(wt, { target: { value: wt.options[1].value } });
    await fireEvent.input(within(dlg).getByTestId("request-title"), { target: { value: "Replace printer PR-3-14" } });
    await fireEvent.submit(dlg);
    expect((await screen.findByTestId("dialog-error")).textContent).toBe("“Inventory number” is required.");
    const [inv] = within(dlg).getAllByTestId("request-field");
    await fireEvent.input(inv, { target: { value: "12a" } });
    await fireEvent.submit(dlg);
    await waitFor(() => expect(screen.getByTestId("dialog-error").textContent).toBe("“Inventory number” must be a number."));
    await fireEvent.input(inv, { target: { value: "4417" } });
    await fireEvent.submit(dlg);
    await waitFor(() => expect(screen.queryByTestId("request-dialog")).toBeNull());
    await waitFor(() => expect(screen.getAllByTestId("ticket-service-request")).toHaveLength(1));
    expect(screen.getByTestId("ticket-service-request").textContent).toContain("Workplace → Replace a device");
    await waitFor(() => expect(notices()).toContain("Service request #201 registered: Replace printer PR-3-14"));

    // Transfer to the second line with a comment; nobody there is online, so it waits.
    await fireEvent.click(screen.getByTestId("ticket-transfer"));
    const tdlg = await screen.findByTestId("transfer-dialog");
    await fireEvent.submit(tdlg);
    expect((await screen.findByTestId("dialog-error")).textContent).toBe("Choose where to transfer.");
    await fireEvent.click(within(tdlg).getByTestId("transfer-mode-line"));
    const lineSel = (await within(tdlg).findByTestId("transfer-line")) as HTMLSelectElement;
    await waitFor(() => expect(lineSel.options.length).toBe(2));
    await fireEvent.change(lineSel, { target: { value: String(w.l2.id) } });
    await fireEvent.input(within(tdlg).getByTestId("transfer-comment"), { target: { value: "Needs the second line" } });
    await fireEvent.submit(tdlg);
    await waitFor(() => expect(screen.queryByTestId("transfer-dialog")).toBeNull());
    await waitFor(() => expect(notices()).toContain("Ticket #1001 was transferred to IT Level 2 “Needs the second line”"));
    await waitFor(() => expect(screen.getByTestId("ticket-view").dataset.state).toBe("queued"));
    expect(w.mb.ticketById(Number(screen.getByTestId("ticket-view").dataset.ticketId))!.line_id).toBe(w.l2.id);
    await waitFor(() => expect(tab("mine").dataset.count).toBe("0"));

    // Olga comes online: the waiting ticket goes to her at once.
    w.olga.presence = "online";
    w.mb.colleagueTakes(Number(screen.getByTestId("ticket-view").dataset.ticketId), "olga");
    await waitFor(() => expect(screen.getByTestId("ticket-assignee").textContent).toBe("Olga Level Two"));
    // Not the specialist's ticket any more: no transfer or close for them.
    expect(screen.queryByTestId("ticket-close")).toBeNull();
  });

  it("closes with a result, and a failed take says someone was first", async () => {
    const w = staffWorld();
    w.mb.clientWrites(w.ivanChat, "Need a new mouse");
    await openTickets(w.mb);
    await waitFor(() => expect(rows()).toHaveLength(2));
    // Ivan's ticket: a colleague takes it while it is open here.
    await fireEvent.click(rows()[1]);
    await screen.findByTestId("ticket-take");
    const id = Number(screen.getByTestId("ticket-view").dataset.ticketId);
    w.mb.addAgent(w.co, "olga", { presence: "online", lines: [w.l1.id] });
    const take = screen.getByTestId("ticket-take");
    // Simulate the race: the colleague is first, the page still shows "Take".
    w.mb.colleagueTakes(id, "olga");
    await fireEvent.click(take);
    await waitFor(() => expect(screen.getByTestId("ticket-error").textContent).toBe("Someone else took this ticket first."));

    // Anna's ticket: take and close with a result.
    await fireEvent.click(rows()[0]);
    await waitFor(() => expect(screen.getByTestId("ticket-view").dataset.ticketId).not.toBe(String(id)));
    await fireEvent.click(await screen.findByTestId("ticket-take"));
    await waitFor(() => expect(screen.getByTestId("ticket-view").dataset.state).toBe("assigned"));
    await fireEvent.click(screen.getByTestId("ticket-close"));
    const dlg = await screen.findByTestId("close-dialog");
    await fireEvent.submit(dlg);
    expect((await screen.findByTestId("dialog-error")).textContent).toBe("Describe the result.");
    await fireEvent.input(within(dlg).getByTestId("close-result"), { target: { value: "Spooler restarted" } });
    await fireEvent.submit(dlg);
    await waitFor(() => expect(screen.getByTestId("ticket-view").dataset.state).toBe("closed"));
    await waitFor(() => expect(notices()).toContain("Ticket #1001 closed: Spooler restarted"));
    // The specialist sees no rating prompt: it is for the client.
    expect(screen.queryByTestId("rating-prompt")).toBeNull();
    await waitFor(() => expect(tab("open").dataset.count).toBe("1"));
    // The ticket's card says when it opened and closed, and the result.
    expect(screen.getByTestId("ticket-opened").textContent).toMatch(/^Today at \d/);
    expect(screen.getByTestId("ticket-closed-at").textContent).toMatch(/^Today at \d/);
    expect(screen.getByTestId("ticket-result").textContent).toBe("Spooler restarted");
    expect(screen.queryByTestId("ticket-rating")).toBeNull();
    // Anna rates it: the card shows her stars and comment at once.
    const annas = Number(screen.getByTestId("ticket-view").dataset.ticketId);
    await w.mb.as("anna", () => w.mb.rateTicket(annas, 4, "Quick and polite"));
    await waitFor(() => expect(screen.getByTestId("ticket-rating").dataset.rating).toBe("4"));
    expect(screen.getByTestId("ticket-rating").textContent).toContain("★★★★☆");
    expect(screen.getByTestId("ticket-rating").textContent).toContain("Quick and polite");
  });

  it("presence: online takes the oldest waiting ticket at once", async () => {
    const w = staffWorld();
    await openTickets(w.mb);
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(screen.getByTestId("presence").dataset.presence).toBe("away");
    await fireEvent.click(screen.getByTestId("presence-online"));
    await waitFor(() => expect(screen.getByTestId("presence").dataset.presence).toBe("online"));
    await waitFor(() => expect(tab("queued").dataset.count).toBe("0"));
    expect(tab("mine").dataset.count).toBe("1");
    // Now online with room: a new ticket is assigned straight away.
    w.mb.clientWrites(w.ivanChat, "Hello?");
    await waitFor(() => expect(tab("mine").dataset.count).toBe("2"));
    expect(tab("queued").dataset.count).toBe("0");
  });
});

async function registerRequest(mb: MemoryBackend, ticket: number, title: string) {
  const wt = (await mb.services(mb.ticketById(ticket)!.company_id))[0].work_types[0];
  return mb.registerServiceRequest(ticket, { title, work_type_id: wt.id, fields: { "Inventory number": "4417" } });
}

const srCard = (id: number) => document.querySelector<HTMLElement>(`[data-testid=ticket-service-request][data-request-id="${id}"]`)!;

describe("service requests' status", () => {
  it("is set from the ticket view: a select while open, then final; the chat gets each notice", async () => {
    const w = staffWorld();
    await openTickets(w.mb);
    await waitFor(() => expect(rows()).toHaveLength(1));
    const ticket = Number(rows()[0].dataset.ticketId);
    const a = await registerRequest(w.mb, ticket, "Replace printer PR-3-14");
    const b = await registerRequest(w.mb, ticket, "Order toner");
    await fireEvent.click(rows()[0]);
    await waitFor(() => expect(screen.getAllByTestId("ticket-service-request")).toHaveLength(2));
    // Newest first, number, title and status; each open one has a status select.
    expect(screen.getAllByTestId("sr-title").map((e) => e.textContent)).toEqual(["Order toner", "Replace printer PR-3-14"]);
    const select = () => within(srCard(a.id)).getByTestId("sr-status") as HTMLSelectElement;
    expect(select().value).toBe("open");
    expect(select().getAttribute("aria-label")).toBe("Status of service request #201");
    expect([...select().options].map((o) => o.textContent)).toEqual(["Open", "In progress", "Done", "Cancelled"]);

    await fireEvent.change(select(), { target: { value: "in_progress" } });
    await waitFor(() => expect(srCard(a.id).dataset.status).toBe("in_progress"));
    expect(select().value).toBe("in_progress");
    await waitFor(() => expect(notices()).toContain("Service request #201 “Replace printer PR-3-14”: In progress"));

    // Done: final, no select any more.
    await fireEvent.change(select(), { target: { value: "done" } });
    await waitFor(() => expect(srCard(a.id).dataset.status).toBe("done"));
    expect(within(srCard(a.id)).queryByTestId("sr-status")).toBeNull();
    expect(within(srCard(a.id)).getByTestId("sr-status-final").textContent).toBe("Done");
    await waitFor(() => expect(notices()).toContain("Service request #201 “Replace printer PR-3-14”: Done"));
    expect(w.mb.ticketById(ticket)).toBeTruthy();

    // A colleague cancels the other one: the list follows the events, no reload.
    await w.mb.as("olga", () => w.mb.setServiceRequestStatus(b.id, "cancelled"));
    await waitFor(() => expect(srCard(b.id).dataset.status).toBe("cancelled"));
    expect(within(srCard(b.id)).getByTestId("sr-status-final").textContent).toBe("Cancelled");
    await waitFor(() => expect(notices()).toContain("Service request #202 “Order toner”: Cancelled"));
    expect(screen.queryAllByTestId("sr-status")).toHaveLength(0);
  });

  it("a refusal is shown and the select returns to the status the request has", async () => {
    const w = staffWorld();
    await openTickets(w.mb);
    await waitFor(() => expect(rows()).toHaveLength(1));
    const ticket = Number(rows()[0].dataset.ticketId);
    const a = await registerRequest(w.mb, ticket, "Replace printer PR-3-14");
    await fireEvent.click(rows()[0]);
    const select = (await within(await waitFor(() => srCard(a.id))).findByTestId("sr-status")) as HTMLSelectElement;
    const spy = vi.spyOn(w.mb, "setServiceRequestStatus").mockRejectedValueOnce({ code: "forbidden", message: "Not your company" });
    await fireEvent.change(select, { target: { value: "cancelled" } });
    await waitFor(() => expect(screen.getByTestId("sr-error").textContent).toBe("Not your company"));
    expect(spy).toHaveBeenCalledWith(a.id, "cancelled");
    expect(select.value).toBe("open");
    expect(srCard(a.id).dataset.status).toBe("open");
    // The next change goes through and clears the error.
    await fireEvent.change(select, { target: { value: "in_progress" } });
    await waitFor(() => expect(srCard(a.id).dataset.status).toBe("in_progress"));
    expect(screen.queryByTestId("sr-error")).toBeNull();
  });

  it("the user's information panel lists the open ones and drops a done one live", async () => {
    const w = staffWorld();
    const a = await registerRequest(w.mb, 1, "Replace printer PR-3-14");
    w.mb.signInAs("anna");
    await renderApp(w.mb);
    await fireEvent.click(document.querySelector<HTMLElement>(`[data-testid=line-item][data-line-id="${w.l1.id}"]`)!);
    await fireEvent.click(await screen.findByTestId("chat-title"));
    const panel = await screen.findByTestId("info-panel");
    await waitFor(() => expect(within(panel).getAllByTestId("info-service-request")).toHaveLength(1));
    expect(within(panel).getByTestId("info-service-request").textContent).toContain("Open");

    await w.mb.as("spec", () => w.mb.setServiceRequestStatus(a.id, "in_progress"));
    await waitFor(() => expect(within(panel).getByTestId("info-service-request").textContent).toContain("In progress"));
    await waitFor(() => expect(notices()).toContain("Service request #201 “Replace printer PR-3-14”: In progress"));
    await w.mb.as("spec", () => w.mb.setServiceRequestStatus(a.id, "done"));
    await waitFor(() => expect(within(panel).queryAllByTestId("info-service-request")).toHaveLength(0));
    expect(within(panel).getByTestId("info-service-requests").textContent).toContain("No open requests");
    await waitFor(() => expect(notices()).toContain("Service request #201 “Replace printer PR-3-14”: Done"));
  });

  it("the MemoryBackend checks as the server does", async () => {
    const w = staffWorld();
    const a = await registerRequest(w.mb, 1, "Replace printer PR-3-14");
    const chatLen = async () => (await w.mb.messages(w.annaChat, null, 100)).messages.length;
    const before = await chatLen();
    // The same status changes nothing and posts nothing.
    expect(await w.mb.setServiceRequestStatus(a.id, "open")).toEqual(a);
    expect(await chatLen()).toBe(before);
    await expect(w.mb.setServiceRequestStatus(a.id, "later" as never)).rejects.toMatchObject({ code: "invalid_input" });
    await expect(w.mb.setServiceRequestStatus(a.id + 100, "done")).rejects.toMatchObject({ code: "not_found" });
    // The client may not; another user cannot tell it exists.
    await expect(w.mb.as("anna", () => w.mb.setServiceRequestStatus(a.id, "done"))).rejects.toMatchObject({ code: "forbidden" });
    await expect(w.mb.as("ivan", () => w.mb.setServiceRequestStatus(a.id, "done"))).rejects.toMatchObject({ code: "not_found" });
    const done = await w.mb.setServiceRequestStatus(a.id, "done");
    expect(done.status).toBe("done");
    expect(done.updated_at).toBeGreaterThanOrEqual(a.updated_at);
    expect(await chatLen()).toBe(before + 1);
  });
});

describe("the user's side of the ticket steps", () => {
  it("shows every notice, the queue position updated in place, and asks for a rating after closing", async () => {
    const w = staffWorld({ signIn: "anna" });
    await renderApp(w.mb);
    await fireEvent.click(document.querySelector<HTMLElement>(`[data-testid=line-item][data-line-id="${w.l1.id}"]`)!);
    await waitFor(() => expect(notices()).toContain("Ticket #1001: all specialists are busy. You are next in the queue"));
    expect(notices()[0]).toBe("Ticket #1001 registered");

    // A specialist takes it.
    const annaTicket = w.mb.ticketById(1)!;
    expect(annaTicket.chat_id).toBe(w.annaChat);
    w.mb.colleagueTakes(annaTicket.id, "spec");
    await waitFor(() => expect(notices()).toContain("Dmitry Sokolov is working on ticket #1001"));
    // The queue notice says what it said last (Anna's wait is over); no second queue notice.
    expect(notices().filter((n) => n.includes("in the queue"))).toHaveLength(1);

    // Closing (by the specialist) asks Anna to rate; she rates 4 with a comment.
    await w.mb.as("spec", () => w.mb.closeTicket(annaTicket.id, "Printer fixed"));
    await waitFor(() => expect(notices()).toContain("Ticket #1001 closed: Printer fixed"));
    const prompt = await screen.findByTestId("rating-prompt");
    expect(prompt.textContent).toContain("Rate the work on ticket #1001");
    await fireEvent.click(within(prompt).getAllByTestId("rating-star")[3]);
    await fireEvent.input(within(prompt).getByTestId("rating-comment"), { target: { value: "Quick, thanks" } });
    await fireEvent.click(within(prompt).getByTestId("rating-submit"));
    await waitFor(() => expect(screen.getByTestId("rating-done").dataset.rating).toBe("4"));
    expect(w.mb.ticketById(annaTicket.id)).toMatchObject({ rating: 4, rating_comment: "Quick, thanks" });
    await waitFor(() => expect(notices()).toContain("Ticket #1001 rated ★★★★☆"));
  });

  it("queue positions move in place, and outside hours says when specialists are back", async () => {
    const w = staffWorld({ signIn: "anna" });
    // Ivan was queued first on the same line: Anna is second.
    const mb = w.mb;
    // Anna's first ticket is closed; Ivan writes and waits first.
    await mb.as("spec", () => mb.closeTicket(1, "Answered by phone"));
    mb.clientWrites(w.ivanChat, "Ivan first");
    await renderApp(mb);
    await fireEvent.click(document.querySelector<HTMLElement>(`[data-testid=line-item][data-line-id="${w.l1.id}"]`)!);
    const input = (await screen.findByTestId("composer-input")) as HTMLTextAreaElement;
    await fireEvent.input(input, { target: { value: "Anna again" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    mb.deliverAll();
    await waitFor(() => expect(notices()).toContain("Ticket #1003: all specialists are busy. You are number 2 in the queue"));
    // Ivan's ticket is taken: Anna's notice changes in place to "next".
    mb.colleagueTakes(2, "spec");
    await waitFor(() => expect(notices()).toContain("Ticket #1003: all specialists are busy. You are next in the queue"));
    expect(notices().filter((n) => n.startsWith("Ticket #1003") && n.includes("in the queue"))).toHaveLength(1);

    // Outside working hours: the notice gives the next opening.
    mb.updateLine(w.l2.id, { working_now: false, next_open_at: Date.now() + 3_600_000 });
    const chat2 = mb.connect(w.l2.id).chat_id!;
    await waitFor(() => expect(document.querySelector(`[data-testid=line-item][data-line-id="${w.l2.id}"]`)).not.toBeNull());
    await fireEvent.click(document.querySelector<HTMLElement>(`[data-testid=line-item][data-line-id="${w.l2.id}"]`)!);
    const input2 = (await screen.findByTestId("composer-input")) as HTMLTextAreaElement;
    await fireEvent.input(input2, { target: { value: "Evening question" } });
    await fireEvent.keyDown(input2, { key: "Enter" });
    mb.deliverAll();
    await waitFor(() => expect(notices().filter((n) => n.startsWith("Ticket #1004"))).toEqual(["Ticket #1004 registered", expect.stringMatching(/^Ticket #1004 was registered outside working hours\. Specialists will answer (today|tomorrow) at \d?\d:\d\d( [AP]M)?$/)]));
    expect(chat2).toBeGreaterThan(0);
  });
});
