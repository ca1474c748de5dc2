//! Map keys as serde_json writes them (strings, and the text of chars, bools, numbers and unit
//! variants), handed to a [`KeySink`] without allocating: matched against a record's field
//! names, or appended to the variable area as the key of a map entry.

use super::SerError;
use serde::ser::{self, Impossible, Serialize};
use std::fmt;
use std::io::Write as _;

/// What is done with a key's text.
pub(super) trait KeySink {
    type Out;
    fn key(self, text: &str) -> Result<Self::Out, SerError>;
}

/// Serializes a map key as its JSON text and gives it to the sink.
pub(super) struct KeySer<S>(pub(super) S);

impl<S: KeySink> KeySer<S> {
    fn display(self, v: impl fmt::Display) -> Result<S::Out, SerError> {
        let mut buf = [0u8; 48];
        let mut cursor = std::io::Cursor::new(&mut buf[..]);
        // Numbers of up to 128 bits fit in 48 bytes.
        let _ = write!(cursor, "{v}");
        let len = cursor.position() as usize;
        self.0.key(std::str::from_utf8(buf.get(..len).unwrap_or_default()).unwrap_or_default())
    }

    fn float(self, text: Option<String>) -> Result<S::Out, SerError> {
        match text {
            Some(text) => self.0.key(&text),
            None => Err(SerError::custom_message("float key must be finite (got NaN or +/-inf)")),
        }
    }
}

fn not_a_string() -> SerError {
    SerError::custom_message("key must be a string")
}

impl<S: KeySink> ser::Serializer for KeySer<S> {
    type Ok = S::Out;
    type Error = SerError;
    type SerializeSeq = Impossible<S::Out, SerError>;
    type SerializeTuple = Impossible<S::Out, SerError>;
    type SerializeTupleStruct = Impossible<S::Out, SerError>;
    type SerializeTupleVariant = Impossible<S::Out, SerError>;
    type SerializeMap = Impossible<S::Out, SerError>;
    type SerializeStruct = Impossible<S::Out, SerError>;
    type SerializeStructVariant = Impossible<S::Out, SerError>;

    fn serialize_bool(self, v: bool) -> Result<Self::Ok, SerError> {
        self.0.key(if v { "true" } else { "false" })
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
        self.0.key(v.encode_utf8(&mut [0u8; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<Self::Ok, SerError> {
        self.0.key(v)
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
        self.0.key(variant)
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
