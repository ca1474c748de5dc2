//! Tests of exact decimal reading, the canonical form and the reference arithmetic.

use super::*;

#[test]
fn parses_exactly_or_refuses() {
    let ok = [
        ("0", 0),
        ("-0", 0),
        ("-0.0e5", 0),
        ("19.99", 19_990_000),
        ("19.990000000", 19_990_000),
        ("0.000001", 1),
        ("-0.000001", -1),
        ("1e3", 1_000_000_000),
        ("1.5E-1", 150_000),
        ("1000000e-12", 1),
        ("9223372036854.775807", i64::MAX),
        ("-9223372036854.775808", i64::MIN),
        ("0.1", 100_000),
    ];
    for (text, want) in ok {
        assert_eq!(parse(text), Ok(want), "{text}");
    }
    assert_eq!(parse("0.0000001"), Err(ParseError::TooPrecise));
    assert_eq!(parse("1e-7"), Err(ParseError::TooPrecise));
    assert_eq!(parse("12500000e-13"), Err(ParseError::TooPrecise));
    assert_eq!(parse("9223372036854.775808"), Err(ParseError::OutOfRange));
    assert_eq!(parse("-9223372036854.775809"), Err(ParseError::OutOfRange));
    assert_eq!(parse("1e13"), Err(ParseError::OutOfRange));
    assert_eq!(parse("1e999999999999999999999"), Err(ParseError::OutOfRange));
    assert_eq!(parse("1e-999999999999999999999"), Err(ParseError::TooPrecise));
    assert_eq!(parse("0e999999999999999999999"), Ok(0));
    for bad in ["", "-", ".5", "1.", "1e", "1e+", "abc", "1.2.3", "--1", "1_0"] {
        assert_eq!(parse(bad), Err(ParseError::Syntax), "{bad}");
    }
}

#[test]
fn writes_the_canonical_form() {
    for (units, text) in [
        (0, "0"),
        (1, "0.000001"),
        (-1, "-0.000001"),
        (19_990_000, "19.99"),
        (5_000_000, "5"),
        (-500_000, "-0.5"),
        (i64::MAX, "9223372036854.775807"),
        (i64::MIN, "-9223372036854.775808"),
    ] {
        assert_eq!(to_string(units), text);
        assert_eq!(parse(text), Ok(units));
    }
}

#[test]
fn rounds_half_away_from_zero() {
    // 0.000001 * 0.5 = 0.0000005: a tie, away from zero.
    assert_eq!(mul(1, 500_000), Some(1));
    assert_eq!(mul(-1, 500_000), Some(-1));
    assert_eq!(mul(1, 499_999), Some(0));
    assert_eq!(mul(19_990_000, 3_000_000), Some(59_970_000));
    // 1 / 3 = 0.333333..., 2 / 3 = 0.666667, -2 / 3 = -0.666667.
    assert_eq!(div(ONE, 3 * ONE), Some(333_333));
    assert_eq!(div(2 * ONE, 3 * ONE), Some(666_667));
    assert_eq!(div(-2 * ONE, 3 * ONE), Some(-666_667));
    assert_eq!(div(2 * ONE, -3 * ONE), Some(-666_667));
    // 0.000001 / 2 = 0.0000005: a tie.
    assert_eq!(div(1, 2 * ONE), Some(1));
    assert_eq!(div(-1, 2 * ONE), Some(-1));
    assert_eq!(div(1, 0), None);
    assert_eq!(div(i64::MAX, 1), None);
    assert_eq!(div(i64::MIN, -ONE), None);
    assert_eq!(div(i64::MIN, ONE), Some(i64::MIN));
    assert_eq!(mul(i64::MAX, ONE), Some(i64::MAX));
    assert_eq!(mul(i64::MIN, -ONE), None);
    assert_eq!(mul(i64::MAX, 2 * ONE), None);
}

#[test]
fn rounds_to_fewer_digits_half_away_from_zero() {
    assert_eq!(round(19_994_999, 2), Some(19_990_000));
    assert_eq!(round(19_995_000, 2), Some(20_000_000));
    assert_eq!(round(-19_995_000, 2), Some(-20_000_000));
    assert_eq!(round(-2_500_000, 0), Some(-3_000_000));
    assert_eq!(round(2_499_999, 0), Some(2_000_000));
    assert_eq!(round(123, 6), Some(123));
    assert_eq!(round(i64::MAX, 0), None);
    assert_eq!(round(i64::MIN, 0), None);
    assert_eq!(round(i64::MAX, 1), None);
    assert_eq!(round(i64::MAX, 4), Some(9_223_372_036_854_775_800));
    assert_eq!(round(i64::MIN, 6), Some(i64::MIN));
}

#[test]
fn compares_with_ints_beyond_the_range() {
    assert_eq!(cmp_int(ONE, 1), Ordering::Equal);
    assert_eq!(cmp_int(ONE + 1, 1), Ordering::Greater);
    assert_eq!(cmp_int(i64::MAX, i64::MAX), Ordering::Less);
    assert_eq!(cmp_int(i64::MIN, i64::MIN), Ordering::Greater);
    assert_eq!(from_int(9_223_372_036_854), Some(9_223_372_036_854_000_000));
    assert_eq!(from_int(9_223_372_036_855), None);
}
