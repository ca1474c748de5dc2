//! A seeded generator of input records driven by a policy's schema.
//!
//! It produces values of every schema type with the edges that break code generators:
//! integers near `i64::MIN`/`i64::MAX` (so sums, products and negations overflow sometimes),
//! zero (so divisions fail sometimes), dates near 0001-01-01 and 9999-12-31 (so date shifts
//! leave the range sometimes), empty and long lists, empty, repeated and non-ASCII strings,
//! and absent optionals. The same seed always gives the same records.

use dexp_runtime::date::{MAX_DAY, MIN_DAY};
use dexp_runtime::json;
use dexp_runtime::schema::{Schema, Ty, Value};
use std::sync::Arc;

/// A small, fast, seeded pseudo-random generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator with the given seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi as i128 - lo as i128 + 1) as u128;
        (lo as i128 + (u128::from(self.next_u64()) % span) as i128) as i64
    }
}

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
            Ty::Bool => Value::Bool(self.rng.chance(50)),
            Ty::Int => Value::Int(self.int()),
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
                if self.rng.chance(30) {
                    Value::Null
                } else {
                    self.value(inner, depth)
                }
            }
            Ty::Codes(_) => Value::Codes(0),
        }
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
        if self.rng.chance(10) {
            let n = self.rng.range(9, 120) as usize;
            let c = ['x', 'é', '✓', '"'][self.rng.below(4) as usize];
            return std::iter::repeat_n(c, n).collect();
        }
        STRINGS[self.rng.below(STRINGS.len() as u64) as usize].to_string()
    }
}
