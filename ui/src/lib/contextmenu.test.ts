import { describe, expect, it } from "vitest";
import { onContextMenu } from "./contextmenu";

function rightClick(el: HTMLElement): boolean {
  const e = new MouseEvent("contextmenu", { bubbles: true, cancelable: true, button: 2 });
  el.addEventListener("contextmenu", onContextMenu, { once: true });
  el.dispatchEvent(e);
  return e.defaultPrevented;
}

describe("the webview's context menu", () => {
  it("is kept in text fields and over selected text, suppressed elsewhere", () => {
    document.body.innerHTML = `<p id="msg">Restart the <a id="link" href="https://example.org">VPN client</a> please</p>
      <div id="empty"></div><textarea id="ta"></textarea><input id="in"><div contenteditable="true"><b id="ce">x</b></div>`;
    const $ = (id: string) => document.getElementById(id)!;
    // Nothing selected: no Back / Forward / Reload on the page, none of the link items.
    expect(rightClick($("empty"))).toBe(true);
    expect(rightClick($("msg"))).toBe(true);
    expect(rightClick($("link"))).toBe(true);
    // Text fields keep cut, copy and paste.
    expect(rightClick($("ta"))).toBe(false);
    expect(rightClick($("in"))).toBe(false);
    expect(rightClick($("ce"))).toBe(false);
    // Selected text keeps Copy, over the selection only.
    const range = document.createRange();
    range.selectNodeContents($("msg"));
    window.getSelection()!.removeAllRanges();
    window.getSelection()!.addRange(range);
    expect(rightClick($("msg"))).toBe(false);
    expect(rightClick($("link"))).toBe(false);
    expect(rightClick($("empty"))).toBe(true);
    window.getSelection()!.removeAllRanges();
  });
});
