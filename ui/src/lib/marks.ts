/** Named moments of the start (`performance.mark("okno:<name>")`), read by the desktop bench's
 * start breakdown (`bench/desktop`, step `breakdown`). Costs nothing when nobody reads them. */
export function mark(name: string): void {
  if (typeof performance !== "undefined" && typeof performance.mark === "function") {
    performance.mark(`okno:${name}`);
  }
}

/** Marks `name` at the next animation frame (after the current changes are laid out). */
export function markNextFrame(name: string): void {
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => mark(name));
}
