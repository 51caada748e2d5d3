import { render, screen, waitFor, fireEvent } from "@testing-library/svelte";
import { tick } from "svelte";
import { describe, expect, it, vi } from "vitest";
import type { Message } from "../lib/backend";
import { HeightTree } from "../lib/fenwick";
import MessageList from "./MessageList.svelte";
import { resetWarmup } from "./warmup";

function make(n: number): Message[] {
  const start = Date.now() - n * 60_000;
  const out: Message[] = new Array(n);
  for (let i = 0; i < n; i++)
    out[i] = {
      id: i + 1,
      chat_id: 1,
      seq: i + 1,
      sender_id: i % 3 ? 1 : 2,
      sender_name: i % 3 ? "Me" : "Support",
      kind: "text",
      text: `message number ${i + 1}` + (i % 7 ? "" : " with a longer body that wraps onto a second line in a narrow window"),
      files: [],
      notice: null,
      client_msg_id: null,
      created_at: start + i * 60_000,
    };
  return out;
}

describe("virtualized message list", () => {
  it("renders a bounded number of rows for 100,000 messages, starting at the newest", async () => {
    const messages = make(100_000);
    render(MessageList, { props: { messages, pending: [], me: 1 } });
    const rows = await screen.findAllByTestId("message");
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(80);
    expect(rows.at(-1)!.dataset.seq).toBe("100000");
  });

  it("renders other rows when scrolled, still bounded", async () => {
    const messages = make(100_000);
    render(MessageList, { props: { messages, pending: [], me: 1 } });
    const list = await screen.findByTestId("message-list");
    list.scrollTop = 0;
    await fireEvent.scroll(list);
    await waitFor(() => expect(screen.getAllByTestId("message")[0].dataset.seq).toBe("1"));
    expect(screen.getAllByTestId("message").length).toBeLessThan(80);
    const canvas = list.firstElementChild as HTMLElement;
    list.scrollTop = parseFloat(canvas.style.height) / 2;
    await fireEvent.scroll(list);
    await waitFor(() => {
      const seqs = screen.getAllByTestId("message").map((m) => Number(m.dataset.seq));
      expect(Math.min(...seqs)).toBeGreaterThan(30_000);
      expect(Math.max(...seqs)).toBeLessThan(70_000);
    });
  });

  it("dragging the thumb shows placeholders, then the real rows once it rests", async () => {
    const messages = make(100_000);
    render(MessageList, { props: { messages, pending: [], me: 1 } });
    const list = await screen.findByTestId("message-list");
    const canvas = list.firstElementChild as HTMLElement;
    const h = parseFloat(canvas.style.height);
    // Two jumps 10 ms apart, whatever this machine's speed.
    let now = 1_000_000;
    const clock = vi.spyOn(performance, "now").mockImplementation(() => now);
    // A single jump renders the rows in view now, rowBudget (1) of them for real in a frame,
    // and turns the placeholders of the rest into real rows over the next frames.
    list.scrollTop = h * 0.25;
    await fireEvent.scroll(list);
    const first = screen.getAllByTestId("message").length;
    expect(first).toBe(1);
    expect(list.querySelectorAll(".sketch").length).toBeGreaterThan(0);
    // A second scroll in the same frame, even 10 ms later (WebKitGTK delivers the scroll event
    // of a scroll made in an animation callback that late), gets no budget of its own.
    now += 10;
    list.scrollTop = h * 0.25 + 120;
    await fireEvent.scroll(list);
    expect(screen.getAllByTestId("message")).toHaveLength(1);
    // Frames 17 ms apart turn the placeholders real.
    const frames = setInterval(() => (now += 17), 5);
    await waitFor(() => expect(list.querySelectorAll(".sketch")).toHaveLength(0));
    clearInterval(frames);
    expect(screen.getAllByTestId("message").length).toBeGreaterThan(first);
    // Jumps on consecutive frames: placeholders.
    now += 1000;
    list.scrollTop = h * 0.5;
    await fireEvent.scroll(list);
    now += 10;
    list.scrollTop = h * 0.75;
    await fireEvent.scroll(list);
    clock.mockRestore();
    expect(list.querySelectorAll(".sketch").length).toBeGreaterThan(0);
    expect(screen.queryAllByTestId("message")).toHaveLength(0);
    await waitFor(() => expect(list.querySelectorAll(".sketch")).toHaveLength(0));
    const seqs = screen.getAllByTestId("message").map((m) => Number(m.dataset.seq));
    expect(Math.min(...seqs)).toBeGreaterThan(60_000);
  });
  it("keeps a scroll position whose scroll event has not come yet, instead of going back to the old one", async () => {
    // Rows measure other than their estimates, so each render corrects the scroll position to
    // keep the anchor row in place.
    const height = vi.spyOn(HTMLElement.prototype, "offsetHeight", "get").mockReturnValue(37);
    let now = 2_000_000;
    // A frozen clock: the frames after the jump turn nothing real, so the list keeps asking
    // for frames to fill the view.
    const clock = vi.spyOn(performance, "now").mockImplementation(() => now);
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    try {
      render(MessageList, { props: { messages: make(100_000), pending: [], me: 1 } });
      const list = await screen.findByTestId("message-list");
      const canvas = list.firstElementChild as HTMLElement;
      list.scrollTop = parseFloat(canvas.style.height) * 0.25;
      await fireEvent.scroll(list);
      await frame();
      expect(list.querySelectorAll(".sketch").length).toBeGreaterThan(0);
      // A script moves the list a second later (WebKitGTK delivers the scroll event of a scroll
      // made in an animation callback up to a frame later); the list's own frame comes first.
      now += 1000;
      const target = parseFloat(canvas.style.height) * 0.5;
      list.scrollTop = target;
      await frame();
      await tick();
      expect(Math.abs(list.scrollTop - target)).toBeLessThan(2000);
      await fireEvent.scroll(list);
      now += 1000;
      await frame();
      const seqs = screen.getAllByTestId("message").map((m) => Number(m.dataset.seq));
      expect(Math.min(...seqs)).toBeGreaterThan(40_000);
    } finally {
      clock.mockRestore();
      height.mockRestore();
    }
  });
});

describe("the rows' fonts", () => {
  it("are warmed once per page by one row of each kind, laid out and removed in the same task", async () => {
    resetWarmup();
    const seen: Element[] = [];
    const rows = document.createElement("div");
    const mo = new MutationObserver((records) => {
      for (const r of records)
        for (const n of r.addedNodes) {
          if (n instanceof HTMLElement && n.dataset.specimen != null) seen.push(n);
          // What went into it (the observer runs after it is gone; the nodes stay whole).
          else if (r.target instanceof HTMLElement && r.target.dataset.specimen != null) rows.append(n);
        }
    });
    mo.observe(document.body, { childList: true, subtree: true });
    const first = render(MessageList, { props: { messages: make(20), pending: [], me: 1 } });
    await waitFor(() => expect(seen).toHaveLength(1));
    const box = seen[0];
    // Every kind of row with a font of its own: a date, a notice (with an italic comment), a
    // message with its sender, a link and its time, a file.
    expect(rows.querySelector("[data-testid=date-separator]")).not.toBeNull();
    expect(rows.querySelector("[data-testid=notice-comment]")).not.toBeNull();
    expect(rows.querySelector("[data-kind=text] a[href]")).not.toBeNull();
    expect(rows.querySelector("[data-kind=text] .sender")).not.toBeNull();
    expect(rows.querySelector("[data-testid=message-file]")).not.toBeNull();
    expect(box.getAttribute("aria-hidden")).toBe("true");
    // Gone by the time anything else runs: the document never shows it.
    expect(box.isConnected).toBe(false);
    expect(document.querySelector("[data-specimen]")).toBeNull();
    first.unmount();
    // Once per page: a second list does not do it again.
    render(MessageList, { props: { messages: make(20), pending: [], me: 1 } });
    await new Promise((r) => setTimeout(r, 50));
    mo.disconnect();
    expect(seen).toHaveLength(1);
  });
});

describe("HeightTree", () => {
  it("answers offsets and positions like a prefix sum", () => {
    const hs = Array.from({ length: 1000 }, (_, i) => 20 + (i % 13));
    const tree = new HeightTree(hs);
    const prefix = [0];
    for (const h of hs) prefix.push(prefix[prefix.length - 1] + h);
    for (const i of [0, 1, 2, 500, 999, 1000]) expect(tree.offset(i)).toBe(prefix[i]);
    for (const y of [0, 19, 20, 21, 5000, prefix[1000] - 1]) {
      const i = tree.indexAt(y);
      expect(prefix[i] <= y && y < prefix[i + 1]).toBe(true);
    }
    expect(tree.indexAt(prefix[1000] + 50)).toBe(999);
    tree.set(10, 100);
    expect(tree.offset(11)).toBe(prefix[11] - hs[10] + 100);
    expect(tree.total()).toBe(prefix[1000] - hs[10] + 100);
  });
});
