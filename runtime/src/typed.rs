//! The typed Rust API's codec: host values straight into the input layout and decisions
//! straight out of the slots, with no JSON text in between.
//!
//! - `ser` is a serde `Serializer` driven by the policy's schema:
//!   [`BatchEncoder::push_serialize`](crate::encode::BatchEncoder::push_serialize) writes a
//!   `Serialize` value (a host struct, a `serde_json::Value`, ...) into a batch exactly as
//!   `push_json` writes the value's JSON, with the same errors and paths.

mod ser;

#[cfg(test)]
#[path = "typed/tests.rs"]
mod tests;
