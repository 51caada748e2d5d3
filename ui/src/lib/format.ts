// Dates, sizes and relative times in the UI language. Times on the wire are milliseconds
// since the Unix epoch (UTC); they are shown in the user's local time.
import type { DayHours, WorkingHours } from "./backend";
import { getLocale, onLangChange, t } from "./i18n";

const cache = new Map<string, Intl.DateTimeFormat>();
const numbers = new Map<string, Intl.NumberFormat>();
onLangChange(() => {
  cache.clear();
  numbers.clear();
});

function dtf(name: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const k = getLocale() + "|" + name;
  let f = cache.get(k);
  if (!f) {
    f = new Intl.DateTimeFormat(getLocale(), opts);
    cache.set(k, f);
  }
  return f;
}

const DAY = 86_400_000;

/** Local midnight of the day holding `ms`. */
export function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** A key identifying the local calendar day (for date separators). */
export function dayKey(ms: number): number {
  const d = new Date(ms);
  return d.getFullYear() * 10000 + (d.getMonth() + 1) * 100 + d.getDate();
}

function daysBetween(a: number, b: number): number {
  // Calendar days from a to b (b later), DST-safe by rounding.
  return Math.round((startOfDay(b) - startOfDay(a)) / DAY);
}

/** "14:05" (or "2:05 PM" in en-US). */
export function formatTime(ms: number): string {
  return dtf("time", { hour: "numeric", minute: "2-digit" }).format(ms);
}

/** Date separator: "Today", "Yesterday", "12 March", "12 March 2023". */
export function formatDay(ms: number, now = Date.now()): string {
  const diff = daysBetween(ms, now);
  if (diff === 0) return t("chat.today");
  if (diff === 1) return t("chat.yesterday");
  const sameYear = new Date(ms).getFullYear() === new Date(now).getFullYear();
  return sameYear
    ? dtf("dayMonth", { day: "numeric", month: "long" }).format(ms)
    : dtf("dayMonthYear", { day: "numeric", month: "long", year: "numeric" }).format(ms);
}

/** The lines list's time: "14:05" today, "Yesterday", a weekday this week, then a date. */
export function formatListTime(ms: number, now = Date.now()): string {
  const diff = daysBetween(ms, now);
  if (diff <= 0) return formatTime(ms);
  if (diff === 1) return t("chat.yesterday");
  if (diff < 7) return dtf("weekdayShort", { weekday: "short" }).format(ms);
  if (new Date(ms).getFullYear() === new Date(now).getFullYear())
    return dtf("dayMonthShort", { day: "numeric", month: "short" }).format(ms);
  return dtf("numeric", { day: "2-digit", month: "2-digit", year: "numeric" }).format(ms);
}

/** A full date and time for tooltips. */
export function formatDateTime(ms: number): string {
  return dtf("full", { dateStyle: "long", timeStyle: "short" }).format(ms);
}

/** "today at 09:00", "tomorrow at 09:00", "Mon, 3 March at 09:00". */
export function formatOpensAt(ms: number, now = Date.now()): string {
  const time = formatTime(ms);
  const diff = daysBetween(now, ms);
  if (diff <= 0) return t("time.todayAt", { time });
  if (diff === 1) return t("time.tomorrowAt", { time });
  const date = dtf("weekdayDate", { weekday: "short", day: "numeric", month: "long" }).format(ms);
  return t("time.dateAt", { date, time });
}

/** "512 B", "1.4 MB" / "1,4 МБ". */
export function formatSize(bytes: number): string {
  const nf = (n: number, digits: number) => {
    const k = `${getLocale()}|${digits}`;
    let f = numbers.get(k);
    if (!f) {
      f = new Intl.NumberFormat(getLocale(), { maximumFractionDigits: digits });
      numbers.set(k, f);
    }
    return f.format(n);
  };
  if (bytes < 1024) return t("size.b", { n: nf(bytes, 0) });
  if (bytes < 1024 * 1024) return t("size.kb", { n: nf(bytes / 1024, bytes < 10 * 1024 ? 1 : 0) });
  if (bytes < 1024 ** 3) return t("size.mb", { n: nf(bytes / 1024 ** 2, 1) });
  return t("size.gb", { n: nf(bytes / 1024 ** 3, 1) });
}

/** Short weekday name for ISO weekday 1 (Monday) … 7 (Sunday). */
export function weekdayName(isoDay: number): string {
  // 2024-01-01 was a Monday.
  const ms = Date.UTC(2024, 0, isoDay, 12);
  return new Intl.DateTimeFormat(getLocale(), { weekday: "short", timeZone: "UTC" }).format(ms);
}

export interface HoursGroup {
  /** "Mon–Fri" or "Sat". */
  days: string;
  /** "09:00–18:00" or "09:00–13:00, 14:00–18:00"; empty when closed. */
  hours: string;
  closed: boolean;
}

/** Groups a weekly schedule into runs of consecutive days with the same hours. */
export function groupHours(weekly: DayHours[]): HoursGroup[] {
  const perDay: string[] = [];
  for (let d = 1; d <= 7; d++) {
    const spans = weekly
      .filter((h) => h.weekday === d)
      .sort((a, b) => a.open.localeCompare(b.open))
      .map((h) => `${h.open}–${h.close}`);
    perDay[d] = spans.join(", ");
  }
  const groups: HoursGroup[] = [];
  let start = 1;
  for (let d = 2; d <= 8; d++) {
    if (d === 8 || perDay[d] !== perDay[start]) {
      const end = d - 1;
      const days = start === end ? weekdayName(start) : `${weekdayName(start)}–${weekdayName(end)}`;
      groups.push({ days, hours: perDay[start], closed: perDay[start] === "" });
      start = d;
    }
  }
  return groups;
}

/** "Europe/Moscow (GMT+3)"; the bare name when the runtime does not know it. */
export function formatTimeZone(hours: WorkingHours, now = Date.now()): string {
  try {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone: hours.time_zone,
      timeZoneName: "shortOffset",
    }).formatToParts(now);
    const off = parts.find((p) => p.type === "timeZoneName")?.value;
    return off ? `${hours.time_zone.replace(/_/g, " ")} (${off})` : hours.time_zone;
  } catch {
    return hours.time_zone;
  }
}

/** A short elapsed time: "45 s", "12 min", "2 h 5 min", "3 d 4 h". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return t("duration.s", { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return t("duration.m", { n: m });
  const h = Math.floor(m / 60);
  if (h < 24) return t("duration.h", { h, m: m % 60 });
  return t("duration.d", { d: Math.floor(h / 24), h: h % 24 });
}

/** Splits text where a narrow column may break a long address: after "@" and before a "." that
 *  a letter follows ("anna@" "romashka" ".example"), so an e-mail address or a domain wraps at
 *  its parts rather than mid-word. Joined, the pieces are the text. */
export function addressBreaks(text: string): string[] {
  return text.split(/(?<=@)|(?=\.\p{L})/u).filter((p) => p !== "");
}
