//! Fuzz targets for dexp, as a library.
//!
//! Each module holds one target's body, a `run(&[u8])` that checks what the target promises
//! and panics when the promise breaks: a panic is how libFuzzer learns of a finding. The
//! binaries in `fuzz_targets/` are thin `fuzz_target!` wrappers around these bodies (the layout
//! of wasm-tools' `fuzz/src/lib.rs`), and the unit tests of each module run its body on a few
//! hundred seeded inputs, so plain `cargo test` keeps every target compiling and honest.
//!
//! - [`parse`]: any bytes through the parser and checker.
//! - [`compile`]: well-typed programs (generated, or mutations of the committed policies)
//!   compile to a module that wasmparser accepts and the runtime loads.
//! - [`differential`]: generated policies and records, the Wasm back end against the
//!   reference interpreter.
//! - [`load`]: any bytes and mutated valid modules given to `Policy::load`.
//! - [`records`]: any bytes as NDJSON lines for the reference policy.
//!
//! See `fuzz/README.md` for running the campaigns.

// A fuzz body reports a finding by panicking, so the workspace's lints against `unwrap`,
// `expect`, `panic!` and indexing do not apply to this package: a panic here is the signal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

pub mod compile;
pub mod differential;
pub mod engines;
pub mod generate;
pub mod load;
pub mod parse;
pub mod records;
pub mod seeds;
pub mod values;

/// The reference policy, `policies/defender_experts.dexp`.
pub const REFERENCE_POLICY: &str = include_str!("../../policies/defender_experts.dexp");

/// The test policies under `tests/policies/`, which together use every IR construct.
pub const TEST_POLICIES: &[&str] =
    &[include_str!("../../tests/policies/constructs.dexp"), include_str!("../../tests/policies/failures.dexp")];

/// Every committed policy: the reference policy first, then the test policies.
pub fn committed_policies() -> impl Iterator<Item = &'static str> {
    std::iter::once(REFERENCE_POLICY).chain(TEST_POLICIES.iter().copied())
}

/// Example records of the reference policy, `policies/examples/tenants.ndjson`.
pub const REFERENCE_RECORDS: &str = include_str!("../../policies/examples/tenants.ndjson");

/// True with probability `num`/`den`, read from `u`; false once `u` has run out, so that
/// exhausted input always takes the plain branch (unlike `Unstructured::ratio`, which is true
/// then).
pub fn chance(u: &mut arbitrary::Unstructured<'_>, num: u32, den: u32) -> arbitrary::Result<bool> {
    let roll = u.int_in_range(0..=den.saturating_sub(1))?;
    Ok(roll >= den.saturating_sub(num))
}
