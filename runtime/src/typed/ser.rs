//! A serde `Serializer` driven by the policy's schema: a host's `Serialize` value written
//! straight into the input layout of a batch, without JSON text.
//!
//! [`BatchEncoder::push_serialize`] writes exactly the bytes [`BatchEncoder::push_json`] writes
//! for the value's JSON (`serde_json::to_string`), and rejects what it rejects, with the same
//! path and message: the serializer reads each serde call as the JSON serde_json would write
//! for it (an `Option` is the value or `null`, a unit variant its name as a string, a sequence
//! or tuple a list, a struct or map an object, a newtype variant a one-key object, a float
//! that is not finite `null`) and applies the reader's rules to that. Fields the schema does
//! not declare are skipped without being serialized.
//!
//! Differences that remain, both about values serde_json itself refuses or never reads: a
//! `Serialize` implementation that fails, or a map key serde_json refuses, is reported as
//! `cannot be written as JSON: ...` (path `""`) only if no earlier problem of the record was
//! met, and never inside an undeclared field, which is not serialized at all; undeclared
//! fields are likewise not held to serde_json's recursion limit.

use crate::abi::TyLayout;
use crate::encode::{BatchEncoder, Enc, Seg};
use crate::json::{self, RecordError, MAX_JSON_DEPTH};
use crate::schema::{FieldDef, Ty};
use serde::ser::{self, Impossible, Serialize};
use std::fmt;
use std::io::Write as _;

impl BatchEncoder {
    /// Appends `value` as one record of the input type, serialized straight into the layout.
    /// The batch gets the bytes [`Self::push_json`] would write for `value`'s JSON, and on
    /// error it is unchanged and the error is the one `push_json` gives for that JSON (see
    /// `crate::typed` for the few values serde_json itself cannot write).
    pub fn push_serialize<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), RecordError> {
        self.push_with(|enc, top| match value.serialize(ValueSer { ty: top, at: 0, enc }) {
            Ok(()) => Ok(()),
            Err(SerError(own)) => Err(format!("cannot be written as JSON: {}", own.unwrap_or_default())),
        })
    }
}

/// The serializer's error. The record's own error (with its path) is recorded in the
/// encoder's scratch; this carries only a failure of the `Serialize` implementation itself or
/// of a map key, which serde_json would report while writing the JSON.
#[derive(Debug)]
pub(crate) struct SerError(Option<String>);

impl fmt::Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_deref().unwrap_or("the record does not fit the policy's input"))
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerError(Some(msg.to_string()))
    }
}

/// Unwinds after the record's error was recorded.
const RECORDED: SerError = SerError(None);

/// Serializes one value of type `ty` at `at` in the stage.
pub(crate) struct ValueSer<'a, 'e> {
    ty: &'e Ty,
    at: usize,
    enc: &'a mut Enc<'e>,
}

impl<'a, 'e> ValueSer<'a, 'e> {
    fn fail(&mut self, message: String) -> SerError {
        self.enc.record_error(None, message);
        RECORDED
    }

    fn mismatch(&mut self, found: &str) -> SerError {
        let message = format!("expected {}, found {found}", json::describe(self.enc.schema, self.ty));
        self.fail(message)
    }

    /// The type of a present value and where it goes; marks an optional as present.
    fn present(&mut self) -> (&'e Ty, usize) {
        match self.ty {
            Ty::Optional(inner) => {
                self.enc.put(self.at, &[1]);
                let offset = self.enc.ty_layout(inner).align as usize;
                (inner, self.at + offset)
            }
            other => (other, self.at),
        }
    }

    /// A number for a `decimal` or `decimal?`: `text` is what serde_json writes for it, read
    /// as the JSON reader reads that text (exactly, never through a double).
    fn decimal(mut self, text: &str) -> Result<(), SerError> {
        match self.enc.put_decimal(self.ty, self.at, text) {
            Ok(()) => Ok(()),
            Err(message) => Err(self.fail(message)),
        }
    }

    /// A JSON number that is not an integer literal: serde_json reads it as this double.
    fn double(mut self, v: f64) -> Result<(), SerError> {
        match self.present() {
            (Ty::Int, _) if v.fract() != 0.0 || !v.is_finite() => Err(self.mismatch(&format!("number {v}"))),
            (Ty::Int, _) if v.abs() >= json::INT_RANGE_F64 => {
                Err(self.fail("number is outside the 64-bit int range".into()))
            }
            (Ty::Int, _) => Err(self.fail("expected an int written without a fraction or exponent".into())),
            _ => Err(self.mismatch(&format!("number {v}"))),
        }
    }

    /// The compound serializer of an object: the value must be a record.
    fn object(mut self) -> Result<Compound<'a, 'e>, SerError> {
        if matches!(self.ty, Ty::Map(_)) || matches!(self.ty, Ty::Optional(inner) if matches!(**inner, Ty::Map(_))) {
            // Sorting and checking a map's entries is done by the JSON reader only, so far.
            return Err(self.fail("a map cannot be written by the typed API yet: use evaluate_ndjson".into()));
        }
        let (Ty::Record(r), at) = self.present() else {
            return Err(self.mismatch("object"));
        };
        let Some(fields) = self.enc.schema.record(*r).map(|d| d.fields.as_slice()) else {
            return Err(self.mismatch("object"));
        };
        let seen = self.enc.s.seen.len();
        self.enc.s.seen.resize(seen + fields.len(), false);
        let kind = Kind::Record { record: *r, fields, at, seen, hint: 0, value: None };
        Ok(Compound { enc: self.enc, kind, outer: None })
    }

    /// The compound serializer of a list: the value must be a list.
    fn list(mut self) -> Result<Compound<'a, 'e>, SerError> {
        let (Ty::List(elem), at) = self.present() else {
            return Err(self.mismatch("list"));
        };
        let el = self.enc.ty_layout(elem);
        let start = self.enc.s.stage.len();
        Ok(Compound { enc: self.enc, kind: Kind::List { elem, el, at, start, count: 0 }, outer: None })
    }

    /// `{"variant": VALUE}` where VALUE is a list or an object: opens the one-key object, then
    /// the compound of its value (or a compound that skips it when the key is undeclared).
    fn variant(self, variant: &'static str, value_is_list: bool) -> Result<Compound<'a, 'e>, SerError> {
        let mut outer = self.object()?;
        let Kind::Record { record, fields, at, seen, .. } = outer.kind else {
            return Err(RECORDED);
        };
        let Some(index) = outer.field(variant)? else {
            return Ok(Compound { enc: outer.enc, kind: Kind::Skip, outer: Some(Outer { fields, seen }) });
        };
        let (Some(field), Some(place)) = (fields.get(index), outer.enc.shape.layout().record(record)) else {
            return Err(RECORDED);
        };
        let Some(place) = place.fields.get(index) else {
            return Err(RECORDED);
        };
        let enc = outer.enc;
        enter(enc, Seg::Field { record, field: index as u32 })?;
        let inner = ValueSer { ty: &field.ty, at: at + place.offset as usize, enc };
        let mut inner = if value_is_list { inner.list()? } else { inner.object()? };
        inner.outer = Some(Outer { fields, seen });
        Ok(inner)
    }
}

/// Pushes a path step and applies the reader's nesting limit to the value below it.
#[inline]
fn enter(enc: &mut Enc<'_>, seg: Seg) -> Result<(), SerError> {
    enc.s.path.push(seg);
    if enc.s.path.len() > MAX_JSON_DEPTH {
        enc.record_error(None, format!("nested deeper than {MAX_JSON_DEPTH} levels"));
        return Err(RECORDED);
    }
    Ok(())
}

impl<'a, 'e> ser::Serializer for ValueSer<'a, 'e> {
    type Ok = ();
    type Error = SerError;
    type SerializeSeq = Compound<'a, 'e>;
    type SerializeTuple = Compound<'a, 'e>;
    type SerializeTupleStruct = Compound<'a, 'e>;
    type SerializeTupleVariant = Compound<'a, 'e>;
    type SerializeMap = Compound<'a, 'e>;
    type SerializeStruct = Compound<'a, 'e>;
    type SerializeStructVariant = Compound<'a, 'e>;

    fn serialize_bool(mut self, v: bool) -> Result<(), SerError> {
        match self.present() {
            (Ty::Bool, at) => {
                self.enc.put(at, &[u8::from(v)]);
                Ok(())
            }
            _ => Err(self.mismatch(if v { "true" } else { "false" })),
        }
    }

    fn serialize_i8(self, v: i8) -> Result<(), SerError> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result<(), SerError> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result<(), SerError> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i64(mut self, v: i64) -> Result<(), SerError> {
        if json::is_decimal(self.ty) {
            return self.decimal(&v.to_string());
        }
        match self.present() {
            (Ty::Int, at) => {
                self.enc.put(at, &v.to_le_bytes());
                Ok(())
            }
            _ => Err(self.mismatch(&format!("number {v}"))),
        }
    }

    fn serialize_i128(self, v: i128) -> Result<(), SerError> {
        if json::is_decimal(self.ty) {
            return self.decimal(&v.to_string());
        }
        // serde_json writes the digits; its reader takes them as an int when they fit 64
        // bits and otherwise as the nearest double, which `as` also gives.
        match (i64::try_from(v), u64::try_from(v)) {
            (Ok(i), _) => self.serialize_i64(i),
            (_, Ok(u)) => self.serialize_u64(u),
            _ => self.double(v as f64),
        }
    }

    fn serialize_u8(self, v: u8) -> Result<(), SerError> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_u16(self, v: u16) -> Result<(), SerError> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_u32(self, v: u32) -> Result<(), SerError> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_u64(mut self, v: u64) -> Result<(), SerError> {
        if json::is_decimal(self.ty) {
            return self.decimal(&v.to_string());
        }
        match self.present() {
            (Ty::Int, at) => match i64::try_from(v) {
                Ok(i) => {
                    self.enc.put(at, &i.to_le_bytes());
                    Ok(())
                }
                Err(_) => Err(self.fail(format!("{v} does not fit in a 64-bit int"))),
            },
            _ => Err(self.mismatch(&format!("number {v}"))),
        }
    }

    fn serialize_u128(self, v: u128) -> Result<(), SerError> {
        if json::is_decimal(self.ty) {
            return self.decimal(&v.to_string());
        }
        match u64::try_from(v) {
            Ok(u) => self.serialize_u64(u),
            Err(_) => self.double(v as f64),
        }
    }

    fn serialize_f32(self, v: f32) -> Result<(), SerError> {
        if v.is_finite() && json::is_decimal(self.ty) {
            return self.decimal(&serde_json::to_string(&v).unwrap_or_default());
        }
        if !v.is_finite() {
            return self.serialize_unit();
        }
        // serde_json writes an f32 with its own shortest digits, which are then read as a
        // double: take the same digits.
        match serde_json::to_string(&v).ok().and_then(|text| text.parse::<f64>().ok()) {
            Some(d) => self.double(d),
            None => self.double(f64::from(v)),
        }
    }

    fn serialize_f64(self, v: f64) -> Result<(), SerError> {
        if v.is_finite() && json::is_decimal(self.ty) {
            return self.decimal(&serde_json::to_string(&v).unwrap_or_default());
        }
        // serde_json writes a double with a fraction or an exponent, so it is read back as this
        // double (or `null` when it is not finite).
        if v.is_finite() {
            self.double(v)
        } else {
            self.serialize_unit()
        }
    }

    fn serialize_char(self, v: char) -> Result<(), SerError> {
        self.serialize_str(v.encode_utf8(&mut [0u8; 4]))
    }

    fn serialize_str(mut self, v: &str) -> Result<(), SerError> {
        let (ty, at) = self.present();
        match self.enc.put_text(ty, at, v) {
            Ok(true) => Ok(()),
            Ok(false) => Err(self.mismatch("string")),
            Err(message) => Err(self.fail(message)),
        }
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), SerError> {
        // serde_json writes bytes as a list of numbers.
        let mut list = self.serialize_seq(Some(v.len()))?;
        for b in v {
            ser::SerializeSeq::serialize_element(&mut list, b)?;
        }
        ser::SerializeSeq::end(list)
    }

    fn serialize_none(self) -> Result<(), SerError> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), SerError> {
        value.serialize(self)
    }

    fn serialize_unit(mut self) -> Result<(), SerError> {
        match self.ty {
            // The tag and value stay zero: absent.
            Ty::Optional(_) => Ok(()),
            _ => Err(self.mismatch("null")),
        }
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), SerError> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        mut self,
        _name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<(), SerError> {
        // A host enum declared in the policy's order names the variant at its own index: one
        // comparison instead of a search. Anything else is read as the name's string.
        if let (Ty::Enum(e), false) = (self.ty, variant.is_empty()) {
            let def = self.enc.schema.enum_def(*e);
            if def.and_then(|d| d.variants.get(index as usize)).is_some_and(|v| v == variant) {
                let (_, at) = self.present();
                if def.is_some_and(|d| d.variants.len() <= 256) {
                    self.enc.put(at, &[index as u8]);
                } else {
                    self.enc.put(at, &index.to_le_bytes());
                }
                return Ok(());
            }
        }
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), SerError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        let mut object = self.object()?;
        ser::SerializeStruct::serialize_field(&mut object, variant, value)?;
        ser::SerializeStruct::end(object)
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a, 'e>, SerError> {
        self.list()
    }

    fn serialize_tuple(self, _len: usize) -> Result<Compound<'a, 'e>, SerError> {
        self.list()
    }

    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'a, 'e>, SerError> {
        self.list()
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'e>, SerError> {
        self.variant(variant, true)
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a, 'e>, SerError> {
        self.object()
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'a, 'e>, SerError> {
        self.object()
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'e>, SerError> {
        self.variant(variant, false)
    }
}

/// The one-key object of a tuple or struct variant, closed after its value.
struct Outer<'e> {
    fields: &'e [FieldDef],
    seen: usize,
}

enum Kind<'e> {
    /// The value of an undeclared variant key: nothing is written.
    Skip,
    /// A list whose elements are staged from `start` and moved to the variable area at its end.
    List { elem: &'e Ty, el: TyLayout, at: usize, start: usize, count: usize },
    /// A record at `at`; `seen` is where its flags start, `hint` the field expected next, and
    /// `value` the field of a map key whose value comes next (`Some(None)`: undeclared).
    Record { record: u32, fields: &'e [FieldDef], at: usize, seen: usize, hint: usize, value: Option<Option<usize>> },
}

/// Every compound serializer: the elements of a list or the fields of a record.
pub(crate) struct Compound<'a, 'e> {
    enc: &'a mut Enc<'e>,
    kind: Kind<'e>,
    outer: Option<Outer<'e>>,
}

impl<'e> Compound<'_, 'e> {
    /// The declared field named `key` of the open record, marked as seen; `None` when the
    /// record does not declare it. Fields usually come in declaration order, so the field
    /// after the last one is tried first.
    fn field(&mut self, key: &str) -> Result<Option<usize>, SerError> {
        let Kind::Record { fields, seen, hint, .. } = &mut self.kind else {
            return Ok(None);
        };
        let guess = fields.get(*hint).filter(|f| f.name == key).map(|_| *hint);
        let Some(index) = guess.or_else(|| fields.iter().position(|f| f.name == key)) else {
            return Ok(None);
        };
        *hint = index + 1;
        match self.enc.s.seen.get_mut(*seen + index) {
            Some(flag) if !*flag => {
                *flag = true;
                Ok(Some(index))
            }
            _ => {
                self.enc.record_error(Some(key), "duplicate field".into());
                Err(RECORDED)
            }
        }
    }

    /// Serializes `value` as field `index` of the open record.
    fn field_value<T: Serialize + ?Sized>(&mut self, index: usize, value: &T) -> Result<(), SerError> {
        let Kind::Record { record, fields, at, .. } = self.kind else {
            return Ok(());
        };
        let place = self.enc.shape.layout().record(record).and_then(|l| l.fields.get(index));
        let (Some(field), Some(place)) = (fields.get(index), place) else {
            return Ok(());
        };
        enter(self.enc, Seg::Field { record, field: index as u32 })?;
        value.serialize(ValueSer { ty: &field.ty, at: at + place.offset as usize, enc: &mut *self.enc })?;
        self.enc.s.path.pop();
        Ok(())
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        let Kind::List { elem, el, start, count, .. } = &mut self.kind else {
            return Ok(());
        };
        let enc = &mut *self.enc;
        enter(enc, Seg::Index(*count))?;
        let pos = enc.s.stage.len();
        enc.s.stage.resize(pos + el.size as usize, 0);
        value.serialize(ValueSer { ty: elem, at: pos, enc: &mut *enc })?;
        enc.s.path.pop();
        if *count == json::MAX_LIST_ITEMS {
            enc.s.stage.truncate(*start);
            enc.record_error(None, json::list_too_long());
            return Err(RECORDED);
        }
        *count += 1;
        Ok(())
    }

    fn entry_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        let Kind::Record { fields, .. } = self.kind else {
            return Ok(());
        };
        let found = key.serialize(KeySer { fields })?;
        let index = match found {
            Some(name) => self.field(name)?,
            None => None,
        };
        if let Kind::Record { value, .. } = &mut self.kind {
            *value = Some(index);
        }
        Ok(())
    }

    fn entry_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        let pending = match &mut self.kind {
            Kind::Record { value, .. } => value.take().flatten(),
            _ => None,
        };
        match pending {
            Some(index) => self.field_value(index, value),
            None => Ok(()),
        }
    }

    fn finish(self) -> Result<(), SerError> {
        let enc = self.enc;
        match self.kind {
            Kind::Skip => {}
            Kind::List { el, at, start, count, .. } => close_list(enc, el, at, start, count)?,
            Kind::Record { fields, seen, .. } => close_record(enc, fields, seen)?,
        }
        if let Some(outer) = self.outer {
            if !matches!(self.kind, Kind::Skip) {
                enc.s.path.pop();
            }
            close_record(enc, outer.fields, outer.seen)?;
        }
        Ok(())
    }
}

/// Moves a list's staged elements to the variable area and writes its reference.
fn close_list(enc: &mut Enc<'_>, el: TyLayout, at: usize, start: usize, count: usize) -> Result<(), SerError> {
    if count == 0 {
        return Ok(());
    }
    // Nested lists have been moved out already: this list's elements are contiguous.
    let elements = std::mem::take(&mut enc.s.stage);
    let offset = enc.append_var(elements.get(start..).unwrap_or_default(), el.align as usize);
    enc.s.stage = elements;
    enc.s.stage.truncate(start);
    match (offset, u32::try_from(count)) {
        (Some(offset), Ok(count)) => {
            enc.put_ref(at, offset, count);
            Ok(())
        }
        _ => {
            enc.record_error(None, "does not fit in a batch (4 GiB of strings and lists)".into());
            Err(RECORDED)
        }
    }
}

/// Reports the first missing field of a record in declaration order, and drops its flags.
fn close_record(enc: &mut Enc<'_>, fields: &[FieldDef], seen: usize) -> Result<(), SerError> {
    for (i, field) in fields.iter().enumerate() {
        let read = enc.s.seen.get(seen + i).copied().unwrap_or(false);
        if !read && !matches!(field.ty, Ty::Optional(_)) {
            enc.record_error(Some(&field.name), "missing field".into());
            return Err(RECORDED);
        }
    }
    enc.s.seen.truncate(seen);
    Ok(())
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.element(value)
    }
    fn end(self) -> Result<(), SerError> {
        self.finish()
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.element(value)
    }
    fn end(self) -> Result<(), SerError> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.element(value)
    }
    fn end(self) -> Result<(), SerError> {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.element(value)
    }
    fn end(self) -> Result<(), SerError> {
        self.finish()
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        self.entry_key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.entry_value(value)
    }
    fn end(self) -> Result<(), SerError> {
        self.finish()
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), SerError> {
        match self.field(key)? {
            Some(index) => self.field_value(index, value),
            None => Ok(()),
        }
    }
    fn end(self) -> Result<(), SerError> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), SerError> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<(), SerError> {
        self.finish()
    }
}

/// A map key as serde_json writes it (strings, and the text of chars, bools, numbers and unit
/// variants), matched against a record's field names without allocating: the name of the
/// field it equals, or `None` for an undeclared key.
struct KeySer<'e> {
    fields: &'e [FieldDef],
}

impl<'e> KeySer<'e> {
    fn find(&self, key: &str) -> Result<Option<&'e str>, SerError> {
        Ok(self.fields.iter().find(|f| f.name == key).map(|f| f.name.as_str()))
    }

    fn display(&self, v: impl fmt::Display) -> Result<Option<&'e str>, SerError> {
        let mut buf = [0u8; 48];
        let mut cursor = std::io::Cursor::new(&mut buf[..]);
        if write!(cursor, "{v}").is_err() {
            return Ok(None);
        }
        let len = cursor.position() as usize;
        self.find(std::str::from_utf8(buf.get(..len).unwrap_or_default()).unwrap_or_default())
    }

    fn float(&self, text: Option<String>) -> Result<Option<&'e str>, SerError> {
        match text {
            Some(text) => self.find(&text),
            None => Err(SerError(Some("float key must be finite (got NaN or +/-inf)".into()))),
        }
    }
}

fn not_a_string() -> SerError {
    SerError(Some("key must be a string".into()))
}

impl<'e> ser::Serializer for KeySer<'e> {
    type Ok = Option<&'e str>;
    type Error = SerError;
    type SerializeSeq = Impossible<Option<&'e str>, SerError>;
    type SerializeTuple = Impossible<Option<&'e str>, SerError>;
    type SerializeTupleStruct = Impossible<Option<&'e str>, SerError>;
    type SerializeTupleVariant = Impossible<Option<&'e str>, SerError>;
    type SerializeMap = Impossible<Option<&'e str>, SerError>;
    type SerializeStruct = Impossible<Option<&'e str>, SerError>;
    type SerializeStructVariant = Impossible<Option<&'e str>, SerError>;

    fn serialize_bool(self, v: bool) -> Result<Self::Ok, SerError> {
        self.find(if v { "true" } else { "false" })
    }
    fn serialize_i8(self, v: i8) -> Result<Self::Ok, SerError> {
        self.display(v)
    }
    fn serialize_i16(self, v: i16) -> Result<Self::Ok, SerError> {
        self.display(v)
    }
    fn serialize_i32(self, v: i32) -> Result<Self::Ok, SerError> {
        self.display(v)
    }
    fn serialize_i64(self, v: i64) -> Result<Self::Ok, SerError> {
        self.display(v)
    }
    fn serialize_i128(self, v: i128) -> Result<Self::Ok, SerError> {
        self.display(v)
    }
    fn serialize_u8(self, v: u8) -> Result<Self::Ok, SerError> {
        self.display(v)
    }
    fn serialize_u16(self, v: u16) -> Result<Self::Ok, SerError> {
        self.display(v)
    }
    fn serialize_u32(self, v: u32) -> Result<Self::Ok, SerError> {
        self.display(v)
    }
    fn serialize_u64(self, v: u64) -> Result<Self::Ok, SerError> {
        self.display(v)
    }
    fn serialize_u128(self, v: u128) -> Result<Self::Ok, SerError> {
        self.display(v)
    }
    fn serialize_f32(self, v: f32) -> Result<Self::Ok, SerError> {
        // serde_json's own digits for floats (its shortest form, with `.0` or an exponent).
        self.float(v.is_finite().then(|| serde_json::to_string(&v).unwrap_or_default()))
    }
    fn serialize_f64(self, v: f64) -> Result<Self::Ok, SerError> {
        self.float(v.is_finite().then(|| serde_json::to_string(&v).unwrap_or_default()))
    }
    fn serialize_char(self, v: char) -> Result<Self::Ok, SerError> {
        self.find(v.encode_utf8(&mut [0u8; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<Self::Ok, SerError> {
        self.find(v)
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<Self::Ok, SerError> {
        Err(not_a_string())
    }
    fn serialize_none(self) -> Result<Self::Ok, SerError> {
        Err(not_a_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Self::Ok, SerError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Self::Ok, SerError> {
        Err(not_a_string())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Self::Ok, SerError> {
        Err(not_a_string())
    }
    fn serialize_unit_variant(self, _n: &'static str, _i: u32, variant: &'static str) -> Result<Self::Ok, SerError> {
        self.find(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _n: &'static str, v: &T) -> Result<Self::Ok, SerError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _value: &T,
    ) -> Result<Self::Ok, SerError> {
        Err(not_a_string())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, SerError> {
        Err(not_a_string())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, SerError> {
        Err(not_a_string())
    }
    fn serialize_tuple_struct(self, _n: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct, SerError> {
        Err(not_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, SerError> {
        Err(not_a_string())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, SerError> {
        Err(not_a_string())
    }
    fn serialize_struct(self, _n: &'static str, _len: usize) -> Result<Self::SerializeStruct, SerError> {
        Err(not_a_string())
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, SerError> {
        Err(not_a_string())
    }
}
