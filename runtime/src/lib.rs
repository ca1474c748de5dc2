//! The dexp runtime: what a host needs to evaluate records against a compiled dexp policy.
//!
//! Without the `engine` feature this crate is only the guest/host contract: the policy
//! [`schema`], [`date`] arithmetic and the schema-driven [`json`] codec. The compiler uses that
//! part too, which keeps the dependency one-way: the runtime never depends on the compiler.

pub mod date;
pub mod json;
pub mod schema;
