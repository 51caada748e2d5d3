//! Time zones for the page: the system zone's UTC offsets over a span around now (sent with
//! `info`), and a named zone's offset now (a line's working hours, `zone_offset`).
//!
//! The page computes local times from these instead of JavaScript's local-time methods and
//! `Intl`, which run on ICU's time-zone and locale code in WebKit and cost the page about 4 MB of
//! memory (`ui/src/lib/clock.ts`, ARCHITECTURE.md "Dates and times in the page"). chrono reads
//! the same tz database as the rest of the system (`/etc/localtime`, `TZ`).

use chrono::{DateTime, Offset, TimeZone, Utc};
use serde::Serialize;

const DAY_MS: i64 = 86_400_000;
/// How far back the offsets reach (older messages fall back to the page's own `Date`).
const BACK_MS: i64 = 10 * 366 * DAY_MS;
/// How far ahead (a line's next opening, dates a long-running app reaches).
const AHEAD_MS: i64 = 2 * 366 * DAY_MS;
/// Zones change their offset at most a few times a year: sampling every six hours finds every
/// change, which a bisection then places to the millisecond.
const STEP_MS: i64 = 6 * 3_600_000;

/// A zone's UTC offsets over `from` ≤ t < `to` (milliseconds since the Unix epoch):
/// `offsets` holds `(since, minutes east of UTC)`, ascending, the first at `from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalZone {
    pub from: i64,
    pub to: i64,
    pub offsets: Vec<(i64, i32)>,
}

/// The system time zone's offsets from ten years before `now_ms` to two years after it.
pub fn system_zone(now_ms: i64) -> LocalZone {
    offsets(&chrono::Local, now_ms - BACK_MS, now_ms + AHEAD_MS)
}

/// The zone `tz`'s offsets over `from` ≤ t < `to`.
pub fn offsets<Tz: TimeZone>(tz: &Tz, from: i64, to: i64) -> LocalZone {
    let at = |ms: i64| offset_minutes(tz, ms);
    let mut prev = at(from);
    let mut offsets = vec![(from, prev)];
    let mut t = from;
    while t < to {
        let next = (t + STEP_MS).min(to - 1);
        if next <= t {
            break;
        }
        let o = at(next);
        if o != prev {
            // The first millisecond with the new offset lies in (t, next].
            let (mut lo, mut hi) = (t, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if at(mid) == prev {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            // Two changes inside one step (none is known) would show here as one.
            let o = at(hi);
            offsets.push((hi, o));
            prev = o;
        }
        t = next;
    }
    LocalZone { from, to, offsets }
}

/// Minutes east of UTC in `tz` at the instant `ms`, rounded (offsets of whole seconds are
/// older than any span asked for here).
fn offset_minutes<Tz: TimeZone>(tz: &Tz, ms: i64) -> i32 {
    let utc = DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default();
    let secs = tz
        .offset_from_utc_datetime(&utc.naive_utc())
        .fix()
        .local_minus_utc();
    (f64::from(secs) / 60.0).round() as i32
}

/// The IANA zone `name`'s offset from UTC now, in minutes east; `None` for a name the tz
/// database lacks. The server's lookup, so a zone it accepted for a line is found here too.
pub fn zone_offset_now(name: &str) -> Option<i32> {
    okno_server::hours::offset_minutes(name, Utc::now().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    /// The offset the table gives at `t`, as `ui/src/lib/clock.ts` looks it up.
    fn lookup(z: &LocalZone, t: i64) -> i32 {
        assert!(t >= z.from && t < z.to);
        z.offsets
            .iter()
            .rev()
            .find(|(since, _)| *since <= t)
            .unwrap()
            .1
    }

    #[test]
    fn finds_each_change_to_the_millisecond() {
        let berlin = chrono_tz::Europe::Berlin;
        let z = offsets(
            &berlin,
            ms("2025-01-01T00:00:00Z"),
            ms("2026-01-01T00:00:00Z"),
        );
        assert_eq!(
            z.offsets,
            vec![
                (ms("2025-01-01T00:00:00Z"), 60),
                (ms("2025-03-30T01:00:00Z"), 120),
                (ms("2025-10-26T01:00:00Z"), 60),
            ]
        );
        assert_eq!(lookup(&z, ms("2025-03-30T00:59:59.999Z")), 60);
        assert_eq!(lookup(&z, ms("2025-03-30T01:00:00Z")), 120);
    }

    #[test]
    fn agrees_with_the_tz_database_everywhere_in_the_span() {
        // Half-hour and 45-minute offsets, a half-hour summer time, zones that dropped or
        // changed their rules inside the span, the southern hemisphere, and no changes at all.
        let zones = [
            chrono_tz::Europe::Moscow,
            chrono_tz::America::New_York,
            chrono_tz::America::Sao_Paulo,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::Asia::Kathmandu,
            chrono_tz::Asia::Kolkata,
            chrono_tz::Pacific::Chatham,
            chrono_tz::Africa::Casablanca,
            chrono_tz::UTC,
        ];
        let (from, to) = (ms("2012-01-01T00:00:00Z"), ms("2028-01-01T00:00:00Z"));
        for tz in zones {
            let z = offsets(&tz, from, to);
            assert!(z
                .offsets
                .windows(2)
                .all(|w| w[0].0 < w[1].0 && w[0].1 != w[1].1));
            // Every hour of the span, and the milliseconds on either side of every change.
            let mut probes: Vec<i64> = (from..to).step_by(3_600_000).collect();
            for (since, _) in &z.offsets[1..] {
                probes.extend([since - 1, *since, since + 1]);
            }
            for t in probes {
                assert_eq!(lookup(&z, t), offset_minutes(&tz, t), "{tz} at {t}");
            }
        }
    }

    #[test]
    fn the_system_zone_spans_ten_years_back_and_two_ahead() {
        let now = ms("2026-12-07T12:00:00Z");
        let z = system_zone(now);
        assert_eq!(z.offsets[0].0, z.from);
        assert!(z.from <= now - 3650 * DAY_MS && z.to >= now + 730 * DAY_MS);
        assert_eq!(lookup(&z, now), offset_minutes(&chrono::Local, now));
    }

    #[test]
    fn a_named_zone_now_or_none() {
        assert_eq!(zone_offset_now("Asia/Kolkata"), Some(330));
        assert_eq!(zone_offset_now("Europe/Moscow"), Some(180));
        assert_eq!(zone_offset_now("UTC"), Some(0));
        assert_eq!(zone_offset_now("Mars/Olympus_Mons"), None);
        assert_eq!(zone_offset_now(""), None);
    }
}
