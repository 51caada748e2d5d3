// jsdom has no layout: give the message list a viewport, and pretend the window has focus.
import { beforeEach } from "vitest";
import { setLang } from "../lib/i18n";

const VIEW_H = 600;
const VIEW_W = 800;

Object.defineProperty(HTMLElement.prototype, "clientHeight", {
  configurable: true,
  get(this: HTMLElement) {
    return this.dataset?.testid === "message-list" ? VIEW_H : 0;
  },
});
Object.defineProperty(HTMLElement.prototype, "clientWidth", {
  configurable: true,
  get(this: HTMLElement) {
    return this.dataset?.testid === "message-list" ? VIEW_W : 0;
  },
});

// jsdom keeps scrollTop at 0; keep what is set, clamped to the canvas height, like a browser.
const scrollTops = new WeakMap<Element, number>();
Object.defineProperty(Element.prototype, "scrollTop", {
  configurable: true,
  get(this: Element) {
    return scrollTops.get(this) ?? 0;
  },
  set(this: Element, v: number) {
    const canvas = this.firstElementChild as HTMLElement | null;
    const h = canvas ? parseFloat(canvas.style.height || "0") : 0;
    const max = Math.max(0, h - ((this as HTMLElement).clientHeight || 0));
    scrollTops.set(this, Math.max(0, Math.min(max, v)));
  },
});

document.hasFocus = () => true;
Element.prototype.scrollIntoView ??= function () {};

beforeEach(() => {
  setLang("en");
});
