import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import type { Backend } from "./lib/backend";
import { setLocalZone } from "./lib/clock";
import { detectLang, getLang, setLang } from "./lib/i18n";
import { mark } from "./lib/marks";
import { markPlatform } from "./lib/platform";
import { followAppearance } from "./lib/theme";

mark("main");
// Before anything is laid out: the font stacks depend on it (app.css).
markPlatform();

/** The backend, and what to do once the first screen has its content. */
async function pickBackend(): Promise<{ backend: Backend; onfirstcontent?: () => void }> {
  if (typeof window !== "undefined" && "__TAURI_INTERNALS__" in window) {
    const { TauriBackend } = await import("./lib/tauri");
    mark("backend");
    const backend = new TauriBackend();
    // The system locale, as the shell sees it (webviews do not always report it), and light or
    // dark and the interface font where the shell decides them (answered without waiting for the
    // start).
    const [info, look, zone] = await Promise.all([
      backend.info().catch(() => null),
      backend.appearance().catch(() => null),
      backend.localZone().catch(() => null),
    ]);
    mark("info");
    if (info?.locale) setLang(detectLang(info.locale), info.time_locale ?? info.locale);
    // Local times from the shell's offsets: the page then never runs ICU's time-zone code.
    setLocalZone(zone);
    followAppearance(look, (handler) => backend.onAppearance(handler));
    // The window starts hidden: shown with its first content, not as an empty webview (which
    // WebKitGTK may make the shell wait for; see ARCHITECTURE.md, "Start").
    return {
      backend,
      onfirstcontent: () => {
        mark("show");
        void backend.showWindow().then(() => mark("shown"), () => {});
      },
    };
  }
  // In a plain browser (npx vite): the in-memory backend with the demo world.
  followAppearance(null, null);
  const { createDemo } = await import("./lib/demo");
  const demo = createDemo(getLang(), {
    onOpenUrl: (url) => window.open(url, "_blank", "noopener,noreferrer"),
  });
  demo.backend.attachDomDragDrop(window);
  // A dev hook for screenshots and manual poking, e.g. window.__okno.backend.drop(["/tmp/a.pdf"]).
  (window as unknown as { __okno: unknown }).__okno = { backend: demo.backend, ids: demo.ids };
  return { backend: demo.backend };
}

void pickBackend().then(({ backend, onfirstcontent }) => {
  document.documentElement.lang = getLang();
  mount(App, { target: document.getElementById("app")!, props: { backend, onfirstcontent } });
  mark("mounted");
});
