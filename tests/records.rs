//! A seeded generator of input records driven by a policy's schema.
//!
//! It produces values of every schema type with the edges that break code generators:
//! integers near `i64::MIN`/`i64::MAX` (so sums, products and negations overflow sometimes),
//! zero (so divisions fail sometimes), dates near 0001-01-01 and 9999-12-31 (so date shifts
//! leave the range sometimes), empty and long lists, empty, repeated and non-ASCII strings
//! (with ASCII and non-ASCII case pairs and common prefixes, for the text operations), and
//! absent optionals, and decimals at the range's ends, at the square root of its end (so
//! products overflow sometimes), at rounding ties (halves of the last digit) and negative. The
//! same seed always gives the same records.

use dexp_runtime::date::{MAX_DAY, MIN_DAY};
use dexp_runtime::json;
use dexp_runtime::schema::{Schema, Ty, Value};
use std::sync::Arc;

/// The seeded generator, shared with the fuzz package and the benches (`dexp-testkit`).
pub use dexp_testkit::Rng;

const STRINGS: &[&str] = &[
    "",
    "a",
    "b",
    "tenant-1",
    "tenant-2",
    "Ténant \"0\" ✓",
    "line\nbreak\tand \\ backslash",
    "eu",
    "us",
    "commercial",
    // For the text operations: case pairs (ASCII and not), prefixes, multi-byte characters.
    "Tenant-1",
    "TENANT-2",
    "ten",
    "ÉTÉ",
    "été",
    "straße",
    "İstanbul",
    "ǅ",
    "a✓",
];

/// Generates input records for one schema.
pub struct Generator<'s> {
    schema: &'s Schema,
    rng: Rng,
}

impl<'s> Generator<'s> {
    /// A generator for `schema`'s input records.
    pub fn new(schema: &'s Schema, seed: u64) -> Generator<'s> {
        Generator { schema, rng: Rng::new(seed) }
    }

    /// The next input record as a value.
    pub fn record(&mut self) -> Value {
        self.value(&Ty::Record(self.schema.input), 0)
    }

    /// The next input record as one line of JSON.
    pub fn line(&mut self) -> String {
        let value = self.record();
        let mut out = String::new();
        json::write_value(&mut out, self.schema, &Ty::Record(self.schema.input), &value);
        out
    }

    /// `n` lines.
    pub fn lines(&mut self, n: usize) -> Vec<String> {
        (0..n).map(|_| self.line()).collect()
    }

    /// A random value of `ty`; lists get shorter with depth.
    pub fn value(&mut self, ty: &Ty, depth: usize) -> Value {
        match ty {
            Ty::Bool => Value::Bool(self.rng.percent(50)),
            Ty::Int => Value::Int(self.int()),
            Ty::Decimal => Value::Decimal(self.decimal()),
            Ty::Date => Value::Date(self.date()),
            Ty::String => Value::Str(Arc::from(self.string())),
            Ty::Enum(e) => {
                let n = self.schema.enum_def(*e).map_or(1, |d| d.variants.len());
                Value::Enum(self.rng.below(n as u64) as u32)
            }
            Ty::Record(r) => {
                let fields: Vec<Ty> =
                    self.schema.record(*r).map(|d| d.fields.iter().map(|f| f.ty.clone()).collect()).unwrap_or_default();
                let values: Vec<Value> = fields.iter().map(|t| self.value(t, depth + 1)).collect();
                Value::Record(values.into())
            }
            Ty::List(elem) => {
                let len = match self.rng.below(100) {
                    _ if depth > 4 => 0,
                    0..=19 => 0,
                    20..=84 => self.rng.range(1, 4) as usize,
                    _ => self.rng.range(5, if depth > 2 { 8 } else { 40 }) as usize,
                };
                let items: Vec<Value> = (0..len).map(|_| self.value(elem, depth + 1)).collect();
                Value::List(items.into())
            }
            Ty::Optional(inner) => {
                if self.rng.percent(30) {
                    Value::Null
                } else {
                    self.value(inner, depth)
                }
            }
            Ty::Codes(_) => Value::Codes(0),
            Ty::Map(value) => self.map(value, depth),
            Ty::Entry(_) => Value::Null,
        }
    }

    /// A map as it may arrive: keys from the shared strings (so lookups hit and miss) in
    /// random order, and in one map of 40 a key given twice, which both readers must reject
    /// at the same entry. [`json::write_value`] writes the entries in this order.
    fn map(&mut self, value: &Ty, depth: usize) -> Value {
        let len = match self.rng.below(100) {
            _ if depth > 4 => 0,
            0..=14 => 0,
            15..=84 => self.rng.range(1, 5) as usize,
            _ => self.rng.range(5, if depth > 2 { 8 } else { 30 }) as usize,
        };
        let mut entries: Vec<(Arc<str>, Value)> = Vec::with_capacity(len);
        for _ in 0..len {
            let key = self.string();
            if entries.iter().any(|(k, _)| **k == *key) {
                continue;
            }
            entries.push((Arc::from(key), self.value(value, depth + 1)));
        }
        if !entries.is_empty() && self.rng.percent(2) {
            let (key, _) = entries[self.rng.below(entries.len() as u64) as usize].clone();
            entries.push((key, self.value(value, depth + 1)));
        }
        Value::Map(entries.into())
    }

    fn int(&mut self) -> i64 {
        match self.rng.below(100) {
            0..=44 => self.rng.range(-20, 120),
            45..=59 => self.rng.range(-1_000_000, 1_000_000),
            60..=69 => [0, 1, -1, 2][self.rng.below(4) as usize],
            70..=77 => i64::MAX - self.rng.range(0, 1000),
            78..=85 => i64::MIN + self.rng.range(0, 1000),
            86..=92 => self.rng.range(-(1 << 40), 1 << 40),
            _ => self.rng.next_u64() as i64,
        }
    }

    /// A decimal's millionths: everyday amounts, values whose products and quotients are
    /// rounding ties, the ends of the range and the square root of its end.
    fn decimal(&mut self) -> i64 {
        const TIES: &[i64] = &[1, 5, 500_000, 1_500_000, 2_500_000, 100_000, 250_000, 125_000, 333_333, 2_000_000];
        let sign = if self.rng.percent(30) { -1 } else { 1 };
        sign * match self.rng.below(100) {
            0..=29 => self.rng.range(0, 100_000_000),
            30..=49 => TIES[self.rng.below(TIES.len() as u64) as usize],
            50..=59 => self.rng.range(0, 200) * 1_000_000,
            60..=64 => 0,
            65..=71 => i64::MAX - self.rng.range(0, 1000),
            72..=77 => 3_037_000_499_976 + self.rng.range(-5, 5), // about sqrt(i64::MAX)
            78..=84 => 3_037_000_499_976_000 + self.rng.range(-5, 5), // a thousand times that
            85..=92 => self.rng.range(0, 1 << 50),
            _ => return self.rng.next_u64() as i64,
        }
    }

    fn date(&mut self) -> i32 {
        let day = match self.rng.below(100) {
            0..=69 => self.rng.range(7300, 25_567), // 1990..=2039
            70..=79 => i64::from(MIN_DAY) + self.rng.range(0, 400),
            80..=89 => i64::from(MAX_DAY) - self.rng.range(0, 400),
            _ => self.rng.range(i64::from(MIN_DAY), i64::from(MAX_DAY)),
        };
        day as i32
    }

    fn string(&mut self) -> String {
        if self.rng.percent(10) {
            let n = self.rng.range(9, 120) as usize;
            let c = ['x', 'é', '✓', '"'][self.rng.below(4) as usize];
            return std::iter::repeat_n(c, n).collect();
        }
        STRINGS[self.rng.below(STRINGS.len() as u64) as usize].to_string()
    }
}
