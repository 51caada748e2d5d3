//! On a system without a tz database (a minimal container), jiff falls back to the copy built
//! into the binary (`tzdb-bundle-always`); without that feature the copy is empty and every
//! line's hours would be unknown there.

#[test]
fn the_binary_carries_a_tz_database() {
    let db = jiff::tz::TimeZoneDatabase::bundled();
    // Wednesday 2026-11-18 07:00 UTC: Moscow is UTC+3, Kathmandu UTC+5:45, New York UTC-5.
    let t = jiff::Timestamp::from_millisecond(1_794_985_200_000).unwrap();
    for (name, minutes) in [
        ("Europe/Moscow", 180),
        ("Asia/Kathmandu", 345),
        ("America/New_York", -300),
    ] {
        let tz = db.get(name).unwrap();
        assert_eq!(tz.to_offset(t).seconds(), minutes * 60, "{name}");
    }
    assert!(db.get("Mars/Olympus").is_err());
}
