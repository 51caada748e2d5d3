// Scroll benchmark of the virtualized message list: 100,000 messages from a MemoryBackend,
// scrolled programmatically, one step per frame from requestAnimationFrame (setting scrollTop,
// as a wheel or the scrollbar does; the list follows the native scroll event). A frame's
// duration is the time between consecutive frames' animation callbacks: a frame over
// 16.7 ms is one the page did not finish in time for the display's next refresh. Also
// recorded: the main-thread time up to the first task after each frame, and the list's own
// script. Prints the result to the console and into `window.__benchResult`.
import { mount, tick } from "svelte";
import "./app.css";
import MessageList from "./chat/MessageList.svelte";
import type { Message } from "./lib/backend";
import { MemoryBackend } from "./lib/memory";
import { markPlatform } from "./lib/platform";

markPlatform();

const params = new URLSearchParams(location.search);
const N = Number(params.get("n") ?? 100_000);
const OVERSCAN = params.has("overscan") ? Number(params.get("overscan")) : undefined;
// ?budget=<rows> overrides the rows a scrolled frame may render for real (MessageList's rowBudget).
const BUDGET = params.has("budget") ? Number(params.get("budget")) : undefined;

const status = document.getElementById("status")!;
const say = (s: string) => (status.textContent = s);

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SENTENCES = [
  "Good morning! The printer on the third floor is jammed again.",
  "Could you check my access to the accounting system?",
  "We have registered your request, a specialist will contact you shortly.",
  "Please restart the computer and try once more.",
  "Thanks, it works now!",
  "The VPN disconnects every few minutes since yesterday's update.",
  "Here are the logs: https://support.example.com/kb/vpn-logs",
  "Which version of the client do you use?",
  "Version 4.2.1, build 2291.",
  "Заявка зарегистрирована, инженер подойдёт после обеда.",
  "Не открывается отчёт за квартал, пишет «Недостаточно прав».",
  "Проверьте, пожалуйста, ещё раз — права выданы.",
  "👍",
  "OK",
];

// ?ascii=1 leaves out the Cyrillic and emoji sentences (font fallback cost).
if (params.get("ascii")) SENTENCES.splice(0, SENTENCES.length, ...SENTENCES.filter((s) => /^[\x20-\x7e]+$/.test(s)));

const IDLE = "idle, nothing moves";

async function main() {
  const t0 = performance.now();
  const mb = new MemoryBackend({ manual: true });
  const me = mb.addAccount("bench", "bench-password", "Bench User");
  mb.signInAs("bench");
  const company = mb.addCompany("Bench Co");
  const line = mb.addLine(company, { name: "Bench line" });
  const chat = mb.connect(line.id).chat_id!;
  const rand = rng(42);
  const start = Date.now() - 400 * 86_400_000;
  const step = (400 * 86_400_000) / N;
  mb.addMessages(chat, N, (i) => {
    const at = Math.round(start + i * step);
    if (i % 97 === 50)
      return {
        sender_id: null,
        sender_name: "",
        kind: "notice",
        text: "",
        files: [],
        notice: { type: "ticket_registered", ticket_id: i, number: 1000 + i },
        client_msg_id: null,
        created_at: at,
      };
    const mine = rand() < 0.45;
    const parts: string[] = [];
    const n = 1 + Math.floor(rand() * rand() * 6);
    for (let k = 0; k < n; k++) parts.push(SENTENCES[Math.floor(rand() * SENTENCES.length)]);
    const text = parts.join(rand() < 0.2 ? "\n" : " ");
    const file = rand() < 0.06;
    return {
      sender_id: mine ? me.id : 9000,
      sender_name: mine ? me.display_name : "Support Specialist",
      kind: file ? "file" : "text",
      text,
      files: file ? [{ id: i, name: `report-${i}.pdf`, size: 10_000 + i * 13, content_type: "application/pdf", sha256: "", created_at: at }] : [],
      notice: null,
      client_msg_id: null,
      created_at: at,
    };
  });

  // Read every page, as the app does while the reader scrolls up through the history.
  let messages: Message[] = [];
  let before: number | null = null;
  for (;;) {
    const page = await mb.messages(chat, before, 1000);
    messages = page.messages.concat(messages);
    if (!page.has_older || !page.messages.length) break;
    before = page.messages[0].seq;
  }
  const t1 = performance.now();

  mount(MessageList, {
    target: document.getElementById("pane")!,
    props: { messages, pending: [], me: me.id, hasOlder: false, loadingOlder: false, ...(OVERSCAN != null ? { overscan: OVERSCAN } : {}), ...(BUDGET != null ? { rowBudget: BUDGET } : {}) },
  });
  await tick();
  await frames(3);
  const t2 = performance.now();
  // Let the collector deal with the 100,000 freshly built rows before measuring scrolling.
  await new Promise((r) => setTimeout(r, 1000));
  await frames(10);
  say(`mounted ${N} messages in ${Math.round(t2 - t1)} ms; scrolling…`);

  const el = document.querySelector<HTMLElement>("[data-testid=message-list]")!;
  const result = {
    messages: messages.length,
    setupMs: Math.round(t1 - t0),
    mountMs: Math.round(t2 - t1),
    /** Frame durations (ms between consecutive frames' animation callbacks) by phase. */
    phases: {} as Record<string, Stats>,
    /** All frame durations. */
    all: {} as Stats,
    /** Main-thread time from a frame's start to the first task after it (its callbacks, style,
     * layout and painting, plus whatever ran right after). */
    busy: {} as Stats,
    /** The list's own script per frame: the scroll handlers' time. */
    script: {} as Stats,
    /** Frames over 16.7 ms by more than the clock's resolution (WebKit gives pages a 1 ms
     * clock, so a frame on time reads 16 or 17 ms): frames over 17.7 ms. */
    late: 0,
    /** Refresh periods with no frame at all (a frame of 33 ms missed one). */
    missed: 0,
    maxRowsInDom: 0,
    /** The idle phase, kept out of every figure above: frames while nothing on the page moves
     * or changes. Its late frames are the machine's own (its scheduler, the X server, the
     * compositor), the floor under what the scrolling phases can show. */
    idle: { frames: {} as Stats, late: 0 },
    /** Every late frame: phase, index, duration, main-thread busy time and the list's script
     * in it. */
    slow: [] as { phase: string; frame: number; ms: number; busy: number; script: number }[],
  };
  const all: number[] = [];
  const busies: number[] = [];
  const scripts: number[] = [];

  // The list's scroll handler time, by wrapping the scroller's listener from the outside: the
  // bench only sets scrollTop, as a wheel or the scrollbar does, and the native scroll event
  // drives the list.
  let script = 0;
  el.addEventListener("scroll", () => (script -= performance.now()), { capture: true });
  el.addEventListener("scroll", () => (script += performance.now()));

  const r2 = rng(7);
  // [name, frames, delta per frame, jump every k frames (0: scroll every frame; -1: never)]
  const phases: [string, number, () => number, number][] = [
    // The floor: the list on screen and nothing moving (not counted in the figures).
    [IDLE, 120, () => 0, -1],
    // Control: frames on this machine when the list renders nothing new.
    ["control 1px/frame", 60, () => (r2() < 0.5 ? -1 : 1), 0],
    // Steady reading speed (a wheel or trackpad), a fast fling, then dragging the scrollbar.
    ["steady 40px/frame", 150, () => -40, 0],
    ["fling 250px/frame", 120, () => -250, 0],
    // Dragging the thumb: a far jump every frame (placeholders until it rests).
    ["thumb drag ±30000px/frame", 90, () => (r2() - 0.5) * 60_000, 0],
    // Single far jumps at rest (a click on the track, a search result), 15 frames (250 ms)
    // apart; the frames between them fill the view with real rows.
    ["single jumps, 250 ms apart", 300, () => (r2() - 0.5) * 60_000, 15],
  ];
  const PERIOD = 1000 / 60;
  // ?phase=<text> runs only the phases whose name contains it (for profiling one of them).
  const only = params.get("phase");
  for (const [name, count, delta, every] of phases.filter(([n]) => !only || n.includes(only))) {
    const costs: number[] = [];
    const floor = name === IDLE;
    await new Promise<void>((done) => {
      let f = -1;
      let prev = 0;
      let busy = 0;
      const step = (ts: number) => {
        if (f >= 0) {
          // The frame that began at `prev` lasted until this one began.
          const ms = ts - prev;
          costs.push(ms);
          // No task ran between the frames: the main thread was busy all along.
          const b = busy < 0 ? ms : busy;
          if (!floor) {
            all.push(ms);
            busies.push(b);
            scripts.push(script);
            result.missed += Math.max(0, Math.round(ms / PERIOD) - 1);
          }
          if (ms > 17.7) {
            if (floor) result.idle.late++;
            else result.late++;
            result.slow.push({ phase: name, frame: f, ms: r1(ms), busy: r1(b), script: r1(script) });
          }
          result.maxRowsInDom = Math.max(result.maxRowsInDom, el.querySelectorAll("[data-testid=message]").length);
        }
        if (++f >= count) return done();
        prev = ts;
        script = 0;
        const from = performance.now();
        busy = -1;
        setTimeout(() => {
          if (prev === ts) busy = performance.now() - from;
        });
        if (every === 0 || (every > 0 && f % every === every - 1)) {
          const max = el.scrollHeight - el.clientHeight;
          const d = delta();
          let next = el.scrollTop + d;
          if (next < 0 || next > max) next = Math.max(0, Math.min(max, el.scrollTop - d));
          el.scrollTop = next;
        }
        requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });
    if (floor) result.idle.frames = stats(costs);
    else result.phases[name] = stats(costs);
  }
  result.all = stats(all);
  result.busy = stats(busies);
  result.script = stats(scripts);
  (window as unknown as { __benchResult: unknown }).__benchResult = result;
  console.log("okno-bench " + JSON.stringify(result));
  // Tells a harness watching the title (not polling the page, which would cost frames) that it is done.
  document.title = "okno-bench done";
  say(
    `${N} messages\nframe duration max ${result.all.max} ms, p99 ${result.all.p99} ms; ${result.late} late, ${result.missed} missed; idle: ${result.idle.late} late of ${result.idle.frames.frames}\n` +
      Object.entries(result.phases)
        .map(([k, v]) => `${k}: max ${v.max} p99 ${v.p99} mean ${v.mean}`)
        .join("\n"),
  );
}

interface Stats {
  frames: number;
  max: number;
  p99: number;
  p95: number;
  mean: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { frames: s.length, max: r(s[s.length - 1] ?? 0), p99: r(q(0.99)), p95: r(q(0.95)), mean: r(s.reduce((a, b) => a + b, 0) / (s.length || 1)) };
}

function frames(n: number): Promise<void> {
  return new Promise((resolve) => {
    const step = () => (--n <= 0 ? resolve() : requestAnimationFrame(step));
    requestAnimationFrame(step);
  });
}

function r1(x: number): number {
  return Math.round(x * 10) / 10;
}

main().catch((e) => {
  console.error(e);
  say(String(e));
});
