// Screenshots of the web UI with the in-memory demo backend, in English and Russian, light and
// dark, plus the scroll benchmark page. Build first (`npm run build`), then:
//
//   node scripts/screens.mjs            # screenshots into ui/screens/
//   node scripts/screens.mjs --bench    # also run bench.html and print its figures
//   node scripts/screens.mjs --only-bench
//   node scripts/screens.mjs --only-tickets   # the Tickets section and the rating card only
//
// Uses Debian's chromium (/usr/bin/chromium) through playwright-core; serves dist/ with
// `vite preview`.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "screens");
const args = new Set(process.argv.slice(2));
const PORT = 4179;
const BASE = `http://127.0.0.1:${PORT}`;

mkdirSync(out, { recursive: true });

const server = spawn(process.execPath, [join(root, "node_modules/vite/bin/vite.js"), "preview", "--port", String(PORT), "--strictPort", "--host", "127.0.0.1"], {
  cwd: root,
  stdio: ["ignore", "pipe", "inherit"],
});
await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("vite preview did not start")), 20000);
  server.stdout.on("data", (d) => {
    if (String(d).includes(String(PORT))) {
      clearTimeout(timer);
      resolve();
    }
  });
  server.on("exit", (code) => reject(new Error(`vite preview exited ${code}`)));
});

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function shots(locale, scheme) {
  const tag = `${locale.slice(0, 2)}-${scheme}`;
  const context = await browser.newContext({
    locale,
    colorScheme: scheme,
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    timezoneId: "Europe/Moscow",
  });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`[${tag}] page error:`, e.message));
  page.on("console", (m) => m.type() === "error" && console.error(`[${tag}] console:`, m.text()));
  const shot = async (name) => {
    await sleep(250);
    await page.screenshot({ path: join(out, `${tag}-${name}.png`) });
  };

  await page.goto(`${BASE}/index.html`);
  await page.waitForSelector("[data-testid=lines-list] [data-testid=line-item]");
  await shot("01-lines");

  await page.click("[data-testid=line-item] >> nth=0");
  await page.waitForSelector("[data-testid=message]");
  await shot("02-chat");

  // Scrolled up into the history: the way back to the newest messages appears.
  await page.evaluate(() => {
    const el = document.querySelector("[data-testid=message-list]");
    el.scrollTop = 0;
    el.dispatchEvent(new Event("scroll"));
  });
  await shot("02b-history");
  await page.evaluate(() => {
    const el = document.querySelector("[data-testid=message-list]");
    el.scrollTop = el.scrollHeight;
    el.dispatchEvent(new Event("scroll"));
  });

  await page.click("[data-testid=chat-title]");
  await page.waitForSelector("[data-testid=info-panel] [data-testid=info-file]");
  await shot("03-info");
  await page.setViewportSize({ width: 980, height: 700 });
  await shot("03b-info-narrow");
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.click("[data-testid=emoji-button]");
  await page.waitForSelector("[data-testid=emoji-picker]");
  await shot("04-emoji");
  await page.keyboard.press("Escape");

  // A message with attachments, one upload in progress, and one that failed.
  await page.click("[data-testid=attach-button]");
  await page.fill("[data-testid=composer-input]", locale.startsWith("ru") ? "Прикладываю акт и скриншот." : "Attaching the statement and a screenshot.");
  await shot("05-attachments");
  await page.click("[data-testid=send-button]");
  await page.waitForSelector("[data-testid=upload-progress]");
  await sleep(150);
  await shot("06-uploading");
  await page.waitForSelector("[data-testid=message][data-status=sending]", { state: "detached", timeout: 10000 });
  await page.evaluate(() => window.__okno.backend.failSends("The text is longer than the server accepts"));
  await page.fill("[data-testid=composer-input]", locale.startsWith("ru") ? "Это сообщение не уйдёт" : "This one will fail");
  await page.keyboard.press("Enter");
  await page.waitForSelector("[data-testid=retry-button]", { timeout: 10000 });
  await shot("07-failed");
  await page.click("[data-testid=cancel-button]");
  await page.evaluate(() => window.__okno.backend.failSends(null));

  await page.evaluate(() => window.__okno.backend.drag({ type: "enter", count: 2 }));
  await page.waitForSelector("[data-testid=drop-overlay]");
  await shot("08-drop");
  await page.evaluate(() => window.__okno.backend.drag({ type: "leave" }));

  await page.click("[data-testid=info-disconnect]");
  await page.waitForSelector("[data-testid=confirm-disconnect]");
  await shot("09-confirm");
  await page.click("[data-testid=cancel-dialog]");
  await page.keyboard.press("Escape"); // closes the information panel

  await page.keyboard.press("Control+k");
  await page.waitForSelector("[data-testid=recommended-section]");
  await shot("10-search");
  await page.fill("[data-testid=search-input]", locale.startsWith("ru") ? "юрид" : "legal");
  await page.waitForSelector("[data-testid=found-line] [data-testid=request-connection]");
  await shot("11-search-query");
  await page.click("[data-testid=found-line] [data-testid=request-connection]");
  await page.waitForSelector("[data-testid=found-line] [data-testid=pending-badge]");
  await shot("12-requested");
  await page.keyboard.press("Escape");

  await page.evaluate(() => window.__okno.backend.setSyncState("offline"));
  await page.click("[data-testid=line-item] >> nth=2");
  await page.waitForSelector("[data-testid=offline-banner]");
  await shot("13-offline");
  await page.evaluate(() => window.__okno.backend.setSyncState("online"));

  await page.click("[data-testid=sign-out]");
  await page.waitForSelector("[data-testid=login-form]");
  await page.click("[data-testid=login-submit]");
  await page.waitForSelector("[data-testid=login-error]");
  await shot("14-signin");

  await context.close();
}

// The specialist's single window (signed in as "specialist"), and the user's rating card.
async function ticketShots(locale, scheme) {
  const tag = `${locale.slice(0, 2)}-${scheme}`;
  const ru = locale.startsWith("ru");
  const context = await browser.newContext({ locale, colorScheme: scheme, viewport: { width: 1280, height: 800 }, timezoneId: "Europe/Moscow" });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`[${tag}] page error:`, e.message));
  const shot = async (name) => {
    await sleep(250);
    await page.screenshot({ path: join(out, `${tag}-${name}.png`) });
  };
  await page.goto(`${BASE}/index.html`);
  await page.waitForSelector("[data-testid=lines-list] [data-testid=line-item]");
  // The user's side: a ticket closed by the support asks for a rating.
  await page.click("[data-testid=line-item] >> nth=0");
  await page.waitForSelector("[data-testid=message]");
  await page.evaluate(async () => {
    const b = window.__okno.backend;
    const t = [1, 2, 3, 4, 5, 6].map((i) => b.ticketById(i)).find((x) => x && x.chat_id === window.__okno.ids.itChat && x.state !== "closed");
    await b.as("admin", () => b.closeTicket(t.id, "Printer PR-3-14 repaired"));
  });
  await page.waitForSelector("[data-testid=rating-prompt]");
  await page.click("[data-testid=rating-star][data-value='4']");
  await shot("20-rating");

  await page.click("[data-testid=sign-out]");
  await page.waitForSelector("[data-testid=login-form]");
  await page.fill("[data-testid=login-name]", "specialist");
  await page.fill("[data-testid=login-password]", "okno-demo");
  await page.click("[data-testid=login-submit]");
  await page.waitForSelector("[data-testid=tickets-panel] [data-testid=ticket-item]");
  await shot("21-tickets-queue");
  await page.click("[data-testid=ticket-item] >> nth=0");
  await page.waitForSelector("[data-testid=ticket-view] [data-testid=client-name]");
  await shot("22-ticket-queued");
  await page.click("[data-testid=ticket-take]");
  await page.waitForSelector("[data-testid=ticket-view][data-state=assigned]");
  await page.fill("[data-testid=composer-input]", ru ? "Сейчас проверю настройки VPN." : "Checking your VPN settings now.");
  await page.keyboard.press("Enter");
  await sleep(800);
  await page.click("[data-testid=tickets-tab-mine]");
  await shot("23-ticket-mine");
  await page.click("[data-testid=ticket-request]");
  await page.waitForSelector("[data-testid=request-dialog]");
  await page.selectOption("[data-testid=request-service]", { index: 1 });
  await page.selectOption("[data-testid=request-work-type]", { index: 1 });
  await page.fill("[data-testid=request-title]", ru ? "Заменить картридж" : "Replace the cartridge");
  await page.click("[data-testid=request-dialog-submit]");
  await page.waitForSelector("[data-testid=dialog-error]");
  await shot("24-request-dialog");
  await page.click("[data-testid=cancel-dialog]");
  await page.click("[data-testid=ticket-transfer]");
  await page.waitForSelector("[data-testid=transfer-dialog]");
  await page.fill("[data-testid=transfer-comment]", ru ? "Нужна вторая линия" : "Needs the second line");
  await shot("25-transfer-dialog");
  await page.click("[data-testid=cancel-dialog]");
  await page.click("[data-testid=ticket-close]");
  await page.waitForSelector("[data-testid=close-dialog]");
  await page.fill("[data-testid=close-result]", ru ? "Перенастроили VPN-клиент" : "VPN client reconfigured");
  await shot("26-close-dialog");
  await context.close();
}

if (!args.has("--only-bench")) {
  for (const locale of ["en-US", "ru-RU"])
    for (const scheme of ["light", "dark"]) {
      if (!args.has("--only-tickets")) await shots(locale, scheme);
      await ticketShots(locale, scheme);
    }
  console.log(`screenshots in ${out}`);
}

if (args.has("--bench") || args.has("--only-bench")) {
  // The machine's other load shows in frame times: run several times (--runs=N, default 3),
  // print each run and the best (lowest p99 over all phases) and median figures.
  const runs = Number([...args].find((a) => a.startsWith("--runs="))?.slice(7) ?? 3);
  const results = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${BASE}/bench.html`);
    const handle = await page.waitForFunction(() => window.__benchResult, null, { timeout: 180000, polling: 500 });
    const r = await handle.jsonValue();
    results.push(r);
    const f = (s) => `max ${s.max} ms, p99 ${s.p99} ms, mean ${s.mean} ms`;
    console.log(`run ${i + 1}: ${r.messages} messages, mount ${r.mountMs} ms, rows in DOM ≤ ${r.maxRowsInDom}`);
    for (const [k, v] of Object.entries(r.phases)) console.log(`  ${k.padEnd(28)} ${f(v)}`);
    if (i === runs - 1) await page.screenshot({ path: join(out, "bench.png") });
    await context.close();
  }
  const phases = Object.keys(results[0].phases);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log("median over runs:");
  for (const k of phases)
    console.log(`  ${k.padEnd(28)} max ${median(results.map((r) => r.phases[k].max))} ms, p99 ${median(results.map((r) => r.phases[k].p99))} ms`);
  writeFileSync(join(out, "bench.json"), JSON.stringify(results, null, 2));
}

await browser.close();
server.kill();
