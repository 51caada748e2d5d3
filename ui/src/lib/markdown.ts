// The Markdown subset of knowledge-base answers and bot messages: paragraphs, bold, italic,
// code, bullet and numbered lists, links and images (shown as links). Parsed into plain data the
// component renders as text nodes: nothing is ever injected as HTML.

export type Inline =
  | { t: "text"; text: string }
  | { t: "b" | "i" | "code"; text: string }
  | { t: "link"; text: string; href: string };

export type Block = { t: "p"; inl: Inline[] } | { t: "ul" | "ol"; items: Inline[][] };

const LINK = /!?\[([^\]\n]*)\]\(([^)\s]+)\)/y;

/** http(s) or an anchor: the only link targets a bot message may carry. */
export function safeHref(href: string): boolean {
  return /^https?:\/\//i.test(href) || href.startsWith("#");
}

export function inlines(src: string): Inline[] {
  const out: Inline[] = [];
  let buf = "";
  const flush = () => {
    if (buf) out.push({ t: "text", text: buf });
    buf = "";
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === "[" || (c === "!" && src[i + 1] === "[")) {
      LINK.lastIndex = i;
      const m = LINK.exec(src);
      if (m) {
        flush();
        const text = m[1] || m[2];
        if (safeHref(m[2])) out.push({ t: "link", text, href: m[2] });
        else out.push({ t: "text", text });
        i = LINK.lastIndex;
        continue;
      }
    }
    if (c === "*" && src[i + 1] === "*") {
      const end = src.indexOf("**", i + 2);
      if (end > i + 2) {
        flush();
        out.push({ t: "b", text: src.slice(i + 2, end) });
        i = end + 2;
        continue;
      }
    }
    if ((c === "*" || c === "_") && src[i + 1] !== c && src[i + 1] !== " ") {
      const end = src.indexOf(c, i + 1);
      if (end > i + 1 && src[end - 1] !== " ") {
        flush();
        out.push({ t: "i", text: src.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }
    if (c === "`") {
      const end = src.indexOf("`", i + 1);
      if (end > i + 1) {
        flush();
        out.push({ t: "code", text: src.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }
    buf += c;
    i++;
  }
  flush();
  return out;
}

const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBER = /^\s*\d+[.)]\s+(.*)$/;

export function parseMarkdown(src: string): Block[] {
  const blocks: Block[] = [];
  let para: string[] = [];
  const endPara = () => {
    if (para.length) blocks.push({ t: "p", inl: inlines(para.join("\n")) });
    para = [];
  };
  for (const line of src.replace(/\r\n?/g, "\n").split("\n")) {
    const bullet = BULLET.exec(line);
    const num = bullet ? null : NUMBER.exec(line);
    if (bullet || num) {
      endPara();
      const kind = bullet ? "ul" : "ol";
      const last = blocks[blocks.length - 1];
      const item = inlines((bullet ?? num)![1]);
      if (last && last.t === kind) last.items.push(item);
      else blocks.push({ t: kind, items: [item] });
    } else if (!line.trim()) {
      endPara();
    } else {
      para.push(line.replace(/^#+\s+/, ""));
    }
  }
  endPara();
  return blocks;
}
