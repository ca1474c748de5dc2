// Rust types of the dexp policy `decimals` version 0.1.0 (source hash 17b88d3ee189d6f779e0fb5ad0de2878166cb5811e3f8e20cf0f5e555998ba12).
// Written by `dexpc types --lang rust`: do not edit. They write the policy's input layout and
// read its decisions directly (`Evaluator::evaluate_direct`); the runtime refuses them for a
// policy whose types differ (see `LAYOUT`). Needs the crates `dexp-runtime` and `serde`.

use dexp_runtime::typed::direct as dx;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The fingerprint of the policy types these were generated for (`dexp_runtime::typed::direct::fingerprint`).
pub const LAYOUT: u64 = 0x5a00af9d8e923927;

/// The enum `Kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    /// `fee`.
    #[serde(rename = "fee")]
    Fee,
    /// `credit`.
    #[serde(rename = "credit")]
    Credit,
}

impl Kind {
    /// Every variant, in the policy's order.
    pub const ALL: [Kind; 2] = [Kind::Fee, Kind::Credit];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Fee => "fee",
            Kind::Credit => "credit",
        }
    }
}

/// The codes of `checks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ChecksCode {
    /// `positive_price`.
    #[serde(rename = "positive_price")]
    PositivePrice,
    /// `seats_cover_price`.
    #[serde(rename = "seats_cover_price")]
    SeatsCoverPrice,
    /// `tax_in_range`.
    #[serde(rename = "tax_in_range")]
    TaxInRange,
    /// `lines_priced`.
    #[serde(rename = "lines_priced")]
    LinesPriced,
}

impl ChecksCode {
    /// Every variant, in the policy's order.
    pub const ALL: [ChecksCode; 4] =
        [ChecksCode::PositivePrice, ChecksCode::SeatsCoverPrice, ChecksCode::TaxInRange, ChecksCode::LinesPriced];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            ChecksCode::PositivePrice => "positive_price",
            ChecksCode::SeatsCoverPrice => "seats_cover_price",
            ChecksCode::TaxInRange => "tax_in_range",
            ChecksCode::LinesPriced => "lines_priced",
        }
    }
}

/// The record `Line`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// `kind`.
    pub kind: Kind,
    /// `amount`.
    pub amount: dx::Decimal,
    /// `rate`.
    #[serde(default)]
    pub rate: Option<dx::Decimal>,
    /// `qty`.
    pub qty: i64,
}

/// The record `Account`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// `id`.
    pub id: String,
    /// `price`.
    pub price: dx::Decimal,
    /// `discount`.
    #[serde(default)]
    pub discount: Option<dx::Decimal>,
    /// `tax`.
    pub tax: dx::Decimal,
    /// `seats`.
    pub seats: i64,
    /// `big`.
    pub big: i64,
    /// `lines`.
    pub lines: Vec<Line>,
    /// `prices`.
    pub prices: BTreeMap<String, dx::Decimal>,
    /// `limits`.
    pub limits: Vec<dx::Decimal>,
}

/// The record `Result`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Result2 {
    /// `id`.
    pub id: String,
    /// `total`.
    pub total: dx::Decimal,
    /// `net`.
    pub net: dx::Decimal,
    /// `unit`.
    pub unit: dx::Decimal,
    /// `per_discount`.
    pub per_discount: dx::Decimal,
    /// `promoted`.
    pub promoted: dx::Decimal,
    /// `cents`.
    pub cents: dx::Decimal,
    /// `whole`.
    pub whole: dx::Decimal,
    /// `ratio`.
    #[serde(default)]
    pub ratio: Option<dx::Decimal>,
    /// `share`.
    pub share: dx::Decimal,
    /// `rounded`.
    pub rounded: dx::Decimal,
    /// `biggest`.
    pub biggest: dx::Decimal,
    /// `smallest`.
    pub smallest: dx::Decimal,
    /// `fees`.
    pub fees: dx::Decimal,
    /// `credits`.
    pub credits: i64,
    /// `cheaper`.
    pub cheaper: bool,
    /// `same`.
    pub same: bool,
    /// `above_big`.
    pub above_big: bool,
    /// `below_big`.
    pub below_big: bool,
    /// `e5`.
    pub e5: dx::Decimal,
    /// `best_limit`.
    pub best_limit: dx::Decimal,
    /// `lines`.
    pub lines: Vec<Line>,
    /// `reasons`.
    pub reasons: Vec<ChecksCode>,
}

/// The record the policy reads.
pub type PolicyInput = Account;

/// The decision the policy writes.
pub type PolicyDecision = Result2;

impl dx::Input for Account {
    const LAYOUT: u64 = LAYOUT;
    fn write(&self, w: &mut dx::Writer<'_>) -> Result<(), dx::PathError> {
        write_account(self, w, 0)
    }
}

impl dx::Output for Result2 {
    const LAYOUT: u64 = LAYOUT;
    fn read(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Self, dx::DecodeError> {
        read_result2(r, at)
    }
}

/// Writes a `Line` at `at`.
#[allow(unused_variables)]
fn write_line(v: &Line, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.variant(at + 32, v.kind as u8);
    w.decimal(at, v.amount);
    if let Some(x0) = &v.rate {
        w.present(at + 8);
        w.decimal(at + 8 + 8, *x0);
    }
    w.int(at + 24, v.qty);
    Ok(())
}

/// Writes a `Account` at `at`.
#[allow(unused_variables)]
fn write_account(v: &Account, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at + 48, &v.id).map_err(|e| e.field("id"))?;
    w.decimal(at, v.price);
    if let Some(x0) = &v.discount {
        w.present(at + 8);
        w.decimal(at + 8 + 8, *x0);
    }
    w.decimal(at + 24, v.tax);
    w.int(at + 32, v.seats);
    w.int(at + 40, v.big);
    let base0 = w.list(at + 56, v.lines.len(), 40, 8).map_err(|e| e.field("lines"))?;
    for (i0, x0) in v.lines.iter().enumerate() {
        write_line(x0, w, base0 + i0 * 40).map_err(|e| e.index(i0).field("lines"))?;
    }
    let base0 = w.map(at + 64, v.prices.len(), 16, 8).map_err(|e| e.field("prices"))?;
    for (i0, (k0, x0)) in v.prices.iter().enumerate() {
        let e0 = base0 + i0 * 16;
        w.key(e0, k0).map_err(|e| e.field("prices"))?;
        w.decimal(e0 + 8, *x0);
    }
    let base0 = w.list(at + 72, v.limits.len(), 8, 8).map_err(|e| e.field("limits"))?;
    for (i0, x0) in v.limits.iter().enumerate() {
        w.decimal(base0 + i0 * 8, *x0);
    }
    Ok(())
}

/// Reads the `Line` at `at`.
#[allow(unused_variables)]
fn read_line(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Line, dx::DecodeError> {
    let f0 = dx::pick(&Kind::ALL, r.variant(at.offset(32), 0)?)?;
    let f1 = r.decimal(at)?;
    let f2 = match r.optional(at.offset(8), 8)? {
        Some(p0) => Some(r.decimal(p0)?),
        None => None,
    };
    let f3 = r.int(at.offset(24))?;
    Ok(Line { kind: f0, amount: f1, rate: f2, qty: f3 })
}

/// Reads the `Result` at `at`.
#[allow(unused_variables)]
fn read_result2(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Result2, dx::DecodeError> {
    let f0 = r.string(at.offset(144))?;
    let f1 = r.decimal(at)?;
    let f2 = r.decimal(at.offset(8))?;
    let f3 = r.decimal(at.offset(16))?;
    let f4 = r.decimal(at.offset(24))?;
    let f5 = r.decimal(at.offset(32))?;
    let f6 = r.decimal(at.offset(40))?;
    let f7 = r.decimal(at.offset(48))?;
    let f8 = match r.optional(at.offset(56), 8)? {
        Some(p0) => Some(r.decimal(p0)?),
        None => None,
    };
    let f9 = r.decimal(at.offset(72))?;
    let f10 = r.decimal(at.offset(80))?;
    let f11 = r.decimal(at.offset(88))?;
    let f12 = r.decimal(at.offset(96))?;
    let f13 = r.decimal(at.offset(104))?;
    let f14 = r.int(at.offset(112))?;
    let f15 = r.bool(at.offset(160))?;
    let f16 = r.bool(at.offset(161))?;
    let f17 = r.bool(at.offset(162))?;
    let f18 = r.bool(at.offset(163))?;
    let f19 = r.decimal(at.offset(120))?;
    let f20 = r.decimal(at.offset(128))?;
    let f21 = {
        let (s0, n0) = r.list(at.offset(152), 40)?;
        let mut v0 = Vec::with_capacity(n0);
        for i0 in 0..n0 {
            v0.push(read_line(r, dx::Loc::element(s0, i0, 40))?);
        }
        v0
    };
    let f22 = dx::codes(r.codes(at.offset(136), 0)?, &ChecksCode::ALL);
    Ok(Result2 {
        id: f0,
        total: f1,
        net: f2,
        unit: f3,
        per_discount: f4,
        promoted: f5,
        cents: f6,
        whole: f7,
        ratio: f8,
        share: f9,
        rounded: f10,
        biggest: f11,
        smallest: f12,
        fees: f13,
        credits: f14,
        cheaper: f15,
        same: f16,
        above_big: f17,
        below_big: f18,
        e5: f19,
        best_limit: f20,
        lines: f21,
        reasons: f22,
    })
}
