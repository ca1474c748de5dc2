//! Input records for a schema, as JSON text, driven by fuzzer bytes.
//!
//! Values lean to the edges that break code generators (integers near the 64-bit limits and
//! zero, the first and last dates of the calendar, empty and repeated strings, empty lists,
//! absent optionals), as the seeded generator of the tests package does. A few records are
//! also made faulty on purpose (a missing or mistyped field, `null` where a value is needed,
//! an unknown variant, an impossible date, deep nesting, a cut-off line), because the two
//! engines read records with different decoders and must reject them the same way.

use arbitrary::{Result, Unstructured};
use dexp_runtime::json::write_str;
use dexp_runtime::schema::{Schema, Ty};
use std::fmt::Write as _;

const STRINGS: &[&str] = &["", "a", "b", "tenant-1", "T\u{e9}nant \"0\" \u{2713}", "line\nbreak\t\\", "eu", "\u{0}"];
const INTS: &[i64] =
    &[0, 1, -1, 2, 7, 10, 30, 100, -100, 1 << 31, 1 << 32, 1 << 62, i64::MAX, i64::MIN, i64::MAX - 1, i64::MIN + 1];
const DATES: &[&str] =
    &["0001-01-01", "0001-01-02", "9999-12-31", "9999-12-30", "1970-01-01", "2000-02-29", "2024-12-31"];
/// Nesting past which lists are empty and optionals absent, so recursive schemas (a record
/// that holds a list of itself) give finite records.
const MAX_DEPTH: u32 = 5;

/// One input record for `schema`, as one line of JSON (sometimes deliberately faulty).
pub fn record(u: &mut Unstructured<'_>, schema: &Schema) -> Result<String> {
    let mut out = String::new();
    let mut gen = Values { u, schema };
    gen.value(&mut out, &Ty::Record(schema.input), 0)?;
    if crate::chance(gen.u, 1, 40)? {
        // A line cut short: invalid JSON.
        let cut = gen.u.choose_index(out.len().max(1))?;
        let cut = (0..=cut).rev().find(|&i| out.is_char_boundary(i)).unwrap_or(0);
        out.truncate(cut);
    }
    Ok(out)
}

/// `count` records, one a line.
pub fn ndjson(u: &mut Unstructured<'_>, schema: &Schema, count: usize) -> Result<String> {
    let mut out = String::new();
    for _ in 0..count {
        out.push_str(&record(u, schema)?);
        out.push('\n');
    }
    Ok(out)
}

/// Decimals as they may be written: canonical and not (trailing zeros, exponents, `-0`), at
/// the range's ends and just past them, at rounding ties, too precise to read, and the square
/// root of the range's end (products overflow around it).
const DECIMALS: &[&str] = &[
    "0",
    "-0",
    "19.99",
    "19.990",
    "0.000001",
    "-0.000001",
    "0.0000005",
    "1e3",
    "1.5E-1",
    "0.5",
    "-2.5",
    "0.1",
    "-0.333333",
    "9223372036854.775807",
    "-9223372036854.775808",
    "9223372036854.775808",
    "3037000.499976",
    "-3037000.499977",
    "1e-7",
    "1e400",
    "12",
];

struct Values<'a, 'u> {
    u: &'a mut Unstructured<'u>,
    schema: &'a Schema,
}

impl Values<'_, '_> {
    fn value(&mut self, out: &mut String, ty: &Ty, depth: u32) -> Result<()> {
        if crate::chance(self.u, 1, 200)? {
            return self.fault(out, depth);
        }
        match ty {
            Ty::Bool => out.push_str(if self.u.arbitrary()? { "true" } else { "false" }),
            Ty::Int => {
                let v = if crate::chance(self.u, 3, 4)? { *self.u.choose(INTS)? } else { self.u.arbitrary::<i64>()? };
                let _ = write!(out, "{v}");
            }
            Ty::Decimal => {
                if crate::chance(self.u, 3, 4)? {
                    out.push_str(self.u.choose(DECIMALS)?);
                } else {
                    dexp_runtime::decimal::write(out, self.u.arbitrary::<i64>()?);
                }
            }
            Ty::Date => {
                if crate::chance(self.u, 1, 2)? {
                    let _ = write!(out, "\"{}\"", self.u.choose(DATES)?);
                } else {
                    let y = self.u.int_in_range(1..=9999)?;
                    let m = self.u.int_in_range(1..=12)?;
                    let d = self.u.int_in_range(1..=28)?;
                    let _ = write!(out, "\"{y:04}-{m:02}-{d:02}\"");
                }
            }
            Ty::String => write_str(out, self.u.choose(STRINGS)?),
            Ty::Enum(e) => match self.schema.enum_def(*e) {
                Some(def) if !def.variants.is_empty() => write_str(out, self.u.choose(&def.variants)?),
                _ => out.push_str("\"?\""),
            },
            Ty::Record(r) => self.record(out, *r, depth)?,
            Ty::List(inner) => {
                out.push('[');
                let n = if depth >= MAX_DEPTH { 0 } else { self.u.int_in_range(0..=4)? };
                for i in 0..n {
                    if i > 0 {
                        out.push(',');
                    }
                    self.value(out, inner, depth + 1)?;
                }
                out.push(']');
            }
            Ty::Optional(inner) => {
                if depth >= MAX_DEPTH || crate::chance(self.u, 1, 3)? {
                    out.push_str("null");
                } else {
                    self.value(out, inner, depth + 1)?;
                }
            }
            // Codes are output only; an input never holds them.
            Ty::Codes(_) | Ty::Entry(_) => out.push_str("[]"),
            Ty::Map(inner) => {
                // Keys from the shared strings, so some repeat: a key given twice is a rejected
                // record, which both back ends must report alike.
                out.push('{');
                let n = if depth >= MAX_DEPTH { 0 } else { self.u.int_in_range(0..=4)? };
                for i in 0..n {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, self.u.choose(STRINGS)?);
                    out.push(':');
                    self.value(out, inner, depth + 1)?;
                }
                out.push('}');
            }
        }
        Ok(())
    }

    fn record(&mut self, out: &mut String, r: u32, depth: u32) -> Result<()> {
        let Some(def) = self.schema.record(r) else {
            out.push_str("{}");
            return Ok(());
        };
        out.push('{');
        let mut first = true;
        for field in &def.fields {
            // An absent optional field is the same as `null`.
            if matches!(field.ty, Ty::Optional(_)) && crate::chance(self.u, 1, 6)? {
                continue;
            }
            if !first {
                out.push(',');
            }
            first = false;
            write_str(out, &field.name);
            out.push(':');
            self.value(out, &field.ty, depth + 1)?;
        }
        if crate::chance(self.u, 1, 10)? {
            // Unknown fields are ignored.
            if !first {
                out.push(',');
            }
            out.push_str("\"unknown\":{\"nested\":[1,\"x\",null]}");
        }
        out.push('}');
        Ok(())
    }

    /// A value that no type accepts where it stands, or that breaks a limit.
    fn fault(&mut self, out: &mut String, depth: u32) -> Result<()> {
        match self.u.int_in_range(0..=7)? {
            0 => out.push_str("null"),
            1 => out.push_str("\"2026-02-30\""),
            2 => out.push_str("\"no-such-variant\""),
            3 => out.push_str("1.5"),
            4 => out.push_str("92233720368547758070"),
            5 => {
                let n = 70usize.saturating_sub(depth as usize);
                out.push_str(&"[".repeat(n));
                out.push_str(&"]".repeat(n));
            }
            6 => out.push_str("{}"),
            _ => out.push_str("\"\\ud800\""),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeds;
    use dexp_runtime::json::decode_input;

    /// Most generated records of the reference policy decode, and some do not.
    #[test]
    fn most_records_decode_and_some_are_faulty() {
        let (program, _) = crate::engines::reference();
        let mut ok = 0;
        let inputs = seeds::random_inputs(21, 300, 512);
        for input in &inputs {
            let mut u = Unstructured::new(input);
            let line = record(&mut u, &program.schema).unwrap();
            if decode_input(&program.schema, &line).is_ok() {
                ok += 1;
            }
        }
        assert!(ok * 10 >= inputs.len() * 6, "only {ok} of {} records decode", inputs.len());
        assert!(ok < inputs.len(), "some records are faulty");
    }
}
