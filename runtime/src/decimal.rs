//! Exact decimals: the `decimal` type's fixed scale, its exact reading from JSON number text,
//! its canonical JSON form and the reference arithmetic.
//!
//! A decimal is an `i64` count of millionths ([`SCALE`] = 6 fractional digits): the values
//! from -9223372036854.775808 to 9223372036854.775807 in steps of 0.000001. That is the same
//! 8-byte slot as an `int` in the fixed layout, so sums, comparisons and min/max are the int
//! instructions, and only `*` and `/` need a 128-bit intermediate.
//!
//! Nothing here goes through binary floating point: text is read digit by digit, and a number
//! that is not exactly a multiple of 0.000001 within the range is refused, never rounded.
//! `*` and `/` compute the exact result with 128-bit integers and round it once to the scale,
//! half away from zero ([`mul`], [`div`]); the Wasm code generator emits the same arithmetic
//! on 64-bit halves, and the differential tests hold the two to each other.

use std::cmp::Ordering;

/// The number of fractional digits of every decimal.
pub const SCALE: u32 = 6;

/// `10^SCALE`: the stored value of the decimal `1`.
pub const ONE: i64 = 1_000_000;

/// Why a number cannot be a decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// The text is not a JSON number (or decimal literal).
    Syntax,
    /// The number has a nonzero digit beyond the sixth fractional place.
    TooPrecise,
    /// The number is outside the decimal range.
    OutOfRange,
}

impl ParseError {
    /// The message for a value of a record, naming the number as written.
    pub fn message(self, text: &str) -> String {
        let mut shown: String = text.chars().take(64).collect();
        if shown.len() < text.len() {
            shown.push_str("...");
        }
        match self {
            ParseError::Syntax => format!("expected decimal, found {shown}"),
            ParseError::TooPrecise => {
                format!("{shown} has more than {SCALE} fractional digits; decimals are never rounded on input")
            }
            ParseError::OutOfRange => {
                format!("{shown} is outside the decimal range (-9223372036854.775808 to 9223372036854.775807)")
            }
        }
    }
}

/// Reads JSON number text (`-12.5`, `1e3`, `0.000001`, `19.990`) exactly as a decimal: the
/// number must be a whole number of millionths within the range. Trailing zeros and any
/// exponent are allowed as long as the value is exact. Underscores are not digits here.
pub fn parse(text: &str) -> Result<i64, ParseError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let negative = bytes.first() == Some(&b'-');
    if negative {
        i += 1;
    }
    // The significant digits without leading zeros, and the power of ten they are scaled by.
    let mut digits: Vec<u8> = Vec::new();
    let mut exp: i64 = 0;
    let int_start = i;
    while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
        if !(digits.is_empty() && *d == b'0') {
            digits.push(d - b'0');
        }
        i += 1;
    }
    if i == int_start {
        return Err(ParseError::Syntax);
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
            if !(digits.is_empty() && *d == b'0') {
                digits.push(d - b'0');
            }
            exp -= 1;
            i += 1;
        }
        if i == frac_start {
            return Err(ParseError::Syntax);
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        let minus = match bytes.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        let mut e: i64 = 0;
        while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
            // Saturate far beyond any exponent that could matter.
            e = (e * 10 + i64::from(d - b'0')).min(1 << 40);
            i += 1;
        }
        if i == start {
            return Err(ParseError::Syntax);
        }
        exp += if minus { -e } else { e };
    }
    if i != bytes.len() {
        return Err(ParseError::Syntax);
    }
    while digits.last() == Some(&0) {
        digits.pop();
        exp += 1;
    }
    if digits.is_empty() {
        return Ok(0);
    }
    // value = digits * 10^exp; stored = digits * 10^(exp + SCALE).
    let shift = exp + i64::from(SCALE);
    if shift < 0 {
        return Err(ParseError::TooPrecise);
    }
    if digits.len() as i64 + shift > 19 {
        return Err(ParseError::OutOfRange);
    }
    let mut magnitude: u128 = 0;
    for d in &digits {
        magnitude = magnitude * 10 + u128::from(*d);
    }
    for _ in 0..shift {
        magnitude *= 10;
    }
    let limit = if negative { 1u128 << 63 } else { (1u128 << 63) - 1 };
    if magnitude > limit {
        return Err(ParseError::OutOfRange);
    }
    let magnitude = magnitude as i128;
    Ok((if negative { -magnitude } else { magnitude }) as i64)
}

/// Appends the canonical JSON form of a decimal: no exponent, no trailing fractional zeros,
/// no `.` without digits after it, a leading `0` before `.`, and `-` only before a nonzero
/// value: `19.99`, `5`, `-0.5`, `0`.
pub fn write(out: &mut String, units: i64) {
    if units < 0 {
        out.push('-');
    }
    let abs = units.unsigned_abs();
    let (whole, frac) = (abs / ONE as u64, abs % ONE as u64);
    out.push_str(&whole.to_string());
    if frac != 0 {
        let digits = format!("{frac:06}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

/// The canonical text of a decimal (see [`write`]).
pub fn to_string(units: i64) -> String {
    let mut out = String::new();
    write(&mut out, units);
    out
}

/// The decimal of an int, or `None` outside the decimal range.
pub fn from_int(i: i64) -> Option<i64> {
    i.checked_mul(ONE)
}

/// `n / d` rounded to the nearest integer, a tie away from zero; `None` when `d` is zero or
/// the result is outside `i64`.
fn div_round(n: i128, d: i128) -> Option<i64> {
    if d == 0 {
        return None;
    }
    let (q, r) = (n / d, n % d);
    let away = 2 * r.unsigned_abs() >= d.unsigned_abs();
    let q = if away { q + if (n < 0) == (d < 0) { 1 } else { -1 } } else { q };
    i64::try_from(q).ok()
}

/// `a * b` rounded to [`SCALE`] digits, half away from zero; `None` when it overflows.
pub fn mul(a: i64, b: i64) -> Option<i64> {
    div_round(i128::from(a) * i128::from(b), i128::from(ONE))
}

/// `a / b` rounded to [`SCALE`] digits, half away from zero; `None` when `b` is zero or the
/// quotient overflows.
pub fn div(a: i64, b: i64) -> Option<i64> {
    div_round(i128::from(a) * i128::from(ONE), i128::from(b))
}

/// `d` rounded to `digits` fractional digits (0 to 6), half away from zero; `None` when that
/// leaves the range (only next to its ends).
pub fn round(d: i64, digits: u32) -> Option<i64> {
    let step = 10i64.checked_pow(SCALE.checked_sub(digits)?)?;
    let (q, r) = (d / step, d % step);
    let q = if 2 * r.unsigned_abs() >= step.unsigned_abs() { q + d.signum() } else { q };
    q.checked_mul(step)
}

/// How the decimal `d` compares with the int `i`, exactly (an int beyond the decimal range is
/// greater or less than every decimal).
pub fn cmp_int(d: i64, i: i64) -> Ordering {
    i128::from(d).cmp(&(i128::from(i) * i128::from(ONE)))
}

#[cfg(test)]
mod tests;
