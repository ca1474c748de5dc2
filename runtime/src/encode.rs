//! JSON text straight into the input layout of a batch, without a JSON tree or [`Value`]s.
//!
//! [`BatchEncoder`] reads one record per call with a schema-driven serde visitor, writes its
//! fixed-size part into the batch's input area and appends its strings and list elements to
//! the batch's variable area, in the layout [`crate::abi`] defines. It accepts and rejects
//! exactly what [`crate::json::decode_input`] does, with the same error path and message, so
//! the Wasm back end and the reference interpreter see the same records.
//!
//! List elements are built on a stack (the *stage*) and copied to the variable area when their
//! list ends, so that the elements of one list stay contiguous while their own strings and
//! lists are appended in between. A worker keeps one encoder and clears it between batches:
//! once its buffers have grown to the batch size, encoding allocates nothing.
//!
//! [`Value`]: crate::schema::Value

use crate::abi::{Shape, TyLayout, ENTRY_VALUE_OFFSET};
use crate::json::{self, KeySeed, RecordError, MAX_JSON_DEPTH};
use crate::schema::{Schema, Ty};
use crate::typed::direct::{Input, PathError, Writer};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt::{self, Write as _};
use std::sync::Arc;

mod fast;
pub(crate) mod variants;

/// Why [`Enc::put_text_bytes`] refused a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextRefused {
    /// The type takes no string (or its enum is not in the schema).
    NotText,
    /// A string over [`json::MAX_STRING_BYTES`].
    TooLong,
    /// The batch's variable area would pass 4 GiB.
    Full,
    /// Not a date of the calendar in `YYYY-MM-DD`.
    BadDate,
    /// Not one of the enum's variants.
    UnknownVariant,
}

pub(crate) use fast::Keys;

/// A batch of records in the input layout, built one JSON text at a time.
#[derive(Debug, Clone)]
pub struct BatchEncoder {
    shape: Arc<Shape>,
    records: Vec<u8>,
    vars: Vec<u8>,
    count: usize,
    scratch: Scratch,
}

/// Buffers reused from record to record.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scratch {
    /// Fixed-size parts under construction: the record, then the elements of open lists.
    pub(crate) stage: Vec<u8>,
    /// Where the visitor is, for error paths.
    pub(crate) path: Vec<Seg>,
    /// Which fields of the open records have been read, one flag per field.
    pub(crate) seen: Vec<bool>,
    /// The first error of the record, with its path.
    pub(crate) error: Option<RecordError>,
}

/// One step of an error path: a record's field, or a list element.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Seg {
    Field {
        record: u32,
        field: u32,
    },
    Index(usize),
    /// A map entry, by its key's bytes in the variable area.
    Key {
        offset: u32,
        len: u32,
    },
}

impl BatchEncoder {
    /// An empty batch for records of `shape`'s input type.
    pub fn new(shape: Arc<Shape>) -> BatchEncoder {
        BatchEncoder { shape, records: Vec::new(), vars: Vec::new(), count: 0, scratch: Scratch::default() }
    }

    /// The schema and layout this batch is encoded in.
    pub fn shape(&self) -> &Arc<Shape> {
        &self.shape
    }

    /// Empties the batch, keeping its buffers.
    pub fn clear(&mut self) {
        self.records.clear();
        self.vars.clear();
        self.count = 0;
    }

    /// The number of records in the batch.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the batch has no records.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The input area: every record's fixed-size part, one after the other.
    pub fn records(&self) -> &[u8] {
        &self.records
    }

    /// The variable area: string bytes and list elements, which offsets in records refer to.
    pub fn vars(&self) -> &[u8] {
        &self.vars
    }

    /// The bytes of the batch so far, both areas together.
    pub fn encoded_len(&self) -> usize {
        self.records.len() + self.vars.len()
    }

    /// The fixed-size part of record `i`.
    pub fn record(&self, i: usize) -> Option<&[u8]> {
        let size = self.shape.layout().input_size as usize;
        self.records.get(i.checked_mul(size)?..(i + 1).checked_mul(size)?)
    }

    /// The key field of record `i` (such as `tenant_id`), when the schema has one and it is a
    /// string that is present.
    pub fn key(&self, i: usize) -> Option<&str> {
        let schema = self.shape.schema();
        let key = schema.key? as usize;
        let field = schema.record(schema.input)?.fields.get(key)?;
        let place = self.shape.input_fields().get(key)?;
        let record = self.record(i)?;
        let at = place.offset as usize;
        let at = match &field.ty {
            Ty::String => at,
            Ty::Optional(inner) if **inner == Ty::String => (*record.get(at)? == 1).then_some(at + 4)?,
            _ => return None,
        };
        let (offset, len) = (read_u32(record, at)?, read_u32(record, at + 4)?);
        let bytes = self.vars.get(offset as usize..(offset as usize).checked_add(len as usize)?)?;
        std::str::from_utf8(bytes).ok()
    }

    /// Appends the record in `text`, one JSON object of the input type. On error the batch is
    /// unchanged and the error is the one [`json::decode_input`] gives for the same text.
    pub fn push_json(&mut self, text: &str) -> Result<(), RecordError> {
        if self.push_fast(text) {
            return Ok(());
        }
        self.push_serde(text)
    }

    /// [`Self::push_json`] through the serde reader alone (serde_json and the schema-driven
    /// visitor, which gives every error its message and path), never the fast reader: the same
    /// result, more slowly. For benchmarks and differential tests of the two readers.
    #[doc(hidden)]
    pub fn push_json_serde(&mut self, text: &str) -> Result<(), RecordError> {
        self.push_serde(text)
    }

    /// Appends one record of a host type generated from the policy (`dexpc types --lang rust`,
    /// see [`crate::typed::direct`]), written at the offsets it was generated with: the bytes
    /// [`Self::push_json`] writes for its JSON, or the error (with its path) that `push_json`
    /// gives for it. A type generated for other types than this batch's is refused (path `""`).
    pub fn push_direct<I: Input>(&mut self, value: &I) -> Result<(), RecordError> {
        if I::LAYOUT != self.shape.fingerprint() {
            return Err(RecordError { path: String::new(), message: foreign_types(I::LAYOUT, &self.shape) });
        }
        let size = self.shape.layout().input_size as usize;
        let mut w = Writer::new(&mut self.scratch.stage, size, self.vars.len());
        value.write(&mut w).map_err(PathError::into_record_error)?;
        let (fixed, vars) = w.parts();
        self.records.extend_from_slice(fixed);
        self.vars.extend_from_slice(vars);
        self.count += 1;
        Ok(())
    }

    /// Appends the record in `text` through serde_json and the schema-driven visitor, which
    /// gives every error its message and path.
    fn push_serde(&mut self, text: &str) -> Result<(), RecordError> {
        self.push_with(|enc, top| {
            let mut de = serde_json::Deserializer::from_str(text);
            let result = Seed { ty: top, at: 0, enc }.deserialize(&mut de).and_then(|()| de.end());
            result.map_err(|e| format!("invalid JSON: {e}"))
        })
    }

    /// Appends the record in `text` through the fast reader (`fast`) when it takes it; `false`,
    /// with the batch unchanged, when the serde reader must read it.
    fn push_fast(&mut self, text: &str) -> bool {
        let vars_len = self.vars.len();
        let size = self.shape.layout().input_size as usize;
        let scratch = &mut self.scratch;
        scratch.stage.clear();
        scratch.stage.resize(size, 0);
        let mut enc = Enc { schema: self.shape.schema(), shape: &self.shape, vars: &mut self.vars, s: scratch };
        if fast::record_text(&mut enc, text).is_some() {
            if let Some(fixed) = self.scratch.stage.get(..size) {
                self.records.extend_from_slice(fixed);
                self.count += 1;
                return true;
            }
        }
        self.vars.truncate(vars_len);
        false
    }

    /// Appends one record that `write` puts into the stage (its fixed part at 0, lists on the
    /// stage above it) and the variable area, reporting problems through [`Enc::fail`]. On
    /// error the batch is unchanged; the error is the first one `write` recorded, else its own
    /// message at the path `""`. Both the JSON reader and the typed serializer
    /// (`crate::typed`) write records through this, so they stage and commit alike.
    pub(crate) fn push_with(
        &mut self,
        write: impl for<'e> FnOnce(&mut Enc<'e>, &'e Ty) -> Result<(), String>,
    ) -> Result<(), RecordError> {
        let vars_len = self.vars.len();
        let size = self.shape.layout().input_size as usize;
        let scratch = &mut self.scratch;
        scratch.stage.clear();
        scratch.stage.resize(size, 0);
        scratch.path.clear();
        scratch.seen.clear();
        scratch.error = None;
        let top = Ty::Record(self.shape.schema().input);
        let mut enc = Enc { schema: self.shape.schema(), shape: &self.shape, vars: &mut self.vars, s: scratch };
        let result = write(&mut enc, &top);
        // A recorded error wins even if the writer carried on after it.
        match (result, self.scratch.error.take()) {
            (Ok(()), None) => {
                let fixed = self.scratch.stage.get(..size).unwrap_or_default();
                self.records.extend_from_slice(fixed);
                self.count += 1;
                Ok(())
            }
            (result, recorded) => {
                self.vars.truncate(vars_len);
                Err(recorded
                    .unwrap_or_else(|| RecordError { path: String::new(), message: result.err().unwrap_or_default() }))
            }
        }
    }
}

/// Why a generated host type cannot be used with `shape`.
pub(crate) fn foreign_types(layout: u64, shape: &Shape) -> String {
    format!(
        "the host types were generated for other policy types (fingerprint {layout:#018x}, the policy's is {:#018x}): \
         run `dexpc types --lang rust` again",
        shape.fingerprint()
    )
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(b.try_into().ok()?))
}

/// The state one record's visitors (or serializers) share.
pub(crate) struct Enc<'e> {
    pub(crate) schema: &'e Schema,
    pub(crate) shape: &'e Shape,
    pub(crate) vars: &'e mut Vec<u8>,
    pub(crate) s: &'e mut Scratch,
}

impl Enc<'_> {
    pub(crate) fn path_string(&self, extra: Option<&str>) -> String {
        let mut out = String::new();
        for seg in &self.s.path {
            match *seg {
                Seg::Field { record, field } => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    let name = self.schema.record(record).and_then(|r| r.fields.get(field as usize));
                    out.push_str(name.map_or("", |f| f.name.as_str()));
                }
                Seg::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
                Seg::Key { offset, len } => {
                    let key = self.var_bytes(offset, len).and_then(|b| std::str::from_utf8(b).ok());
                    json::push_key_segment(&mut out, key.unwrap_or_default());
                }
            }
        }
        if let Some(name) = extra {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(name);
        }
        out
    }

    /// Records the first error with the current path and returns a serde error to unwind with.
    fn fail<E: de::Error>(&mut self, extra: Option<&str>, message: String) -> E {
        self.record_error(extra, message);
        E::custom("")
    }

    /// Writes the JSON number text `raw` (or `null`, or any other JSON value, refused) as a
    /// value of `ty` (`decimal` or `decimal?`) at `at`, with [`json::decimal_from_raw`]'s checks:
    /// the one implementation for JSON text and for the typed serializer.
    pub(crate) fn put_decimal(&mut self, ty: &Ty, at: usize, raw: &str) -> Result<(), String> {
        match json::decimal_from_raw(self.schema, ty, raw)? {
            None => Ok(()),
            Some(units) => {
                let at = if let Ty::Optional(inner) = ty {
                    self.put(at, &[1]);
                    at + self.ty_layout(inner).align as usize
                } else {
                    at
                };
                self.put(at, &units.to_le_bytes());
                Ok(())
            }
        }
    }

    /// Writes the JSON string `v` as a value of `ty` at `at`: a string, a date or an enum
    /// variant, with the JSON reader's checks (the one implementation for JSON text and for the
    /// typed serializer). `Ok(false)` when `ty` takes no string, so the caller reports the
    /// mismatch; `Err` is the message of the record's error.
    pub(crate) fn put_text(&mut self, ty: &Ty, at: usize, v: &str) -> Result<bool, String> {
        match self.put_text_bytes(ty, at, v.as_bytes()) {
            Ok(()) => Ok(true),
            Err(TextRefused::NotText) => Ok(false),
            Err(TextRefused::TooLong) => Err(json::string_too_long(v.len())),
            Err(TextRefused::Full) => Err("does not fit in a batch (4 GiB of strings and lists)".into()),
            Err(TextRefused::BadDate) => {
                Err(format!("{} is not a valid date (YYYY-MM-DD between 0001-01-01 and 9999-12-31)", json::quoted(v)))
            }
            Err(TextRefused::UnknownVariant) => {
                let variants = match ty {
                    Ty::Enum(i) => self.schema.enum_def(*i).map(|d| d.variants.join(", ")).unwrap_or_default(),
                    _ => String::new(),
                };
                Err(format!("unknown value {}, expected one of {variants}", json::quoted(v)))
            }
        }
    }

    /// [`Self::put_text`] on the string's bytes, saying why it refuses them rather than how:
    /// the fast reader gives up on any refusal, and `put_text` words it.
    pub(crate) fn put_text_bytes(&mut self, ty: &Ty, at: usize, text: &[u8]) -> Result<(), TextRefused> {
        match ty {
            Ty::String => {
                if text.is_empty() {
                    return Ok(());
                }
                if text.len() > json::MAX_STRING_BYTES {
                    return Err(TextRefused::TooLong);
                }
                let offset = self.append_var(text, 1).ok_or(TextRefused::Full)?;
                self.put_ref(at, offset, text.len() as u32);
            }
            Ty::Date => {
                let day = crate::date::parse_bytes(text).ok_or(TextRefused::BadDate)?;
                self.put(at, &day.to_le_bytes());
            }
            Ty::Enum(i) => {
                let variants = self.shape.variants(*i).ok_or(TextRefused::NotText)?;
                let pos = variants.find(text).ok_or(TextRefused::UnknownVariant)?;
                if variants.names().len() <= 256 {
                    self.put(at, &[pos as u8]);
                } else {
                    self.put(at, &(pos as u32).to_le_bytes());
                }
            }
            _ => return Err(TextRefused::NotText),
        }
        Ok(())
    }

    /// Records the record's first error, at the current path (plus the field `extra`).
    pub(crate) fn record_error(&mut self, extra: Option<&str>, message: String) {
        if self.s.error.is_none() {
            self.s.error = Some(RecordError { path: self.path_string(extra), message });
        }
    }

    /// The `len` bytes at `offset` of the variable area.
    fn var_bytes(&self, offset: u32, len: u32) -> Option<&[u8]> {
        let start = offset as usize;
        self.vars.get(start..start.checked_add(len as usize)?)
    }

    /// The key of the map entry staged at `pos`.
    fn staged_key(&self, pos: usize) -> &[u8] {
        self.staged_key_in(&self.s.stage, pos)
    }

    /// The key of the map entry at `pos` of `stage`, its bytes in the variable area.
    fn staged_key_in<'b>(&'b self, stage: &[u8], pos: usize) -> &'b [u8] {
        let key = read_u32(stage, pos).zip(read_u32(stage, pos + 4));
        key.and_then(|(offset, len)| self.var_bytes(offset, len)).unwrap_or_default()
    }

    pub(crate) fn put(&mut self, at: usize, bytes: &[u8]) {
        // The stage always holds the slot being written: callers reserve it first.
        if let Some(dst) = self.s.stage.get_mut(at..at + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
    }

    pub(crate) fn put_ref(&mut self, at: usize, offset: u32, len: u32) {
        let pair = (u64::from(len) << 32) | u64::from(offset);
        self.put(at, &pair.to_le_bytes());
    }

    pub(crate) fn ty_layout(&self, ty: &Ty) -> TyLayout {
        // A shape's layout covers every type of its schema.
        self.shape.layout().ty(ty).unwrap_or(TyLayout { size: 0, align: 1 })
    }

    /// Appends `bytes` to the variable area at a multiple of `align`; returns their offset.
    pub(crate) fn append_var(&mut self, bytes: &[u8], align: usize) -> Option<u32> {
        let start = self.vars.len().checked_next_multiple_of(align)?;
        let end = start.checked_add(bytes.len())?;
        u32::try_from(end).ok()?;
        self.vars.resize(start, 0);
        self.vars.extend_from_slice(bytes);
        u32::try_from(start).ok()
    }
}

struct Seed<'a, 'e> {
    ty: &'e Ty,
    at: usize,
    enc: &'a mut Enc<'e>,
}

impl<'de> DeserializeSeed<'de> for Seed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let enc = self.enc;
        if enc.s.path.len() > MAX_JSON_DEPTH {
            return Err(enc.fail(None, format!("nested deeper than {MAX_JSON_DEPTH} levels")));
        }
        let result = if json::is_decimal(self.ty) {
            // A decimal is read from the number's text, never through a double.
            let raw: Result<&serde_json::value::RawValue, D::Error> = serde::Deserialize::deserialize(d);
            raw.and_then(|raw| enc.put_decimal(self.ty, self.at, raw.get()).map_err(|message| enc.fail(None, message)))
        } else {
            d.deserialize_any(Vis { ty: self.ty, at: self.at, enc: &mut *enc })
        };
        if let Err(e) = &result {
            // A JSON syntax error surfaces here first: pin it to the innermost path.
            if enc.s.error.is_none() {
                enc.s.error = Some(RecordError { path: enc.path_string(None), message: format!("invalid JSON: {e}") });
            }
        }
        result
    }
}

struct Vis<'a, 'e> {
    ty: &'e Ty,
    at: usize,
    enc: &'a mut Enc<'e>,
}

impl<'e> Vis<'_, 'e> {
    fn mismatch<E: de::Error>(&mut self, found: &str) -> E {
        let message = format!("expected {}, found {found}", json::describe(self.enc.schema, self.ty));
        self.enc.fail(None, message)
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

    fn too_large<E: de::Error>(&mut self) -> E {
        self.enc.fail(None, "does not fit in a batch (4 GiB of strings and lists)".into())
    }
}

impl<'de> Visitor<'de> for Vis<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&json::describe(self.enc.schema, self.ty))
    }

    fn visit_unit<E: de::Error>(mut self) -> Result<(), E> {
        match self.ty {
            // The tag and value stay zero: absent.
            Ty::Optional(_) => Ok(()),
            _ => Err(self.mismatch("null")),
        }
    }

    fn visit_bool<E: de::Error>(mut self, v: bool) -> Result<(), E> {
        match self.present() {
            (Ty::Bool, at) => {
                self.enc.put(at, &[u8::from(v)]);
                Ok(())
            }
            _ => Err(self.mismatch(if v { "true" } else { "false" })),
        }
    }

    fn visit_i64<E: de::Error>(mut self, v: i64) -> Result<(), E> {
        match self.present() {
            (Ty::Int, at) => {
                self.enc.put(at, &v.to_le_bytes());
                Ok(())
            }
            _ => Err(self.mismatch(&format!("number {v}"))),
        }
    }

    fn visit_u64<E: de::Error>(mut self, v: u64) -> Result<(), E> {
        match self.present() {
            (Ty::Int, at) => match i64::try_from(v) {
                Ok(i) => {
                    self.enc.put(at, &i.to_le_bytes());
                    Ok(())
                }
                Err(_) => Err(self.enc.fail(None, format!("{v} does not fit in a 64-bit int"))),
            },
            _ => Err(self.mismatch(&format!("number {v}"))),
        }
    }

    fn visit_f64<E: de::Error>(mut self, v: f64) -> Result<(), E> {
        match self.present() {
            (Ty::Int, _) if v.fract() != 0.0 || !v.is_finite() => Err(self.mismatch(&format!("number {v}"))),
            // Whole numbers written with an exponent or beyond 2^63 arrive as floats.
            (Ty::Int, _) if v.abs() >= json::INT_RANGE_F64 => {
                Err(self.enc.fail(None, "number is outside the 64-bit int range".to_string()))
            }
            (Ty::Int, _) => {
                Err(self.enc.fail(None, "expected an int written without a fraction or exponent".to_string()))
            }
            _ => Err(self.mismatch(&format!("number {v}"))),
        }
    }

    fn visit_str<E: de::Error>(mut self, v: &str) -> Result<(), E> {
        let (ty, at) = self.present();
        match self.enc.put_text(ty, at, v) {
            Ok(true) => Ok(()),
            Ok(false) => Err(self.mismatch("string")),
            Err(message) => Err(self.enc.fail(None, message)),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let (Ty::List(elem), at) = self.present() else {
            return Err(self.mismatch("list"));
        };
        let el = self.enc.ty_layout(elem);
        let enc = &mut *self.enc;
        let start = enc.s.stage.len();
        let mut count = 0usize;
        loop {
            enc.s.path.push(Seg::Index(count));
            let pos = enc.s.stage.len();
            enc.s.stage.resize(pos + el.size as usize, 0);
            let next = seq.next_element_seed(Seed { ty: elem, at: pos, enc: &mut *enc });
            enc.s.path.pop();
            match next? {
                Some(()) if count == json::MAX_LIST_ITEMS => {
                    enc.s.stage.truncate(start);
                    return Err(enc.fail(None, json::list_too_long()));
                }
                Some(()) => count += 1,
                None => {
                    enc.s.stage.truncate(pos);
                    break;
                }
            }
        }
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
                self.enc.put_ref(at, offset, count);
                Ok(())
            }
            _ => Err(self.too_large()),
        }
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let schema = self.enc.schema;
        let (ty, at) = self.present();
        if let Ty::Map(value_ty) = ty {
            return entries(self.enc, value_ty, at, map);
        }
        let Ty::Record(r) = ty else {
            return Err(self.mismatch("object"));
        };
        let (Some(def), Some(layout)) = (schema.record(*r), self.enc.shape.layout().record(*r)) else {
            return Err(self.mismatch("object"));
        };
        let enc = &mut *self.enc;
        let seen = enc.s.seen.len();
        enc.s.seen.resize(seen + def.fields.len(), false);
        while let Some(key) = map.next_key_seed(KeySeed { names: def.fields.iter().map(|f| f.name.as_str()) })? {
            let Some(index) = key else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let (Some(field), Some(place)) = (def.fields.get(index), layout.fields.get(index)) else {
                continue;
            };
            match enc.s.seen.get_mut(seen + index) {
                Some(flag) if !*flag => *flag = true,
                _ => return Err(enc.fail(Some(&field.name), "duplicate field".into())),
            }
            enc.s.path.push(Seg::Field { record: *r, field: index as u32 });
            let value = map.next_value_seed(Seed { ty: &field.ty, at: at + place.offset as usize, enc: &mut *enc });
            enc.s.path.pop();
            value?;
        }
        for (i, field) in def.fields.iter().enumerate() {
            let read = enc.s.seen.get(seen + i).copied().unwrap_or(false);
            if !read && !matches!(field.ty, Ty::Optional(_)) {
                return Err(enc.fail(Some(&field.name), "missing field".into()));
            }
        }
        enc.s.seen.truncate(seen);
        Ok(())
    }
}

/// A map key read by [`KeySink`] (or given to the typed serializer), appended to the
/// variable area as it arrives.
pub(crate) enum KeyRead {
    /// The key's bytes, appended to the variable area (`(0, 0)` for the empty key).
    At(u32, u32),
    /// A key over the string limit, by its length; nothing was appended.
    TooLong(usize),
    /// The variable area would pass 4 GiB.
    TooLarge,
}

impl KeyRead {
    /// Appends the map key `key` to the variable area `vars`, unless it is over the string
    /// limit or would take the area past 4 GiB: the one implementation for JSON text and the
    /// typed serializer.
    pub(crate) fn append(vars: &mut Vec<u8>, key: &str) -> KeyRead {
        if key.len() > json::MAX_STRING_BYTES {
            return KeyRead::TooLong(key.len());
        }
        if key.is_empty() {
            return KeyRead::At(0, 0);
        }
        let start = vars.len();
        match (u32::try_from(start), u32::try_from(start + key.len())) {
            (Ok(offset), Ok(_)) => {
                vars.extend_from_slice(key.as_bytes());
                KeyRead::At(offset, key.len() as u32)
            }
            _ => KeyRead::TooLarge,
        }
    }
}

/// Appends a map key's bytes to the variable area as it is read.
struct KeySink<'v>(&'v mut Vec<u8>);

impl<'de> DeserializeSeed<'de> for KeySink<'_> {
    type Value = KeyRead;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<KeyRead, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySink<'_> {
    type Value = KeyRead;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyRead, E> {
        Ok(KeyRead::append(self.0, v))
    }
}

/// Reads a JSON object as a map of `value_ty` whose reference goes at `at`, with the checks and
/// error order of the reference decoder: a key over the limit fails at the map, a key given
/// twice at its entry, then the value is read, then the number of entries is checked. Entries
/// are staged like list elements and written to the variable area sorted by their keys' bytes.
/// While keys arrive in increasing order (as most writers produce them) a duplicate can only be
/// the previous key; from the first key out of order on, a set of the keys so far decides.
fn entries<'de, 'e, A: MapAccess<'de>>(
    enc: &mut Enc<'e>,
    value_ty: &'e Ty,
    at: usize,
    mut map: A,
) -> Result<(), A::Error> {
    let el = crate::abi::entry_layout(enc.ty_layout(value_ty)).unwrap_or(TyLayout { size: 8, align: 4 });
    let size = el.size as usize;
    let start = enc.s.stage.len();
    let mut count = 0usize;
    let mut seen: Option<std::collections::HashSet<Box<[u8]>>> = None;
    while let Some(key) = map.next_key_seed(KeySink(&mut *enc.vars))? {
        let (offset, len) = match key {
            KeyRead::At(offset, len) => (offset, len),
            KeyRead::TooLong(len) => {
                enc.s.stage.truncate(start);
                return Err(enc.fail(None, json::key_too_long(len)));
            }
            KeyRead::TooLarge => {
                enc.s.stage.truncate(start);
                return Err(enc.fail(None, "does not fit in a batch (4 GiB of strings and lists)".into()));
            }
        };
        let key = enc.var_bytes(offset, len).unwrap_or_default();
        let duplicate = match &mut seen {
            Some(set) => !set.insert(key.into()),
            None if count == 0 => false,
            None => match enc.staged_key(start + (count - 1) * size).cmp(key) {
                std::cmp::Ordering::Less => false,
                std::cmp::Ordering::Equal => true,
                std::cmp::Ordering::Greater => {
                    let mut set: std::collections::HashSet<Box<[u8]>> =
                        (0..count).map(|i| enc.staged_key(start + i * size).into()).collect();
                    let duplicate = !set.insert(key.into());
                    seen = Some(set);
                    duplicate
                }
            },
        };
        enc.s.path.push(Seg::Key { offset, len });
        if duplicate {
            let error = enc.fail(None, json::DUPLICATE_KEY.into());
            enc.s.stage.truncate(start);
            return Err(error);
        }
        let pos = enc.s.stage.len();
        enc.s.stage.resize(pos + size, 0);
        enc.put_ref(pos, offset, len);
        let value = map.next_value_seed(Seed { ty: value_ty, at: pos + ENTRY_VALUE_OFFSET as usize, enc: &mut *enc });
        enc.s.path.pop();
        if let Err(e) = value {
            enc.s.stage.truncate(start);
            return Err(e);
        }
        if count == json::MAX_LIST_ITEMS {
            enc.s.stage.truncate(start);
            return Err(enc.fail(None, json::map_too_long()));
        }
        count += 1;
    }
    if count == 0 {
        return Ok(());
    }
    let staged = std::mem::take(&mut enc.s.stage);
    let offset = {
        let entries = staged.get(start..).unwrap_or_default();
        if seen.is_none() {
            enc.append_var(entries, el.align as usize)
        } else {
            let mut order: Vec<usize> = (0..count).collect();
            order.sort_by(|&a, &b| {
                enc.staged_key_in(&staged, start + a * size).cmp(enc.staged_key_in(&staged, start + b * size))
            });
            let mut sorted = Vec::with_capacity(entries.len());
            for i in order {
                sorted.extend_from_slice(staged.get(start + i * size..start + (i + 1) * size).unwrap_or_default());
            }
            enc.append_var(&sorted, el.align as usize)
        }
    };
    enc.s.stage = staged;
    enc.s.stage.truncate(start);
    match (offset, u32::try_from(count)) {
        (Some(offset), Ok(count)) => {
            enc.put_ref(at, offset, count);
            Ok(())
        }
        _ => Err(enc.fail(None, "does not fit in a batch (4 GiB of strings and lists)".into())),
    }
}

#[cfg(test)]
#[path = "encode/tests.rs"]
mod tests;
