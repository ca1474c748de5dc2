//! The typed Rust API's codec: host values straight into the input layout and decisions
//! straight out of the slots, with no JSON text in between.
//!
//! - `ser` is a serde `Serializer` driven by the policy's schema:
//!   [`BatchEncoder::push_serialize`](crate::encode::BatchEncoder::push_serialize) writes a
//!   `Serialize` value (a host struct, a `serde_json::Value`, ...) into a batch exactly as
//!   `push_json` writes the value's JSON, with the same errors and paths, maps included
//!   (sorted by their keys' bytes, a key given twice refused at its second entry).
//! - `memo` holds what the serializer learns from record to record (the pointers of serde's
//!   field and variant names, each record's required fields), so that its happy path compares
//!   no names.
//! - [`de`] is a serde `Deserializer` over a decision in the fixed layout: it gives an output
//!   type the same calls `serde_json` would give it for the decision's JSON, checking every
//!   byte the guest wrote as [`crate::decode`] does.
//! - [`view`] is a borrowed, allocation-free view of a decision's fields by name (and of a
//!   map's entries by key), for hosts that read a few fields and want no output type at all.
//!
//! - [`direct`] is the codec of host types generated from the policy (`dexpc types --lang
//!   rust`): values written at offsets known when the types were generated, decisions read
//!   the same way, behind a fingerprint of the policy's types.
//!
//! `Evaluator::evaluate_typed`, `Evaluator::evaluate_direct`, `Decisions::deserialize` and `Decisions::view` (with the
//! `engine` feature) are built on these.

pub mod de;
pub mod direct;
mod memo;
mod ser;
pub mod view;

#[cfg(test)]
#[path = "typed/tests.rs"]
mod tests;
