//! The policy's declared data types as the host sees them, and values of those types.
//!
//! A [`Schema`] is what the compiler knows about a policy's input and output: its enums,
//! records, reason-code groups and which record is the input and which the output. The
//! compiler derives it from the checked program; the `dexp` custom section of a compiled
//! module carries it, so a host can encode records and decode decisions without the source.
//!
//! [`Value`] is a decoded value of a schema type. The reference interpreter evaluates over
//! values; [`crate::json`] reads them from JSON text and writes them back.

use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A type that can appear in a policy's input or output.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ty {
    /// `bool`.
    Bool,
    /// `int`: a signed 64-bit integer.
    Int,
    /// `decimal`: an exact decimal with 6 fractional digits, stored as an `i64` count of
    /// millionths (see [`crate::decimal`]).
    Decimal,
    /// `date`: a day of the proleptic Gregorian calendar between 0001-01-01 and 9999-12-31.
    Date,
    /// `string`: UTF-8 text, compared for equality and passed through.
    String,
    /// A declared enum, by index into [`Schema::enums`].
    Enum(u32),
    /// A declared record, by index into [`Schema::records`].
    Record(u32),
    /// `list of T`.
    List(Box<Ty>),
    /// `T?`: a value that may be absent (`null` in JSON).
    Optional(Box<Ty>),
    /// `codes(G)`: the codes of reason group `G` that apply, by index into [`Schema::groups`].
    Codes(u32),
    /// `map of string to T`: a JSON object whose keys are data, entries sorted by the bytes of
    /// their keys, no key twice.
    Map(Box<Ty>),
    /// One entry of a map of `T` (`.key`, a string, and `.value`, a `T`): the type of a list
    /// operation's variable over a map. Only the compiler's IR has it; it is never part of a
    /// schema (it cannot be written to or read from the metadata, and [`Schema::validate`]
    /// refuses it).
    #[serde(skip)]
    Entry(Box<Ty>),
}

/// A declared enum: its name and its variants in declaration order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumDef {
    /// The enum's name in the policy.
    pub name: String,
    /// Variant names; a variant's value is its position here, which also orders them.
    pub variants: Vec<String>,
}

/// A declared record: its name and its fields in declaration order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordDef {
    /// The record's name in the policy.
    pub name: String,
    /// Fields in declaration order.
    pub fields: Vec<FieldDef>,
}

/// One field of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// The field name, also its JSON key.
    pub name: String,
    /// The field's type.
    pub ty: Ty,
}

/// Whether a group's codes list failed requirements or advisories that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// A code is listed when its condition does not hold.
    Requirements,
    /// A code is listed when its condition holds.
    Advisories,
}

/// A group of reason codes (`requirements NAME { ... }` or `advisories NAME { ... }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDef {
    /// The group's name in the policy.
    pub name: String,
    /// Requirements or advisories.
    pub kind: GroupKind,
    /// The codes in declaration order; code `i` is bit `i` of the group's bitset.
    pub codes: Vec<CodeDef>,
}

/// One reason code and the message that explains it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeDef {
    /// The stable code, as written in decisions.
    pub code: String,
    /// The human explanation of the requirement or advisory.
    pub message: String,
}

/// The types a policy exchanges with its host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// Declared enums.
    pub enums: Vec<EnumDef>,
    /// Declared records.
    pub records: Vec<RecordDef>,
    /// Reason-code groups.
    pub groups: Vec<GroupDef>,
    /// The input record, by index into `records`.
    pub input: u32,
    /// The output record, by index into `records`.
    pub output: u32,
    /// The input field that names a record in error reports (for example `tenant_id`), if any.
    /// Always present in the JSON (`null` for none): the field is required when reading.
    #[serde(deserialize_with = "Option::deserialize")]
    pub key: Option<u32>,
}

impl Schema {
    /// The enum with index `i`, if it exists.
    pub fn enum_def(&self, i: u32) -> Option<&EnumDef> {
        self.enums.get(i as usize)
    }

    /// The record with index `i`, if it exists.
    pub fn record(&self, i: u32) -> Option<&RecordDef> {
        self.records.get(i as usize)
    }

    /// The group with index `i`, if it exists.
    pub fn group(&self, i: u32) -> Option<&GroupDef> {
        self.groups.get(i as usize)
    }

    /// The name of the key field of the input record, if the policy declares one.
    pub fn key_name(&self) -> Option<&str> {
        let input = self.record(self.input)?;
        let field = input.fields.get(self.key? as usize)?;
        Some(field.name.as_str())
    }

    /// Checks that every index in the schema points at something, the input and output are
    /// records, and records do not contain themselves. A schema read from an untrusted module
    /// must pass this before it is used.
    pub fn validate(&self) -> Result<(), String> {
        let check_ty = |ty: &Ty| self.check_ty(ty);
        for record in &self.records {
            for field in &record.fields {
                check_ty(&field.ty).map_err(|e| format!("field `{}.{}`: {e}", record.name, field.name))?;
            }
        }
        if self.record(self.input).is_none() {
            return Err("the input record does not exist".into());
        }
        if self.record(self.output).is_none() {
            return Err("the output record does not exist".into());
        }
        if let Some(key) = self.key {
            let input = self.record(self.input).map(|r| r.fields.len()).unwrap_or(0);
            if key as usize >= input {
                return Err("the key field does not exist".into());
            }
        }
        for group in &self.groups {
            if group.codes.len() > 64 {
                return Err(format!("group `{}` has more than 64 codes", group.name));
            }
        }
        for (i, _) in self.records.iter().enumerate() {
            let mut stack = Vec::new();
            if self.record_reaches(i as u32, i as u32, &mut stack, 0) {
                return Err("a record contains itself".into());
            }
        }
        Ok(())
    }

    fn check_ty(&self, ty: &Ty) -> Result<(), String> {
        match ty {
            Ty::Bool | Ty::Int | Ty::Decimal | Ty::Date | Ty::String => Ok(()),
            Ty::Enum(i) => self.enum_def(*i).map(|_| ()).ok_or_else(|| format!("unknown enum {i}")),
            Ty::Record(i) => self.record(*i).map(|_| ()).ok_or_else(|| format!("unknown record {i}")),
            Ty::Codes(i) => self.group(*i).map(|_| ()).ok_or_else(|| format!("unknown group {i}")),
            Ty::List(inner) | Ty::Optional(inner) | Ty::Map(inner) => self.check_ty(inner),
            Ty::Entry(_) => Err("a map entry is not a schema type".into()),
        }
    }

    /// Whether record `from` contains record `target` directly (not through a list).
    fn record_reaches(&self, from: u32, target: u32, seen: &mut Vec<u32>, depth: usize) -> bool {
        if depth > self.records.len() || seen.contains(&from) {
            return false;
        }
        seen.push(from);
        let Some(record) = self.record(from) else {
            return false;
        };
        record.fields.iter().any(|f| {
            let mut ty = &f.ty;
            while let Ty::Optional(inner) = ty {
                ty = inner;
            }
            match ty {
                Ty::Record(r) => *r == target || self.record_reaches(*r, target, seen, depth + 1),
                _ => false,
            }
        })
    }
}

/// A value of a schema type.
///
/// Optional values are either [`Value::Null`] or the present value itself; the type says which
/// fields may be null. Records hold their fields in declaration order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// An absent optional value.
    Null,
    /// A `bool`.
    Bool(bool),
    /// An `int`.
    Int(i64),
    /// A `decimal`, as a count of millionths.
    Decimal(i64),
    /// A `date`, as days since 1970-01-01.
    Date(i32),
    /// A `string`.
    Str(Arc<str>),
    /// An enum variant, by position in its declaration.
    Enum(u32),
    /// A list.
    List(Arc<[Value]>),
    /// A record's fields in declaration order.
    Record(Arc<[Value]>),
    /// A reason-code bitset: bit `i` set means code `i` of the group is listed.
    Codes(u64),
    /// A map: its entries sorted by the bytes of their keys, each key once.
    Map(Arc<[(Arc<str>, Value)]>),
}

impl Value {
    /// The boolean inside, if this is a `bool`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The integer inside, if this is an `int`.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}
