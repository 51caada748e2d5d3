// Local calendar time without the browser's time-zone machinery.
//
// JavaScript's local-time methods (`getHours`, `setHours`, `getTimezoneOffset`) and `Intl` run on
// ICU's time-zone and calendar code in WebKit, which costs the page about 4 MB of memory in all
// (ui/README.md, "Session 21"). The shell knows the system's time zone (chrono reads the same
// tz database) and hands the page its UTC offsets with the start; local times are then UTC
// arithmetic. Outside the span the shell covered, or with no shell (a plain browser, Vitest),
// the browser's own `Date` answers.

/** The system time zone's UTC offsets over a span of time, as the shell sends them. */
export interface LocalZone {
  /** The span covered: milliseconds since the Unix epoch, `from` ≤ t < `to`. */
  from: number;
  to: number;
  /** `[since, minutes east of UTC]`, ascending by `since`; the first `since` is `from`. */
  offsets: [number, number][];
}

let zone: LocalZone | null = null;

/** Uses `z` for local times (null: the browser's `Date`). A malformed zone is ignored. */
export function setLocalZone(z: LocalZone | null | undefined): void {
  zone = z && validZone(z) ? z : null;
}

function validZone(z: LocalZone): boolean {
  if (!Number.isFinite(z.from) || !Number.isFinite(z.to) || z.from >= z.to) return false;
  if (!Array.isArray(z.offsets) || z.offsets.length === 0 || z.offsets[0][0] !== z.from) return false;
  return z.offsets.every(
    ([since, off], i) =>
      Number.isFinite(since) && Number.isInteger(off) && Math.abs(off) <= 24 * 60 && (i === 0 || since > z.offsets[i - 1][0]),
  );
}

/** Minutes east of UTC in the local time zone at the instant `ms`. */
export function offsetAt(ms: number): number {
  if (zone && ms >= zone.from && ms < zone.to) {
    const o = zone.offsets;
    let lo = 0;
    let hi = o.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (o[mid][0] <= ms) lo = mid;
      else hi = mid - 1;
    }
    return o[lo][1];
  }
  return -new Date(ms).getTimezoneOffset() || 0; // 0, not -0, for UTC
}

/** The local calendar fields of the instant `ms`. */
export interface LocalTime {
  year: number;
  /** 0 = January. */
  month: number;
  day: number;
  /** 0 = Sunday. */
  weekday: number;
  hour: number;
  minute: number;
}

export function localTime(ms: number): LocalTime {
  const d = new Date(ms + offsetAt(ms) * 60_000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth(),
    day: d.getUTCDate(),
    weekday: d.getUTCDay(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
  };
}

/** The instant of local midnight starting the day that holds `ms` (where a time-zone change
 *  skips midnight, the first instant of that day). */
export function startOfDay(ms: number): number {
  const t = localTime(ms);
  const wall = Date.UTC(t.year, t.month, t.day);
  // The instant whose local time is `wall`: the offset of a guess, then of the answer.
  const guess = wall - offsetAt(wall) * 60_000;
  const at = wall - offsetAt(guess) * 60_000;
  return localTime(at).day === t.day ? at : guess;
}

/** A key identifying the local calendar day (for date separators): 20261207. */
export function dayKey(ms: number): number {
  const t = localTime(ms);
  return t.year * 10000 + (t.month + 1) * 100 + t.day;
}
