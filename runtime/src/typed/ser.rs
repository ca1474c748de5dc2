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
//! A map (`map of string to T`) is read like the JSON reader reads an object of that type: each
//! key's bytes are appended to the variable area as it comes, a key given twice fails the
//! record at its second entry, before its value is serialized, and the entries are written
//! sorted by their keys' bytes when the map ends (see `ser/maps.rs`).
//!
//! The happy path compares no names: struct fields and enum variants are recognised by the
//! pointers of serde's `&'static str` names, learned once per thread and shape (`memo.rs`).
//!
//! Differences that remain, both about values serde_json itself refuses or never reads: a
//! `Serialize` implementation that fails, or a map key serde_json refuses, is reported as
//! `cannot be written as JSON: ...` (path `""`) only if no earlier problem of the record was
//! met, and never inside an undeclared field, which is not serialized at all; undeclared
//! fields are likewise not held to serde_json's recursion limit.

mod keys;
mod maps;

use super::memo::{name_id, Memo};
use crate::abi::{FieldLayout, TyLayout};
use crate::encode::{BatchEncoder, Enc, Seg};
use crate::json::{self, RecordError, MAX_JSON_DEPTH};
use crate::schema::{FieldDef, Ty};
use keys::{KeySer, KeySink};
use maps::{MapState, VarSink};
use serde::ser::{self, Serialize};
use std::fmt;

impl BatchEncoder {
    /// Appends `value` as one record of the input type, serialized straight into the layout.
    /// The batch gets the bytes [`Self::push_json`] would write for `value`'s JSON, and on
    /// error it is unchanged and the error is the one `push_json` gives for that JSON (see
    /// `crate::typed` for the few values serde_json itself cannot write).
    pub fn push_serialize<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), RecordError> {
        let mut memo = Memo::take(self.shape());
        let result = self.push_with(|enc, top| {
            match value.serialize(ValueSer { ty: top, at: 0, enc, memo: &mut memo, step: None }) {
                Ok(()) => Ok(()),
                Err(SerError(own)) => {
                    Err(format!("cannot be written as JSON: {}", own.as_ref().map_or("", |m| m.0.as_str())))
                }
            }
        });
        Memo::keep(memo);
        result
    }
}

/// The serializer's error. The record's own error (with its path) is recorded in the
/// encoder's scratch; this carries only a failure of the `Serialize` implementation itself or
/// of a map key, which serde_json would report while writing the JSON. Boxed, so that every
/// serializer call returns its result in registers.
#[derive(Debug)]
pub(crate) struct SerError(Option<Box<Message>>);

/// The text of a [`SerError`].
#[derive(Debug)]
pub(crate) struct Message(String);

impl SerError {
    fn custom_message(message: &str) -> SerError {
        SerError(Some(Box::new(Message(message.into()))))
    }
}

impl fmt::Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_ref().map_or("the record does not fit the policy's input", |m| m.0.as_str()))
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerError(Some(Box::new(Message(msg.to_string()))))
    }
}

/// Unwinds after the record's error was recorded.
const RECORDED: SerError = SerError(None);

/// Serializes one value of type `ty` at `at` in the stage.
///
/// `step` is the value's own path step (its field or index) when the caller left it pending:
/// a scalar that fits, the common case, never touches the path; the step is pushed only
/// when the value fails (so the error names it) or opens a list, record or map (whose own
/// values and errors lie below it). The caller truncates the path back either way.
pub(crate) struct ValueSer<'a, 'e> {
    ty: &'e Ty,
    at: usize,
    enc: &'a mut Enc<'e>,
    memo: &'a mut Memo,
    step: Option<Seg>,
}

impl<'a, 'e> ValueSer<'a, 'e> {
    /// Pushes the pending path step, if any (see [`ValueSer`]).
    #[inline]
    fn step_in(&mut self) -> Result<(), SerError> {
        match self.step.take() {
            Some(seg) => enter(self.enc, seg),
            None => Ok(()),
        }
    }

    #[cold]
    fn fail(&mut self, message: String) -> SerError {
        if let Some(seg) = self.step.take() {
            self.enc.s.path.push(seg);
        }
        self.enc.record_error(None, message);
        RECORDED
    }

    fn mismatch(&mut self, found: &str) -> SerError {
        let message = format!("expected {}, found {found}", json::describe(self.enc.schema, self.ty));
        self.fail(message)
    }

    /// The type of a present value and where it goes; marks an optional as present.
    #[inline]
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

    /// The compound serializer of an object: the value must be a record or a map.
    fn object(mut self) -> Result<Compound<'a, 'e>, SerError> {
        self.step_in()?;
        let (ty, at) = self.present();
        let kind = match ty {
            Ty::Record(r) => {
                let Some(fields) = self.enc.schema.record(*r).map(|d| d.fields.as_slice()) else {
                    return Err(self.mismatch("object"));
                };
                let memo = self.memo.record(*r);
                let seen = if fields.len() <= 64 {
                    Seen::Bits(0)
                } else {
                    let start = self.enc.s.seen.len();
                    self.enc.s.seen.resize(start + fields.len(), false);
                    Seen::Flags(start)
                };
                let places = self.enc.shape.layout().record(*r).map_or(&[][..], |l| l.fields.as_slice());
                let (base, required) = (memo.base, memo.required);
                Kind::Record { record: *r, fields, places, at, seen, hint: 0, base, required, value: None }
            }
            Ty::Map(value) => Kind::Map(MapState::new(self.enc, value, at)),
            _ => return Err(self.mismatch("object")),
        };
        Ok(Compound { enc: self.enc, memo: self.memo, kind, outer: None })
    }

    /// The compound serializer of a list: the value must be a list.
    fn list(mut self) -> Result<Compound<'a, 'e>, SerError> {
        self.step_in()?;
        let (Ty::List(elem), at) = self.present() else {
            return Err(self.mismatch("list"));
        };
        let el = self.enc.ty_layout(elem);
        let start = self.enc.s.stage.len();
        let kind = Kind::List { elem, el, at, start, count: 0 };
        Ok(Compound { enc: self.enc, memo: self.memo, kind, outer: None })
    }

    /// `{"variant": VALUE}` where VALUE is a list or an object: opens the one-key object, then
    /// the compound of its value (or a compound that skips it when the key is undeclared).
    fn variant(self, variant: &'static str, value_is_list: bool) -> Result<Compound<'a, 'e>, SerError> {
        let mut outer = self.object()?;
        let (ty, at) = match &mut outer.kind {
            Kind::Record { record, fields, places, at, .. } => {
                let (record, fields, places, at) = (*record, *fields, *places, *at);
                let Some(index) = outer.field_static(variant)? else {
                    let Compound { enc, memo, kind, .. } = outer;
                    return Ok(Compound { enc, memo, kind: Kind::Skip, outer: Some(Box::new(kind)) });
                };
                let (Some(field), Some(place)) = (fields.get(index), places.get(index)) else {
                    return Err(RECORDED);
                };
                enter(outer.enc, Seg::Field { record, field: index as u32 })?;
                (&field.ty, at + place.offset as usize)
            }
            Kind::Map(map) => {
                let key = VarSink(&mut *outer.enc.vars).key(variant)?;
                let at = maps::open_entry(outer.enc, map, key)?;
                (map.value, at)
            }
            _ => return Err(RECORDED),
        };
        let Compound { enc, memo, kind, .. } = outer;
        let inner = ValueSer { ty, at, enc, memo, step: None };
        let mut inner = if value_is_list { inner.list()? } else { inner.object()? };
        inner.outer = Some(Box::new(kind));
        Ok(inner)
    }
}

/// Pushes a path step and applies the reader's nesting limit to the value below it.
#[inline]
fn enter(enc: &mut Enc<'_>, seg: Seg) -> Result<(), SerError> {
    enc.s.path.push(seg);
    if enc.s.path.len() > MAX_JSON_DEPTH {
        return Err(too_deep(enc));
    }
    Ok(())
}

#[cold]
fn too_deep(enc: &mut Enc<'_>) -> SerError {
    enc.record_error(None, format!("nested deeper than {MAX_JSON_DEPTH} levels"));
    RECORDED
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
        if let (Ty::String, 1..=json::MAX_STRING_BYTES) = (ty, v.len()) {
            // `put_text`'s string case, without its search for an alignment: the bytes go at
            // the end of the variable area, if it stays under 4 GiB.
            let start = self.enc.vars.len();
            if let (Ok(offset), Ok(_)) = (u32::try_from(start), u32::try_from(start + v.len())) {
                self.enc.vars.extend_from_slice(v.as_bytes());
                self.enc.put_ref(at, offset, v.len() as u32);
                return Ok(());
            }
        }
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
        // A host enum declared in the policy's order names the variant at its own index: its
        // name is compared once, then recognised by its pointer (see `memo.rs`). Anything else
        // is read as the name's string.
        let e = match self.ty {
            Ty::Enum(e) => Some(*e),
            Ty::Optional(inner) => match **inner {
                Ty::Enum(e) => Some(e),
                _ => None,
            },
            _ => None,
        };
        if let (Some(e), false) = (e, variant.is_empty()) {
            let id = name_id(variant);
            let known = match self.memo.variant(e, index, id) {
                Some(wide) => Some(wide),
                None => {
                    let def = self.enc.schema.enum_def(e);
                    let named = def.and_then(|d| d.variants.get(index as usize)).is_some_and(|v| v == variant);
                    named.then(|| self.memo.learn_variant(e, index, id))
                }
            };
            if let Some(wide) = known {
                let (_, at) = self.present();
                if wide {
                    self.enc.put(at, &index.to_le_bytes());
                } else {
                    self.enc.put(at, &[index as u8]);
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

/// Which fields of an open record have been given: bits for a record of up to 64 fields, else
/// flags in the encoder's scratch from this position on.
#[derive(Clone, Copy)]
enum Seen {
    Bits(u64),
    Flags(usize),
}

enum Kind<'e> {
    /// The value of an undeclared variant key: nothing is written.
    Skip,
    /// A list whose elements are staged from `start` and moved to the variable area at its end.
    List { elem: &'e Ty, el: TyLayout, at: usize, start: usize, count: usize },
    /// A record at `at`: `hint` is the field expected next, `base` where its fields' learned
    /// names start in the memo, `required` its required fields as bits (with `Seen::Bits`), and
    /// `value` the field of a map key whose value comes next (`Some(None)`: undeclared).
    Record {
        record: u32,
        fields: &'e [FieldDef],
        places: &'e [FieldLayout],
        at: usize,
        seen: Seen,
        hint: usize,
        base: usize,
        required: u64,
        value: Option<Option<usize>>,
    },
    /// A map whose entries are staged like list elements.
    Map(MapState<'e>),
}

/// Every compound serializer: the elements of a list, the fields of a record or the entries
/// of a map. `outer` is the one-key object around the value of a tuple or struct variant,
/// closed after it.
pub(crate) struct Compound<'a, 'e> {
    enc: &'a mut Enc<'e>,
    memo: &'a mut Memo,
    kind: Kind<'e>,
    outer: Option<Box<Kind<'e>>>,
}

/// The field named `key` among `fields`, trying `hint` first.
fn by_name(fields: &[FieldDef], hint: usize, key: &str) -> Option<usize> {
    match fields.get(hint) {
        Some(f) if f.name == key => Some(hint),
        _ => fields.iter().position(|f| f.name == key),
    }
}

impl<'e> Compound<'_, 'e> {
    /// The declared field of the open record named by serde's `key`, marked as given; `None`
    /// when the record does not declare it. Fields usually come in declaration order, so the
    /// field after the last one is tried first, by the name's pointer once it is learned.
    fn field_static(&mut self, key: &'static str) -> Result<Option<usize>, SerError> {
        let Kind::Record { fields, hint, base, .. } = &mut self.kind else {
            return Ok(None);
        };
        let id = name_id(key);
        let learned = self.memo.fields.get(*base..base.wrapping_add(fields.len())).unwrap_or_default();
        let index = if learned.get(*hint) == Some(&id) {
            Some(*hint)
        } else if let Some(i) = learned.iter().position(|k| *k == id) {
            Some(i)
        } else {
            let found = by_name(fields, *hint, key);
            if let Some(slot) = found.and_then(|i| self.memo.fields.get_mut(base.wrapping_add(i))) {
                *slot = id;
            }
            found
        };
        match index {
            Some(index) => self.mark(index).map(Some),
            None => Ok(None),
        }
    }

    /// Marks field `index` of the open record as given; a field given twice fails the record.
    fn mark(&mut self, index: usize) -> Result<usize, SerError> {
        let Kind::Record { fields, seen, hint, .. } = &mut self.kind else {
            return Ok(index);
        };
        *hint = index + 1;
        let fresh = match seen {
            Seen::Bits(bits) => {
                let bit = 1u64.checked_shl(index as u32).unwrap_or(0);
                let fresh = *bits & bit == 0;
                *bits |= bit;
                fresh
            }
            Seen::Flags(start) => match self.enc.s.seen.get_mut(*start + index) {
                Some(flag) if !*flag => {
                    *flag = true;
                    true
                }
                _ => false,
            },
        };
        if fresh {
            return Ok(index);
        }
        let name = fields.get(index).map_or("", |f| f.name.as_str());
        self.enc.record_error(Some(name), "duplicate field".into());
        Err(RECORDED)
    }

    /// Serializes `value` as field `index` of the open record.
    fn field_value<T: Serialize + ?Sized>(&mut self, index: usize, value: &T) -> Result<(), SerError> {
        let Kind::Record { record, fields, places, at, .. } = self.kind else {
            return Ok(());
        };
        let (Some(field), Some(place)) = (fields.get(index), places.get(index)) else {
            return Ok(());
        };
        let step = Seg::Field { record, field: index as u32 };
        let depth = self.enc.s.path.len();
        if depth >= MAX_JSON_DEPTH {
            return enter(self.enc, step);
        }
        let at = at + place.offset as usize;
        value.serialize(ValueSer {
            ty: &field.ty,
            at,
            enc: &mut *self.enc,
            memo: &mut *self.memo,
            step: Some(step),
        })?;
        self.enc.s.path.truncate(depth);
        Ok(())
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        let Kind::List { elem, el, start, count, .. } = &mut self.kind else {
            return Ok(());
        };
        let enc = &mut *self.enc;
        let step = Seg::Index(*count);
        let depth = enc.s.path.len();
        if depth >= MAX_JSON_DEPTH {
            return enter(enc, step);
        }
        let pos = enc.s.stage.len();
        enc.s.stage.resize(pos + el.size as usize, 0);
        value.serialize(ValueSer { ty: elem, at: pos, enc: &mut *enc, memo: &mut *self.memo, step: Some(step) })?;
        enc.s.path.truncate(depth);
        if *count == json::MAX_LIST_ITEMS {
            enc.s.stage.truncate(*start);
            enc.record_error(None, json::list_too_long());
            return Err(RECORDED);
        }
        *count += 1;
        Ok(())
    }

    /// A struct's field (or a struct variant's): a record's field, or a map's entry.
    #[inline]
    fn struct_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), SerError> {
        // The happy path: the field after the last one, named by the pointer learned for it,
        // not given yet.
        if let Kind::Record { fields, hint, base, seen: Seen::Bits(bits), .. } = &mut self.kind {
            let i = *hint;
            let bit = 1u64.checked_shl(i as u32).unwrap_or(0);
            if i < fields.len() && *bits & bit == 0 && self.memo.fields.get(base.wrapping_add(i)) == Some(&name_id(key))
            {
                *bits |= bit;
                *hint = i + 1;
                return self.field_value(i, value);
            }
        }
        match &mut self.kind {
            Kind::Record { .. } => match self.field_static(key)? {
                Some(index) => self.field_value(index, value),
                None => Ok(()),
            },
            Kind::Map(map) => {
                let read = VarSink(&mut *self.enc.vars).key(key)?;
                maps::open_entry(self.enc, map, read)?;
                self.map_value(value)
            }
            _ => Ok(()),
        }
    }

    fn entry_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        match &mut self.kind {
            Kind::Record { fields, .. } => {
                let index = match key.serialize(KeySer(FieldSink(fields)))? {
                    Some(index) => Some(self.mark(index)?),
                    None => None,
                };
                if let Kind::Record { value, .. } = &mut self.kind {
                    *value = Some(index);
                }
                Ok(())
            }
            Kind::Map(map) => {
                let read = key.serialize(KeySer(VarSink(&mut *self.enc.vars)))?;
                maps::open_entry(self.enc, map, read).map(drop)
            }
            _ => Ok(()),
        }
    }

    fn entry_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        let pending = match &mut self.kind {
            Kind::Record { value, .. } => value.take().flatten(),
            Kind::Map(_) => return self.map_value(value),
            _ => None,
        };
        match pending {
            Some(index) => self.field_value(index, value),
            None => Ok(()),
        }
    }

    /// Serializes `value` as the value of the map entry just opened.
    fn map_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        let Kind::Map(map) = &mut self.kind else {
            return Ok(());
        };
        let Some(at) = map.pending else {
            return Ok(());
        };
        value.serialize(ValueSer { ty: map.value, at, enc: &mut *self.enc, memo: &mut *self.memo, step: None })?;
        maps::end_entry(self.enc, map)
    }

    fn finish(self) -> Result<(), SerError> {
        let Compound { enc, kind, outer, .. } = self;
        let skipped = matches!(kind, Kind::Skip);
        close(enc, kind)?;
        match outer.map(|outer| *outer) {
            None => Ok(()),
            Some(Kind::Map(mut map)) => {
                maps::end_entry(enc, &mut map)?;
                maps::close_map(enc, map)
            }
            Some(outer) => {
                if !skipped {
                    enc.s.path.pop();
                }
                close(enc, outer)
            }
        }
    }
}

/// A record field's name matched as a map key: its index, or `None` for an undeclared key.
struct FieldSink<'f>(&'f [FieldDef]);

impl KeySink for FieldSink<'_> {
    type Out = Option<usize>;
    fn key(self, text: &str) -> Result<Option<usize>, SerError> {
        Ok(self.0.iter().position(|f| f.name == text))
    }
}

/// Closes a compound: writes a list's or a map's elements, checks a record's fields.
fn close(enc: &mut Enc<'_>, kind: Kind<'_>) -> Result<(), SerError> {
    match kind {
        Kind::Skip => Ok(()),
        Kind::List { el, at, start, count, .. } => close_list(enc, el, at, start, count),
        Kind::Record { fields, seen, required, .. } => close_record(enc, fields, seen, required),
        Kind::Map(map) => maps::close_map(enc, map),
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
fn close_record(enc: &mut Enc<'_>, fields: &[FieldDef], seen: Seen, required: u64) -> Result<(), SerError> {
    let missing = match seen {
        Seen::Bits(bits) => {
            let missing = required & !bits;
            (missing != 0).then(|| missing.trailing_zeros() as usize)
        }
        Seen::Flags(start) => {
            let missing = fields.iter().enumerate().position(|(i, field)| {
                let read = enc.s.seen.get(start + i).copied().unwrap_or(false);
                !read && !matches!(field.ty, Ty::Optional(_))
            });
            enc.s.seen.truncate(start);
            missing
        }
    };
    match missing.and_then(|i| fields.get(i)) {
        Some(field) => {
            enc.record_error(Some(&field.name), "missing field".into());
            Err(RECORDED)
        }
        None => Ok(()),
    }
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
        self.struct_field(key, value)
    }
    fn end(self) -> Result<(), SerError> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), SerError> {
        self.struct_field(key, value)
    }
    fn end(self) -> Result<(), SerError> {
        self.finish()
    }
}
