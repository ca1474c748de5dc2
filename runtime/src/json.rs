//! Reading records from JSON text into [`Value`]s, and writing values back as JSON.
//!
//! Decoding is driven by the schema: one serde visitor walks the JSON text and the declared
//! type together, so no generic JSON tree is built, unknown fields are skipped without being
//! decoded, and every error names the path of the field it is about (`products[1].mode`).

use crate::date;
use crate::schema::{Schema, Ty, Value};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::sync::Arc;

/// Why a record could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct RecordError {
    /// The field path, such as `products[1].mode`; empty for the record itself.
    pub path: String,
    /// What is wrong with the value at that path.
    pub message: String,
}

/// The most nested JSON a record may have, counting every array and object.
pub const MAX_JSON_DEPTH: usize = 64;
/// The longest string value a record may hold, in bytes of UTF-8.
pub const MAX_STRING_BYTES: usize = 1 << 20;
/// The most elements one list in a record may hold.
pub const MAX_LIST_ITEMS: usize = 1 << 16;

/// The message for a string over [`MAX_STRING_BYTES`].
pub(crate) fn string_too_long(len: usize) -> String {
    format!("string of {len} bytes is longer than the limit of {MAX_STRING_BYTES} bytes")
}

/// The message for a map with more than [`MAX_LIST_ITEMS`] entries.
pub(crate) fn map_too_long() -> String {
    format!("map has more than the limit of {MAX_LIST_ITEMS} entries")
}

/// The message for a map key over [`MAX_STRING_BYTES`].
pub(crate) fn key_too_long(len: usize) -> String {
    format!("key of {len} bytes is longer than the limit of {MAX_STRING_BYTES} bytes")
}

/// The message for a key given twice in one map.
pub(crate) const DUPLICATE_KEY: &str = "duplicate key";

/// Appends the path segment of a map entry, `["KEY"]`, the key written as a JSON string.
pub(crate) fn push_key_segment(out: &mut String, key: &str) {
    out.push('[');
    crate::decode::write_json_str(out, key);
    out.push(']');
}

/// The message for a list over [`MAX_LIST_ITEMS`].
pub(crate) fn list_too_long() -> String {
    format!("list has more than the limit of {MAX_LIST_ITEMS} elements")
}

/// 2^63 as a double: a whole number that serde_json reads as a double (written with a
/// fraction or an exponent, `-0`, or an integer beyond the 64-bit range) is outside the int
/// range when its magnitude is at least this. (-2^63 itself counts as outside: an integer
/// literal just below it rounds to it.)
pub(crate) const INT_RANGE_F64: f64 = 9_223_372_036_854_775_808.0;

/// Decodes one JSON text as a value of the schema's input record.
pub fn decode_input(schema: &Schema, text: &str) -> Result<Value, RecordError> {
    decode(schema, &Ty::Record(schema.input), text)
}

/// Decodes one JSON text as a value of type `ty`.
pub fn decode(schema: &Schema, ty: &Ty, text: &str) -> Result<Value, RecordError> {
    let ctx = Ctx { schema, path: RefCell::new(Vec::new()), error: RefCell::new(None) };
    let mut de = serde_json::Deserializer::from_str(text);
    let result = TySeed { ty, ctx: &ctx }.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    match result {
        Ok(value) => Ok(value),
        Err(e) => Err(ctx
            .error
            .into_inner()
            .unwrap_or_else(|| RecordError { path: String::new(), message: json_syntax_message(&e) })),
    }
}

/// Reads the string field `key` of a JSON object, as far as the text can be read. Used to name
/// a record in an error report when the record itself could not be decoded.
pub fn probe_key(text: &str, key: &str) -> Option<String> {
    struct Probe<'k>(&'k str, RefCell<Option<String>>);
    impl<'de> Visitor<'de> for &Probe<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if k == self.0 {
                    if let Ok(v) = map.next_value::<String>() {
                        *self.1.borrow_mut() = Some(v);
                    }
                    return Ok(());
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(())
        }
    }
    let probe = Probe(key, RefCell::new(None));
    let mut de = serde_json::Deserializer::from_str(text);
    let _ = de::Deserializer::deserialize_map(&mut de, &probe);
    probe.1.into_inner()
}

/// Whether an NDJSON line is blank: empty, or only JSON whitespace other than line feeds
/// (spaces, tabs and carriage returns). A blank line is skipped; it has no output line, but it
/// is counted in line numbers.
pub fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

/// The error of an NDJSON line that is not UTF-8: `invalid UTF-8 at byte N`, where `N` is the
/// 0-based offset in the line of the first byte that is not part of valid UTF-8.
pub fn invalid_utf8(valid_up_to: usize) -> RecordError {
    RecordError { path: String::new(), message: format!("invalid UTF-8 at byte {valid_up_to}") }
}

fn json_syntax_message(e: &serde_json::Error) -> String {
    format!("invalid JSON: {e}")
}

enum Seg<'a> {
    Field(&'a str),
    Index(usize),
    Key(Arc<str>),
}

struct Ctx<'s> {
    schema: &'s Schema,
    path: RefCell<Vec<Seg<'s>>>,
    error: RefCell<Option<RecordError>>,
}

impl<'s> Ctx<'s> {
    fn path_string(&self, extra: Option<&str>) -> String {
        let mut out = String::new();
        for seg in self.path.borrow().iter() {
            match seg {
                Seg::Field(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                Seg::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
                Seg::Key(key) => push_key_segment(&mut out, key),
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
    fn fail<E: de::Error>(&self, extra: Option<&str>, message: String) -> E {
        let mut slot = self.error.borrow_mut();
        if slot.is_none() {
            *slot = Some(RecordError { path: self.path_string(extra), message });
        }
        E::custom("")
    }

    fn describe(&self, ty: &Ty) -> String {
        describe(self.schema, ty)
    }
}

/// Names the JSON a value of type `ty` is written as, for "expected ..." messages.
pub(crate) fn describe(schema: &Schema, ty: &Ty) -> String {
    match ty {
        Ty::Bool => "bool".into(),
        Ty::Int => "int".into(),
        Ty::Decimal => "decimal".into(),
        Ty::Date => "date (YYYY-MM-DD)".into(),
        Ty::String => "string".into(),
        Ty::Enum(i) => match schema.enum_def(*i) {
            Some(e) => format!("one of {}", e.variants.join(", ")),
            None => "enum".into(),
        },
        Ty::Record(_) | Ty::Map(_) => "object".into(),
        Ty::List(_) => "list".into(),
        Ty::Entry(_) => "map entry".into(),
        Ty::Optional(inner) => format!("{} or null", describe(schema, inner)),
        Ty::Codes(_) => "list of codes".into(),
    }
}

/// Whether `ty` is `decimal` or `decimal?`: a value the readers take as raw number text.
pub(crate) fn is_decimal(ty: &Ty) -> bool {
    match ty {
        Ty::Decimal => true,
        Ty::Optional(inner) => **inner == Ty::Decimal,
        _ => false,
    }
}

/// Reads the raw JSON text of a value of type `ty` (`decimal` or `decimal?`, see
/// [`is_decimal`]): `Some` millionths, `None` for `null` where that is allowed, or the message
/// of the record's error. The number is read exactly ([`crate::decimal::parse`]); every JSON
/// reader and the typed serializer go through here, so they accept and refuse alike.
pub(crate) fn decimal_from_raw(schema: &Schema, ty: &Ty, raw: &str) -> Result<Option<i64>, String> {
    let mismatch = |found: &str| format!("expected {}, found {found}", describe(schema, ty));
    match raw.as_bytes().first() {
        Some(b'-' | b'0'..=b'9') => crate::decimal::parse(raw).map(Some).map_err(|e| e.message(raw)),
        Some(b'n') if matches!(ty, Ty::Optional(_)) => Ok(None),
        Some(b'n') => Err(mismatch("null")),
        Some(b't') => Err(mismatch("true")),
        Some(b'f') => Err(mismatch("false")),
        Some(b'"') => Err(mismatch("string")),
        Some(b'[') => Err(mismatch("list")),
        _ => Err(mismatch("object")),
    }
}

struct TySeed<'a, 's> {
    ty: &'a Ty,
    ctx: &'a Ctx<'s>,
}

impl<'de> DeserializeSeed<'de> for TySeed<'_, '_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        let depth = self.ctx.path.borrow().len();
        if depth > MAX_JSON_DEPTH {
            return Err(self.ctx.fail(None, format!("nested deeper than {MAX_JSON_DEPTH} levels")));
        }
        let result = if is_decimal(self.ty) {
            // A decimal is read from the number's text, never through a double.
            let ctx = self.ctx;
            let raw: Result<&serde_json::value::RawValue, D::Error> = serde::Deserialize::deserialize(d);
            raw.and_then(|raw| match decimal_from_raw(ctx.schema, self.ty, raw.get()) {
                Ok(Some(v)) => Ok(Value::Decimal(v)),
                Ok(None) => Ok(Value::Null),
                Err(message) => Err(ctx.fail(None, message)),
            })
        } else {
            d.deserialize_any(TyVisitor { ty: self.ty, ctx: self.ctx })
        };
        if let Err(e) = &result {
            // A JSON syntax error surfaces here first: pin it to the innermost path.
            let mut slot = self.ctx.error.borrow_mut();
            if slot.is_none() {
                *slot = Some(RecordError { path: self.ctx.path_string(None), message: format!("invalid JSON: {e}") });
            }
        }
        result
    }
}

struct TyVisitor<'a, 's> {
    ty: &'a Ty,
    ctx: &'a Ctx<'s>,
}

impl TyVisitor<'_, '_> {
    fn mismatch<E: de::Error>(&self, found: &str) -> E {
        self.ctx.fail(None, format!("expected {}, found {found}", self.ctx.describe(self.ty)))
    }

    fn base(&self) -> &Ty {
        match self.ty {
            Ty::Optional(inner) => inner,
            other => other,
        }
    }
}

impl<'de> Visitor<'de> for TyVisitor<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.ctx.describe(self.ty))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        match self.ty {
            Ty::Optional(_) => Ok(Value::Null),
            _ => Err(self.mismatch("null")),
        }
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        match self.base() {
            Ty::Bool => Ok(Value::Bool(v)),
            _ => Err(self.mismatch(if v { "true" } else { "false" })),
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        match self.base() {
            Ty::Int => Ok(Value::Int(v)),
            _ => Err(self.mismatch(&format!("number {v}"))),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        match self.base() {
            Ty::Int => match i64::try_from(v) {
                Ok(i) => Ok(Value::Int(i)),
                Err(_) => Err(self.ctx.fail(None, format!("{v} does not fit in a 64-bit int"))),
            },
            _ => Err(self.mismatch(&format!("number {v}"))),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        match self.base() {
            Ty::Int if v.fract() != 0.0 || !v.is_finite() => Err(self.mismatch(&format!("number {v}"))),
            // Whole numbers written with an exponent or beyond 2^63 arrive as floats.
            Ty::Int if v.abs() >= INT_RANGE_F64 => {
                Err(self.ctx.fail(None, "number is outside the 64-bit int range".to_string()))
            }
            Ty::Int => Err(self.ctx.fail(None, "expected an int written without a fraction or exponent".to_string())),
            _ => Err(self.mismatch(&format!("number {v}"))),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        let ctx = self.ctx;
        match self.base() {
            Ty::String if v.len() > MAX_STRING_BYTES => Err(ctx.fail(None, string_too_long(v.len()))),
            Ty::String => Ok(Value::Str(Arc::from(v))),
            Ty::Date => match date::parse(v) {
                Some(d) => Ok(Value::Date(d)),
                None => Err(ctx.fail(
                    None,
                    format!("{} is not a valid date (YYYY-MM-DD between 0001-01-01 and 9999-12-31)", quoted(v)),
                )),
            },
            Ty::Enum(i) => {
                let Some(def) = ctx.schema.enum_def(*i) else {
                    return Err(self.mismatch("string"));
                };
                match def.variants.iter().position(|variant| variant == v) {
                    Some(pos) => Ok(Value::Enum(pos as u32)),
                    None => Err(ctx.fail(
                        None,
                        format!("unknown value {}, expected one of {}", quoted(v), def.variants.join(", ")),
                    )),
                }
            }
            _ => Err(self.mismatch("string")),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let Ty::List(elem) = self.base() else {
            return Err(self.mismatch("list"));
        };
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        loop {
            self.ctx.path.borrow_mut().push(Seg::Index(items.len()));
            let next = seq.next_element_seed(TySeed { ty: elem, ctx: self.ctx });
            self.ctx.path.borrow_mut().pop();
            match next? {
                Some(v) if items.len() == MAX_LIST_ITEMS => {
                    drop(v);
                    return Err(self.ctx.fail(None, list_too_long()));
                }
                Some(v) => items.push(v),
                None => break,
            }
        }
        Ok(Value::List(items.into()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let ctx = self.ctx;
        if let Ty::Map(value_ty) = self.base() {
            return visit_entries(ctx, value_ty, map);
        }
        let Ty::Record(r) = self.base() else {
            return Err(self.mismatch("object"));
        };
        let Some(def) = ctx.schema.record(*r) else {
            return Err(self.mismatch("object"));
        };
        let mut fields: Vec<Option<Value>> = vec![None; def.fields.len()];
        while let Some(key) = map.next_key_seed(KeySeed { names: def.fields.iter().map(|f| f.name.as_str()) })? {
            let Some(index) = key else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let Some(field) = def.fields.get(index) else {
                continue;
            };
            let name = ctx.schema.record(*r).and_then(|d| d.fields.get(index)).map(|f| f.name.as_str()).unwrap_or("");
            if fields.get(index).is_some_and(Option::is_some) {
                return Err(ctx.fail(Some(name), "duplicate field".into()));
            }
            ctx.path.borrow_mut().push(Seg::Field(name));
            let value = map.next_value_seed(TySeed { ty: &field.ty, ctx });
            ctx.path.borrow_mut().pop();
            if let Some(slot) = fields.get_mut(index) {
                *slot = Some(value?);
            }
        }
        let mut values = Vec::with_capacity(fields.len());
        for (field, value) in def.fields.iter().zip(fields) {
            match (value, &field.ty) {
                (Some(v), _) => values.push(v),
                (None, Ty::Optional(_)) => values.push(Value::Null),
                (None, _) => return Err(ctx.fail(Some(&field.name), "missing field".into())),
            }
        }
        Ok(Value::Record(values.into()))
    }
}

/// Reads the entries of a JSON object as a map of `value_ty`, left to right: a key over the
/// string limit fails at the map, a key given twice at its entry, then the value is read,
/// then the number of entries is checked. The entries are sorted by the bytes of their keys.
fn visit_entries<'de, A: MapAccess<'de>>(ctx: &Ctx<'_>, value_ty: &Ty, mut map: A) -> Result<Value, A::Error> {
    let mut entries: Vec<(Arc<str>, Value)> = Vec::new();
    let mut seen: std::collections::HashSet<Arc<str>> = std::collections::HashSet::new();
    while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
        if key.len() > MAX_STRING_BYTES {
            return Err(ctx.fail(None, key_too_long(key.len())));
        }
        let key: Arc<str> = Arc::from(key.as_ref());
        if !seen.insert(key.clone()) {
            ctx.path.borrow_mut().push(Seg::Key(key));
            let error = ctx.fail(None, DUPLICATE_KEY.into());
            ctx.path.borrow_mut().pop();
            return Err(error);
        }
        ctx.path.borrow_mut().push(Seg::Key(key.clone()));
        let value = map.next_value_seed(TySeed { ty: value_ty, ctx });
        ctx.path.borrow_mut().pop();
        let value = value?;
        if entries.len() == MAX_LIST_ITEMS {
            return Err(ctx.fail(None, map_too_long()));
        }
        entries.push((key, value));
    }
    // `str`'s order is the order of its bytes.
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Value::Map(entries.into()))
}

/// Matches an object key against a record's field names without allocating.
pub(crate) struct KeySeed<I> {
    /// The record's field names in declaration order.
    pub(crate) names: I,
}

impl<'de, 'n, I: Iterator<Item = &'n str>> DeserializeSeed<'de> for KeySeed<I> {
    type Value = Option<usize>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, 'n, I: Iterator<Item = &'n str>> Visitor<'de> for KeySeed<I> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        Ok(self.names.into_iter().position(|name| name == v))
    }
}

/// Quotes `s` as JSON for an error message, cut to its first 64 characters.
pub(crate) fn quoted(s: &str) -> String {
    const MAX: usize = 64;
    let shown: String = s.chars().take(MAX).collect();
    let mut out = serde_json::to_string(&shown).unwrap_or_default();
    if shown.len() < s.len() {
        out.push_str("...");
    }
    out
}

/// Appends `value`, of type `ty`, to `out` as compact JSON.
pub fn write_value(out: &mut String, schema: &Schema, ty: &Ty, value: &Value) {
    match (ty, value) {
        (_, Value::Null) => out.push_str("null"),
        (Ty::Optional(inner), v) => write_value(out, schema, inner, v),
        (_, Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
        (_, Value::Int(i)) => {
            let _ = write!(out, "{i}");
        }
        (_, Value::Decimal(units)) => crate::decimal::write(out, *units),
        (_, Value::Date(d)) => {
            out.push('"');
            out.push_str(&date::format(*d));
            out.push('"');
        }
        (_, Value::Str(s)) => write_str(out, s),
        (Ty::Enum(e), Value::Enum(v)) => {
            let name = schema.enum_def(*e).and_then(|d| d.variants.get(*v as usize)).map(String::as_str).unwrap_or("");
            write_str(out, name);
        }
        (Ty::List(elem), Value::List(items)) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, schema, elem, item);
            }
            out.push(']');
        }
        (Ty::Record(r), Value::Record(fields)) => {
            out.push('{');
            if let Some(def) = schema.record(*r) {
                for (i, (field, v)) in def.fields.iter().zip(fields.iter()).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, &field.name);
                    out.push(':');
                    write_value(out, schema, &field.ty, v);
                }
            }
            out.push('}');
        }
        (Ty::Map(value_ty), Value::Map(entries)) => {
            out.push('{');
            for (i, (key, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, key);
                out.push(':');
                write_value(out, schema, value_ty, v);
            }
            out.push('}');
        }
        (Ty::Codes(g), Value::Codes(bits)) => {
            out.push('[');
            if let Some(group) = schema.group(*g) {
                let mut first = true;
                for (i, code) in group.codes.iter().enumerate() {
                    if i < 64 && bits & (1u64 << i) != 0 {
                        if !first {
                            out.push(',');
                        }
                        first = false;
                        write_str(out, &code.code);
                    }
                }
            }
            out.push(']');
        }
        // A value that does not match its type cannot come out of a checked program.
        _ => out.push_str("null"),
    }
}

/// Appends `s` as a JSON string literal.
pub fn write_str(out: &mut String, s: &str) {
    match serde_json::to_string(s) {
        Ok(quoted) => out.push_str(&quoted),
        Err(_) => out.push_str("\"\""),
    }
}

/// Writes the error object for input line `line` (1-based) that could not be decided.
pub fn write_error_line(out: &mut String, line: u64, key: Option<(&str, &str)>, error: &RecordError) {
    let _ = write!(out, "{{\"line\":{line}");
    if let Some((name, value)) = key {
        out.push(',');
        write_str(out, name);
        out.push(':');
        write_str(out, value);
    }
    out.push_str(",\"error\":{\"path\":");
    write_str(out, &error.path);
    out.push_str(",\"message\":");
    write_str(out, &error.message);
    out.push_str("}}");
}

/// Writes the whole output line (with its newline) of input line `line` that was rejected:
/// the error object, naming the record by the schema's key when the line's text (if any) lets
/// the key be read. Every host that writes `dexpc eval`'s lines uses this.
pub fn write_rejection_line(out: &mut String, schema: &Schema, line: u64, text: Option<&str>, error: &RecordError) {
    let key_name = schema.key_name();
    let key_value = match (key_name, text) {
        (Some(name), Some(text)) => probe_key(text, name),
        _ => None,
    };
    write_error_line(out, line, key_name.zip(key_value.as_deref()), error);
    out.push('\n');
}
