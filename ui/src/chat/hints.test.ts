import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { Hint } from "../lib/backend";
import { renderApp, world } from "../test/world";

function kbWorld() {
  const w = world();
  const line = w.lines.alpha.id;
  const printer = w.mb.addArticle(line, {
    question: "The printer does not print",
    answer: "Check the paper, then **restart** the printer:\n\n- turn it off\n- wait 10 seconds\n\nSee [the guide](https://okno.example/print).",
    keywords: ["printer", "print"],
  });
  const vpn = w.mb.addArticle(line, { question: "How to connect to the VPN", answer: "Open the VPN app and sign in.", keywords: ["vpn"] });
  const wifi = w.mb.addArticle(line, { question: "Wi-Fi password for guests", answer: "Ask at the front desk.", keywords: ["wifi", "guest"] });
  return { ...w, line, articles: { printer, vpn, wifi } };
}

async function open(w: ReturnType<typeof kbWorld>) {
  await renderApp(w.mb);
  const row = document.querySelector<HTMLElement>(`[data-testid=line-item][data-line-id="${w.line}"]`)!;
  await fireEvent.click(row);
  await waitFor(() => expect(screen.getByTestId("chat")).toBeTruthy());
  return screen.getByTestId("composer-input") as HTMLTextAreaElement;
}

const hintTexts = () => screen.queryAllByTestId("hint").map((h) => h.textContent!.trim());
const texts = () => screen.queryAllByTestId("message").map((m) => m.textContent!);

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("knowledge-base hints", () => {
  it("appear while typing, once per pause, and go when the text is cleared", async () => {
    const w = kbWorld();
    const spy = vi.spyOn(w.mb, "hints");
    const input = await open(w);
    for (const v of ["p", "pr", "pri", "prin", "printer"]) await fireEvent.input(input, { target: { value: v } });
    await waitFor(() => expect(hintTexts()).toEqual(["The printer does not print"]));
    // The burst of keystrokes asked once, with the last text.
    expect(spy.mock.calls.map((c) => c[1])).toEqual(["printer"]);
    await fireEvent.input(input, { target: { value: "" } });
    await waitFor(() => expect(hintTexts()).toEqual([]));
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("keep the previous list until the new answer arrives and ignore stale answers", async () => {
    const w = kbWorld();
    const answers: { text: string; d: ReturnType<typeof deferred<Hint[]>> }[] = [];
    vi.spyOn(w.mb, "hints").mockImplementation((_line, text) => {
      const d = deferred<Hint[]>();
      answers.push({ text, d });
      return d.promise;
    });
    const input = await open(w);
    const hint = (id: number, question: string): Hint => ({ article_id: id, question, score: 1 });

    await fireEvent.input(input, { target: { value: "printer" } });
    await waitFor(() => expect(answers).toHaveLength(1));
    answers[0].d.resolve([hint(1, "Printer answer")]);
    await waitFor(() => expect(hintTexts()).toEqual(["Printer answer"]));

    await fireEvent.input(input, { target: { value: "printer vpn" } });
    await waitFor(() => expect(answers).toHaveLength(2));
    await fireEvent.input(input, { target: { value: "printer vpn wifi" } });
    await waitFor(() => expect(answers).toHaveLength(3));
    // Nothing answered yet: the old list stays (no flicker).
    expect(hintTexts()).toEqual(["Printer answer"]);
    // The newest answers first; the older one arriving later is stale.
    answers[2].d.resolve([hint(3, "Wi-Fi answer")]);
    await waitFor(() => expect(hintTexts()).toEqual(["Wi-Fi answer"]));
    answers[1].d.resolve([hint(2, "VPN answer")]);
    await new Promise((r) => setTimeout(r, 50));
    expect(hintTexts()).toEqual(["Wi-Fi answer"]);
  });

  it("a click puts the question and the bot's article into the chat and clears the composer", async () => {
    const w = kbWorld();
    const input = await open(w);
    await fireEvent.input(input, { target: { value: "my printer is broken" } });
    await waitFor(() => expect(hintTexts()[0]).toBe("The printer does not print"));
    await fireEvent.click(screen.getAllByTestId("hint")[0]);
    await waitFor(() => expect(screen.queryAllByTestId("message")).toHaveLength(2));
    expect(input.value).toBe("");
    expect(hintTexts()).toEqual([]);
    const [question, answer] = screen.getAllByTestId("message");
    expect(question.dataset.mine).toBe("true");
    expect(question.textContent).toContain("The printer does not print");
    expect(answer.dataset.mine).toBe("false");
    const body = answer.querySelector<HTMLElement>("[data-testid=bot-text]")!;
    expect(body.dataset.article).toBe(String(w.articles.printer.id));
    // The Markdown subset: bold, a list, a link; no raw HTML.
    expect(body.querySelector("strong")!.textContent).toBe("The printer does not print");
    expect([...body.querySelectorAll("li")].map((l) => l.textContent)).toEqual(["turn it off", "wait 10 seconds"]);
    const link = body.querySelector("a")!;
    expect(link.getAttribute("href")).toBe("https://okno.example/print");
    await fireEvent.click(link);
    expect(w.mb.opened.urls).toEqual(["https://okno.example/print"]);
    // Yes / No / Call a specialist; Yes answers, and the buttons are then obsolete.
    const buttons = () => [...answer.querySelectorAll<HTMLButtonElement>("[data-testid=bot-button]")];
    expect(buttons().map((b) => b.textContent!.trim())).toEqual(["Yes, it helped", "No", "Call a specialist"]);
    expect(buttons().every((b) => !b.disabled)).toBe(true);
    await fireEvent.click(buttons()[0]);
    await waitFor(() => expect(texts().some((t) => t.includes("Glad it helped!"))).toBe(true));
    expect(buttons().every((b) => b.disabled)).toBe(true);
    expect(w.mb.articleById(w.articles.printer.id)!.helpful).toBe(1);
  });

  it("HTML in an article stays text", async () => {
    const w = kbWorld();
    w.mb.addArticle(w.line, { question: "Script question", answer: '<img src=x onerror="alert(1)"> [x](javascript:alert(1))' });
    const input = await open(w);
    await fireEvent.input(input, { target: { value: "script" } });
    await waitFor(() => expect(hintTexts()).toEqual(["Script question"]));
    await fireEvent.click(screen.getAllByTestId("hint")[0]);
    await waitFor(() => expect(screen.queryAllByTestId("bot-text")).toHaveLength(1));
    const body = screen.getByTestId("bot-text");
    expect(body.querySelector("img")).toBeNull();
    expect(body.querySelector("a")).toBeNull();
    expect(body.textContent).toContain('<img src=x onerror="alert(1)">');
  });
});

describe("digital menu", () => {
  it("menu buttons navigate, go back, and hand over to a specialist", async () => {
    const w = kbWorld();
    w.mb.setMenu(w.line, {
      greeting: "How can we help?",
      items: [
        { id: "access", parent: null, label: "Access", action: { type: "submenu" } },
        { id: "pwd", parent: "access", label: "Change password", action: { type: "text", text: "Press Ctrl+Alt+Del." } },
        { id: "back", parent: "access", label: "Back", action: { type: "back" } },
        { id: "human", parent: null, label: "Call a specialist", action: { type: "specialist" } },
        { id: "portal", parent: null, label: "Portal", action: { type: "link", url: "https://okno.example/it" } },
      ],
    });
    await open(w);
    await waitFor(() => expect(screen.queryByTestId("menu-button")).not.toBeNull());
    await fireEvent.click(screen.getByTestId("menu-button"));
    const menus = () => screen.queryAllByTestId("bot-buttons");
    const labels = (el: HTMLElement) => [...el.querySelectorAll("[data-testid=bot-button]")].map((b) => b.textContent!.trim());
    const press = (label: string) =>
      fireEvent.click([...menus().at(-1)!.querySelectorAll<HTMLButtonElement>("[data-testid=bot-button]")].find((b) => b.textContent!.trim() === label)!);
    await waitFor(() => expect(menus()).toHaveLength(1));
    expect(texts()[0]).toContain("How can we help?");
    expect(labels(menus()[0])).toEqual(["Access", "Call a specialist", "Portal"]);
    // The time sits under the buttons: the text keeps no room for it (a long text's last line
    // used to wrap that room onto a blank line of its own).
    expect(screen.getAllByTestId("bot-text")[0].querySelector(".spacer")).toBeNull();

    await press("Access");
    await waitFor(() => expect(menus()).toHaveLength(2));
    expect(labels(menus()[1])).toEqual(["Change password", "Back"]);
    // The choice is the user's message; the older menu is obsolete.
    expect(screen.getAllByTestId("message").filter((m) => m.dataset.mine === "true").map((m) => m.textContent)).toEqual([
      expect.stringContaining("Access"),
    ]);
    expect([...menus()[0].querySelectorAll<HTMLButtonElement>("[data-testid=bot-button]")].filter((b) => !b.disabled).map((b) => b.textContent!.trim())).toEqual(["Portal"]);

    await press("Back");
    await waitFor(() => expect(menus()).toHaveLength(3));
    expect(labels(menus()[2])).toEqual(["Access", "Call a specialist", "Portal"]);

    // A link button opens its link and sends nothing.
    await press("Portal");
    expect(w.mb.opened.urls).toEqual(["https://okno.example/it"]);

    await press("Call a specialist");
    await waitFor(() => expect(texts().some((t) => t.includes("Passing your question to a specialist."))).toBe(true));
    await waitFor(() => expect(screen.queryAllByTestId("notice").map((n) => n.textContent!.trim())[0]).toMatch(/^Ticket #\d+ registered$/));
  });
});
