// Dates, sizes and relative times in the UI language. Times on the wire are milliseconds
// since the Unix epoch (UTC); they are shown in the user's local time (lib/clock.ts).
//
// Written out for the UI's two languages instead of asking `Intl`, whose formats run on ICU's
// locale data and cost the page about 3 MB of memory (ui/README.md, "Session 21"). The patterns
// are CLDR's for Russian, American English (en-US) and British English (en-GB, CLDR's en-001);
// other English regions get the American or the British patterns by their clock (12 or 24 hours)
// and by whether they write the month or the day first (see `regional`): an Australian sees
// "1:05 PM" where CLDR writes "1:05 pm", and an Irish "Fri 4 July" for "Fri, 4 July".
import type { DayHours, WorkingHours } from "./backend";
import { dayKey, localTime, startOfDay, type LocalTime } from "./clock";
import { getLang, getRegion, t } from "./i18n";

export { dayKey, startOfDay };

const DAY = 86_400_000;

function daysBetween(a: number, b: number): number {
  // Calendar days from a to b (b later), DST-safe by rounding.
  return Math.round((startOfDay(b) - startOfDay(a)) / DAY);
}

const MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const MONTHS_EN_SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** en-001's (British) abbreviations differ in one month. */
const MONTHS_EN_SHORT_001 = MONTHS_EN_SHORT.map((m) => (m === "Sep" ? "Sept" : m));
const WEEKDAYS_EN = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
// The genitive ("7 декабря"), as a date with its day says the month.
const MONTHS_RU = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"];
const MONTHS_RU_SHORT = ["янв.", "февр.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.", "нояб.", "дек."];
const WEEKDAYS_RU = ["вс", "пн", "вт", "ср", "чт", "пт", "сб"];

/** English regions whose clocks show 24 hours (CLDR: en-GB, en-IE, en-ZA, en-IL and the
 *  European ones that follow en-150); the rest, and English with no region, show AM/PM. */
const EN_24H = new Set(["GB", "IE", "ZA", "IL", "150", "AT", "BE", "CH", "CY", "DE", "DK", "FI", "MT", "NL", "SE", "SI"]);
/** English regions that write the month before the day ("December 7"); the rest write
 *  "7 December" (CLDR's en-001 and its children). English with no region is American. */
const EN_MONTH_FIRST = new Set(["", "US", "CA", "PH", "UM", "VI", "PR", "GU", "AS", "MP"]);

/** How the UI's language and the system's region write dates and times. */
function regional(): { ru: boolean; h12: boolean; monthFirst: boolean; region: string } {
  const region = getRegion();
  if (getLang() === "ru") return { ru: true, h12: false, monthFirst: false, region };
  return { ru: false, h12: !EN_24H.has(region), monthFirst: EN_MONTH_FIRST.has(region), region };
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** "9:05", "14:05"; "9:05 AM", "2:05 PM". A 24-hour clock pads the hour in a full date and
 *  time ("09:05"), as CLDR's short time does, and not alone, as `Intl`'s numeric hour. */
function clock(l: Pick<LocalTime, "hour" | "minute">, pad = false): string {
  if (!regional().h12) return `${pad ? pad2(l.hour) : l.hour}:${pad2(l.minute)}`;
  return `${l.hour % 12 || 12}:${pad2(l.minute)} ${l.hour < 12 ? "AM" : "PM"}`;
}

/** "7 December", "December 7", "7 декабря"; with the year when asked. */
function dayMonth(l: LocalTime, year: boolean): string {
  const r = regional();
  if (r.ru) return `${l.day} ${MONTHS_RU[l.month]}${year ? ` ${l.year} г.` : ""}`;
  if (r.monthFirst) return `${MONTHS_EN[l.month]} ${l.day}${year ? `, ${l.year}` : ""}`;
  return `${l.day} ${MONTHS_EN[l.month]}${year ? ` ${l.year}` : ""}`;
}

function weekday(w: number): string {
  return (getLang() === "ru" ? WEEKDAYS_RU : WEEKDAYS_EN)[w];
}

/** "14:05" (or "2:05 PM" in en-US). */
export function formatTime(ms: number): string {
  return clock(localTime(ms));
}

/** Date separator: "Today", "Yesterday", "12 March", "12 March 2023". */
export function formatDay(ms: number, now = Date.now()): string {
  const diff = daysBetween(ms, now);
  if (diff === 0) return t("chat.today");
  if (diff === 1) return t("chat.yesterday");
  const l = localTime(ms);
  return dayMonth(l, l.year !== localTime(now).year);
}

/** The lines list's time: "14:05" today, "Yesterday", a weekday this week, then a date. */
export function formatListTime(ms: number, now = Date.now()): string {
  const diff = daysBetween(ms, now);
  if (diff <= 0) return formatTime(ms);
  if (diff === 1) return t("chat.yesterday");
  const l = localTime(ms);
  if (diff < 7) return weekday(l.weekday);
  const r = regional();
  if (l.year === localTime(now).year) {
    if (r.ru) return `${l.day} ${MONTHS_RU_SHORT[l.month]}`;
    return r.monthFirst ? `${MONTHS_EN_SHORT[l.month]} ${l.day}` : `${l.day} ${MONTHS_EN_SHORT_001[l.month]}`;
  }
  const [d, m, y] = [pad2(l.day), pad2(l.month + 1), l.year];
  if (r.ru) return `${d}.${m}.${y}`;
  if (r.region === "CA") return `${y}-${m}-${d}`;
  return r.monthFirst ? `${m}/${d}/${y}` : `${d}/${m}/${y}`;
}

/** A full date and time for tooltips: "7 December 2026 at 14:05". */
export function formatDateTime(ms: number): string {
  const l = localTime(ms);
  return t("time.dateAt", { date: dayMonth(l, true), time: clock(l, true) });
}

/** When something happened, for a field: "Today at 14:05", "Yesterday at 14:05",
 * "3 March at 14:05", "3 March 2025 at 14:05". */
export function formatWhen(ms: number, now = Date.now()): string {
  return t("time.dateAt", { date: formatDay(ms, now), time: formatTime(ms) });
}

/** "today at 09:00", "tomorrow at 09:00", "Mon, 3 March at 09:00". */
export function formatOpensAt(ms: number, now = Date.now()): string {
  const time = formatTime(ms);
  const diff = daysBetween(now, ms);
  if (diff <= 0) return t("time.todayAt", { time });
  if (diff === 1) return t("time.tomorrowAt", { time });
  const l = localTime(ms);
  const r = regional();
  const date = `${weekday(l.weekday)}${r.ru || r.monthFirst ? "," : ""} ${dayMonth(l, false)}`;
  return t("time.dateAt", { date, time });
}

/** A number with at most `digits` decimals: "1.4" / "1,4", grouped as the language groups. */
export function formatNumber(n: number, digits = 0): string {
  const ru = getLang() === "ru";
  const scale = 10 ** digits;
  const rounded = Math.round(Math.abs(n) * scale) / scale;
  const [int, frac = ""] = String(rounded).split(".");
  // Thousands: "1,023" / "1 023" (a no-break space).
  const group = int.length > 3 ? int.replace(/\B(?=(\d{3})+$)/g, ru ? "\u00a0" : ",") : int;
  const sign = n < 0 && rounded !== 0 ? "-" : "";
  return sign + group + (frac ? (ru ? "," : ".") + frac : "");
}

/** "512 B", "1.4 MB" / "1,4 МБ". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return t("size.b", { n: formatNumber(bytes, 0) });
  if (bytes < 1024 * 1024) return t("size.kb", { n: formatNumber(bytes / 1024, bytes < 10 * 1024 ? 1 : 0) });
  if (bytes < 1024 ** 3) return t("size.mb", { n: formatNumber(bytes / 1024 ** 2, 1) });
  return t("size.gb", { n: formatNumber(bytes / 1024 ** 3, 1) });
}

/** Short weekday name for ISO weekday 1 (Monday) … 7 (Sunday). */
export function weekdayName(isoDay: number): string {
  return weekday(isoDay % 7);
}

export interface HoursGroup {
  /** "Mon–Fri" or "Sat". */
  days: string;
  /** "09:00–18:00" or "09:00–13:00, 14:00–18:00" ("9:00 AM–6:00 PM" on a 12-hour clock);
   *  empty when closed. */
  hours: string;
  closed: boolean;
}

/** A schedule's wall-clock time ("HH:MM", 24-hour; "24:00" ends the day) on the reader's
 *  clock: "09:00", "24:00"; "9:00 AM", "12:00 AM". A 24-hour clock pads the hour, as CLDR's
 *  short time does. Anything else is shown as it came. */
function wallClock(hhmm: string): string {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m) return hhmm;
  const hour = Number(m[1]);
  // "24:00" stays on a 24-hour clock and is midnight, 12:00 AM, on a 12-hour one.
  return clock({ hour: regional().h12 ? hour % 24 : hour, minute: Number(m[2]) }, true);
}

/** Groups a weekly schedule into runs of consecutive days with the same hours. */
export function groupHours(weekly: DayHours[]): HoursGroup[] {
  const perDay: string[] = [];
  for (let d = 1; d <= 7; d++) {
    const spans = weekly
      .filter((h) => h.weekday === d)
      .sort((a, b) => (a.open < b.open ? -1 : a.open > b.open ? 1 : 0))
      .map((h) => `${wallClock(h.open)}–${wallClock(h.close)}`);
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

/** "GMT+3", "GMT+5:30", "GMT-3:30", "GMT": an offset from UTC in minutes, as time zones' short
 *  names write it. */
export function formatOffset(minutes: number): string {
  if (minutes === 0) return "GMT";
  const a = Math.abs(minutes);
  return `GMT${minutes < 0 ? "-" : "+"}${Math.floor(a / 60)}${a % 60 ? `:${pad2(a % 60)}` : ""}`;
}

/** "Europe/Moscow (GMT+3)"; the bare name when its offset is not known. */
export function formatTimeZone(hours: WorkingHours, offsetMinutes: number | null): string {
  const name = hours.time_zone.replace(/_/g, " ");
  return offsetMinutes === null ? name : `${name} (${formatOffset(offsetMinutes)})`;
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
