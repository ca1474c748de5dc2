//! Values in the fixed layout read back: decisions to JSON text, and any value to a [`Value`].
//!
//! The bytes come from a guest that is not trusted, so every read is checked: offsets and
//! lengths must lie inside the variable area, bools are 0 or 1, enum indices and code bits
//! exist, dates are in range, strings are UTF-8. Reading is also bounded in depth and in the
//! number of list elements visited, because a hostile decision can make lists refer to
//! themselves. The JSON written is byte for byte what [`crate::json::write_value`] writes for
//! the same value: fields in declaration order, codes in declaration order, compact.

use crate::abi::{Shape, ENTRY_VALUE_OFFSET};
use crate::date;
use crate::schema::{Ty, Value};
use std::sync::Arc;

/// Why bytes in the layout are not a value of their type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

/// The most nested value [`Region`] reads, counting records and lists.
pub const MAX_DEPTH: usize = 128;

/// Bytes holding values in the fixed layout: `fixed` holds the value itself (a record area or
/// a whole linear memory), `vars` the variable area its strings and lists refer to.
#[derive(Debug, Clone, Copy)]
pub struct Region<'m> {
    /// Where fixed-size values are read, by absolute position.
    pub fixed: &'m [u8],
    /// The variable area; offsets in strings and lists are relative to its start.
    pub vars: &'m [u8],
}

/// Which of the two buffers a value lies in.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Buf {
    Fixed,
    Vars,
}

/// Checked reads of values in a region; shared with the typed decoders in `crate::typed`, so
/// that every reader of guest bytes applies the same checks.
pub(crate) struct Reader<'m, 's> {
    region: Region<'m>,
    pub(crate) shape: &'s Shape,
    depth: usize,
    /// List elements that may still be visited.
    budget: usize,
}

fn err<T>(message: impl Into<String>) -> Result<T, DecodeError> {
    Err(DecodeError(message.into()))
}

impl<'m> Region<'m> {
    /// Appends the value of type `ty` at `at` in `fixed` to `out` as compact JSON.
    pub fn write_json(&self, shape: &Shape, ty: &Ty, at: usize, out: &mut String) -> Result<(), DecodeError> {
        self.reader(shape).json(ty, Buf::Fixed, at, out)
    }

    /// Reads the value of type `ty` at `at` in `fixed`.
    pub fn value(&self, shape: &Shape, ty: &Ty, at: usize) -> Result<Value, DecodeError> {
        self.reader(shape).value(ty, Buf::Fixed, at)
    }

    /// Whether the value of type `ty` at `at` in this region, read with `shape`, and the value
    /// of type `other_ty` at `other_at` in `other`, read with `other_shape`, are the same JSON
    /// value: what [`Self::write_json`] writes for each would parse to equal JSON. So a record's
    /// fields are matched by name in any order, enum variants compare by name, codes as their
    /// lists of names in order, and an enum, a date and a string are equal when their text is.
    /// The two shapes may be different versions of a policy. Nothing is allocated unless a
    /// date meets a string or an enum; every byte read is checked as [`Self::value`] checks it.
    #[allow(clippy::too_many_arguments)]
    pub fn json_eq(
        &self,
        shape: &Shape,
        ty: &Ty,
        at: usize,
        other: &Region<'_>,
        other_shape: &Shape,
        other_ty: &Ty,
        other_at: usize,
    ) -> Result<bool, DecodeError> {
        let mut a = self.reader(shape);
        let mut b = other.reader(other_shape);
        json_eq(&mut a, ty, Buf::Fixed, at, &mut b, other_ty, Buf::Fixed, other_at)
    }

    pub(crate) fn reader<'s>(&self, shape: &'s Shape) -> Reader<'m, 's> {
        Reader { region: *self, shape, depth: 0, budget: self.vars.len().saturating_add(1 << 20) }
    }
}

impl<'m, 's> Reader<'m, 's> {
    pub(crate) fn bytes(&self, buf: Buf, at: usize, len: usize) -> Result<&'m [u8], DecodeError> {
        let area = match buf {
            Buf::Fixed => self.region.fixed,
            Buf::Vars => self.region.vars,
        };
        match at.checked_add(len).and_then(|end| area.get(at..end)) {
            Some(bytes) => Ok(bytes),
            None => err(format!("bytes {at}..+{len} lie outside their area")),
        }
    }

    pub(crate) fn array<const N: usize>(&self, buf: Buf, at: usize) -> Result<[u8; N], DecodeError> {
        let bytes = self.bytes(buf, at, N)?;
        bytes.try_into().map_err(|_| DecodeError("short read".into()))
    }

    pub(crate) fn byte(&self, buf: Buf, at: usize) -> Result<u8, DecodeError> {
        Ok(u8::from_le_bytes(self.array(buf, at)?))
    }

    pub(crate) fn bool(&self, buf: Buf, at: usize) -> Result<bool, DecodeError> {
        match self.byte(buf, at)? {
            0 => Ok(false),
            1 => Ok(true),
            b => err(format!("bool byte is {b}")),
        }
    }

    pub(crate) fn int(&self, buf: Buf, at: usize) -> Result<i64, DecodeError> {
        Ok(i64::from_le_bytes(self.array(buf, at)?))
    }

    pub(crate) fn date(&self, buf: Buf, at: usize) -> Result<i32, DecodeError> {
        let d = i32::from_le_bytes(self.array(buf, at)?);
        if (date::MIN_DAY..=date::MAX_DAY).contains(&d) {
            Ok(d)
        } else {
            err(format!("date day number {d} is out of range"))
        }
    }

    pub(crate) fn reference(&self, buf: Buf, at: usize) -> Result<(usize, usize), DecodeError> {
        let pair = u64::from_le_bytes(self.array(buf, at)?);
        Ok(((pair & 0xffff_ffff) as usize, (pair >> 32) as usize))
    }

    pub(crate) fn string(&self, buf: Buf, at: usize) -> Result<&'m str, DecodeError> {
        let (offset, len) = self.reference(buf, at)?;
        if len == 0 {
            return Ok("");
        }
        let bytes = self.bytes(Buf::Vars, offset, len)?;
        std::str::from_utf8(bytes).map_err(|_| DecodeError("string is not UTF-8".into()))
    }

    pub(crate) fn variant(&self, e: u32, buf: Buf, at: usize) -> Result<(u32, &'s str), DecodeError> {
        let schema = self.shape.schema();
        let def = schema.enum_def(e).ok_or_else(|| DecodeError("unknown enum".into()))?;
        let v = if def.variants.len() <= 256 {
            u32::from(self.byte(buf, at)?)
        } else {
            u32::from_le_bytes(self.array(buf, at)?)
        };
        match def.variants.get(v as usize) {
            Some(name) => Ok((v, name)),
            None => err(format!("enum `{}` has no variant {v}", def.name)),
        }
    }

    pub(crate) fn codes(&self, g: u32, buf: Buf, at: usize) -> Result<u64, DecodeError> {
        let bits = u64::from_le_bytes(self.array(buf, at)?);
        let group = self.shape.schema().group(g).ok_or_else(|| DecodeError("unknown group".into()))?;
        let n = group.codes.len();
        if n < 64 && bits >> n != 0 {
            return err(format!("codes of `{}` set bit {} of {n}", group.name, 63 - bits.leading_zeros()));
        }
        Ok(bits)
    }

    /// The optional at `at`: the position of its value when present.
    pub(crate) fn optional(&self, inner: &Ty, buf: Buf, at: usize) -> Result<Option<usize>, DecodeError> {
        match self.byte(buf, at)? {
            0 => Ok(None),
            1 => Ok(Some(at + self.inner_offset(inner)?)),
            t => err(format!("optional tag is {t}")),
        }
    }

    pub(crate) fn inner_offset(&self, inner: &Ty) -> Result<usize, DecodeError> {
        self.shape
            .layout()
            .optional_value_offset(inner)
            .map(|o| o as usize)
            .ok_or_else(|| DecodeError("type has no layout".into()))
    }

    /// The elements of the list at `at`: where they start, their count and their size.
    pub(crate) fn list(&mut self, elem: &Ty, buf: Buf, at: usize) -> Result<(usize, usize, usize), DecodeError> {
        let size = self.shape.layout().ty(elem).ok_or_else(|| DecodeError("type has no layout".into()))?.size as usize;
        self.list_sized(size, buf, at)
    }

    /// [`Self::list`] for elements of `size` bytes.
    pub(crate) fn list_sized(
        &mut self,
        size: usize,
        buf: Buf,
        at: usize,
    ) -> Result<(usize, usize, usize), DecodeError> {
        let (offset, count) = self.reference(buf, at)?;
        if count > self.budget {
            return err("lists hold more elements than the variable area can");
        }
        self.budget -= count;
        if count > 0 {
            self.bytes(Buf::Vars, offset, count.saturating_mul(size))?;
        }
        Ok((offset, count, size))
    }

    /// The entries of the map at `at`: where they start, their count and their size. Every key
    /// is read and must be greater than the one before (sorted, no key twice), so a broken
    /// module cannot write an object with a key twice.
    pub(crate) fn map(&mut self, value: &Ty, buf: Buf, at: usize) -> Result<(usize, usize, usize), DecodeError> {
        let layout = self.shape.layout();
        let entry = layout.ty(value).and_then(crate::abi::entry_layout);
        let entry = entry.ok_or_else(|| DecodeError("type has no layout".into()))?;
        self.map_sized(entry.size as usize, buf, at)
    }

    /// [`Self::map`] for entries of `size` bytes.
    pub(crate) fn map_sized(&mut self, size: usize, buf: Buf, at: usize) -> Result<(usize, usize, usize), DecodeError> {
        let (offset, count, size) = self.list_sized(size, buf, at)?;
        let mut previous: Option<&str> = None;
        for i in 0..count {
            let key = self.string(Buf::Vars, offset + i * size)?;
            if previous.is_some_and(|p| p.as_bytes() >= key.as_bytes()) {
                return err("map keys are not in increasing order");
            }
            previous = Some(key);
        }
        Ok((offset, count, size))
    }

    pub(crate) fn enter(&mut self) -> Result<(), DecodeError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return err(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    /// Leaves a list or record entered with [`Self::enter`].
    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Appends the value at `at` as JSON. Names come from the shape's precomputed fragments
    /// (quoted and escaped once per policy), so a record costs its values and a few copies.
    fn json(&mut self, ty: &Ty, buf: Buf, at: usize, out: &mut String) -> Result<(), DecodeError> {
        let fragments = self.shape.fragments();
        match ty {
            Ty::Bool => out.push_str(if self.bool(buf, at)? { "true" } else { "false" }),
            Ty::Int => write_int(out, self.int(buf, at)?),
            Ty::Decimal => crate::decimal::write(out, self.int(buf, at)?),
            Ty::Date => write_date(out, self.date(buf, at)?),
            Ty::String => write_json_str(out, self.string(buf, at)?),
            Ty::Enum(e) => {
                let v = self.variant(*e, buf, at)?.0;
                let name = fragments.variants.get(*e as usize).and_then(|names| names.get(v as usize));
                out.push_str(name.ok_or_else(|| DecodeError("unknown enum".into()))?);
            }
            Ty::Codes(g) => {
                let mut bits = self.codes(*g, buf, at)?;
                let codes = fragments.codes.get(*g as usize).map_or(&[][..], Vec::as_slice);
                out.push('[');
                let mut first = true;
                while bits != 0 {
                    let i = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    out.push_str(codes.get(i).map_or("\"\"", String::as_str));
                }
                out.push(']');
            }
            Ty::Optional(inner) => match self.optional(inner, buf, at)? {
                Some(value_at) => self.json(inner, buf, value_at, out)?,
                None => out.push_str("null"),
            },
            Ty::List(elem) => {
                let (offset, count, size) = self.list(elem, buf, at)?;
                self.enter()?;
                out.push('[');
                for i in 0..count {
                    if i > 0 {
                        out.push(',');
                    }
                    self.json(elem, Buf::Vars, offset + i * size, out)?;
                }
                out.push(']');
                self.depth -= 1;
            }
            Ty::Map(value) => {
                let (offset, count, size) = self.map(value, buf, at)?;
                self.enter()?;
                out.push('{');
                for i in 0..count {
                    if i > 0 {
                        out.push(',');
                    }
                    let entry = offset + i * size;
                    write_json_str(out, self.string(Buf::Vars, entry)?);
                    out.push(':');
                    self.json(value, Buf::Vars, entry + ENTRY_VALUE_OFFSET as usize, out)?;
                }
                out.push('}');
                self.depth -= 1;
            }
            Ty::Entry(_) => return err("a map entry is not a schema type"),
            Ty::Record(r) => {
                let shape = self.shape;
                let (Some(names), Some(def), Some(layout)) =
                    (fragments.fields.get(*r as usize), shape.schema().record(*r), shape.layout().record(*r))
                else {
                    return err("unknown record");
                };
                self.enter()?;
                out.push('{');
                for (i, ((field, place), name)) in def.fields.iter().zip(&layout.fields).zip(names).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(name);
                    self.json(&field.ty, buf, at + place.offset as usize, out)?;
                }
                out.push('}');
                self.depth -= 1;
            }
        }
        Ok(())
    }

    fn value(&mut self, ty: &Ty, buf: Buf, at: usize) -> Result<Value, DecodeError> {
        Ok(match ty {
            Ty::Bool => Value::Bool(self.bool(buf, at)?),
            Ty::Int => Value::Int(self.int(buf, at)?),
            Ty::Decimal => Value::Decimal(self.int(buf, at)?),
            Ty::Date => Value::Date(self.date(buf, at)?),
            Ty::String => Value::Str(Arc::from(self.string(buf, at)?)),
            Ty::Enum(e) => Value::Enum(self.variant(*e, buf, at)?.0),
            Ty::Codes(g) => Value::Codes(self.codes(*g, buf, at)?),
            Ty::Optional(inner) => match self.optional(inner, buf, at)? {
                Some(value_at) => self.value(inner, buf, value_at)?,
                None => Value::Null,
            },
            Ty::List(elem) => {
                let (offset, count, size) = self.list(elem, buf, at)?;
                self.enter()?;
                let items = (0..count)
                    .map(|i| self.value(elem, Buf::Vars, offset + i * size))
                    .collect::<Result<Vec<_>, _>>()?;
                self.depth -= 1;
                Value::List(items.into())
            }
            Ty::Map(value) => {
                let (offset, count, size) = self.map(value, buf, at)?;
                self.enter()?;
                let entries = (0..count)
                    .map(|i| {
                        let entry = offset + i * size;
                        let key = Arc::from(self.string(Buf::Vars, entry)?);
                        Ok((key, self.value(value, Buf::Vars, entry + ENTRY_VALUE_OFFSET as usize)?))
                    })
                    .collect::<Result<Vec<_>, DecodeError>>()?;
                self.depth -= 1;
                Value::Map(entries.into())
            }
            Ty::Entry(_) => return err("a map entry is not a schema type"),
            Ty::Record(r) => {
                let shape = self.shape;
                let (Some(def), Some(layout)) = (shape.schema().record(*r), shape.layout().record(*r)) else {
                    return err("unknown record");
                };
                self.enter()?;
                let fields = def
                    .fields
                    .iter()
                    .zip(&layout.fields)
                    .map(|(f, place)| self.value(&f.ty, buf, at + place.offset as usize))
                    .collect::<Result<Vec<_>, _>>()?;
                self.depth -= 1;
                Value::Record(fields.into())
            }
        })
    }
}

/// A value that JSON writes as a string: a string's or enum variant's text, or a date.
enum Text<'x> {
    Str(&'x str),
    Date(i32),
}

impl Text<'_> {
    fn same(&self, other: &Text<'_>) -> bool {
        match (self, other) {
            (Text::Date(x), Text::Date(y)) => x == y,
            (Text::Str(x), Text::Str(y)) => x == y,
            (Text::Date(d), Text::Str(s)) | (Text::Str(s), Text::Date(d)) => date::format(*d) == *s,
        }
    }
}

/// The text of a string, date or enum value at `at`; `None` for a value of another type.
fn text<'x>(r: &'x Reader<'_, '_>, ty: &Ty, buf: Buf, at: usize) -> Result<Option<Text<'x>>, DecodeError> {
    Ok(match ty {
        Ty::String => Some(Text::Str(r.string(buf, at)?)),
        Ty::Date => Some(Text::Date(r.date(buf, at)?)),
        Ty::Enum(e) => Some(Text::Str(r.variant(*e, buf, at)?.1)),
        _ => None,
    })
}

/// [`Region::json_eq`] on two readers, each at a value of its type.
#[allow(clippy::too_many_arguments)]
fn json_eq(
    a: &mut Reader<'_, '_>,
    ta: &Ty,
    buf_a: Buf,
    at_a: usize,
    b: &mut Reader<'_, '_>,
    tb: &Ty,
    buf_b: Buf,
    at_b: usize,
) -> Result<bool, DecodeError> {
    match (ta, tb) {
        (Ty::Optional(x), Ty::Optional(y)) => match (a.optional(x, buf_a, at_a)?, b.optional(y, buf_b, at_b)?) {
            (None, None) => Ok(true),
            (Some(p), Some(q)) => json_eq(a, x, buf_a, p, b, y, buf_b, q),
            _ => Ok(false),
        },
        // A value that is not optional is never null.
        (Ty::Optional(x), _) => match a.optional(x, buf_a, at_a)? {
            Some(p) => json_eq(a, x, buf_a, p, b, tb, buf_b, at_b),
            None => Ok(false),
        },
        (_, Ty::Optional(y)) => match b.optional(y, buf_b, at_b)? {
            Some(q) => json_eq(a, ta, buf_a, at_a, b, y, buf_b, q),
            None => Ok(false),
        },
        (Ty::Bool, Ty::Bool) => Ok(a.bool(buf_a, at_a)? == b.bool(buf_b, at_b)?),
        (Ty::Int, Ty::Int) => Ok(a.int(buf_a, at_a)? == b.int(buf_b, at_b)?),
        (Ty::Codes(g), Ty::Codes(h)) => {
            let (x, y) = (a.codes(*g, buf_a, at_a)?, b.codes(*h, buf_b, at_b)?);
            fn listed(shape: &Shape, g: u32, bits: u64) -> impl Iterator<Item = &str> {
                let codes = shape.schema().group(g).map_or(&[][..], |g| g.codes.as_slice());
                let set = move |i: usize| i < 64 && bits & (1u64 << i) != 0;
                codes.iter().enumerate().filter(move |(i, _)| set(*i)).map(|(_, c)| c.code.as_str())
            }
            Ok(listed(a.shape, *g, x).eq(listed(b.shape, *h, y)))
        }
        (Ty::List(x), Ty::List(y)) => {
            let (offset_a, count_a, size_a) = a.list(x, buf_a, at_a)?;
            let (offset_b, count_b, size_b) = b.list(y, buf_b, at_b)?;
            if count_a != count_b {
                return Ok(false);
            }
            a.enter()?;
            b.enter()?;
            for i in 0..count_a {
                if !json_eq(a, x, Buf::Vars, offset_a + i * size_a, b, y, Buf::Vars, offset_b + i * size_b)? {
                    return Ok(false);
                }
            }
            a.depth -= 1;
            b.depth -= 1;
            Ok(true)
        }
        (Ty::Map(x), Ty::Map(y)) => {
            // Both hold their entries sorted by key bytes: equal objects have equal entries in order.
            let (offset_a, count_a, size_a) = a.map(x, buf_a, at_a)?;
            let (offset_b, count_b, size_b) = b.map(y, buf_b, at_b)?;
            if count_a != count_b {
                return Ok(false);
            }
            a.enter()?;
            b.enter()?;
            let value = ENTRY_VALUE_OFFSET as usize;
            for i in 0..count_a {
                let (p, q) = (offset_a + i * size_a, offset_b + i * size_b);
                if a.string(Buf::Vars, p)? != b.string(Buf::Vars, q)?
                    || !json_eq(a, x, Buf::Vars, p + value, b, y, Buf::Vars, q + value)?
                {
                    return Ok(false);
                }
            }
            a.depth -= 1;
            b.depth -= 1;
            Ok(true)
        }
        (Ty::Record(r), Ty::Record(s)) => {
            let (shape_a, shape_b) = (a.shape, b.shape);
            let (Some(def_a), Some(layout_a)) = (shape_a.schema().record(*r), shape_a.layout().record(*r)) else {
                return err("unknown record");
            };
            let (Some(def_b), Some(layout_b)) = (shape_b.schema().record(*s), shape_b.layout().record(*s)) else {
                return err("unknown record");
            };
            if def_a.fields.len() != def_b.fields.len() {
                return Ok(false);
            }
            a.enter()?;
            b.enter()?;
            for (i, (field, place)) in def_a.fields.iter().zip(&layout_a.fields).enumerate() {
                // Fields are usually in the same order in both versions.
                let j = match def_b.fields.get(i) {
                    Some(f) if f.name == field.name => Some(i),
                    _ => def_b.fields.iter().position(|f| f.name == field.name),
                };
                let Some((other, other_place)) = j.and_then(|j| def_b.fields.get(j).zip(layout_b.fields.get(j))) else {
                    return Ok(false);
                };
                let p = at_a + place.offset as usize;
                let q = at_b + other_place.offset as usize;
                if !json_eq(a, &field.ty, buf_a, p, b, &other.ty, buf_b, q)? {
                    return Ok(false);
                }
            }
            a.depth -= 1;
            b.depth -= 1;
            Ok(true)
        }
        _ => match (text(a, ta, buf_a, at_a)?, text(b, tb, buf_b, at_b)?) {
            (Some(x), Some(y)) => Ok(x.same(&y)),
            // Values of JSON types that differ (a number and a string, say).
            _ => Ok(false),
        },
    }
}

/// Appends `i` in decimal.
pub(crate) fn write_int(out: &mut String, i: i64) {
    let mut digits = [0u8; 20];
    let mut n = i.unsigned_abs();
    let mut start = digits.len();
    loop {
        start -= 1;
        if let Some(d) = digits.get_mut(start) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        out.push('-');
    }
    // ASCII digits are UTF-8.
    out.push_str(digits.get(start..).and_then(|d| std::str::from_utf8(d).ok()).unwrap_or_default());
}

/// Appends a day number as a quoted `YYYY-MM-DD`; the day must be in the dexp date range.
fn write_date(out: &mut String, days: i32) {
    let (y, m, d) = date::to_civil(days);
    let (y, m, d) = (y.unsigned_abs(), m, d);
    let text = [
        b'"',
        b'0' + (y / 1000 % 10) as u8,
        b'0' + (y / 100 % 10) as u8,
        b'0' + (y / 10 % 10) as u8,
        b'0' + (y % 10) as u8,
        b'-',
        b'0' + (m / 10 % 10) as u8,
        b'0' + (m % 10) as u8,
        b'-',
        b'0' + (d / 10 % 10) as u8,
        b'0' + (d % 10) as u8,
        b'"',
    ];
    // ASCII digits, dashes and quotes are UTF-8.
    out.push_str(std::str::from_utf8(&text).unwrap_or_default());
}

/// Appends `s` as a JSON string literal, escaped exactly as `serde_json` escapes it.
pub fn write_json_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both slices end on character boundaries.
        out.push_str(s.get(start..i).unwrap_or_default());
        if escape.is_empty() {
            out.push_str("\\u00");
            for nibble in [b >> 4, b & 0xf] {
                out.push(char::from(HEX.get(usize::from(nibble)).copied().unwrap_or(b'0')));
            }
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

#[cfg(test)]
#[path = "decode/tests.rs"]
mod tests;
