/** Marks the platform on the root element (`data-os`), for what app.css tunes per platform:
 * on Linux the font stacks are kept to families fontconfig resolves (see app.css). */
export function markPlatform(root: HTMLElement = document.documentElement, ua: string = navigator.userAgent): void {
  if (/\b(Linux|X11)\b/.test(ua) && !/\bAndroid\b/.test(ua)) root.dataset.os = "linux";
}
