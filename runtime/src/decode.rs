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
#[derive(Clone, Copy)]
enum Buf {
    Fixed,
    Vars,
}

struct Reader<'m, 's> {
    region: Region<'m>,
    shape: &'s Shape,
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

    fn reader<'s>(&self, shape: &'s Shape) -> Reader<'m, 's> {
        Reader { region: *self, shape, depth: 0, budget: self.vars.len().saturating_add(1 << 20) }
    }
}

impl<'m> Reader<'m, '_> {
    fn bytes(&self, buf: Buf, at: usize, len: usize) -> Result<&'m [u8], DecodeError> {
        let area = match buf {
            Buf::Fixed => self.region.fixed,
            Buf::Vars => self.region.vars,
        };
        match at.checked_add(len).and_then(|end| area.get(at..end)) {
            Some(bytes) => Ok(bytes),
            None => err(format!("bytes {at}..+{len} lie outside their area")),
        }
    }

    fn array<const N: usize>(&self, buf: Buf, at: usize) -> Result<[u8; N], DecodeError> {
        let bytes = self.bytes(buf, at, N)?;
        bytes.try_into().map_err(|_| DecodeError("short read".into()))
    }

    fn byte(&self, buf: Buf, at: usize) -> Result<u8, DecodeError> {
        Ok(u8::from_le_bytes(self.array(buf, at)?))
    }

    fn bool(&self, buf: Buf, at: usize) -> Result<bool, DecodeError> {
        match self.byte(buf, at)? {
            0 => Ok(false),
            1 => Ok(true),
            b => err(format!("bool byte is {b}")),
        }
    }

    fn int(&self, buf: Buf, at: usize) -> Result<i64, DecodeError> {
        Ok(i64::from_le_bytes(self.array(buf, at)?))
    }

    fn date(&self, buf: Buf, at: usize) -> Result<i32, DecodeError> {
        let d = i32::from_le_bytes(self.array(buf, at)?);
        if (date::MIN_DAY..=date::MAX_DAY).contains(&d) {
            Ok(d)
        } else {
            err(format!("date day number {d} is out of range"))
        }
    }

    fn reference(&self, buf: Buf, at: usize) -> Result<(usize, usize), DecodeError> {
        let pair = u64::from_le_bytes(self.array(buf, at)?);
        Ok(((pair & 0xffff_ffff) as usize, (pair >> 32) as usize))
    }

    fn string(&self, buf: Buf, at: usize) -> Result<&'m str, DecodeError> {
        let (offset, len) = self.reference(buf, at)?;
        if len == 0 {
            return Ok("");
        }
        let bytes = self.bytes(Buf::Vars, offset, len)?;
        std::str::from_utf8(bytes).map_err(|_| DecodeError("string is not UTF-8".into()))
    }

    fn variant(&self, e: u32, buf: Buf, at: usize) -> Result<(u32, &str), DecodeError> {
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

    fn codes(&self, g: u32, buf: Buf, at: usize) -> Result<u64, DecodeError> {
        let bits = u64::from_le_bytes(self.array(buf, at)?);
        let group = self.shape.schema().group(g).ok_or_else(|| DecodeError("unknown group".into()))?;
        let n = group.codes.len();
        if n < 64 && bits >> n != 0 {
            return err(format!("codes of `{}` set bit {} of {n}", group.name, 63 - bits.leading_zeros()));
        }
        Ok(bits)
    }

    /// The optional at `at`: the position of its value when present.
    fn optional(&self, inner: &Ty, buf: Buf, at: usize) -> Result<Option<usize>, DecodeError> {
        match self.byte(buf, at)? {
            0 => Ok(None),
            1 => Ok(Some(at + self.inner_offset(inner)?)),
            t => err(format!("optional tag is {t}")),
        }
    }

    fn inner_offset(&self, inner: &Ty) -> Result<usize, DecodeError> {
        self.shape
            .layout()
            .optional_value_offset(inner)
            .map(|o| o as usize)
            .ok_or_else(|| DecodeError("type has no layout".into()))
    }

    /// The elements of the list at `at`: where they start, their count and their size.
    fn list(&mut self, elem: &Ty, buf: Buf, at: usize) -> Result<(usize, usize, usize), DecodeError> {
        let (offset, count) = self.reference(buf, at)?;
        let size = self.shape.layout().ty(elem).ok_or_else(|| DecodeError("type has no layout".into()))?.size as usize;
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
    fn map(&mut self, value: &Ty, buf: Buf, at: usize) -> Result<(usize, usize, usize), DecodeError> {
        let layout = self.shape.layout();
        let entry = layout.ty(value).and_then(crate::abi::entry_layout);
        let entry = entry.ok_or_else(|| DecodeError("type has no layout".into()))?;
        let (offset, count) = self.reference(buf, at)?;
        let size = entry.size as usize;
        if count > self.budget {
            return err("lists hold more elements than the variable area can");
        }
        self.budget -= count;
        if count > 0 {
            self.bytes(Buf::Vars, offset, count.saturating_mul(size))?;
        }
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

    fn enter(&mut self) -> Result<(), DecodeError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return err(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    fn json(&mut self, ty: &Ty, buf: Buf, at: usize, out: &mut String) -> Result<(), DecodeError> {
        match ty {
            Ty::Bool => out.push_str(if self.bool(buf, at)? { "true" } else { "false" }),
            Ty::Int => write_int(out, self.int(buf, at)?),
            Ty::Date => write_date(out, self.date(buf, at)?),
            Ty::String => write_json_str(out, self.string(buf, at)?),
            Ty::Enum(e) => write_json_str(out, self.variant(*e, buf, at)?.1),
            Ty::Codes(g) => {
                let bits = self.codes(*g, buf, at)?;
                out.push('[');
                let group = self.shape.schema().group(*g);
                let codes = group.map_or(&[][..], |g| g.codes.as_slice());
                let mut first = true;
                for (i, code) in codes.iter().enumerate() {
                    if bits & (1u64 << i) != 0 {
                        if !first {
                            out.push(',');
                        }
                        first = false;
                        write_json_str(out, &code.code);
                    }
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
                let (Some(def), Some(layout)) = (shape.schema().record(*r), shape.layout().record(*r)) else {
                    return err("unknown record");
                };
                self.enter()?;
                out.push('{');
                for (i, (field, place)) in def.fields.iter().zip(&layout.fields).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_str(out, &field.name);
                    out.push(':');
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
    for &d in digits.get(start..).unwrap_or_default() {
        out.push(char::from(d));
    }
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
    out.extend(text.iter().map(|&b| char::from(b)));
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
