// Rust types of the dexp policy `sum` version 1.0.0 (source hash 5eed).
// Written by `dexpc types --lang rust`: do not edit. They write the policy's input layout and
// read its decisions directly (`Evaluator::evaluate_direct`); the runtime refuses them for a
// policy whose types differ (see `LAYOUT`). Needs the crates `dexp-runtime` and `serde`.

use dexp_runtime::typed::direct as dx;
use serde::{Deserialize, Serialize};

/// The fingerprint of the policy types these were generated for (`dexp_runtime::typed::direct::fingerprint`).
pub const LAYOUT: u64 = 0x5b834d700eb2c84b;

/// The codes of `R`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RCode {
    /// `negative_sum`.
    #[serde(rename = "negative_sum")]
    NegativeSum,
    /// `zero_sum`.
    #[serde(rename = "zero_sum")]
    ZeroSum,
}

impl RCode {
    /// Every variant, in the policy's order.
    pub const ALL: [RCode; 2] = [RCode::NegativeSum, RCode::ZeroSum];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            RCode::NegativeSum => "negative_sum",
            RCode::ZeroSum => "zero_sum",
        }
    }
}

/// The record `Input`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    /// `id`.
    pub id: String,
    /// `a`.
    pub a: i64,
    /// `b`.
    pub b: i64,
}

/// The record `Output`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    /// `id`.
    pub id: String,
    /// `sum`.
    pub sum: i64,
    /// `reasons`.
    pub reasons: Vec<RCode>,
}

/// The record the policy reads.
pub type PolicyInput = Input;

/// The decision the policy writes.
pub type PolicyDecision = Output;

impl dx::Input for Input {
    const LAYOUT: u64 = LAYOUT;
    fn write(&self, w: &mut dx::Writer<'_>) -> Result<(), dx::PathError> {
        write_input(self, w, 0)
    }
}

impl dx::Output for Output {
    const LAYOUT: u64 = LAYOUT;
    fn read(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Self, dx::DecodeError> {
        read_output(r, at)
    }
}

/// Writes a `Input` at `at`.
#[allow(unused_variables)]
fn write_input(v: &Input, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at + 16, &v.id).map_err(|e| e.field("id"))?;
    w.int(at, v.a);
    w.int(at + 8, v.b);
    Ok(())
}

/// Reads the `Output` at `at`.
#[allow(unused_variables)]
fn read_output(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Output, dx::DecodeError> {
    let f0 = r.string(at.offset(16))?;
    let f1 = r.int(at)?;
    let f2 = dx::codes(r.codes(at.offset(8), 0)?, &RCode::ALL);
    Ok(Output { id: f0, sum: f1, reasons: f2 })
}
