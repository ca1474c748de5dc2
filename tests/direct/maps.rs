// Rust types of the dexp policy `maps` version 0.1.0 (source hash 928f28c88de543459aa43e61c5027b9a2f07074a3b639a302033c8deb9fedffa).
// Written by `dexpc types --lang rust`: do not edit. They write the policy's input layout and
// read its decisions directly (`Evaluator::evaluate_direct`); the runtime refuses them for a
// policy whose types differ (see `LAYOUT`). Needs the crates `dexp-runtime` and `serde`.

use dexp_runtime::typed::direct as dx;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The fingerprint of the policy types these were generated for (`dexp_runtime::typed::direct::fingerprint`).
pub const LAYOUT: u64 = 0x2a7d1bd939f29ade;

/// The enum `Tier`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Tier {
    /// `basic`.
    #[serde(rename = "basic")]
    Basic,
    /// `standard`.
    #[serde(rename = "standard")]
    Standard,
    /// `premium`.
    #[serde(rename = "premium")]
    Premium,
}

impl Tier {
    /// Every variant, in the policy's order.
    pub const ALL: [Tier; 3] = [Tier::Basic, Tier::Standard, Tier::Premium];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Tier::Basic => "basic",
            Tier::Standard => "standard",
            Tier::Premium => "premium",
        }
    }
}

/// The codes of `checks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ChecksCode {
    /// `a_seats`.
    #[serde(rename = "a_seats")]
    ASeats,
    /// `plans_have_seats`.
    #[serde(rename = "plans_have_seats")]
    PlansHaveSeats,
    /// `no_blocked_label`.
    #[serde(rename = "no_blocked_label")]
    NoBlockedLabel,
}

impl ChecksCode {
    /// Every variant, in the policy's order.
    pub const ALL: [ChecksCode; 3] = [ChecksCode::ASeats, ChecksCode::PlansHaveSeats, ChecksCode::NoBlockedLabel];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            ChecksCode::ASeats => "a_seats",
            ChecksCode::PlansHaveSeats => "plans_have_seats",
            ChecksCode::NoBlockedLabel => "no_blocked_label",
        }
    }
}

/// The record `Plan`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// `tier`.
    pub tier: Tier,
    /// `seats`.
    pub seats: i64,
    /// `renews`.
    pub renews: dx::Date,
    /// `tags`.
    pub tags: Vec<String>,
}

/// The record `Product`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// `name`.
    pub name: String,
    /// `quotas`.
    pub quotas: BTreeMap<String, i64>,
}

/// The record `Tenant`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// `id`.
    pub id: String,
    /// `sku`.
    pub sku: String,
    /// `seats`.
    pub seats: BTreeMap<String, i64>,
    /// `plans`.
    pub plans: BTreeMap<String, Plan>,
    /// `flags`.
    pub flags: BTreeMap<String, bool>,
    /// `labels`.
    pub labels: BTreeMap<String, String>,
    /// `products`.
    pub products: Vec<Product>,
    /// `nested`.
    pub nested: BTreeMap<String, BTreeMap<String, i64>>,
}

/// The record `Result`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Result2 {
    /// `id`.
    pub id: String,
    /// `a_seats`.
    pub a_seats: i64,
    /// `own_seats`.
    pub own_seats: i64,
    /// `has_eu`.
    pub has_eu: bool,
    /// `no_us`.
    pub no_us: bool,
    /// `skus`.
    pub skus: i64,
    /// `total`.
    pub total: i64,
    /// `premium`.
    pub premium: i64,
    /// `latest`.
    pub latest: dx::Date,
    /// `lowest`.
    pub lowest: i64,
    /// `all_flags`.
    pub all_flags: bool,
    /// `any_flag`.
    pub any_flag: bool,
    /// `distinct_values`.
    pub distinct_values: i64,
    /// `distinct_keys`.
    pub distinct_keys: i64,
    /// `distinct_labels`.
    pub distinct_labels: i64,
    /// `quota_sum`.
    pub quota_sum: i64,
    /// `nested_count`.
    pub nested_count: i64,
    /// `tag_hits`.
    pub tag_hits: i64,
    /// `label_of_sku`.
    pub label_of_sku: String,
    /// `plan_tier`.
    #[serde(default)]
    pub plan_tier: Option<Tier>,
    /// `seats`.
    pub seats: BTreeMap<String, i64>,
    /// `plans`.
    pub plans: BTreeMap<String, Plan>,
    /// `products`.
    pub products: Vec<Product>,
    /// `reasons`.
    pub reasons: Vec<ChecksCode>,
}

/// The record the policy reads.
pub type PolicyInput = Tenant;

/// The decision the policy writes.
pub type PolicyDecision = Result2;

impl dx::Input for Tenant {
    const LAYOUT: u64 = LAYOUT;
    fn write(&self, w: &mut dx::Writer<'_>) -> Result<(), dx::PathError> {
        write_tenant(self, w, 0)
    }
}

impl dx::Output for Result2 {
    const LAYOUT: u64 = LAYOUT;
    fn read(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Self, dx::DecodeError> {
        read_result2(r, at)
    }
}

/// Writes a `Plan` at `at`.
#[allow(unused_variables)]
fn write_plan(v: &Plan, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.variant(at + 20, v.tier as u8);
    w.int(at, v.seats);
    w.date(at + 8, v.renews);
    let base0 = w.list(at + 12, v.tags.len(), 8, 4).map_err(|e| e.field("tags"))?;
    for (i0, x0) in v.tags.iter().enumerate() {
        w.string(base0 + i0 * 8, x0).map_err(|e| e.index(i0).field("tags"))?;
    }
    Ok(())
}

/// Writes a `Product` at `at`.
#[allow(unused_variables)]
fn write_product(v: &Product, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at, &v.name).map_err(|e| e.field("name"))?;
    let base0 = w.map(at + 8, v.quotas.len(), 16, 8).map_err(|e| e.field("quotas"))?;
    for (i0, (k0, x0)) in v.quotas.iter().enumerate() {
        let e0 = base0 + i0 * 16;
        w.key(e0, k0).map_err(|e| e.field("quotas"))?;
        w.int(e0 + 8, *x0);
    }
    Ok(())
}

/// Writes a `Tenant` at `at`.
#[allow(unused_variables)]
fn write_tenant(v: &Tenant, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at, &v.id).map_err(|e| e.field("id"))?;
    w.string(at + 8, &v.sku).map_err(|e| e.field("sku"))?;
    let base0 = w.map(at + 16, v.seats.len(), 16, 8).map_err(|e| e.field("seats"))?;
    for (i0, (k0, x0)) in v.seats.iter().enumerate() {
        let e0 = base0 + i0 * 16;
        w.key(e0, k0).map_err(|e| e.field("seats"))?;
        w.int(e0 + 8, *x0);
    }
    let base0 = w.map(at + 24, v.plans.len(), 32, 8).map_err(|e| e.field("plans"))?;
    for (i0, (k0, x0)) in v.plans.iter().enumerate() {
        let e0 = base0 + i0 * 32;
        w.key(e0, k0).map_err(|e| e.field("plans"))?;
        write_plan(x0, w, e0 + 8).map_err(|e| e.key(k0).field("plans"))?;
    }
    let base0 = w.map(at + 32, v.flags.len(), 12, 4).map_err(|e| e.field("flags"))?;
    for (i0, (k0, x0)) in v.flags.iter().enumerate() {
        let e0 = base0 + i0 * 12;
        w.key(e0, k0).map_err(|e| e.field("flags"))?;
        w.bool(e0 + 8, *x0);
    }
    let base0 = w.map(at + 40, v.labels.len(), 16, 4).map_err(|e| e.field("labels"))?;
    for (i0, (k0, x0)) in v.labels.iter().enumerate() {
        let e0 = base0 + i0 * 16;
        w.key(e0, k0).map_err(|e| e.field("labels"))?;
        w.string(e0 + 8, x0).map_err(|e| e.key(k0).field("labels"))?;
    }
    let base0 = w.list(at + 48, v.products.len(), 16, 4).map_err(|e| e.field("products"))?;
    for (i0, x0) in v.products.iter().enumerate() {
        write_product(x0, w, base0 + i0 * 16).map_err(|e| e.index(i0).field("products"))?;
    }
    let base0 = w.map(at + 56, v.nested.len(), 16, 4).map_err(|e| e.field("nested"))?;
    for (i0, (k0, x0)) in v.nested.iter().enumerate() {
        let e0 = base0 + i0 * 16;
        w.key(e0, k0).map_err(|e| e.field("nested"))?;
        let base1 = w.map(e0 + 8, x0.len(), 16, 8).map_err(|e| e.key(k0).field("nested"))?;
        for (i1, (k1, x1)) in x0.iter().enumerate() {
            let e1 = base1 + i1 * 16;
            w.key(e1, k1).map_err(|e| e.key(k0).field("nested"))?;
            w.int(e1 + 8, *x1);
        }
    }
    Ok(())
}

/// Reads the `Plan` at `at`.
#[allow(unused_variables)]
fn read_plan(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Plan, dx::DecodeError> {
    let f0 = dx::pick(&Tier::ALL, r.variant(at.offset(20), 0)?)?;
    let f1 = r.int(at)?;
    let f2 = r.date(at.offset(8))?;
    let f3 = {
        let (s0, n0) = r.list(at.offset(12), 8)?;
        let mut v0 = Vec::with_capacity(n0);
        for i0 in 0..n0 {
            v0.push(r.string(dx::Loc::element(s0, i0, 8))?);
        }
        v0
    };
    Ok(Plan { tier: f0, seats: f1, renews: f2, tags: f3 })
}

/// Reads the `Product` at `at`.
#[allow(unused_variables)]
fn read_product(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Product, dx::DecodeError> {
    let f0 = r.string(at)?;
    let f1 = {
        let (s0, n0) = r.map(at.offset(8), 16)?;
        let mut m0 = BTreeMap::new();
        for i0 in 0..n0 {
            let e0 = dx::Loc::element(s0, i0, 16);
            let k0 = r.string(e0)?;
            m0.insert(k0, r.int(e0.offset(8))?);
        }
        m0
    };
    Ok(Product { name: f0, quotas: f1 })
}

/// Reads the `Result` at `at`.
#[allow(unused_variables)]
fn read_result2(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Result2, dx::DecodeError> {
    let f0 = r.string(at.offset(104))?;
    let f1 = r.int(at)?;
    let f2 = r.int(at.offset(8))?;
    let f3 = r.bool(at.offset(148))?;
    let f4 = r.bool(at.offset(149))?;
    let f5 = r.int(at.offset(16))?;
    let f6 = r.int(at.offset(24))?;
    let f7 = r.int(at.offset(32))?;
    let f8 = r.date(at.offset(112))?;
    let f9 = r.int(at.offset(40))?;
    let f10 = r.bool(at.offset(150))?;
    let f11 = r.bool(at.offset(151))?;
    let f12 = r.int(at.offset(48))?;
    let f13 = r.int(at.offset(56))?;
    let f14 = r.int(at.offset(64))?;
    let f15 = r.int(at.offset(72))?;
    let f16 = r.int(at.offset(80))?;
    let f17 = r.int(at.offset(88))?;
    let f18 = r.string(at.offset(116))?;
    let f19 = match r.optional(at.offset(152), 1)? {
        Some(p0) => Some(dx::pick(&Tier::ALL, r.variant(p0, 0)?)?),
        None => None,
    };
    let f20 = {
        let (s0, n0) = r.map(at.offset(124), 16)?;
        let mut m0 = BTreeMap::new();
        for i0 in 0..n0 {
            let e0 = dx::Loc::element(s0, i0, 16);
            let k0 = r.string(e0)?;
            m0.insert(k0, r.int(e0.offset(8))?);
        }
        m0
    };
    let f21 = {
        let (s0, n0) = r.map(at.offset(132), 32)?;
        let mut m0 = BTreeMap::new();
        for i0 in 0..n0 {
            let e0 = dx::Loc::element(s0, i0, 32);
            let k0 = r.string(e0)?;
            m0.insert(k0, read_plan(r, e0.offset(8))?);
        }
        m0
    };
    let f22 = {
        let (s0, n0) = r.list(at.offset(140), 16)?;
        let mut v0 = Vec::with_capacity(n0);
        for i0 in 0..n0 {
            v0.push(read_product(r, dx::Loc::element(s0, i0, 16))?);
        }
        v0
    };
    let f23 = dx::codes(r.codes(at.offset(96), 0)?, &ChecksCode::ALL);
    Ok(Result2 {
        id: f0,
        a_seats: f1,
        own_seats: f2,
        has_eu: f3,
        no_us: f4,
        skus: f5,
        total: f6,
        premium: f7,
        latest: f8,
        lowest: f9,
        all_flags: f10,
        any_flag: f11,
        distinct_values: f12,
        distinct_keys: f13,
        distinct_labels: f14,
        quota_sum: f15,
        nested_count: f16,
        tag_hits: f17,
        label_of_sku: f18,
        plan_tier: f19,
        seats: f20,
        plans: f21,
        products: f22,
        reasons: f23,
    })
}
