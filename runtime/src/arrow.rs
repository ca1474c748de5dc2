//! Arrow in and out: the columnar codec between Arrow `RecordBatch`es and the fixed layout.
//!
//! This module exists with the `arrow` feature. It is the path with no JSON at all: input
//! columns are encoded straight into the [`crate::abi`] input layout, a column at a time and
//! driven by the policy's schema, and decision slots are decoded straight into Arrow columns.
//! With the `engine` feature too, [`Evaluator::evaluate_arrow`](crate::Evaluator::evaluate_arrow)
//! does both around an evaluation.
//!
//! # The Arrow form of a policy's types
//!
//! [`input_schema`] and [`decision_schema`] give the Arrow schemas of a policy's input and of
//! its decisions. Field names are the names declared in the policy; each type maps to:
//!
//! | dexp type | Arrow type written | also accepted on input |
//! |---|---|---|
//! | `bool` | `Boolean` | |
//! | `int` | `Int64` | `Int8`, `Int16`, `Int32`, `UInt8`, `UInt16`, `UInt32`, and `UInt64` up to 2^63-1 |
//! | `decimal` | `Decimal128(19, 6)` (the layout's millionths) | `Decimal128` and `Decimal256` of any precision and scale, integers; read exactly (a nonzero digit past the sixth fractional place, or a value out of range, rejects the row as in JSON) |
//! | `date` | `Date32` | `Date64` of whole days; `Utf8`/`LargeUtf8` as `YYYY-MM-DD` |
//! | `string` | `Utf8` | `LargeUtf8`, `Utf8View`, `Dictionary<integer, Utf8 or LargeUtf8>` |
//! | enum | `Utf8` (the variant's name) | the same as `string` |
//! | record | `Struct` of its fields | extra child fields (ignored) |
//! | `list of T` | `List<item: T>` | `LargeList`, any item field name |
//! | `map of string to T` | `Map<entries: Struct<key: Utf8, value: T>>`, keys not declared sorted (decisions are in key order) | keys of any string type above, any entry and child field names, maps in any key order |
//! | `codes(G)` | `List<item: Utf8>` (the codes that apply, in declaration order) | (never an input) |
//! | `T?` | `T`, nullable | a column that is absent (all null), or of type `Null` |
//!
//! A field that is not optional is not nullable in the input schema. Input columns and struct
//! fields the policy does not declare are never read.
//!
//! A decision batch has one row per input row, in order: the output record's fields as
//! top-level columns (every one nullable: a row that was not decided has nulls there), then an
//! `error` column, a struct of `path` and `message` (both `Utf8`) that is null for every decided
//! row: the same path and message as the `error` object `dexpc eval` writes for an NDJSON line.
//! When the policy declares a key field (such as `tenant_id`) the key is also kept for rejected
//! rows, like the NDJSON error line does: in the output's own field of that name when the
//! output has one, and otherwise in a first column of that name.
//!
//! # Errors per row
//!
//! The encoder rejects exactly the rows the JSON path rejects, each with the path of the value
//! and the message the JSON path gives: a missing required column ("missing field"), a null in
//! a field that is not optional ("expected int, found null"), a column of the wrong Arrow type,
//! an unknown enum name, a date out of range, strings, lists and maps over the limits of
//! `docs/limits.md`, and a map that has a key twice ("duplicate key" at the second entry, as
//! in a JSON object). A map's entries are put in the order of their keys' bytes, as the layout
//! requires, whatever their order in the column. A rejected row is not evaluated; every other row of the batch is. When a
//! row has several problems, the one reported is the first in declaration order of the fields.

pub(crate) mod decode;
pub(crate) mod encode;
pub(crate) mod schema;

pub(crate) use decode::DecisionColumns;
pub use encode::ArrowEncoder;
pub use schema::{decision_schema, enum_dictionaries, input_schema, ERROR_COLUMN};

/// Why a policy's types have no Arrow form, or a decision batch cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ArrowSchemaError(pub String);

/// How many rows of a slice of `rows` rows that encoded to `encoded` bytes go in one run batch
/// when the slice is over `batch_bytes`: about as many as `batch_bytes` holds at the slice's
/// bytes per row, at least one and at most half the slice (so a piece is always smaller and
/// splitting ends). `None` when the slice fits, or is a single row. A piece can still be over
/// the limit when rows differ in size; it is split again.
pub fn rows_per_piece(rows: usize, encoded: usize, batch_bytes: usize) -> Option<usize> {
    if encoded <= batch_bytes || rows <= 1 {
        return None;
    }
    let per = (rows as u128 * batch_bytes as u128 / encoded.max(1) as u128).clamp(1, (rows / 2) as u128);
    Some(per as usize)
}

#[cfg(test)]
#[path = "arrow/tests.rs"]
mod tests;
