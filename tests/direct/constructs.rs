// Rust types of the dexp policy `constructs` version 0.1.0 (source hash 2a097a9b1896b0a47227ad2183c8456f6e3b3fdd29a01af83ccd785ffee75fee).
// Written by `dexpc types --lang rust`: do not edit. They write the policy's input layout and
// read its decisions directly (`Evaluator::evaluate_direct`); the runtime refuses them for a
// policy whose types differ (see `LAYOUT`). Needs the crates `dexp-runtime` and `serde`.

use dexp_runtime::typed::direct as dx;
use serde::{Deserialize, Serialize};

/// The fingerprint of the policy types these were generated for (`dexp_runtime::typed::direct::fingerprint`).
pub const LAYOUT: u64 = 0x6080583dff4da3df;

/// The enum `Color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Color {
    /// `red`.
    #[serde(rename = "red")]
    Red,
    /// `green`.
    #[serde(rename = "green")]
    Green,
    /// `blue`.
    #[serde(rename = "blue")]
    Blue,
}

impl Color {
    /// Every variant, in the policy's order.
    pub const ALL: [Color; 3] = [Color::Red, Color::Green, Color::Blue];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Color::Red => "red",
            Color::Green => "green",
            Color::Blue => "blue",
        }
    }
}

/// The enum `Tier`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Tier {
    /// `bronze`.
    #[serde(rename = "bronze")]
    Bronze,
    /// `silver`.
    #[serde(rename = "silver")]
    Silver,
    /// `gold`.
    #[serde(rename = "gold")]
    Gold,
    /// `platinum`.
    #[serde(rename = "platinum")]
    Platinum,
}

impl Tier {
    /// Every variant, in the policy's order.
    pub const ALL: [Tier; 4] = [Tier::Bronze, Tier::Silver, Tier::Gold, Tier::Platinum];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Tier::Bronze => "bronze",
            Tier::Silver => "silver",
            Tier::Gold => "gold",
            Tier::Platinum => "platinum",
        }
    }
}

/// The codes of `checks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ChecksCode {
    /// `has_items`.
    #[serde(rename = "has_items")]
    HasItems,
    /// `positive_total`.
    #[serde(rename = "positive_total")]
    PositiveTotal,
    /// `known_city`.
    #[serde(rename = "known_city")]
    KnownCity,
    /// `recent`.
    #[serde(rename = "recent")]
    Recent,
}

impl ChecksCode {
    /// Every variant, in the policy's order.
    pub const ALL: [ChecksCode; 4] =
        [ChecksCode::HasItems, ChecksCode::PositiveTotal, ChecksCode::KnownCity, ChecksCode::Recent];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            ChecksCode::HasItems => "has_items",
            ChecksCode::PositiveTotal => "positive_total",
            ChecksCode::KnownCity => "known_city",
            ChecksCode::Recent => "recent",
        }
    }
}

/// The codes of `hints`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum HintsCode {
    /// `big`.
    #[serde(rename = "big")]
    Big,
    /// `vip`.
    #[serde(rename = "vip")]
    Vip,
    /// `partly`.
    #[serde(rename = "partly")]
    Partly,
    /// `lucky`.
    #[serde(rename = "lucky")]
    Lucky,
    /// `tagged`.
    #[serde(rename = "tagged")]
    Tagged,
}

impl HintsCode {
    /// Every variant, in the policy's order.
    pub const ALL: [HintsCode; 5] =
        [HintsCode::Big, HintsCode::Vip, HintsCode::Partly, HintsCode::Lucky, HintsCode::Tagged];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            HintsCode::Big => "big",
            HintsCode::Vip => "vip",
            HintsCode::Partly => "partly",
            HintsCode::Lucky => "lucky",
            HintsCode::Tagged => "tagged",
        }
    }
}

/// The record `Address`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// `city`.
    pub city: String,
    /// `zip`.
    #[serde(default)]
    pub zip: Option<i64>,
}

/// The record `Customer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// `id`.
    pub id: String,
    /// `since`.
    pub since: dx::Date,
    /// `tier`.
    pub tier: Tier,
    /// `address`.
    pub address: Address,
    /// `backup`.
    #[serde(default)]
    pub backup: Option<Address>,
    /// `active`.
    pub active: bool,
}

/// The record `Item`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// `name`.
    pub name: String,
    /// `qty`.
    pub qty: i64,
    /// `price`.
    pub price: i64,
    /// `color`.
    pub color: Color,
    /// `due`.
    #[serde(default)]
    pub due: Option<dx::Date>,
    /// `tags`.
    pub tags: Vec<String>,
}

/// The record `Order`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// `key`.
    pub key: String,
    /// `customer`.
    pub customer: Customer,
    /// `items`.
    pub items: Vec<Item>,
    /// `discount`.
    #[serde(default)]
    pub discount: Option<i64>,
    /// `divisor`.
    pub divisor: i64,
    /// `shift`.
    pub shift: i64,
    /// `placed`.
    pub placed: dx::Date,
    /// `flags`.
    pub flags: Vec<bool>,
    /// `scores`.
    pub scores: Vec<i64>,
    /// `maybe_scores`.
    pub maybe_scores: Vec<Option<i64>>,
    /// `matrix`.
    pub matrix: Vec<Vec<i64>>,
    /// `note`.
    #[serde(default)]
    pub note: Option<String>,
    /// `alt_note`.
    #[serde(default)]
    pub alt_note: Option<String>,
}

/// The record `Summary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// `count`.
    pub count: i64,
    /// `total`.
    pub total: i64,
    /// `best`.
    pub best: i64,
    /// `cheapest`.
    pub cheapest: Color,
}

/// The record `Dates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dates {
    /// `latest_due`.
    pub latest_due: dx::Date,
    /// `shifted`.
    pub shifted: dx::Date,
    /// `earliest`.
    pub earliest: dx::Date,
    /// `age_days`.
    pub age_days: i64,
    /// `year`.
    pub year: i64,
    /// `quarter`.
    pub quarter: i64,
    /// `month`.
    pub month: i64,
    /// `day`.
    pub day: i64,
    /// `deadline`.
    #[serde(default)]
    pub deadline: Option<dx::Date>,
}

/// The record `Out`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Out {
    /// `key`.
    pub key: String,
    /// `summary`.
    pub summary: Summary,
    /// `dates`.
    pub dates: Dates,
    /// `checks`.
    pub checks: Vec<ChecksCode>,
    /// `hints`.
    pub hints: Vec<HintsCode>,
    /// `eligible`.
    pub eligible: bool,
    /// `has_positive_total`.
    pub has_positive_total: bool,
    /// `label`.
    pub label: String,
    /// `names`.
    pub names: Vec<String>,
    /// `picked`.
    pub picked: Vec<i64>,
    /// `homes`.
    pub homes: Vec<Address>,
    /// `city`.
    pub city: String,
    /// `zip`.
    #[serde(default)]
    pub zip: Option<i64>,
    /// `note`.
    #[serde(default)]
    pub note: Option<String>,
    /// `maybe_total`.
    #[serde(default)]
    pub maybe_total: Option<i64>,
    /// `tier_floor`.
    pub tier_floor: Tier,
    /// `flags_all`.
    pub flags_all: bool,
    /// `flags_any`.
    pub flags_any: bool,
    /// `scores_sum`.
    pub scores_sum: i64,
    /// `matrix_sum`.
    pub matrix_sum: i64,
    /// `maybe_sum`.
    pub maybe_sum: i64,
    /// `maybe_best`.
    pub maybe_best: i64,
    /// `ratio`.
    pub ratio: i64,
    /// `negated`.
    pub negated: i64,
    /// `membership`.
    pub membership: Vec<bool>,
    /// `lazy`.
    pub lazy: i64,
    /// `weight`.
    pub weight: i64,
}

/// The record the policy reads.
pub type PolicyInput = Order;

/// The decision the policy writes.
pub type PolicyDecision = Out;

impl dx::Input for Order {
    const LAYOUT: u64 = LAYOUT;
    fn write(&self, w: &mut dx::Writer<'_>) -> Result<(), dx::PathError> {
        write_order(self, w, 0)
    }
}

impl dx::Output for Out {
    const LAYOUT: u64 = LAYOUT;
    fn read(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Self, dx::DecodeError> {
        read_out(r, at)
    }
}

/// Writes a `Address` at `at`.
#[allow(unused_variables)]
fn write_address(v: &Address, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at + 16, &v.city).map_err(|e| e.field("city"))?;
    if let Some(x0) = &v.zip {
        w.present(at);
        w.int(at + 8, *x0);
    }
    Ok(())
}

/// Writes a `Customer` at `at`.
#[allow(unused_variables)]
fn write_customer(v: &Customer, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at + 56, &v.id).map_err(|e| e.field("id"))?;
    w.date(at + 64, v.since);
    w.variant(at + 68, v.tier as u8);
    write_address(&v.address, w, at).map_err(|e| e.field("address"))?;
    if let Some(x0) = &v.backup {
        w.present(at + 24);
        write_address(x0, w, at + 24 + 8).map_err(|e| e.field("backup"))?;
    }
    w.bool(at + 69, v.active);
    Ok(())
}

/// Writes a `Item` at `at`.
#[allow(unused_variables)]
fn write_item(v: &Item, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at + 16, &v.name).map_err(|e| e.field("name"))?;
    w.int(at, v.qty);
    w.int(at + 8, v.price);
    w.variant(at + 40, v.color as u8);
    if let Some(x0) = &v.due {
        w.present(at + 24);
        w.date(at + 24 + 4, *x0);
    }
    let base0 = w.list(at + 32, v.tags.len(), 8, 4).map_err(|e| e.field("tags"))?;
    for (i0, x0) in v.tags.iter().enumerate() {
        w.string(base0 + i0 * 8, x0).map_err(|e| e.index(i0).field("tags"))?;
    }
    Ok(())
}

/// Writes a `Order` at `at`.
#[allow(unused_variables)]
fn write_order(v: &Order, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at + 104, &v.key).map_err(|e| e.field("key"))?;
    write_customer(&v.customer, w, at).map_err(|e| e.field("customer"))?;
    let base0 = w.list(at + 112, v.items.len(), 48, 8).map_err(|e| e.field("items"))?;
    for (i0, x0) in v.items.iter().enumerate() {
        write_item(x0, w, base0 + i0 * 48).map_err(|e| e.index(i0).field("items"))?;
    }
    if let Some(x0) = &v.discount {
        w.present(at + 72);
        w.int(at + 72 + 8, *x0);
    }
    w.int(at + 88, v.divisor);
    w.int(at + 96, v.shift);
    w.date(at + 120, v.placed);
    let base0 = w.list(at + 124, v.flags.len(), 1, 1).map_err(|e| e.field("flags"))?;
    for (i0, x0) in v.flags.iter().enumerate() {
        w.bool(base0 + i0, *x0);
    }
    let base0 = w.list(at + 132, v.scores.len(), 8, 8).map_err(|e| e.field("scores"))?;
    for (i0, x0) in v.scores.iter().enumerate() {
        w.int(base0 + i0 * 8, *x0);
    }
    let base0 = w.list(at + 140, v.maybe_scores.len(), 16, 8).map_err(|e| e.field("maybe_scores"))?;
    for (i0, x0) in v.maybe_scores.iter().enumerate() {
        if let Some(x1) = x0 {
            w.present(base0 + i0 * 16);
            w.int(base0 + i0 * 16 + 8, *x1);
        }
    }
    let base0 = w.list(at + 148, v.matrix.len(), 8, 4).map_err(|e| e.field("matrix"))?;
    for (i0, x0) in v.matrix.iter().enumerate() {
        let base1 = w.list(base0 + i0 * 8, x0.len(), 8, 8).map_err(|e| e.index(i0).field("matrix"))?;
        for (i1, x1) in x0.iter().enumerate() {
            w.int(base1 + i1 * 8, *x1);
        }
    }
    if let Some(x0) = &v.note {
        w.present(at + 156);
        w.string(at + 156 + 4, x0).map_err(|e| e.field("note"))?;
    }
    if let Some(x0) = &v.alt_note {
        w.present(at + 168);
        w.string(at + 168 + 4, x0).map_err(|e| e.field("alt_note"))?;
    }
    Ok(())
}

/// Reads the `Address` at `at`.
#[allow(unused_variables)]
fn read_address(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Address, dx::DecodeError> {
    let f0 = r.string(at.offset(16))?;
    let f1 = match r.optional(at, 8)? {
        Some(p0) => Some(r.int(p0)?),
        None => None,
    };
    Ok(Address { city: f0, zip: f1 })
}

/// Reads the `Summary` at `at`.
#[allow(unused_variables)]
fn read_summary(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Summary, dx::DecodeError> {
    let f0 = r.int(at)?;
    let f1 = r.int(at.offset(8))?;
    let f2 = r.int(at.offset(16))?;
    let f3 = dx::pick(&Color::ALL, r.variant(at.offset(24), 0)?)?;
    Ok(Summary { count: f0, total: f1, best: f2, cheapest: f3 })
}

/// Reads the `Dates` at `at`.
#[allow(unused_variables)]
fn read_dates(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Dates, dx::DecodeError> {
    let f0 = r.date(at.offset(40))?;
    let f1 = r.date(at.offset(44))?;
    let f2 = r.date(at.offset(48))?;
    let f3 = r.int(at)?;
    let f4 = r.int(at.offset(8))?;
    let f5 = r.int(at.offset(16))?;
    let f6 = r.int(at.offset(24))?;
    let f7 = r.int(at.offset(32))?;
    let f8 = match r.optional(at.offset(52), 4)? {
        Some(p0) => Some(r.date(p0)?),
        None => None,
    };
    Ok(Dates {
        latest_due: f0,
        shifted: f1,
        earliest: f2,
        age_days: f3,
        year: f4,
        quarter: f5,
        month: f6,
        day: f7,
        deadline: f8,
    })
}

/// Reads the `Out` at `at`.
#[allow(unused_variables)]
fn read_out(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Out, dx::DecodeError> {
    let f0 = r.string(at.offset(208))?;
    let f1 = read_summary(r, at)?;
    let f2 = read_dates(r, at.offset(32))?;
    let f3 = dx::codes(r.codes(at.offset(96), 0)?, &ChecksCode::ALL);
    let f4 = dx::codes(r.codes(at.offset(104), 1)?, &HintsCode::ALL);
    let f5 = r.bool(at.offset(276))?;
    let f6 = r.bool(at.offset(277))?;
    let f7 = r.string(at.offset(216))?;
    let f8 = {
        let (s0, n0) = r.list(at.offset(224), 8)?;
        let mut v0 = Vec::with_capacity(n0);
        for i0 in 0..n0 {
            v0.push(r.string(dx::Loc::element(s0, i0, 8))?);
        }
        v0
    };
    let f9 = {
        let (s0, n0) = r.list(at.offset(232), 8)?;
        let mut v0 = Vec::with_capacity(n0);
        for i0 in 0..n0 {
            v0.push(r.int(dx::Loc::element(s0, i0, 8))?);
        }
        v0
    };
    let f10 = {
        let (s0, n0) = r.list(at.offset(240), 24)?;
        let mut v0 = Vec::with_capacity(n0);
        for i0 in 0..n0 {
            v0.push(read_address(r, dx::Loc::element(s0, i0, 24))?);
        }
        v0
    };
    let f11 = r.string(at.offset(248))?;
    let f12 = match r.optional(at.offset(112), 8)? {
        Some(p0) => Some(r.int(p0)?),
        None => None,
    };
    let f13 = match r.optional(at.offset(256), 4)? {
        Some(p0) => Some(r.string(p0)?),
        None => None,
    };
    let f14 = match r.optional(at.offset(128), 8)? {
        Some(p0) => Some(r.int(p0)?),
        None => None,
    };
    let f15 = dx::pick(&Tier::ALL, r.variant(at.offset(278), 1)?)?;
    let f16 = r.bool(at.offset(279))?;
    let f17 = r.bool(at.offset(280))?;
    let f18 = r.int(at.offset(144))?;
    let f19 = r.int(at.offset(152))?;
    let f20 = r.int(at.offset(160))?;
    let f21 = r.int(at.offset(168))?;
    let f22 = r.int(at.offset(176))?;
    let f23 = r.int(at.offset(184))?;
    let f24 = {
        let (s0, n0) = r.list(at.offset(268), 1)?;
        let mut v0 = Vec::with_capacity(n0);
        for i0 in 0..n0 {
            v0.push(r.bool(dx::Loc::element(s0, i0, 1))?);
        }
        v0
    };
    let f25 = r.int(at.offset(192))?;
    let f26 = r.int(at.offset(200))?;
    Ok(Out {
        key: f0,
        summary: f1,
        dates: f2,
        checks: f3,
        hints: f4,
        eligible: f5,
        has_positive_total: f6,
        label: f7,
        names: f8,
        picked: f9,
        homes: f10,
        city: f11,
        zip: f12,
        note: f13,
        maybe_total: f14,
        tier_floor: f15,
        flags_all: f16,
        flags_any: f17,
        scores_sum: f18,
        matrix_sum: f19,
        maybe_sum: f20,
        maybe_best: f21,
        ratio: f22,
        negated: f23,
        membership: f24,
        lazy: f25,
        weight: f26,
    })
}
