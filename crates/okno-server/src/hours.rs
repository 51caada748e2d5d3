//! Working hours: validation, "working now" and the next opening time.
//!
//! A line's zone is an IANA name looked up in the system's tz database (`/usr/share/zoneinfo`,
//! updated with the system), or in the copy built into the binary where the system has none
//! (jiff's bundle). chrono-tz, the previous choice, compiles the whole database into tables of
//! string pointers that every process relocates at start: 1 MB of private memory the desktop app
//! paid whether or not a line had hours (ARCHITECTURE.md, "Time zones").

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use jiff::tz::{AmbiguousOffset, Offset, TimeZone, TimeZoneDatabase};
use okno_proto::WorkingHours;
use std::sync::OnceLock;

/// Files of a zoneinfo directory that are not zones a line could work in.
const NOT_ZONES: [&str; 2] = ["localtime", "posixrules"];

/// The zone named exactly `name` (case and all), if the tz database has it.
pub fn zone(name: &str) -> Option<TimeZone> {
    lookup(name).filter(|tz| tz.iana_name() == Some(name))
}

/// The zone the tz database finds for `name`, whatever its case. A name the system's database
/// lacks is looked up in the bundled copy too: Debian 13 moved the old aliases ("US/Eastern")
/// to a package of their own, and a line's hours saved with one stay valid.
fn lookup(name: &str) -> Option<TimeZone> {
    static BUNDLED: OnceLock<TimeZoneDatabase> = OnceLock::new();
    TimeZone::get(name)
        .or_else(|_| BUNDLED.get_or_init(TimeZoneDatabase::bundled).get(name))
        .ok()
        .filter(|tz| tz.iana_name().is_some_and(|n| !NOT_ZONES.contains(&n)))
}

/// The zone `name`'s offset from UTC at `now_ms`, in minutes east; `None` for an unknown zone.
pub fn offset_minutes(name: &str, now_ms: i64) -> Option<i32> {
    let now = jiff::Timestamp::from_millisecond(now_ms).ok()?;
    Some(zone(name)?.to_offset(now).seconds().div_euclid(60))
}

fn parse_time(s: &str) -> Option<(u32, u32)> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    ((h < 24 && m < 60) || (h == 24 && m == 0)).then_some((h, m))
}

/// Checks every field; the message says what is wrong.
pub fn validate(h: &WorkingHours) -> Result<(), String> {
    if zone(&h.time_zone).is_none() {
        // The database finds names whatever their case; a line's zone is stored as written, so
        // only the exact spelling is taken, and a near miss is named.
        return Err(
            match lookup(&h.time_zone).as_ref().and_then(|tz| tz.iana_name()) {
                Some(name) => format!(
                    "unknown time zone {:?} (did you mean {name:?}?)",
                    h.time_zone
                ),
                None => format!(
                    "unknown time zone {:?}: use an IANA name such as \"Europe/Moscow\"",
                    h.time_zone
                ),
            },
        );
    }
    if h.weekly.len() > 70 {
        return Err("at most 70 opening intervals".into());
    }
    for d in &h.weekly {
        if !(1..=7).contains(&d.weekday) {
            return Err(format!(
                "weekday must be 1 (Monday) to 7 (Sunday), not {}",
                d.weekday
            ));
        }
        let open =
            parse_time(&d.open).ok_or_else(|| format!("bad time {:?}: use HH:MM", d.open))?;
        let close =
            parse_time(&d.close).ok_or_else(|| format!("bad time {:?}: use HH:MM", d.close))?;
        if open >= close || open == (24, 0) {
            return Err(format!(
                "{}–{}: the opening must come before the closing",
                d.open, d.close
            ));
        }
    }
    if h.holidays.len() > 400 {
        return Err("at most 400 holidays".into());
    }
    for day in &h.holidays {
        NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map_err(|_| format!("bad holiday {day:?}: use YYYY-MM-DD"))?;
    }
    Ok(())
}

/// The instant a local wall-clock time happens; a time skipped by a DST jump moves forward, and
/// a time that happens twice (clocks going back) is taken the first time.
fn instant(tz: &TimeZone, date: NaiveDate, (h, m): (u32, u32)) -> Option<i64> {
    let (date, h) = if h == 24 {
        (date.succ_opt()?, 0)
    } else {
        (date, h)
    };
    let mut naive = date.and_time(NaiveTime::from_hms_opt(h, m, 0)?);
    for _ in 0..4 {
        let wall_ms = naive.and_utc().timestamp_millis();
        let at = |o: Offset| wall_ms - i64::from(o.seconds()) * 1000;
        match tz.to_ambiguous_timestamp(civil(naive)?).offset() {
            AmbiguousOffset::Unambiguous { offset } => return Some(at(offset)),
            AmbiguousOffset::Fold { before, after } => return Some(at(before).min(at(after))),
            AmbiguousOffset::Gap { .. } => naive += Duration::minutes(30),
        }
    }
    None
}

/// chrono's wall-clock time as jiff's (minute precision is all working hours have).
fn civil(t: NaiveDateTime) -> Option<jiff::civil::DateTime> {
    let small = |v: u32| i8::try_from(v).ok();
    jiff::civil::DateTime::new(
        i16::try_from(t.year()).ok()?,
        small(t.month())?,
        small(t.day())?,
        small(t.hour())?,
        small(t.minute())?,
        0,
        0,
    )
    .ok()
}

/// Whether the line works at `now_ms`, and if not, when it next opens (within two weeks).
pub fn status(h: &WorkingHours, now_ms: i64) -> (bool, Option<i64>) {
    let Some(tz) = zone(&h.time_zone) else {
        return (true, None);
    };
    let Some(offset) = jiff::Timestamp::from_millisecond(now_ms)
        .ok()
        .map(|now| tz.to_offset(now))
    else {
        return (true, None);
    };
    let wall_ms = now_ms + i64::from(offset.seconds()) * 1000;
    let Some(today) = chrono::DateTime::from_timestamp_millis(wall_ms).map(|t| t.date_naive())
    else {
        return (true, None);
    };
    let mut next: Option<i64> = None;
    // Start a day early: an interval that closes at 24:00 yesterday cannot cover now, but DST
    // shifts make "today" ambiguous around midnight, so look at yesterday too.
    for offset in -1..=14 {
        let date = today + Duration::days(offset);
        let iso = date.format("%Y-%m-%d").to_string();
        if h.holidays.contains(&iso) {
            continue;
        }
        let weekday = date.weekday().number_from_monday() as u8;
        for d in h.weekly.iter().filter(|d| d.weekday == weekday) {
            let (Some(o), Some(c)) = (parse_time(&d.open), parse_time(&d.close)) else {
                continue;
            };
            let (Some(open), Some(close)) = (instant(&tz, date, o), instant(&tz, date, c)) else {
                continue;
            };
            if open <= now_ms && now_ms < close {
                return (true, None);
            }
            if open > now_ms && next.is_none_or(|n| open < n) {
                next = Some(open);
            }
        }
    }
    (false, next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use okno_proto::DayHours;

    fn weekdays(tz: &str, open: &str, close: &str) -> WorkingHours {
        WorkingHours {
            time_zone: tz.into(),
            weekly: (1..=5)
                .map(|weekday| DayHours {
                    weekday,
                    open: open.into(),
                    close: close.into(),
                })
                .collect(),
            holidays: vec![],
        }
    }

    fn ms(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn open_and_closed_in_the_lines_time_zone() {
        let h = weekdays("Europe/Moscow", "09:00", "18:00");
        // Wednesday 2026-11-18 10:00 Moscow = 07:00 UTC.
        assert_eq!(status(&h, ms("2026-11-18T07:00:00Z")), (true, None));
        // 18:00 Moscow is closed; next opening Thursday 09:00 Moscow = 06:00 UTC.
        assert_eq!(
            status(&h, ms("2026-11-18T15:00:00Z")),
            (false, Some(ms("2026-11-19T06:00:00Z")))
        );
        // Saturday: next opening Monday.
        assert_eq!(
            status(&h, ms("2026-11-21T10:00:00Z")),
            (false, Some(ms("2026-11-23T06:00:00Z")))
        );
    }

    #[test]
    fn holidays_and_daylight_saving() {
        let mut h = weekdays("Europe/Berlin", "09:00", "17:00");
        h.holidays = vec!["2026-12-24".into()];
        // Thursday 2026-12-24 is a holiday: next opening Friday 09:00 CET = 08:00 UTC.
        assert_eq!(
            status(&h, ms("2026-12-24T09:00:00Z")),
            (false, Some(ms("2026-12-25T08:00:00Z")))
        );
        // Monday 2026-03-30, after the spring change: 09:00 CEST = 07:00 UTC.
        assert_eq!(status(&h, ms("2026-03-30T07:00:00Z")), (true, None));
        assert!(!status(&h, ms("2026-03-30T06:59:00Z")).0);
    }

    #[test]
    fn validation_names_the_problem() {
        let mut h = weekdays("Mars/Olympus", "09:00", "18:00");
        assert!(validate(&h).unwrap_err().contains("time zone"));
        h.time_zone = "UTC".into();
        h.weekly[0].open = "9am".into();
        assert!(validate(&h).unwrap_err().contains("HH:MM"));
        h.weekly[0].open = "19:00".into();
        assert!(validate(&h).unwrap_err().contains("before"));
        h.weekly[0].open = "00:00".into();
        h.weekly[0].close = "24:00".into();
        assert!(validate(&h).is_ok());
        // Zones are taken as spelled in the database; a near miss is named, files of the
        // zoneinfo directory that are not zones and paths are not zones.
        h.time_zone = "europe/moscow".into();
        let err = validate(&h).unwrap_err();
        assert!(err.contains(r#"did you mean "Europe/Moscow""#), "{err}");
        for not_a_zone in [
            "localtime",
            "posixrules",
            "Etc/Unknown",
            "../../etc/passwd",
            "",
        ] {
            h.time_zone = not_a_zone.into();
            assert!(validate(&h).is_err(), "{not_a_zone:?} taken for a zone");
        }
        for name in [
            "UTC",
            "US/Eastern",
            "Etc/GMT-3",
            "Asia/Kathmandu",
            "America/Argentina/Buenos_Aires",
        ] {
            h.time_zone = name.into();
            assert_eq!(validate(&h), Ok(()), "{name}");
        }
    }

    /// The system's tz database, read through jiff, against chrono-tz's compiled copy: offsets
    /// at every hour of 2025–2026 and the instant of every wall-clock hour and half hour, in
    /// zones with summer time on both hemispheres, half-hour summer time, 45-minute offsets and
    /// a zone whose rules changed.
    #[test]
    fn zones_agree_with_chrono_tz() {
        use chrono::TimeZone as _;
        for name in [
            "Europe/Berlin",
            "Europe/Moscow",
            "America/New_York",
            "America/Sao_Paulo",
            "Australia/Sydney",
            "Australia/Lord_Howe",
            "Asia/Kathmandu",
            "Pacific/Chatham",
            "Africa/Casablanca",
            "UTC",
        ] {
            let theirs: chrono_tz::Tz = name.parse().unwrap();
            let ours = zone(name).unwrap();
            let start = ms("2025-01-01T00:00:00Z");
            for hour in 0..2 * 365 * 24 {
                let t = start + hour * 3_600_000;
                let expected =
                    chrono::Offset::fix(theirs.timestamp_millis_opt(t).unwrap().offset())
                        .local_minus_utc()
                        / 60;
                assert_eq!(offset_minutes(name, t), Some(expected), "{name} at {t}");
            }
            let day0 = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
            for day in 0..2 * 365 {
                let date = day0 + Duration::days(day);
                for (h, m) in (0..24).flat_map(|h| [(h, 0), (h, 30)]) {
                    let wall = date.and_hms_opt(h, m, 0).unwrap();
                    let mut expected = None;
                    for step in 0..4 {
                        let w = wall + Duration::minutes(30 * step);
                        if let Some(t) = theirs.from_local_datetime(&w).earliest() {
                            expected = Some(t.timestamp_millis());
                            break;
                        }
                    }
                    assert_eq!(instant(&ours, date, (h, m)), expected, "{name} {wall}");
                }
            }
        }
    }

    #[test]
    fn a_time_that_happens_twice_is_taken_the_first_time() {
        // New York, Sunday 2026-11-01: 01:30 happens at 05:30 UTC (EDT) and at 06:30 UTC (EST).
        let ny = zone("America/New_York").unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        assert_eq!(
            instant(&ny, date, (1, 30)),
            Some(ms("2026-11-01T05:30:00Z"))
        );
        assert_eq!(
            offset_minutes("Asia/Kathmandu", ms("2026-11-01T05:30:00Z")),
            Some(345)
        );
        assert_eq!(offset_minutes("Mars/Olympus", 0), None);
    }

    #[test]
    fn next_opening_across_time_zones() {
        // The same instant, Friday 2026-11-20 20:00 UTC, in three zones with 09:00–18:00 hours.
        let at = ms("2026-11-20T20:00:00Z");
        // New York: 15:00 Friday, open.
        assert_eq!(
            status(&weekdays("America/New_York", "09:00", "18:00"), at),
            (true, None)
        );
        // Tokyo: 05:00 Saturday: next Monday 09:00 JST = Monday 00:00 UTC.
        assert_eq!(
            status(&weekdays("Asia/Tokyo", "09:00", "18:00"), at),
            (false, Some(ms("2026-11-23T00:00:00Z")))
        );
        // Kathmandu (+05:45): 01:45 Saturday: Monday 09:00 = 03:15 UTC.
        assert_eq!(
            status(&weekdays("Asia/Kathmandu", "09:00", "18:00"), at),
            (false, Some(ms("2026-11-23T03:15:00Z")))
        );
    }

    #[test]
    fn daylight_saving_in_both_directions() {
        // New York falls back on Sunday 2026-11-01: Friday 09:00 EDT = 13:00 UTC, Monday 09:00
        // EST = 14:00 UTC.
        let h = weekdays("America/New_York", "09:00", "17:00");
        assert_eq!(
            status(&h, ms("2026-10-30T22:00:00Z")),
            (false, Some(ms("2026-11-02T14:00:00Z")))
        );
        // Berlin springs forward on Sunday 2026-03-29 at 02:00: an opening at 02:30 that day does
        // not exist and moves to 03:00 CEST (01:00 UTC).
        let night = WorkingHours {
            time_zone: "Europe/Berlin".into(),
            weekly: vec![DayHours {
                weekday: 7,
                open: "02:30".into(),
                close: "06:00".into(),
            }],
            holidays: vec![],
        };
        assert_eq!(
            status(&night, ms("2026-03-28T12:00:00Z")),
            (false, Some(ms("2026-03-29T01:00:00Z")))
        );
        // And the week before, without the jump, 02:30 CET = 01:30 UTC.
        assert_eq!(
            status(&night, ms("2026-03-21T12:00:00Z")),
            (false, Some(ms("2026-03-22T01:30:00Z")))
        );
    }

    #[test]
    fn holidays_in_a_row_and_the_horizon() {
        let mut h = weekdays("Europe/Moscow", "09:00", "18:00");
        // New Year: 31 Dec to 8 Jan off, then a weekend; the next opening is Monday 11 January.
        h.holidays = (0..9)
            .map(|d| {
                (NaiveDate::from_ymd_opt(2026, 12, 31).unwrap() + Duration::days(d))
                    .format("%Y-%m-%d")
                    .to_string()
            })
            .collect();
        assert_eq!(
            status(&h, ms("2026-12-30T16:00:00Z")),
            (false, Some(ms("2027-01-11T06:00:00Z")))
        );
        // Holidays are dates in the line's zone: 31 Dec 01:00 Moscow is still 30 Dec in UTC.
        h.weekly = (1..=7)
            .map(|weekday| DayHours {
                weekday,
                open: "00:00".into(),
                close: "24:00".into(),
            })
            .collect();
        assert!(!status(&h, ms("2026-12-30T22:00:00Z")).0);
        assert!(status(&h, ms("2026-12-30T20:00:00Z")).0);
        // No opening at all within two weeks: closed with no known next opening.
        let never = WorkingHours {
            time_zone: "UTC".into(),
            weekly: vec![],
            holidays: vec![],
        };
        assert_eq!(status(&never, ms("2026-11-20T12:00:00Z")), (false, None));
    }
}
