import { pushEscape } from "./escape";

/** Opens a modal layer: focuses `first`, lets Esc cancel, and gives focus back on close.
 * Returns the cleanup for `onMount`. */
export function openModal(first: HTMLElement | null | undefined, cancel: () => void): () => void {
  const previous = document.activeElement as HTMLElement | null;
  first?.focus();
  const pop = pushEscape(cancel);
  return () => {
    pop();
    previous?.focus?.();
  };
}

/** Keeps Tab inside `container`, cycling over the elements `selector` finds. */
export function trapTab(e: KeyboardEvent, container: HTMLElement, selector: string): void {
  if (e.key !== "Tab") return;
  const items = Array.from(container.querySelectorAll<HTMLElement>(selector));
  if (!items.length) return;
  const first = items[0];
  const last = items[items.length - 1];
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}
