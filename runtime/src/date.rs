//! Calendar dates as day numbers: parsing, formatting and the accessors policies use.
//!
//! A date is the number of days since 1970-01-01 in the proleptic Gregorian calendar, kept
//! between [`MIN_DAY`] (0001-01-01) and [`MAX_DAY`] (9999-12-31) so that every date has a
//! four-digit `YYYY-MM-DD` form. The conversions are Howard Hinnant's `days_from_civil` and
//! `civil_from_days`, which the Wasm code generator emits in the same integer arithmetic.

/// Day number of 0001-01-01.
pub const MIN_DAY: i32 = -719_162;
/// Day number of 9999-12-31.
pub const MAX_DAY: i32 = 2_932_896;

/// The day number of a civil date, or `None` when the date does not exist or is out of range.
pub fn from_civil(year: i32, month: u32, day: u32) -> Option<i32> {
    if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    if day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// Whether `year` is a leap year.
pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days in `month` of `year`.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i32;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The `(year, month, day)` of a day number.
pub fn to_civil(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i32::from(month <= 2);
    (year, month, day)
}

/// Parses exactly `YYYY-MM-DD`, rejecting impossible dates such as `2026-02-30`.
pub fn parse(text: &str) -> Option<i32> {
    parse_bytes(text.as_bytes())
}

/// [`parse`] on the bytes of the text.
pub(crate) fn parse_bytes(b: &[u8]) -> Option<i32> {
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(range)?;
        digits.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
    };
    let year = num(0..4)?;
    let month = num(5..7)?;
    let day = num(8..10)?;
    from_civil(year as i32, month, day)
}

/// Formats a day number as `YYYY-MM-DD`.
pub fn format(days: i32) -> String {
    let (y, m, d) = to_civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The calendar year of a day number.
pub fn year(days: i32) -> i32 {
    to_civil(days).0
}

/// The month (1-12) of a day number.
pub fn month(days: i32) -> u32 {
    to_civil(days).1
}

/// The day of the month (1-31) of a day number.
pub fn day(days: i32) -> u32 {
    to_civil(days).2
}

/// The calendar quarter (1-4) of a day number.
pub fn quarter(days: i32) -> u32 {
    (month(days) - 1) / 3 + 1
}

/// Adds `n` days, or `None` when the result leaves 0001-01-01..=9999-12-31.
pub fn add_days(days: i32, n: i64) -> Option<i32> {
    let sum = i64::from(days).checked_add(n)?;
    if (i64::from(MIN_DAY)..=i64::from(MAX_DAY)).contains(&sum) {
        i32::try_from(sum).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_bounds_round_trip() {
        assert_eq!(parse("1970-01-01"), Some(0));
        assert_eq!(parse("0001-01-01"), Some(MIN_DAY));
        assert_eq!(parse("9999-12-31"), Some(MAX_DAY));
        assert_eq!(format(MIN_DAY), "0001-01-01");
        assert_eq!(format(MAX_DAY), "9999-12-31");
    }

    #[test]
    fn every_day_round_trips() {
        for d in (MIN_DAY..=MAX_DAY).step_by(7) {
            assert_eq!(parse(&format(d)), Some(d));
        }
    }

    #[test]
    fn leap_years_follow_the_gregorian_rule() {
        assert!(parse("2024-02-29").is_some());
        assert!(parse("2000-02-29").is_some());
        assert!(parse("1900-02-29").is_none());
        assert!(parse("2026-02-29").is_none());
        assert!(parse("2026-02-30").is_none());
        assert!(parse("2026-04-31").is_none());
    }

    #[test]
    fn malformed_text_is_rejected() {
        for bad in [
            "2026-1-01",
            "2026-01-1",
            "20260101",
            "2026/01/01",
            "0000-01-01",
            "2026-13-01",
            "2026-00-10",
            "+026-01-01",
            "2026-01-01 ",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn quarters_change_on_the_first_of_january_april_july_october() {
        let q = |s: &str| parse(s).map(quarter);
        assert_eq!(q("2025-03-31"), Some(1));
        assert_eq!(q("2025-04-01"), Some(2));
        assert_eq!(q("2025-06-30"), Some(2));
        assert_eq!(q("2025-07-01"), Some(3));
        assert_eq!(q("2025-09-30"), Some(3));
        assert_eq!(q("2025-10-01"), Some(4));
        assert_eq!(q("2025-12-31"), Some(4));
        assert_eq!(q("2026-01-01"), Some(1));
    }

    #[test]
    fn adding_days_crosses_months_years_and_leap_days() {
        let d = |s: &str| parse(s).unwrap_or(i32::MIN);
        assert_eq!(add_days(d("2024-02-28"), 1).map(format), Some("2024-02-29".into()));
        assert_eq!(add_days(d("2025-02-28"), 1).map(format), Some("2025-03-01".into()));
        assert_eq!(add_days(d("2026-12-16"), 90).map(format), Some("2027-03-16".into()));
        assert_eq!(add_days(d("2025-12-31"), -365).map(format), Some("2024-12-31".into()));
        assert_eq!(add_days(MAX_DAY, 1), None);
        assert_eq!(add_days(MIN_DAY, -1), None);
        assert_eq!(add_days(0, i64::MAX), None);
    }
}
