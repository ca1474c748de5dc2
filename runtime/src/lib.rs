//! The dexp runtime: what a host needs to evaluate records against a compiled dexp policy.
//!
//! Without the `engine` feature this crate is only the guest/host contract: the policy
//! [`schema`], [`date`] arithmetic, the schema-driven [`json`] codec, the [`abi`] (exports,
//! memory protocol, layouts, metadata), the JSON-to-layout [`encode`]r and the layout
//! [`decode`]r. The compiler uses that part too, which keeps the dependency one-way: the
//! runtime never depends on the compiler. With `engine` (the default), [`engine`] loads
//! policy modules into wasmtime and evaluates batches of records. With `arrow`, [`arrow`] maps
//! Arrow `RecordBatch`es straight to the layout and decisions straight back (and, with
//! `engine` too, `Evaluator::evaluate_arrow` evaluates them).

pub mod abi;
#[cfg(feature = "arrow")]
pub mod arrow;
pub mod date;
pub mod decimal;
pub mod decode;
pub mod encode;
#[cfg(feature = "engine")]
pub mod engine;
pub mod json;
pub mod schema;
#[cfg(test)]
mod testing;
pub mod typed;

#[cfg(feature = "engine")]
pub use engine::{EvalError, Evaluator, Interrupt, Limits, LoadError, Policy, Runtime};
pub use json::RecordError;
