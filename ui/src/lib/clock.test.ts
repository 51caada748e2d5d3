import { afterEach, describe, expect, it } from "vitest";
import { dayKey, localTime, offsetAt, setLocalZone, startOfDay, type LocalZone } from "./clock";
import {
  formatDateTime,
  formatDay,
  formatListTime,
  formatNumber,
  formatOffset,
  formatOpensAt,
  formatSize,
  formatTime,
  formatTimeZone,
  weekdayName,
} from "./format";
import { detectLang, pluralForm, regionOf, setLang } from "./i18n";
import { intlZoneOffset } from "./memory";

// The UI writes dates, numbers and plurals itself and takes local times from the shell's
// offsets (lib/clock.ts) so that the page never loads ICU's locale and time-zone code. These
// tests hold the hand-written formats to what `Intl` (Node's full ICU) answers, and the offsets
// to the time-zone database.

/** The offsets of IANA zone `tz` over [from, to), found as the shell finds them (sampled every
 *  six hours, each change bisected to the millisecond), from Node's time-zone database. */
function zoneOf(tz: string, from: number, to: number): LocalZone {
  const at = (ms: number) => intlZoneOffset(tz, ms);
  let prev = at(from);
  const offsets: [number, number][] = [[from, prev]];
  for (let t = from; t < to; ) {
    const next = Math.min(t + 6 * 3_600_000, to - 1);
    if (next <= t) break;
    const o = at(next);
    if (o !== prev) {
      let [lo, hi] = [t, next];
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (at(mid) === prev) lo = mid;
        else hi = mid;
      }
      offsets.push([hi, at(hi)]);
      prev = at(hi);
    }
    t = next;
  }
  return { from, to, offsets };
}

/** What Intl says of `ms` in zone `tz`, as the calendar fields `localTime` returns. */
function intlFields(ms: number, tz: string) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    weekday: "short",
    hour: "numeric",
    minute: "numeric",
  }).formatToParts(ms);
  const n = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const wd = parts.find((p) => p.type === "weekday")!.value;
  return {
    year: n("year"),
    month: n("month") - 1,
    day: n("day"),
    weekday: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(wd),
    hour: n("hour"),
    minute: n("minute"),
  };
}

const FROM = Date.UTC(2016, 0, 1);
const TO = Date.UTC(2028, 0, 1);

/** Instants spread over the span: every 7 h 13 min, and either side of each zone change. */
function probes(z: LocalZone): number[] {
  const out: number[] = [];
  for (let t = FROM; t < TO; t += 7 * 3_600_000 + 13 * 60_000) out.push(t);
  for (const [since] of z.offsets.slice(1)) out.push(since - 1, since, since + 1);
  return out;
}

afterEach(() => {
  setLocalZone(null);
  setLang("en", "en-US");
});

describe("local time from the shell's offsets", () => {
  for (const tz of ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "America/Sao_Paulo", "Europe/Moscow"]) {
    it(`gives the calendar fields the time-zone database gives (${tz})`, () => {
      const z = zoneOf(tz, FROM, TO);
      setLocalZone(z);
      for (const t of probes(z)) expect(localTime(t), `${tz} ${new Date(t).toISOString()}`).toEqual(intlFields(t, tz));
    });
  }

  it("finds local midnight across summer-time changes", () => {
    const tz = "Europe/Berlin";
    setLocalZone(zoneOf(tz, FROM, TO));
    // 2025-03-30: midnight is UTC+1, the day is 23 hours; 2025-10-26: 25 hours.
    expect(startOfDay(Date.UTC(2025, 2, 30, 20))).toBe(Date.UTC(2025, 2, 29, 23));
    expect(startOfDay(Date.UTC(2025, 2, 31, 20))).toBe(Date.UTC(2025, 2, 30, 22));
    expect(startOfDay(Date.UTC(2025, 9, 26, 23, 30))).toBe(Date.UTC(2025, 9, 26, 23));
    expect(startOfDay(Date.UTC(2025, 9, 26, 22, 59))).toBe(Date.UTC(2025, 9, 25, 22));
    expect(dayKey(Date.UTC(2025, 9, 26, 22, 59))).toBe(20251026);
    expect(dayKey(Date.UTC(2025, 9, 26, 23, 0))).toBe(20251027);
  });

  it("falls back to the page's Date outside the span, and without a zone", () => {
    setLocalZone({ from: Date.UTC(2026, 0, 1), to: Date.UTC(2027, 0, 1), offsets: [[Date.UTC(2026, 0, 1), 600]] });
    expect(offsetAt(Date.UTC(2026, 5, 1))).toBe(600);
    const outside = Date.UTC(2020, 5, 1);
    expect(offsetAt(outside)).toBe(-new Date(outside).getTimezoneOffset() || 0);
    setLocalZone(null);
    expect(offsetAt(Date.UTC(2026, 5, 1))).toBe(-new Date(Date.UTC(2026, 5, 1)).getTimezoneOffset() || 0);
  });

  it("ignores a malformed zone", () => {
    const bad: unknown[] = [
      { from: 10, to: 5, offsets: [[10, 0]] },
      { from: 0, to: 10, offsets: [] },
      { from: 0, to: 10, offsets: [[1, 60]] },
      { from: 0, to: 10, offsets: [[0, 60], [0, 120]] },
      { from: 0, to: 10, offsets: [[0, 99999]] },
      { from: 0, to: 10, offsets: [[0, 1.5]] },
    ];
    for (const z of bad) {
      setLocalZone(z as LocalZone);
      expect(offsetAt(5)).toBe(-new Date(5).getTimezoneOffset() || 0);
    }
  });
});

describe("dates, times, numbers and plurals written out", () => {
  // A zone with summer time, so that the formats are checked on local times the shell gave.
  const TZ = "Europe/Berlin";
  const intl = (locale: string, o: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(locale, { timeZone: TZ, ...o });
  const instants = Array.from({ length: 60 }, (_, i) => Date.UTC(2025, 0, 1) + i * 6 * 86_400_000 + i * 3_917_000);

  // The three written out exactly (other English regions take the nearer of the two English
  // ones, lib/format.ts).
  for (const [locale, lang] of [
    ["en-US", "en"],
    ["en-GB", "en"],
    ["en", "en"],
    ["ru-RU", "ru"],
  ] as const) {
    it(`match Intl in ${locale}`, () => {
      setLang(lang, locale);
      setLocalZone(zoneOf(TZ, FROM, TO));
      const now = Date.UTC(2025, 11, 31, 12);
      for (const ms of instants) {
        expect(formatTime(ms)).toBe(intl(locale, { hour: "numeric", minute: "2-digit" }).format(ms));
        expect(formatDateTime(ms), locale).toBe(intl(locale, { dateStyle: "long", timeStyle: "short" }).format(ms));
        const days = Math.round((now - ms) / 86_400_000);
        if (days >= 2) expect(formatDay(ms, now)).toBe(intl(locale, { day: "numeric", month: "long" }).format(ms));
        if (days >= 2 && days < 7) expect(formatListTime(ms, now)).toBe(intl(locale, { weekday: "short" }).format(ms));
        if (days >= 8)
          expect(formatListTime(ms, now)).toBe(intl(locale, { day: "numeric", month: "short" }).format(ms));
        const nextYear = now + 400 * 86_400_000;
        expect(formatDay(ms, nextYear)).toBe(intl(locale, { day: "numeric", month: "long", year: "numeric" }).format(ms));
        expect(formatListTime(ms, nextYear)).toBe(intl(locale, { day: "2-digit", month: "2-digit", year: "numeric" }).format(ms));
        const soon = ms - 3 * 86_400_000;
        const date = intl(locale, { weekday: "short", day: "numeric", month: "long" }).format(ms);
        expect(formatOpensAt(ms, soon)).toBe(`${date} ${lang === "ru" ? "в" : "at"} ${formatTime(ms)}`);
      }
      for (let d = 1; d <= 7; d++)
        expect(weekdayName(d)).toBe(new Intl.DateTimeFormat(locale, { weekday: "short", timeZone: "UTC" }).format(Date.UTC(2024, 0, d, 12)));
      for (const n of [0, 1, 7, 12.25, 999, 1023, 1024.5, 4096, 12345.67, 1234567, -3.26])
        for (const digits of [0, 1])
          expect(formatNumber(n, digits), `${n}`).toBe(new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(n));
      for (const n of [0, 1, 2, 3, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 112, 1.5])
        expect(pluralForm(lang, n), `${n}`).toBe(new Intl.PluralRules(locale).select(n));
    });
  }

  it("uses the region of the time locale the shell reports", () => {
    expect(regionOf("en_GB.UTF-8")).toBe("GB");
    expect(regionOf("en-150")).toBe("150");
    expect(regionOf("ru_RU@euro")).toBe("RU");
    expect(regionOf("en")).toBe("");
    expect(regionOf("english")).toBe("");
    expect(regionOf(undefined)).toBe("");
    expect(detectLang("ru_RU.UTF-8")).toBe("ru");
    setLocalZone(zoneOf(TZ, FROM, TO));
    const ms = Date.UTC(2025, 6, 4, 13, 5);
    setLang("en", "en_US.UTF-8");
    expect(formatTime(ms)).toBe("3:05 PM");
    setLang("en", "en_GB.UTF-8");
    expect(formatTime(ms)).toBe("15:05");
    expect(formatDateTime(ms)).toBe("4 July 2025 at 15:05");
    setLang("ru", "ru_RU.UTF-8");
    expect(formatDateTime(ms)).toBe("4 июля 2025 г. в 15:05");
    expect(formatSize(1_500_000)).toBe("1,4 МБ");
  });

  it("writes a zone's offset as its short name does", () => {
    for (const [m, s] of [
      [0, "GMT"],
      [180, "GMT+3"],
      [330, "GMT+5:30"],
      [-210, "GMT-3:30"],
      [-300, "GMT-5"],
      [765, "GMT+12:45"],
    ] as const)
      expect(formatOffset(m)).toBe(s);
    const hours = { time_zone: "America/Argentina/Buenos_Aires", weekly: [], holidays: [] };
    expect(formatTimeZone(hours, -180)).toBe("America/Argentina/Buenos Aires (GMT-3)");
    expect(formatTimeZone(hours, null)).toBe("America/Argentina/Buenos Aires");
  });
});
