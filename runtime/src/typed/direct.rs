//! The direct codec: host types generated from a policy (`dexpc types --lang rust`) write the
//! input layout and read decision slots at offsets known when they were generated, with no
//! serde protocol, no field names and no JSON text on the way.
//!
//! A generated file declares one Rust type per enum, reason-code group and record of the
//! policy, implements [`Input`] for the input record and [`Output`] for the decision, and
//! carries the [`fingerprint`] of the schema and layout it was generated for in
//! [`Input::LAYOUT`] and [`Output::LAYOUT`]. The evaluator refuses types whose fingerprint is
//! not the loaded policy's, so a generated type can never write or read another layout; a
//! new version of a policy whose types did not change keeps its fingerprint, and its host
//! types keep working.
//!
//! Writing: the generated code calls [`Writer`]'s primitives with each value's position in
//! the record being built. The record's fixed part is the bytes the JSON reader writes for
//! the same record; strings and list elements go to the batch's variable area in declaration
//! order (the JSON reader appends a list's elements after their own strings), so only where
//! they lie in that area differs, never a value.
//! Most of the JSON reader's refusals cannot happen with typed values (a [`Date`] is always a
//! day of the calendar, an enum always one of its variants, a `BTreeMap` has no key twice);
//! those that can (a string, key, list or map over its limit, a batch past 4 GiB) give the
//! same message at the same path, built only when it happens ([`PathError`]).
//!
//! Reading: [`SlotReader`] applies [`crate::decode`]'s checks to every byte the guest wrote
//! (offsets inside the variable area, bools 0 or 1, variants and code bits that exist, dates
//! in range, UTF-8, map keys increasing, a budget of list elements), so a hostile module gives
//! a [`DecodeError`], never a panic or a wrong value.

use crate::abi::Shape;
pub use crate::decode::DecodeError;
use crate::decode::{Buf, Reader, Region};
use crate::json::{self, RecordError};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A fingerprint of a policy's types and their layout: equal for two policies whose enums,
/// records, fields, reason-code groups, input and output are the same (names, types and
/// order) and so have the same layout. Messages, rules and the policy's version do not count.
/// FNV-1a over a canonical description; stable across runtime versions of one ABI.
pub fn fingerprint(shape: &Shape) -> u64 {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    let schema = shape.schema();
    h.text("dexp-direct-1");
    h.num(schema.enums.len() as u64);
    for e in &schema.enums {
        h.text(&e.name);
        h.num(e.variants.len() as u64);
        for v in &e.variants {
            h.text(v);
        }
    }
    h.num(schema.groups.len() as u64);
    for g in &schema.groups {
        h.text(&g.name);
        h.num(g.codes.len() as u64);
        for c in &g.codes {
            h.text(&c.code);
        }
    }
    h.num(schema.records.len() as u64);
    for r in &schema.records {
        h.text(&r.name);
        h.num(r.fields.len() as u64);
        for f in &r.fields {
            h.text(&f.name);
            // The type's canonical JSON, as the metadata writes it.
            h.text(&serde_json::to_string(&f.ty).unwrap_or_default());
        }
    }
    h.num(u64::from(schema.input));
    h.num(u64::from(schema.output));
    let layout = shape.layout();
    h.num(u64::from(layout.input_size));
    let slot = layout.slot;
    for n in [slot.size, slot.status, slot.site, slot.record] {
        h.num(u64::from(n));
    }
    for r in &layout.records {
        h.num(u64::from(r.size));
        for f in &r.fields {
            h.num(u64::from(f.offset));
        }
    }
    h.0
}

/// 64-bit FNV-1a.
struct Fnv(u64);

impl Fnv {
    fn bytes(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn num(&mut self, n: u64) {
        self.bytes(&n.to_le_bytes());
    }

    fn text(&mut self, s: &str) {
        self.num(s.len() as u64);
        self.bytes(s.as_bytes());
    }
}

/// A policy's input record as a generated host type.
pub trait Input {
    /// The [`fingerprint`] of the types this was generated for.
    const LAYOUT: u64;
    /// Writes the record's fixed part at position 0 of `w` (and its strings and lists to the
    /// variable area). Errors carry their path inside the record.
    fn write(&self, w: &mut Writer<'_>) -> Result<(), PathError>;
}

/// A policy's decision as a generated host type.
pub trait Output: Sized {
    /// The [`fingerprint`] of the types this was generated for.
    const LAYOUT: u64;
    /// Reads the decision whose fixed part is at `at`.
    fn read(r: &mut SlotReader<'_>, at: Loc) -> Result<Self, DecodeError>;
}

/// A day of the proleptic Gregorian calendar between 0001-01-01 and 9999-12-31, the type of a
/// policy's `date`. Written and read as `YYYY-MM-DD` (also by serde).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

impl Date {
    /// The date `days` days after 1970-01-01 (negative before), if it is in range.
    pub fn from_days(days: i32) -> Option<Date> {
        (crate::date::MIN_DAY..=crate::date::MAX_DAY).contains(&days).then_some(Date(days))
    }

    /// The date of `year`, `month` (1-12) and `day` (1-31), if it exists and is in range.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        crate::date::from_civil(year, month, day).and_then(Date::from_days)
    }

    /// Days after 1970-01-01 (negative before): the layout's value.
    pub fn days(self) -> i32 {
        self.0
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::date::format(self.0))
    }
}

/// Why text is not a [`Date`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a valid date (YYYY-MM-DD between 0001-01-01 and 9999-12-31)")]
pub struct DateError(String);

impl FromStr for Date {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Date, DateError> {
        crate::date::parse(s).and_then(Date::from_days).ok_or_else(|| DateError(s.to_string()))
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date as YYYY-MM-DD")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// An exact decimal with 6 fractional digits, the type of a policy's `decimal`: a count of
/// millionths, as the layout holds it. Written and read as its canonical text (`19.99`);
/// serde writes that text as a string and reads a string, an integer or a float (through its
/// shortest text, as the JSON reader does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Decimal(i64);

impl Decimal {
    /// The decimal of `units` millionths.
    pub fn from_units(units: i64) -> Decimal {
        Decimal(units)
    }

    /// The value in millionths.
    pub fn units(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::decimal::to_string(self.0))
    }
}

/// Why text is not a [`Decimal`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecimalError(String);

impl FromStr for Decimal {
    type Err = DecimalError;
    fn from_str(s: &str) -> Result<Decimal, DecimalError> {
        crate::decimal::parse(s).map(Decimal).map_err(|e| DecimalError(e.message(s)))
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a decimal number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
                let text = serde_json::to_string(&v).map_err(E::custom)?;
                self.visit_str(&text)
            }
        }
        d.deserialize_any(V)
    }
}

/// One step of a [`PathError`]'s path.
#[derive(Debug, Clone)]
enum Step {
    Field(&'static str),
    Index(usize),
    Key(String),
}

/// A record that cannot be written, with the path to the value at fault. The generated code
/// adds the path's steps while the error returns through it, so the happy path builds none.
#[derive(Debug, Clone)]
pub struct PathError(Box<(Vec<Step>, String)>);

impl PathError {
    fn new(message: String) -> PathError {
        PathError(Box::new((Vec::new(), message)))
    }

    /// The error inside field `name` of a record.
    #[cold]
    pub fn field(mut self, name: &'static str) -> PathError {
        self.0 .0.push(Step::Field(name));
        self
    }

    /// The error inside element `i` of a list.
    #[cold]
    pub fn index(mut self, i: usize) -> PathError {
        self.0 .0.push(Step::Index(i));
        self
    }

    /// The error inside the value of a map's entry `key`.
    #[cold]
    pub fn key(mut self, key: &str) -> PathError {
        self.0 .0.push(Step::Key(key.to_string()));
        self
    }

    /// The record's error: the path written as the JSON reader writes it (`servers[2].id`).
    pub fn into_record_error(self) -> RecordError {
        let (steps, message) = *self.0;
        let mut path = String::new();
        for step in steps.iter().rev() {
            match step {
                Step::Field(name) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(name);
                }
                Step::Index(i) => {
                    path.push('[');
                    path.push_str(&i.to_string());
                    path.push(']');
                }
                Step::Key(key) => json::push_key_segment(&mut path, key),
            }
        }
        RecordError { path, message }
    }
}

/// The largest end of the variable area: offsets and lengths are 32-bit.
const MAX_VARS: usize = u32::MAX as usize;

/// Where a generated [`Input::write`] puts one record: positions below the input record's
/// size are its fixed part, positions above are bytes appended to the batch's variable area,
/// written in the batch's offsets. The batch copies both parts in once the record is written.
pub struct Writer<'b> {
    buf: &'b mut Vec<u8>,
    fixed: usize,
    /// The variable area's length before this record: the offset of `buf[fixed]`.
    base: usize,
}

impl<'b> Writer<'b> {
    /// A writer for one record over `buf`, emptied, with room for a fixed part of `fixed` bytes
    /// and variable bytes that will start at offset `base` of the variable area.
    pub(crate) fn new(buf: &'b mut Vec<u8>, fixed: usize, base: usize) -> Writer<'b> {
        buf.clear();
        buf.resize(fixed, 0);
        Writer { buf, fixed, base }
    }

    /// The fixed part, then the variable bytes, of the record written.
    pub(crate) fn parts(&self) -> (&[u8], &[u8]) {
        self.buf.split_at(self.fixed.min(self.buf.len()))
    }

    #[inline]
    fn put<const N: usize>(&mut self, at: usize, bytes: [u8; N]) {
        // Positions come from the generated layout and lie inside what was reserved for them.
        if let Some(dst) = self.buf.get_mut(at..at.wrapping_add(N)) {
            dst.copy_from_slice(&bytes);
        }
    }

    /// A `bool` at `at`.
    #[inline]
    pub fn bool(&mut self, at: usize, v: bool) {
        self.put(at, [u8::from(v)]);
    }

    /// An `int` at `at`.
    #[inline]
    pub fn int(&mut self, at: usize, v: i64) {
        self.put(at, v.to_le_bytes());
    }

    /// A `decimal` at `at`.
    #[inline]
    pub fn decimal(&mut self, at: usize, v: Decimal) {
        self.put(at, v.0.to_le_bytes());
    }

    /// A `date` at `at`.
    #[inline]
    pub fn date(&mut self, at: usize, v: Date) {
        self.put(at, v.0.to_le_bytes());
    }

    /// The variant of an enum of at most 256 variants, by its position, at `at`.
    #[inline]
    pub fn variant(&mut self, at: usize, index: u8) {
        self.put(at, [index]);
    }

    /// The variant of an enum of more than 256 variants, by its position, at `at`.
    #[inline]
    pub fn wide_variant(&mut self, at: usize, index: u32) {
        self.put(at, index.to_le_bytes());
    }

    /// Marks the optional at `at` as present (its value is written after the tag).
    #[inline]
    pub fn present(&mut self, at: usize) {
        self.put(at, [1]);
    }

    /// The offset in the variable area of `buf[pos]`.
    fn offset(&self, pos: usize) -> usize {
        self.base + (pos - self.fixed)
    }

    /// Writes the reference (offset, length) at `at`.
    fn reference(&mut self, at: usize, offset: usize, len: usize) {
        let pair = ((len as u64) << 32) | offset as u64;
        self.put(at, pair.to_le_bytes());
    }

    /// A `string` at `at`: its bytes appended to the variable area.
    #[inline]
    pub fn string(&mut self, at: usize, v: &str) -> Result<(), PathError> {
        self.text(at, v, json::string_too_long)
    }

    fn text(&mut self, at: usize, v: &str, too_long: fn(usize) -> String) -> Result<(), PathError> {
        if v.is_empty() {
            return Ok(());
        }
        if v.len() > json::MAX_STRING_BYTES {
            return Err(PathError::new(too_long(v.len())));
        }
        let pos = self.buf.len();
        let offset = self.offset(pos);
        if offset + v.len() > MAX_VARS {
            return Err(full());
        }
        self.buf.extend_from_slice(v.as_bytes());
        self.reference(at, offset, v.len());
        Ok(())
    }

    /// A list of `count` elements of `size` bytes aligned to `align` at `at`: reserves their
    /// room in the variable area, zeroed, and returns the position of the first element (the
    /// generated code writes element `i` at that position plus `i * size`).
    #[inline]
    pub fn list(&mut self, at: usize, count: usize, size: usize, align: usize) -> Result<usize, PathError> {
        if count > json::MAX_LIST_ITEMS {
            return Err(PathError::new(json::list_too_long()));
        }
        self.elements(at, count, size, align)
    }

    /// A map of `count` entries of `size` bytes aligned to `align` at `at`, as [`Self::list`].
    /// The generated code writes the entries in increasing order of their keys' bytes (a
    /// `BTreeMap<String, T>`'s order), each key with [`Self::key`].
    pub fn map(&mut self, at: usize, count: usize, size: usize, align: usize) -> Result<usize, PathError> {
        if count > json::MAX_LIST_ITEMS {
            return Err(PathError::new(json::map_too_long()));
        }
        self.elements(at, count, size, align)
    }

    /// The key of the map entry at `at`.
    pub fn key(&mut self, at: usize, key: &str) -> Result<(), PathError> {
        self.text(at, key, json::key_too_long)
    }

    fn elements(&mut self, at: usize, count: usize, size: usize, align: usize) -> Result<usize, PathError> {
        if count == 0 {
            return Ok(0);
        }
        let end = self.offset(self.buf.len());
        let offset = end.next_multiple_of(align.max(1));
        let bytes = count.saturating_mul(size);
        if offset.saturating_add(bytes) > MAX_VARS {
            return Err(full());
        }
        let pos = self.fixed + (offset - self.base);
        self.buf.resize(pos + bytes, 0);
        self.reference(at, offset, count);
        Ok(pos)
    }
}

#[cold]
fn full() -> PathError {
    PathError::new("does not fit in a batch (4 GiB of strings and lists)".into())
}

/// Where a value of a decision lies: in the slot area (`fixed`) or the variable area.
#[derive(Debug, Clone, Copy)]
pub struct Loc {
    buf: Buf,
    at: usize,
}

impl Loc {
    #[cfg_attr(not(feature = "engine"), allow(dead_code))]
    pub(crate) fn fixed(at: usize) -> Loc {
        Loc { buf: Buf::Fixed, at }
    }

    /// The value `by` bytes further in the same area.
    #[inline]
    pub fn offset(self, by: usize) -> Loc {
        Loc { buf: self.buf, at: self.at.saturating_add(by) }
    }

    /// Element `i` of `size` bytes of a list whose elements start at `start` of the variable
    /// area (as [`SlotReader::list`] gives it).
    #[inline]
    pub fn element(start: usize, i: usize, size: usize) -> Loc {
        Loc { buf: Buf::Vars, at: start.saturating_add(i.saturating_mul(size)) }
    }
}

/// Checked reads of a decision's values for generated [`Output::read`]s.
pub struct SlotReader<'m> {
    reader: Reader<'m, 'm>,
}

impl<'m> SlotReader<'m> {
    #[cfg_attr(not(feature = "engine"), allow(dead_code))]
    pub(crate) fn new(region: Region<'m>, shape: &'m Shape) -> SlotReader<'m> {
        SlotReader { reader: region.reader(shape) }
    }

    /// The `bool` at `at`.
    #[inline]
    pub fn bool(&self, at: Loc) -> Result<bool, DecodeError> {
        self.reader.bool(at.buf, at.at)
    }

    /// The `int` at `at`.
    #[inline]
    pub fn int(&self, at: Loc) -> Result<i64, DecodeError> {
        self.reader.int(at.buf, at.at)
    }

    /// The `decimal` at `at`.
    #[inline]
    pub fn decimal(&self, at: Loc) -> Result<Decimal, DecodeError> {
        self.reader.int(at.buf, at.at).map(Decimal)
    }

    /// The `date` at `at`, checked to be in range.
    #[inline]
    pub fn date(&self, at: Loc) -> Result<Date, DecodeError> {
        self.reader.date(at.buf, at.at).map(Date)
    }

    /// The `string` at `at`, borrowed from the instance's memory.
    #[inline]
    pub fn str(&self, at: Loc) -> Result<&'m str, DecodeError> {
        self.reader.string(at.buf, at.at)
    }

    /// The `string` at `at`, copied.
    #[inline]
    pub fn string(&self, at: Loc) -> Result<String, DecodeError> {
        self.str(at).map(str::to_string)
    }

    /// The position of the variant at `at` of enum `e` of the schema (one byte for at most 256
    /// variants, else four), checked to exist, with the other decoders' message.
    #[inline]
    pub fn variant(&self, at: Loc, e: u32) -> Result<u32, DecodeError> {
        self.reader.variant(e, at.buf, at.at).map(|(v, _)| v)
    }

    /// The codes at `at` of group `g` of the schema, as bits (code `i` is bit `i`), checked to
    /// set no bit past the group's codes, with the other decoders' message.
    #[inline]
    pub fn codes(&self, at: Loc, g: u32) -> Result<u64, DecodeError> {
        self.reader.codes(g, at.buf, at.at)
    }

    /// Where the value of the optional at `at` lies when it is present: `value_offset` after
    /// the tag, which must be 0 or 1.
    #[inline]
    pub fn optional(&self, at: Loc, value_offset: usize) -> Result<Option<Loc>, DecodeError> {
        match self.reader.byte(at.buf, at.at)? {
            0 => Ok(None),
            1 => Ok(Some(at.offset(value_offset))),
            t => Err(DecodeError(format!("optional tag is {t}"))),
        }
    }

    /// The list at `at` of elements of `size` bytes: where its elements start in the variable
    /// area, and their count, checked to lie inside it and within the reader's element budget.
    #[inline]
    pub fn list(&mut self, at: Loc, size: usize) -> Result<(usize, usize), DecodeError> {
        self.reader.list_sized(size, at.buf, at.at).map(|(start, count, _)| (start, count))
    }

    /// The map at `at` of entries of `size` bytes, as [`Self::list`], its keys checked to be
    /// in increasing order of their bytes. Entry `i`'s key is a string at its start and its
    /// value at [`crate::abi::ENTRY_VALUE_OFFSET`].
    pub fn map(&mut self, at: Loc, size: usize) -> Result<(usize, usize), DecodeError> {
        self.reader.map_sized(size, at.buf, at.at).map(|(start, count, _)| (start, count))
    }
}

/// The codes whose bits are set, in declaration order: `all` is the group's codes.
pub fn codes<T: Copy>(bits: u64, all: &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(bits.count_ones() as usize);
    for (i, code) in all.iter().enumerate().take(64) {
        if bits >> i & 1 == 1 {
            out.push(*code);
        }
    }
    out
}

/// The variant at position `index` of `all` (an enum's variants in order).
#[inline]
pub fn pick<T: Copy>(all: &[T], index: u32) -> Result<T, DecodeError> {
    all.get(index as usize)
        .copied()
        .ok_or_else(|| DecodeError(format!("enum of {} variants has no variant {index}", all.len())))
}

#[cfg(test)]
#[path = "direct/tests.rs"]
mod tests;
