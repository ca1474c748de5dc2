//! The floor of the typed API's serde path (issue 14, item 4): a serde `Serializer` that only
//! visits a value, folding each scalar into a checksum so that nothing can be optimised away.
//! Serializing a host struct into it costs what serde's protocol costs for that type (the
//! derive's calls, one per field, element and variant) and nothing of dexp's own work: no schema,
//! no layout, no names matched. The `typed/serde_floor` bench adds the allocations the host's
//! output type asks for (cloning its decisions), so that bench is the least any serde-based
//! `evaluate_typed` can take for those types.

use serde::ser::{self, Serialize};
use std::fmt;

/// Visits every value it is given and folds it into [`Visit::sum`].
#[derive(Debug, Default)]
pub struct Visit {
    /// A checksum of every scalar, string length and name visited.
    pub sum: u64,
}

impl Visit {
    /// Visits `value` and returns the checksum so far.
    pub fn visit<T: Serialize + ?Sized>(&mut self, value: &T) -> u64 {
        // Visiting never fails: every method below returns `Ok`.
        let _ = value.serialize(&mut *self);
        self.sum
    }

    fn add(&mut self, v: u64) -> Result<(), Never> {
        self.sum = self.sum.wrapping_mul(31).wrapping_add(v);
        Ok(())
    }
}

/// The error of [`Visit`], which never fails.
#[derive(Debug)]
pub struct Never;

impl fmt::Display for Never {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("never")
    }
}

impl std::error::Error for Never {}

impl ser::Error for Never {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Never
    }
}

impl ser::Serializer for &mut Visit {
    type Ok = ();
    type Error = Never;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Result<(), Never> {
        self.add(u64::from(v))
    }
    fn serialize_i8(self, v: i8) -> Result<(), Never> {
        self.add(v as u64)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Never> {
        self.add(v as u64)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Never> {
        self.add(v as u64)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Never> {
        self.add(v as u64)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Never> {
        self.add(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Never> {
        self.add(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Never> {
        self.add(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Never> {
        self.add(v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Never> {
        self.add(u64::from(v.to_bits()))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Never> {
        self.add(v.to_bits())
    }
    fn serialize_char(self, v: char) -> Result<(), Never> {
        self.add(u64::from(v))
    }
    fn serialize_str(self, v: &str) -> Result<(), Never> {
        self.add(v.len() as u64)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Never> {
        self.add(v.len() as u64)
    }
    fn serialize_none(self) -> Result<(), Never> {
        self.add(0)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Never> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Never> {
        self.add(0)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Never> {
        self.add(0)
    }
    fn serialize_unit_variant(self, _: &'static str, index: u32, _: &'static str) -> Result<(), Never> {
        self.add(u64::from(index))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<(), Never> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        index: u32,
        _: &'static str,
        value: &T,
    ) -> Result<(), Never> {
        self.add(u64::from(index))?;
        value.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self, Never> {
        self.add(len.unwrap_or(0) as u64)?;
        Ok(self)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self, Never> {
        self.add(len as u64)?;
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Self, Never> {
        self.add(len as u64)?;
        Ok(self)
    }
    fn serialize_tuple_variant(self, _: &'static str, index: u32, _: &'static str, _: usize) -> Result<Self, Never> {
        self.add(u64::from(index))?;
        Ok(self)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self, Never> {
        self.add(len.unwrap_or(0) as u64)?;
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Self, Never> {
        self.add(len as u64)?;
        Ok(self)
    }
    fn serialize_struct_variant(self, _: &'static str, index: u32, _: &'static str, _: usize) -> Result<Self, Never> {
        self.add(u64::from(index))?;
        Ok(self)
    }
}

/// The compound serializers: each element, field, key or value is visited in turn.
macro_rules! compound {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for &mut Visit {
            type Ok = ();
            type Error = Never;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Never> {
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Never> {
                Ok(())
            }
        }
    )*};
}

compound!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// The compound serializers with named fields: the name's length is folded in too.
macro_rules! named {
    ($($trait:ident),*) => {$(
        impl ser::$trait for &mut Visit {
            type Ok = ();
            type Error = Never;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Never> {
                self.add(key.len() as u64)?;
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Never> {
                Ok(())
            }
        }
    )*};
}

named!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for &mut Visit {
    type Ok = ();
    type Error = Never;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Never> {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Never> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Never> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Visit;

    #[test]
    fn the_checksum_depends_on_every_value() {
        let mut seen = std::collections::HashSet::new();
        for value in [
            serde_json::json!({"a": 1, "b": [true, "xy"]}),
            serde_json::json!({"a": 2, "b": [true, "xy"]}),
            serde_json::json!({"a": 1, "b": [false, "xy"]}),
            serde_json::json!({"a": 1, "b": [true, "xyz"]}),
        ] {
            assert!(seen.insert(Visit::default().visit(&value)), "{value} gave the checksum of another value");
        }
    }
}
