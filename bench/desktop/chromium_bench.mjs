// The scroll benchmark page (ui/dist/bench.html) in headless Chromium, for comparison with the
// app's WebKitGTK. Serves ui/dist on a loopback port, installs the same rAF recorder as the
// WebKit run before the page loads, waits for window.__benchResult and prints one JSON line.
// Uses playwright-core from ui/node_modules and the system Chromium ($CHROMIUM).
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const dist = process.env.UI_DIST ?? join(here, "../../ui/dist");
const require = createRequire(join(here, "../../ui/package.json"));
const { chromium } = require("playwright-core");

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
  try {
    const body = await readFile(join(dist, path === "/" ? "index.html" : path));
    res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const port = server.address().port;

const RECORDER = `
window.__frames = [];
const f = (ts) => {
  const s = document.getElementById('status');
  if (window.__scrollStart == null && s && /scrolling/.test(s.textContent)) window.__scrollStart = ts;
  if (window.__scrollStart != null) window.__frames.push(ts);
  if (window.__benchResult) return;
  requestAnimationFrame(f);
};
requestAnimationFrame(f);
`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1180, height: 760 } });
  await page.addInitScript(RECORDER);
  await page.goto(`http://127.0.0.1:${port}/bench.html${process.env.BENCH_QUERY ?? ""}`);
  await page.waitForFunction(() => window.__benchResult, null, { timeout: 400_000, polling: 1000 });
  const out = await page.evaluate(() => ({
    result: window.__benchResult,
    frames: window.__frames,
    userAgent: navigator.userAgent,
  }));
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
  server.close();
}
