//! A serde `Deserializer` over a decision in the fixed layout: a host's output type read
//! straight from a decision slot, with no JSON text and no [`Value`](crate::schema::Value).
//!
//! It makes the calls `serde_json` makes for the decision's JSON (the text
//! [`Region::write_json`] writes), so an output type gets what it would get from
//! `serde_json::from_str`: a non-negative int is `visit_u64` and a negative one `visit_i64`, a
//! date is its `"YYYY-MM-DD"` string, an enum its variant name (also as a unit variant of a
//! Rust enum), a codes field a list of code names, an absent optional `null`, a record a map
//! from field names in declaration order. Strings, enum variants, code and field names are
//! given borrowed, so an output type may hold `&str`s of the decision; a date's text is made
//! on the stack and is not. Unlike serde_json it does not read a record as an externally
//! tagged enum.
//!
//! Every byte is checked as [`crate::decode`] checks it, including the fields the output type
//! ignores; a bad byte is a [`SlotError::Bad`] even if the output type's `Deserialize`
//! swallowed the error, because it means the module is broken, not that the types differ.

use crate::abi::Shape;
use crate::date;
use crate::decode::{Buf, DecodeError, Reader, Region};
use crate::schema::Ty;
use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, Deserialize, DeserializeSeed, Visitor};
use std::fmt;

/// Why a value in the layout could not be read into a host type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlotError {
    /// The bytes are not a value of their type: the guest wrote something invalid.
    #[error("{0}")]
    Bad(DecodeError),
    /// The value is valid but does not fit the host type; `path` names the field where it did
    /// not fit (`xdr.reasons[0]`, `""` for the value itself).
    #[error("{message}")]
    Fit {
        /// Where in the value the host type did not fit.
        path: String,
        /// serde's description of the mismatch.
        message: String,
    },
}

/// Reads the value of type `ty` at `at` in `region.fixed` into `T`, checking every byte.
pub fn from_region<'de, T: Deserialize<'de>>(
    region: Region<'de>,
    shape: &'de Shape,
    ty: &Ty,
    at: usize,
) -> Result<T, SlotError> {
    let mut state = State { reader: region.reader(shape), bad: None };
    let result = T::deserialize(De { st: &mut state, ty, buf: Buf::Fixed, at });
    match (state.bad, result) {
        (Some(bad), _) => Err(SlotError::Bad(bad)),
        (None, Ok(value)) => Ok(value),
        (None, Err(e)) => Err(SlotError::Fit { path: e.0.path, message: e.0.message }),
    }
}

/// What a decoding shares: the checked reader and the first bad byte met.
struct State<'de> {
    reader: Reader<'de, 'de>,
    bad: Option<DecodeError>,
}

impl State<'_> {
    /// Keeps the first bad-byte error and returns a serde error to unwind with.
    fn bad(&mut self, e: DecodeError) -> Error {
        let message = e.0.clone();
        self.bad.get_or_insert(e);
        Error(Box::new(Inner { message, path: String::new(), located: true }))
    }
}

/// The deserializer's error: a mismatch with the host type (or a bad byte, also kept in the
/// state), with the path it was found at, built on the way out. Boxed, so that the results
/// the deserializer passes up stay small.
#[derive(Debug)]
pub struct Error(Box<Inner>);

#[derive(Debug)]
struct Inner {
    message: String,
    path: String,
    /// Whether `path` is complete (a bad byte needs none).
    located: bool,
}

impl Error {
    fn prepend(mut self, segment: Segment<'_>) -> Error {
        let e = &mut *self.0;
        if e.located {
            return self;
        }
        let mut path = match segment {
            Segment::Field(name) => name.to_string(),
            Segment::Index(i) => format!("[{i}]"),
        };
        if !e.path.is_empty() && !e.path.starts_with('[') {
            path.push('.');
        }
        path.push_str(&e.path);
        e.path = path;
        self
    }
}

enum Segment<'a> {
    Field(&'a str),
    Index(usize),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(Box::new(Inner { message: msg.to_string(), path: String::new(), located: false }))
    }
}

/// One value of type `ty` at `at` in `buf`.
struct De<'r, 'de> {
    st: &'r mut State<'de>,
    ty: &'r Ty,
    buf: Buf,
    at: usize,
}

impl<'de> De<'_, 'de> {
    fn check<T>(&mut self, read: Result<T, DecodeError>) -> Result<T, Error> {
        read.map_err(|e| self.st.bad(e))
    }

    /// The string a string, date or enum value is written as in JSON, if it is one.
    fn text(&mut self, ty: &Ty, at: usize) -> Result<Option<Text<'de>>, Error> {
        let (reader, buf) = (&self.st.reader, self.buf);
        let read = match ty {
            Ty::String => reader.string(buf, at).map(|s| Some(Text::Borrowed(s))),
            Ty::Enum(e) => reader.variant(*e, buf, at).map(|(_, name)| Some(Text::Borrowed(name))),
            Ty::Date => reader.date(buf, at).map(|d| Some(Text::Date(date_text(d)))),
            _ => Ok(None),
        };
        self.check(read)
    }
}

/// A string value: borrowed from the decision or the schema, or a date's text.
enum Text<'de> {
    Borrowed(&'de str),
    Date([u8; 10]),
}

/// A day number as `YYYY-MM-DD`; the day was checked to be in the dexp date range.
fn date_text(days: i32) -> [u8; 10] {
    let (y, m, d) = date::to_civil(days);
    let y = y.unsigned_abs();
    let digit = |n: u32| b'0' + (n % 10) as u8;
    [
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        digit(m / 10),
        digit(m),
        b'-',
        digit(d / 10),
        digit(d),
    ]
}

impl<'de> de::Deserializer<'de> for De<'_, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Error> {
        let (buf, at) = (self.buf, self.at);
        match self.ty {
            Ty::Bool => {
                let v = self.check(self.st.reader.bool(buf, at))?;
                visitor.visit_bool(v)
            }
            Ty::Int => match self.check(self.st.reader.int(buf, at))? {
                i if i >= 0 => visitor.visit_u64(i as u64),
                i => visitor.visit_i64(i),
            },
            // serde_json's calls for the decimal's canonical text: an integer for a whole
            // number, else the double nearest to it (a host that wants it exact reads the JSON
            // or `Decisions::value`).
            Ty::Decimal => {
                let units = self.check(self.st.reader.int(buf, at))?;
                let text = crate::decimal::to_string(units);
                if units % crate::decimal::ONE != 0 {
                    visitor.visit_f64(text.parse::<f64>().unwrap_or_default())
                } else if units >= 0 {
                    visitor.visit_u64((units / crate::decimal::ONE) as u64)
                } else {
                    visitor.visit_i64(units / crate::decimal::ONE)
                }
            }
            Ty::String | Ty::Enum(_) | Ty::Date => match self.text(self.ty, at)? {
                Some(Text::Borrowed(s)) => visitor.visit_borrowed_str(s),
                Some(Text::Date(text)) => visitor.visit_str(std::str::from_utf8(&text).unwrap_or_default()),
                None => Err(de::Error::custom("unreachable text type")),
            },
            Ty::Codes(g) => {
                let bits = self.check(self.st.reader.codes(*g, buf, at))?;
                let shape = self.st.reader.shape;
                let codes = shape.schema().group(*g).map_or(&[][..], |g| g.codes.as_slice());
                let mask = 1u64.checked_shl(codes.len() as u32).map_or(u64::MAX, |bit| bit - 1);
                let left = (bits & mask).count_ones() as usize;
                visitor.visit_seq(CodeSeq { codes, bits, next: 0, left })
            }
            Ty::Optional(inner) => match self.check(self.st.reader.optional(inner, buf, at))? {
                Some(value_at) => De { st: self.st, ty: inner, buf, at: value_at }.deserialize_any(visitor),
                None => visitor.visit_unit(),
            },
            Ty::List(elem) => {
                let listed = self.st.reader.list(elem, buf, at);
                let (offset, count, size) = self.check(listed)?;
                let entered = self.st.reader.enter();
                self.check(entered)?;
                let mut seq = Seq { st: &mut *self.st, elem, offset, count, size, next: 0 };
                let value = visitor.visit_seq(&mut seq)?;
                seq.rest()?;
                self.st.reader.leave();
                Ok(value)
            }
            Ty::Map(value) => {
                let entries = self.st.reader.map(value, buf, at);
                let (offset, count, size) = self.check(entries)?;
                let entered = self.st.reader.enter();
                self.check(entered)?;
                let mut map = Entries { st: &mut *self.st, value, offset, count, size, next: 0, key: "" };
                let read = visitor.visit_map(&mut map)?;
                map.rest()?;
                self.st.reader.leave();
                Ok(read)
            }
            Ty::Entry(_) => Err(self.st.bad(DecodeError("a map entry is not a schema type".into()))),
            Ty::Record(r) => {
                let shape = self.st.reader.shape;
                let (Some(def), Some(layout)) = (shape.schema().record(*r), shape.layout().record(*r)) else {
                    return Err(self.st.bad(DecodeError("unknown record".into())));
                };
                let entered = self.st.reader.enter();
                self.check(entered)?;
                let mut map = Map { st: &mut *self.st, fields: &def.fields, places: &layout.fields, buf, at, next: 0 };
                let value = visitor.visit_map(&mut map)?;
                map.rest()?;
                self.st.reader.leave();
                Ok(value)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Error> {
        match self.ty {
            Ty::Optional(inner) => match self.check(self.st.reader.optional(inner, self.buf, self.at))? {
                Some(at) => visitor.visit_some(De { st: self.st, ty: inner, buf: self.buf, at }),
                None => visitor.visit_none(),
            },
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        mut self,
        name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let (ty, at) = match self.ty {
            Ty::Optional(inner) => match self.check(self.st.reader.optional(inner, self.buf, self.at))? {
                Some(at) => (&**inner, at),
                None => return Err(de::Error::invalid_type(de::Unexpected::Unit, &visitor)),
            },
            other => (other, self.at),
        };
        match self.text(ty, at)? {
            // A string is a unit variant, as in serde_json.
            Some(Text::Borrowed(s)) => visitor.visit_enum(BorrowedStrDeserializer::new(s)),
            Some(Text::Date(text)) => {
                let text = std::str::from_utf8(&text).unwrap_or_default();
                visitor.visit_enum(de::value::StrDeserializer::new(text))
            }
            None => {
                // Not a string: read (and so check) the value, then refuse it.
                let ty = self.ty;
                De { st: self.st, ty, buf: self.buf, at: self.at }.deserialize_any(de::IgnoredAny)?;
                Err(de::Error::custom(format_args!("invalid type: {}, expected enum {name}", kind(ty))))
            }
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Error> {
        match self.ty {
            Ty::String => {
                let s = self.check(self.st.reader.string(self.buf, self.at))?;
                visitor.visit_borrowed_bytes(s.as_bytes())
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// What a value of `ty` is in JSON, for messages.
fn kind(ty: &Ty) -> &'static str {
    match ty {
        Ty::Bool => "boolean",
        Ty::Int => "integer",
        Ty::Decimal => "number",
        Ty::Date | Ty::String | Ty::Enum(_) => "string",
        Ty::List(_) | Ty::Codes(_) => "sequence",
        Ty::Record(_) | Ty::Map(_) | Ty::Entry(_) => "map",
        Ty::Optional(_) => "option",
    }
}

/// The names of the codes that apply, in declaration order: a list of strings whose length is
/// known, so that a host's `Vec` is allocated once at its size.
struct CodeSeq<'de> {
    codes: &'de [crate::schema::CodeDef],
    bits: u64,
    next: usize,
    left: usize,
}

impl<'de> de::SeqAccess<'de> for CodeSeq<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        while let Some(code) = self.codes.get(self.next) {
            let bit = 1u64.checked_shl(self.next as u32).unwrap_or(0);
            self.next += 1;
            if self.bits & bit != 0 {
                self.left = self.left.saturating_sub(1);
                return seed.deserialize(BorrowedStrDeserializer::new(code.code.as_str())).map(Some);
            }
        }
        Ok(None)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

/// The elements of a list, read in place from the variable area.
struct Seq<'r, 'de> {
    st: &'r mut State<'de>,
    elem: &'r Ty,
    offset: usize,
    count: usize,
    size: usize,
    next: usize,
}

impl<'de> Seq<'_, 'de> {
    /// Checks the elements the visitor did not read, as serde_json would parse them.
    fn rest(&mut self) -> Result<(), Error> {
        while self.next < self.count {
            de::SeqAccess::next_element::<de::IgnoredAny>(self)?;
        }
        Ok(())
    }
}

impl<'de> de::SeqAccess<'de> for Seq<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        if self.next >= self.count {
            return Ok(None);
        }
        let i = self.next;
        self.next += 1;
        let at = self.offset + i * self.size;
        let de = De { st: &mut *self.st, ty: self.elem, buf: Buf::Vars, at };
        seed.deserialize(de).map(Some).map_err(|e| e.prepend(Segment::Index(i)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.count - self.next)
    }
}

/// The entries of a map, in the order of their keys' bytes, as a JSON object.
struct Entries<'r, 'de> {
    st: &'r mut State<'de>,
    value: &'r Ty,
    offset: usize,
    count: usize,
    size: usize,
    next: usize,
    /// The key of the entry whose value is read next, for error paths.
    key: &'de str,
}

impl Entries<'_, '_> {
    /// Checks the entries the visitor did not read.
    fn rest(&mut self) -> Result<(), Error> {
        while self.next < self.count {
            if de::MapAccess::next_key::<de::IgnoredAny>(self)?.is_none() {
                break;
            }
            de::MapAccess::next_value::<de::IgnoredAny>(self)?;
        }
        Ok(())
    }
}

impl<'de> de::MapAccess<'de> for Entries<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        if self.next >= self.count {
            return Ok(None);
        }
        let key = self.st.reader.string(Buf::Vars, self.offset + self.next * self.size);
        self.key = key.map_err(|e| self.st.bad(e))?;
        seed.deserialize(BorrowedStrDeserializer::new(self.key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let i = self.next;
        self.next += 1;
        let at = self.offset + i * self.size + crate::abi::ENTRY_VALUE_OFFSET as usize;
        let de = De { st: &mut *self.st, ty: self.value, buf: Buf::Vars, at };
        seed.deserialize(de).map_err(|e| e.prepend(Segment::Field(self.key)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.count - self.next)
    }
}

/// The fields of a record, in declaration order.
struct Map<'r, 'de> {
    st: &'r mut State<'de>,
    fields: &'de [crate::schema::FieldDef],
    places: &'de [crate::abi::FieldLayout],
    buf: Buf,
    at: usize,
    next: usize,
}

impl<'de> Map<'_, 'de> {
    /// Checks the fields the visitor did not read.
    fn rest(&mut self) -> Result<(), Error> {
        while self.next < self.fields.len() {
            let key = de::MapAccess::next_key::<de::IgnoredAny>(self)?;
            if key.is_none() {
                break;
            }
            de::MapAccess::next_value::<de::IgnoredAny>(self)?;
        }
        Ok(())
    }
}

impl<'de> de::MapAccess<'de> for Map<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match self.fields.get(self.next) {
            Some(field) => seed.deserialize(BorrowedStrDeserializer::new(field.name.as_str())).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let i = self.next;
        self.next += 1;
        let (Some(field), Some(place)) = (self.fields.get(i), self.places.get(i)) else {
            return Err(de::Error::custom("a value was asked for after the last field"));
        };
        let de = De { st: &mut *self.st, ty: &field.ty, buf: self.buf, at: self.at + place.offset as usize };
        seed.deserialize(de).map_err(|e| e.prepend(Segment::Field(&field.name)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.fields.len() - self.next)
    }
}
