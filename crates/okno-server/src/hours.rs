//! Working hours: validation, "working now" and the next opening time.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use okno_proto::WorkingHours;

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
    h.time_zone
        .parse::<Tz>()
        .map_err(|_| format!("unknown time zone {:?}", h.time_zone))?;
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

/// The instant a local wall-clock time happens; a time skipped by a DST jump moves forward.
fn instant(tz: Tz, date: NaiveDate, (h, m): (u32, u32)) -> Option<i64> {
    let (date, h) = if h == 24 {
        (date.succ_opt()?, 0)
    } else {
        (date, h)
    };
    let mut naive = date.and_time(NaiveTime::from_hms_opt(h, m, 0)?);
    for _ in 0..4 {
        if let Some(t) = tz.from_local_datetime(&naive).earliest() {
            return Some(t.timestamp_millis());
        }
        naive += Duration::minutes(30);
    }
    None
}

/// Whether the line works at `now_ms`, and if not, when it next opens (within two weeks).
pub fn status(h: &WorkingHours, now_ms: i64) -> (bool, Option<i64>) {
    let Ok(tz) = h.time_zone.parse::<Tz>() else {
        return (true, None);
    };
    let Some(now) = tz.timestamp_millis_opt(now_ms).single() else {
        return (true, None);
    };
    let today = now.date_naive();
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
            let (Some(open), Some(close)) = (instant(tz, date, o), instant(tz, date, c)) else {
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
