// Esc closes the most recently opened layer: a dialog, a popover, the information panel,
// search mode. Each registers while open; the top one handles the key.
type Layer = { close: () => void };
const stack: Layer[] = [];

export function pushEscape(close: () => void): () => void {
  const layer = { close };
  stack.push(layer);
  return () => {
    const i = stack.lastIndexOf(layer);
    if (i >= 0) stack.splice(i, 1);
  };
}

/** Closes the top layer; false when nothing was open. */
export function handleEscape(): boolean {
  const top = stack[stack.length - 1];
  if (!top) return false;
  top.close();
  return true;
}

export function escapeDepth(): number {
  return stack.length;
}

/** A popover's dismissal (a menu, the emoji picker): Esc closes it as the top layer (`escape`,
 * by default `close`), and so does a press outside both it and the control that opened it.
 * Returns the cleanup. */
export function dismissable(
  popover: () => Node | undefined,
  toggle: () => Node | undefined,
  close: () => void,
  escape: () => void = close,
): () => void {
  const pop = pushEscape(escape);
  const outside = (e: PointerEvent) => {
    const target = e.target as Node;
    if (!popover()?.contains(target) && !toggle()?.contains(target)) close();
  };
  window.addEventListener("pointerdown", outside, true);
  return () => {
    pop();
    window.removeEventListener("pointerdown", outside, true);
  };
}

/** A menu just opened by its button: its first item takes the focus, and it is dismissable;
 * Esc gives the focus back to the button. Returns the cleanup. */
export function openMenu(
  menu: () => HTMLElement | undefined,
  button: () => HTMLElement | undefined,
  close: () => void,
): () => void {
  queueMicrotask(() => menu()?.querySelector<HTMLElement>("[role^=menuitem]")?.focus());
  return dismissable(menu, button, close, () => {
    close();
    button()?.focus();
  });
}
