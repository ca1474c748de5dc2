//! The guest/host contract of a compiled dexp policy: exports, memory protocol, byte layouts
//! and the metadata in the module's `dexp` custom section.
//!
//! This module is the single source of truth for both sides: the compiler's code generator
//! emits modules against it and the runtime drives them with it. It does not depend on
//! wasmtime, so it is available without the `engine` feature. A host written in another
//! language can follow this page and the metadata alone; the full specification for host
//! authors, with the metadata's JSON encoding and the exact output lines, is `docs/abi.md`
//! in the repository, and `tests/conformance/` is the corpus a host must reproduce.
//!
//! # Exports
//!
//! A policy module imports nothing, has no start function, and exports exactly:
//!
//! | name | kind | type |
//! |---|---|---|
//! | [`EXPORT_MEMORY`] `memory` | memory | one 32-bit, non-shared linear memory |
//! | [`EXPORT_HEAP_BASE`] `dexp_heap_base` | global | immutable `i32`: first address the host may use |
//! | [`EXPORT_EVAL`] `dexp_eval` | function | `(n, in_ptr, out_ptr, var_ptr, var_len: i32) -> i32` |
//!
//! It carries exactly one custom section named [`SECTION`] (`dexp`) holding the [`Metadata`]
//! as UTF-8 JSON. Modules use WebAssembly 2.0 features at most. (An instrumented module, for
//! coverage measurement, has one export more: see [below](#instrumented-modules).)
//!
//! # Memory protocol for one batch of `n` records
//!
//! All addresses are byte addresses in the exported memory, read as unsigned 32-bit numbers.
//!
//! 1. Memory below `dexp_heap_base` belongs to the guest (constants, tables of its own); the
//!    host never writes there.
//! 2. The host chooses three 8-aligned, non-overlapping regions at or above `dexp_heap_base`
//!    ([`Placement::new`] computes the runtime's choice, in this order):
//!    - the *input area* at `in_ptr`: `n` input records of [`Layout::input_size`] bytes each,
//!      one after the other, in the layout of the input record;
//!    - the *decision area* at `out_ptr`: `n` decision slots of [`SlotLayout::size`] bytes;
//!    - the *variable area* at `var_ptr`, `var_len` bytes: the bytes of every string and the
//!      elements of every list of the batch. It must be the highest of the three regions,
//!      because the guest's *scratch area* starts right after it (at the next multiple of 8)
//!      and runs to the end of memory.
//! 3. The host grows memory until it holds at least `var_ptr + var_len` bytes, writes the
//!    records and the variable area, and may fill the decision area with anything.
//! 4. The host calls `dexp_eval(n, in_ptr, out_ptr, var_ptr, var_len)`.
//! 5. For each record `i`, the guest writes decision slot `i` at `out_ptr + i * slot.size`:
//!    the status word, the error-site word, and when the status is [`STATUS_DECIDED`] every
//!    field of the output record. A record whose evaluation fails (integer overflow, a date
//!    out of range, ...) gets its status and site and does not stop the batch: the guest never
//!    traps on purpose.
//! 6. Strings and lists in a decision are `(offset, length)` pairs relative to `var_ptr`, like
//!    the input's. They may point into the input's variable area (a string passed through) or
//!    into the scratch area, where the guest appends data it builds. If the scratch area is too
//!    small the guest grows memory with `memory.grow`; a host that refuses the growth traps the
//!    batch. The guest returns `var_end`: the number of bytes from `var_ptr` that decisions may
//!    refer to (at least `var_len`). Everything a decision refers to lies in
//!    `[var_ptr, var_ptr + var_end)`.
//! 7. The guest does not write the input or variable area, and keeps no state from one call to
//!    the next: a batch's decisions depend on its records alone, so batches may be split, merged
//!    and run on any instance in any order.
//!
//! # Layout of values
//!
//! Every value of a schema type has a fixed size and alignment ([`TyLayout`]); all numbers are
//! little-endian.
//!
//! | type | size | align | bytes |
//! |---|---|---|---|
//! | `bool` | 1 | 1 | `0` false, `1` true |
//! | enum | 1, or 4 when it has more than 256 variants | same | variant index |
//! | `int` | 8 | 8 | two's complement `i64` |
//! | `date` | 4 | 4 | `i32` days since 1970-01-01, within 0001-01-01..=9999-12-31 |
//! | `string` | 8 | 4 | `u32` offset from `var_ptr`, `u32` length in bytes of UTF-8 |
//! | `list of T` | 8 | 4 | `u32` offset from `var_ptr` (a multiple of T's alignment), `u32` element count; the elements lie contiguously there, each `size(T)` bytes in T's layout |
//! | `codes(G)` | 8 | 8 | `u64` bitset: bit `i` set means code `i` of the group applies |
//! | `map of string to T` | 8 | 4 | `u32` offset from `var_ptr` (a multiple of the entry's alignment), `u32` entry count; the entries lie contiguously there, sorted by the bytes of their keys, no key twice |
//! | map entry of `T` | `align_up(8 + size(T), a)` with `a` = `max(4, align(T))` | `a` | the key (a `string`) at 0, the value at [`ENTRY_VALUE_OFFSET`] (8) |
//! | `T?` | `o + size(T)` with `o` = `align(T)` | `align(T)` | `u8` tag at 0 (`0` absent, `1` present), the value at `o` |
//! | record | see below | largest field alignment, at least 1 | fields inline |
//!
//! A record's fields are placed in order of decreasing alignment, fields of equal alignment in
//! declaration order, each at the next multiple of its alignment; the size is rounded up to the
//! record's alignment. [`Layout`] lists every record's field offsets in declaration order.
//! On input, the host writes zero in padding, in the value of an absent optional, and as the
//! offset of an empty string or list. A record may be at most [`MAX_RECORD_SIZE`] bytes.
//!
//! # Decision slots
//!
//! A slot ([`SlotLayout`]) is a `u32` status at offset 0, a `u32` error-site index at offset 4
//! and the output record at offset 8, rounded up to a multiple of 8. Status [`STATUS_DECIDED`]
//! means the record holds the decision; any other status is one of the `STATUS_*` errors and
//! the site word indexes [`Metadata::sites`], the description of the expression that failed,
//! which a host reports as the error's path (see [`status_message`] for its message).
//!
//! # Instrumented modules
//!
//! `dexpc test --coverage` runs an *instrumented* build of a policy: the same evaluation, plus
//! counters of how often each requirement and advisory held and failed and how often each
//! branch of each `if` and arm of each `match` was taken. Such a module is for testing only;
//! production hosts load plain modules, which are exactly as described above. An instrumented
//! module differs from a plain one in three ways:
//!
//! - its [`Metadata::coverage`] is present: one [`Counter`] description per counter;
//! - it has one more export, [`EXPORT_COVERAGE`] `dexp_coverage`, an immutable `i32` global
//!   initialised by an `i32.const`: the address of the counters, a multiple of 8. Counter `i`
//!   is the little-endian `u64` at `dexp_coverage + 8 * i`; all of them lie below
//!   `dexp_heap_base`, in memory the host never writes. A host accepts the export only
//!   together with the table, and the table only together with the export;
//! - it does keep state between calls, against rule 7 of the protocol: the counters start at
//!   zero when the instance is created and every batch adds to them. Decisions still depend on
//!   a batch's records alone. The counters of a batch that traps are meaningless; the runtime
//!   keeps the counts as of the last batch that completed.
//!
//! Counts are per evaluation: a rule is counted each time its group is evaluated (at most once
//! per record, and only when the decision needs the group), a branch each time it is entered
//! (inside a list operation, once per element). A record whose evaluation fails has its
//! counts up to the failure.

mod coverage;
mod metadata;

pub use coverage::{Counter, CounterKind};
pub use metadata::{Metadata, MetadataError};

use crate::schema::{Schema, Ty};
use serde::{Deserialize, Serialize};

/// The version of this contract. A module built for another version is refused.
pub const ABI_VERSION: u32 = 1;

/// The name of the custom section that holds the [`Metadata`] as JSON.
pub const SECTION: &str = "dexp";

/// The name of the exported linear memory.
pub const EXPORT_MEMORY: &str = "memory";

/// The name of the exported immutable `i32` global holding the first address the host may use.
pub const EXPORT_HEAP_BASE: &str = "dexp_heap_base";

/// The name of the exported batch function
/// `dexp_eval(n, in_ptr, out_ptr, var_ptr, var_len: i32) -> i32` (returns `var_end`).
pub const EXPORT_EVAL: &str = "dexp_eval";

/// Every export a policy module has, and no other.
pub const EXPORTS: [&str; 3] = [EXPORT_MEMORY, EXPORT_HEAP_BASE, EXPORT_EVAL];

/// The name of the immutable `i32` global holding the address of the coverage counters: the
/// one extra export of an instrumented module, allowed only when its metadata has a
/// [`Metadata::coverage`] table.
pub const EXPORT_COVERAGE: &str = "dexp_coverage";

/// The alignment of every area the host places in memory, and of the scratch area.
pub const AREA_ALIGN: u32 = 8;

/// The largest size, in bytes, of one record's fixed layout.
pub const MAX_RECORD_SIZE: u32 = 1 << 20;

/// Status word of a slot that holds a decision.
pub const STATUS_DECIDED: u32 = 0;
/// Status word of a record whose integer arithmetic overflowed 64 bits.
pub const STATUS_OVERFLOW: u32 = 1;
/// Status word of a record whose date arithmetic left 0001-01-01..=9999-12-31.
pub const STATUS_DATE_RANGE: u32 = 2;
/// Status word of a record whose evaluation divided by zero.
pub const STATUS_DIVISION_BY_ZERO: u32 = 3;
/// Status word of a record that kept more values in one `count distinct` than the language
/// allows (`MAX_DISTINCT_VALUES` in the compiler's IR, 2^20): a per-record limit, so that one
/// record cannot take the scratch memory of a batch.
pub const STATUS_LIMIT: u32 = 4;

/// The message a host reports for a failed record's status word, or `None` if the status is
/// not one this version of the contract defines (the module is broken).
pub fn status_message(status: u32) -> Option<&'static str> {
    match status {
        STATUS_OVERFLOW => Some("integer overflow"),
        STATUS_DATE_RANGE => Some("date out of range"),
        STATUS_DIVISION_BY_ZERO => Some("division by zero"),
        STATUS_LIMIT => Some("too many values for a distinct count"),
        _ => None,
    }
}

/// Where the value of a map entry lies, relative to the entry: after its key, a `string` of 8
/// bytes at offset 0 (8 is a multiple of every alignment, so no padding).
pub const ENTRY_VALUE_OFFSET: u32 = 8;

/// The size and alignment of one entry of a map whose values have layout `value`: the key at
/// 0, the value at [`ENTRY_VALUE_OFFSET`], the size rounded up to the alignment.
pub fn entry_layout(value: TyLayout) -> Option<TyLayout> {
    let align = value.align.max(4);
    let size = align_up(ENTRY_VALUE_OFFSET.checked_add(value.size)?, align)?;
    Some(TyLayout { size, align })
}

/// Rounds `value` up to a multiple of `align` (a power of two), or `None` on overflow.
pub fn align_up(value: u32, align: u32) -> Option<u32> {
    let mask = align.checked_sub(1)?;
    value.checked_add(mask).map(|v| v & !mask)
}

/// Why a schema has no layout.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// A type refers to an enum, record or group that does not exist.
    #[error("type refers to a missing {0}")]
    Dangling(&'static str),
    /// A record contains itself other than through a list.
    #[error("record `{0}` contains itself")]
    Recursive(String),
    /// A record's layout is larger than [`MAX_RECORD_SIZE`].
    #[error("record `{0}` is larger than {MAX_RECORD_SIZE} bytes")]
    TooLarge(String),
}

/// The size and alignment of a value of some type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TyLayout {
    /// Bytes the value occupies, a multiple of `align`.
    pub size: u32,
    /// Required alignment, a power of two from 1 to 8.
    pub align: u32,
}

impl TyLayout {
    /// A layout of `size` bytes aligned to `align`.
    pub const fn new(size: u32, align: u32) -> TyLayout {
        TyLayout { size, align }
    }
}

/// Where one field of a record lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldLayout {
    /// Byte offset from the start of the record.
    pub offset: u32,
    /// Bytes the field occupies.
    pub size: u32,
    /// The field's alignment.
    pub align: u32,
}

/// The fixed layout of one record type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordLayout {
    /// Total size, a multiple of `align`.
    pub size: u32,
    /// The record's alignment: the largest of its fields', at least 1.
    pub align: u32,
    /// The fields, in declaration order (not in memory order).
    pub fields: Vec<FieldLayout>,
}

/// The layout of a decision slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotLayout {
    /// Bytes per slot, a multiple of 8.
    pub size: u32,
    /// Offset of the `u32` status word.
    pub status: u32,
    /// Offset of the `u32` error-site index.
    pub site: u32,
    /// Offset of the output record.
    pub record: u32,
}

/// The byte layout of every type of a schema, as [`Layout::of`] derives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// Bytes of each enum's values (1 or 4), indexed like [`Schema::enums`].
    pub enums: Vec<u32>,
    /// Each record's layout, indexed like [`Schema::records`].
    pub records: Vec<RecordLayout>,
    /// Bytes of one input record in the input area.
    pub input_size: u32,
    /// The decision slot.
    pub slot: SlotLayout,
}

/// Progress of a record while its layout is being computed.
#[derive(Clone)]
enum Pending {
    Todo,
    InProgress,
    Done(RecordLayout),
}

impl Layout {
    /// Derives the layout of every type in `schema`, deterministically.
    pub fn of(schema: &Schema) -> Result<Layout, LayoutError> {
        let enums = schema.enums.iter().map(|e| if e.variants.len() <= 256 { 1 } else { 4 }).collect();
        let mut builder = Builder { schema, enums, records: vec![Pending::Todo; schema.records.len()] };
        for i in 0..schema.records.len() {
            builder.record(i)?;
        }
        let records = builder
            .records
            .into_iter()
            .map(|p| match p {
                Pending::Done(layout) => Ok(layout),
                Pending::Todo | Pending::InProgress => Err(LayoutError::Dangling("record")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let size_of = |i: u32| records.get(i as usize).map(|r| r.size);
        let input_size = size_of(schema.input).ok_or(LayoutError::Dangling("input record"))?;
        let output_size = size_of(schema.output).ok_or(LayoutError::Dangling("output record"))?;
        let slot_size =
            align_up(8 + output_size, AREA_ALIGN).ok_or_else(|| LayoutError::TooLarge("decision".into()))?;
        Ok(Layout {
            enums: builder.enums,
            records,
            input_size,
            slot: SlotLayout { size: slot_size, status: 0, site: 4, record: 8 },
        })
    }

    /// The layout of record `i`, if it exists.
    pub fn record(&self, i: u32) -> Option<&RecordLayout> {
        self.records.get(i as usize)
    }

    /// The size and alignment of a value of type `ty`, or `None` if `ty` refers to something
    /// this layout does not have.
    pub fn ty(&self, ty: &Ty) -> Option<TyLayout> {
        Some(match ty {
            Ty::Bool => TyLayout::new(1, 1),
            Ty::Int | Ty::Decimal | Ty::Codes(_) => TyLayout::new(8, 8),
            Ty::Date => TyLayout::new(4, 4),
            Ty::String | Ty::List(_) | Ty::Map(_) => TyLayout::new(8, 4),
            Ty::Entry(value) => entry_layout(self.ty(value)?)?,
            Ty::Enum(i) => {
                let size = *self.enums.get(*i as usize)?;
                TyLayout::new(size, size)
            }
            Ty::Record(i) => {
                let r = self.record(*i)?;
                TyLayout::new(r.size, r.align)
            }
            Ty::Optional(inner) => {
                let inner = self.ty(inner)?;
                TyLayout::new(inner.align.checked_add(inner.size)?, inner.align)
            }
        })
    }

    /// Where the value of an optional of `inner` lies, relative to its tag byte.
    pub fn optional_value_offset(&self, inner: &Ty) -> Option<u32> {
        self.ty(inner).map(|l| l.align)
    }
}

struct Builder<'s> {
    schema: &'s Schema,
    enums: Vec<u32>,
    records: Vec<Pending>,
}

impl Builder<'_> {
    fn record(&mut self, i: usize) -> Result<TyLayout, LayoutError> {
        let def = self.schema.records.get(i).ok_or(LayoutError::Dangling("record"))?;
        match self.records.get(i) {
            Some(Pending::Done(r)) => return Ok(TyLayout::new(r.size, r.align)),
            Some(Pending::InProgress) => return Err(LayoutError::Recursive(def.name.clone())),
            Some(Pending::Todo) => {}
            None => return Err(LayoutError::Dangling("record")),
        }
        if let Some(slot) = self.records.get_mut(i) {
            *slot = Pending::InProgress;
        }
        let mut fields = Vec::with_capacity(def.fields.len());
        for field in &def.fields {
            fields.push(self.ty(&field.ty)?);
        }
        // Decreasing alignment, ties in declaration order: no padding between fields.
        let mut order: Vec<usize> = (0..fields.len()).collect();
        order.sort_by_key(|&f| std::cmp::Reverse(fields.get(f).map_or(1, |l| l.align)));
        let too_large = || LayoutError::TooLarge(def.name.clone());
        let mut placed = vec![FieldLayout::default(); fields.len()];
        let mut end = 0u32;
        let mut align = 1u32;
        for f in order {
            let (Some(l), Some(slot)) = (fields.get(f), placed.get_mut(f)) else {
                continue;
            };
            let offset = align_up(end, l.align).ok_or_else(too_large)?;
            end = offset.checked_add(l.size).ok_or_else(too_large)?;
            align = align.max(l.align);
            *slot = FieldLayout { offset, size: l.size, align: l.align };
        }
        let size = align_up(end, align).ok_or_else(too_large)?;
        if size > MAX_RECORD_SIZE {
            return Err(too_large());
        }
        if let Some(slot) = self.records.get_mut(i) {
            *slot = Pending::Done(RecordLayout { size, align, fields: placed });
        }
        Ok(TyLayout::new(size, align))
    }

    fn ty(&mut self, ty: &Ty) -> Result<TyLayout, LayoutError> {
        Ok(match ty {
            Ty::Bool => TyLayout::new(1, 1),
            Ty::Int | Ty::Decimal | Ty::Codes(_) => TyLayout::new(8, 8),
            Ty::Date => TyLayout::new(4, 4),
            Ty::String => TyLayout::new(8, 4),
            // A list or a map is a reference: its elements' layout is computed on its own.
            Ty::List(_) | Ty::Map(_) => TyLayout::new(8, 4),
            Ty::Entry(value) => {
                let value = self.ty(value)?;
                entry_layout(value).ok_or_else(|| LayoutError::TooLarge("map entry".into()))?
            }
            Ty::Enum(i) => {
                let size = *self.enums.get(*i as usize).ok_or(LayoutError::Dangling("enum"))?;
                TyLayout::new(size, size)
            }
            Ty::Record(i) => self.record(*i as usize)?,
            Ty::Optional(inner) => {
                let inner = self.ty(inner)?;
                let size =
                    inner.align.checked_add(inner.size).ok_or_else(|| LayoutError::TooLarge("optional".into()))?;
                TyLayout::new(size, inner.align)
            }
        })
    }
}

impl Default for FieldLayout {
    fn default() -> Self {
        FieldLayout { offset: 0, size: 0, align: 1 }
    }
}

/// A schema together with its layout, known to belong together.
///
/// The encoder and decoder take a `Shape` so that they never see a layout computed for another
/// schema; the only way to build one is [`Shape::new`], which validates the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    schema: Schema,
    layout: Layout,
    fragments: Fragments,
    keys: crate::encode::Keys,
    /// Each enum's variants, to find by name (`encode/variants.rs`).
    variants: Vec<crate::encode::variants::VariantIndex>,
    fingerprint: u64,
}

/// JSON text that every decision repeats, written once per policy rather than once per record:
/// each record field's quoted name and colon, each enum variant and each reason code as a JSON
/// string, indexed like the schema's records, enums and groups.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Fragments {
    /// `"name":` for each field of each record.
    pub fields: Vec<Vec<String>>,
    /// `"variant"` for each variant of each enum.
    pub variants: Vec<Vec<String>>,
    /// `"code"` for each code of each group.
    pub codes: Vec<Vec<String>>,
}

impl Fragments {
    fn of(schema: &Schema) -> Fragments {
        let quoted = |s: &str| {
            let mut out = String::with_capacity(s.len() + 2);
            crate::decode::write_json_str(&mut out, s);
            out
        };
        Fragments {
            fields: schema.records.iter().map(|r| r.fields.iter().map(|f| quoted(&f.name) + ":").collect()).collect(),
            variants: schema.enums.iter().map(|e| e.variants.iter().map(|v| quoted(v)).collect()).collect(),
            codes: schema.groups.iter().map(|g| g.codes.iter().map(|c| quoted(&c.code)).collect()).collect(),
        }
    }
}

impl Shape {
    /// Validates `schema` and derives its layout.
    pub fn new(schema: Schema) -> Result<Shape, MetadataError> {
        schema.validate().map_err(MetadataError::Schema)?;
        let layout = Layout::of(&schema).map_err(MetadataError::Layout)?;
        let fragments = Fragments::of(&schema);
        let keys = crate::encode::Keys::of(&schema);
        let variants = schema.enums.iter().map(|e| crate::encode::variants::VariantIndex::new(&e.variants)).collect();
        let mut shape = Shape { schema, layout, fragments, keys, variants, fingerprint: 0 };
        shape.fingerprint = crate::typed::direct::fingerprint(&shape);
        Ok(shape)
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Enum `e`'s variants, to find by name.
    pub(crate) fn variants(&self, e: u32) -> Option<&crate::encode::variants::VariantIndex> {
        self.variants.get(e as usize)
    }

    /// The layout of the schema's types.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The fingerprint of the schema's types and layout that generated host types carry
    /// ([`crate::typed::direct::fingerprint`]).
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The JSON text of the schema's names, for writing decisions.
    pub(crate) fn fragments(&self) -> &Fragments {
        &self.fragments
    }

    /// The tables from JSON keys to the fields of each record, for the JSON reader.
    pub(crate) fn keys(&self) -> &crate::encode::Keys {
        &self.keys
    }

    /// Whether batches encoded for `other` can be decided with this shape: both input records
    /// are the same types all the way down (record, field, enum and variant names, in order,
    /// and the same key field), so they have the same layout and the encoders write the same
    /// bytes and reject the same records with the same errors. The output types may differ:
    /// this is what lets two versions of a policy decide one encoded batch.
    pub fn same_input(&self, other: &Shape) -> bool {
        let (a, b) = (&self.schema, &other.schema);
        let mut assumed = Vec::new();
        a.key == b.key && same_ty(a, &Ty::Record(a.input), b, &Ty::Record(b.input), &mut assumed)
    }

    /// The input record's field layouts, in declaration order.
    pub(crate) fn input_fields(&self) -> &[FieldLayout] {
        self.layout.record(self.schema.input).map_or(&[], |r| r.fields.as_slice())
    }
}

/// Whether `x` in `a` and `y` in `b` are the same type, names included. Record pairs already
/// being compared are assumed equal, so records that contain themselves through a list end the
/// walk; a difference anywhere else still shows.
fn same_ty(a: &Schema, x: &Ty, b: &Schema, y: &Ty, assumed: &mut Vec<(u32, u32)>) -> bool {
    match (x, y) {
        (Ty::Bool, Ty::Bool)
        | (Ty::Int, Ty::Int)
        | (Ty::Decimal, Ty::Decimal)
        | (Ty::Date, Ty::Date)
        | (Ty::String, Ty::String) => true,
        (Ty::Enum(i), Ty::Enum(j)) => a.enum_def(*i).is_some() && a.enum_def(*i) == b.enum_def(*j),
        (Ty::Codes(i), Ty::Codes(j)) => {
            a.groups.get(*i as usize).is_some() && a.groups.get(*i as usize) == b.groups.get(*j as usize)
        }
        (Ty::List(x), Ty::List(y))
        | (Ty::Optional(x), Ty::Optional(y))
        | (Ty::Map(x), Ty::Map(y))
        | (Ty::Entry(x), Ty::Entry(y)) => same_ty(a, x, b, y, assumed),
        (Ty::Record(i), Ty::Record(j)) => {
            if assumed.contains(&(*i, *j)) {
                return true;
            }
            let (Some(r), Some(s)) = (a.record(*i), b.record(*j)) else { return false };
            if r.name != s.name || r.fields.len() != s.fields.len() {
                return false;
            }
            assumed.push((*i, *j));
            r.fields.iter().zip(&s.fields).all(|(f, g)| f.name == g.name && same_ty(a, &f.ty, b, &g.ty, assumed))
        }
        (
            Ty::Bool
            | Ty::Int
            | Ty::Decimal
            | Ty::Date
            | Ty::String
            | Ty::Enum(_)
            | Ty::Codes(_)
            | Ty::List(_)
            | Ty::Optional(_)
            | Ty::Record(_)
            | Ty::Map(_)
            | Ty::Entry(_),
            _,
        ) => false,
    }
}

/// Where the runtime places the areas of a batch, following the memory protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// Address of the first input record.
    pub in_ptr: u32,
    /// Address of the first decision slot.
    pub out_ptr: u32,
    /// Address of the variable area.
    pub var_ptr: u32,
    /// Bytes in the variable area.
    pub var_len: u32,
    /// Number of records.
    pub n: u32,
}

impl Placement {
    /// Places `n` records with `var_len` bytes of variable data above `heap_base`: input area,
    /// then decision area, then variable area, each 8-aligned. `None` if it does not fit in a
    /// 32-bit memory.
    pub fn new(layout: &Layout, heap_base: u32, n: u32, var_len: u32) -> Option<Placement> {
        let in_ptr = align_up(heap_base, AREA_ALIGN)?;
        let in_bytes = n.checked_mul(layout.input_size)?;
        let out_ptr = align_up(in_ptr.checked_add(in_bytes)?, AREA_ALIGN)?;
        let out_bytes = n.checked_mul(layout.slot.size)?;
        let var_ptr = align_up(out_ptr.checked_add(out_bytes)?, AREA_ALIGN)?;
        // The end of the variable area must itself be addressable.
        var_ptr.checked_add(var_len)?;
        Some(Placement { in_ptr, out_ptr, var_ptr, var_len, n })
    }

    /// The first byte past the variable area: the memory the host must provide.
    pub fn end(&self) -> u64 {
        u64::from(self.var_ptr) + u64::from(self.var_len)
    }
}

#[cfg(test)]
#[path = "abi/tests.rs"]
mod tests;
