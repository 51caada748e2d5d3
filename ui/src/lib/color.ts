// Avatar colours: a stable hue per id, readable with white initials in both themes.
const PALETTE = [
  "#e0604e", "#e08a32", "#c9a227", "#4caf6a", "#2fa3a0",
  "#3d8fe0", "#5b6ee8", "#8a63d2", "#c25bb0", "#d9557e",
];

export function colorFor(id: number): string {
  let x = Math.imul(id ^ 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return PALETTE[(x >>> 0) % PALETTE.length];
}

/** Up to two initials: "Okno Support" → "OS", "ИТ-служба" → "ИС". */
export function initials(name: string): string {
  const words = name.split(/[\s\-–—_.]+/).filter((w) => /\p{L}|\p{N}/u.test(w));
  if (words.length === 0) return "?";
  const first = [...words[0]].find((c) => /\p{L}|\p{N}/u.test(c)) ?? "";
  if (words.length === 1) return first.toUpperCase();
  const second = [...words[words.length - 1]].find((c) => /\p{L}|\p{N}/u.test(c)) ?? "";
  return (first + second).toUpperCase();
}
