// Rust types of the dexp policy `nested_and_distinct` version 0.1.0 (source hash eed59e5d54eddc6eb6fd60e4a9e546d4468f9a37ab25f47fcdb8c32944e3a123).
// Written by `dexpc types --lang rust`: do not edit. They write the policy's input layout and
// read its decisions directly (`Evaluator::evaluate_direct`); the runtime refuses them for a
// policy whose types differ (see `LAYOUT`). Needs the crates `dexp-runtime` and `serde`.

use dexp_runtime::typed::direct as dx;
use serde::{Deserialize, Serialize};

/// The fingerprint of the policy types these were generated for (`dexp_runtime::typed::direct::fingerprint`).
pub const LAYOUT: u64 = 0x0d502cff61c20653;

/// The enum `Role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    /// `owner`.
    #[serde(rename = "owner")]
    Owner,
    /// `member`.
    #[serde(rename = "member")]
    Member,
    /// `guest`.
    #[serde(rename = "guest")]
    Guest,
}

impl Role {
    /// Every variant, in the policy's order.
    pub const ALL: [Role; 3] = [Role::Owner, Role::Member, Role::Guest];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Member => "member",
            Role::Guest => "guest",
        }
    }
}

/// The codes of `licensing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum LicensingCode {
    /// `one_owner`.
    #[serde(rename = "one_owner")]
    OneOwner,
    /// `seats_within_cap`.
    #[serde(rename = "seats_within_cap")]
    SeatsWithinCap,
    /// `every_user_named`.
    #[serde(rename = "every_user_named")]
    EveryUserNamed,
}

impl LicensingCode {
    /// Every variant, in the policy's order.
    pub const ALL: [LicensingCode; 3] =
        [LicensingCode::OneOwner, LicensingCode::SeatsWithinCap, LicensingCode::EveryUserNamed];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            LicensingCode::OneOwner => "one_owner",
            LicensingCode::SeatsWithinCap => "seats_within_cap",
            LicensingCode::EveryUserNamed => "every_user_named",
        }
    }
}

/// The record `Assignment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// `user`.
    pub user: String,
    /// `role`.
    pub role: Role,
    /// `seats`.
    pub seats: i64,
    /// `since`.
    pub since: dx::Date,
    /// `active`.
    pub active: bool,
    /// `alias`.
    #[serde(default)]
    pub alias: Option<String>,
}

/// The record `Product`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// `sku`.
    pub sku: String,
    /// `assignments`.
    pub assignments: Vec<Assignment>,
    /// `regions`.
    pub regions: Vec<String>,
}

/// The record `Tenant`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// `id`.
    pub id: String,
    /// `products`.
    pub products: Vec<Product>,
    /// `groups`.
    pub groups: Vec<Vec<i64>>,
    /// `cap`.
    pub cap: i64,
}

/// The record `Result`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Result2 {
    /// `id`.
    pub id: String,
    /// `users`.
    pub users: i64,
    /// `active_users`.
    pub active_users: i64,
    /// `lowered_users`.
    pub lowered_users: i64,
    /// `roles`.
    pub roles: i64,
    /// `seat_values`.
    pub seat_values: i64,
    /// `start_dates`.
    pub start_dates: i64,
    /// `flags`.
    pub flags: i64,
    /// `regions_per_sku`.
    pub regions_per_sku: i64,
    /// `grouped`.
    pub grouped: i64,
    /// `assignments`.
    pub assignments: i64,
    /// `seats`.
    pub seats: i64,
    /// `all_active`.
    pub all_active: bool,
    /// `any_guest`.
    pub any_guest: bool,
    /// `latest`.
    pub latest: dx::Date,
    /// `first_role`.
    pub first_role: Role,
    /// `fewest`.
    pub fewest: i64,
    /// `within_cap`.
    pub within_cap: bool,
    /// `reasons`.
    pub reasons: Vec<LicensingCode>,
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

/// Writes a `Assignment` at `at`.
#[allow(unused_variables)]
fn write_assignment(v: &Assignment, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at + 8, &v.user).map_err(|e| e.field("user"))?;
    w.variant(at + 32, v.role as u8);
    w.int(at, v.seats);
    w.date(at + 16, v.since);
    w.bool(at + 33, v.active);
    if let Some(x0) = &v.alias {
        w.present(at + 20);
        w.string(at + 20 + 4, x0).map_err(|e| e.field("alias"))?;
    }
    Ok(())
}

/// Writes a `Product` at `at`.
#[allow(unused_variables)]
fn write_product(v: &Product, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at, &v.sku).map_err(|e| e.field("sku"))?;
    let base0 = w.list(at + 8, v.assignments.len(), 40, 8).map_err(|e| e.field("assignments"))?;
    for (i0, x0) in v.assignments.iter().enumerate() {
        write_assignment(x0, w, base0 + i0 * 40).map_err(|e| e.index(i0).field("assignments"))?;
    }
    let base0 = w.list(at + 16, v.regions.len(), 8, 4).map_err(|e| e.field("regions"))?;
    for (i0, x0) in v.regions.iter().enumerate() {
        w.string(base0 + i0 * 8, x0).map_err(|e| e.index(i0).field("regions"))?;
    }
    Ok(())
}

/// Writes a `Tenant` at `at`.
#[allow(unused_variables)]
fn write_tenant(v: &Tenant, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at + 8, &v.id).map_err(|e| e.field("id"))?;
    let base0 = w.list(at + 16, v.products.len(), 24, 4).map_err(|e| e.field("products"))?;
    for (i0, x0) in v.products.iter().enumerate() {
        write_product(x0, w, base0 + i0 * 24).map_err(|e| e.index(i0).field("products"))?;
    }
    let base0 = w.list(at + 24, v.groups.len(), 8, 4).map_err(|e| e.field("groups"))?;
    for (i0, x0) in v.groups.iter().enumerate() {
        let base1 = w.list(base0 + i0 * 8, x0.len(), 8, 8).map_err(|e| e.index(i0).field("groups"))?;
        for (i1, x1) in x0.iter().enumerate() {
            w.int(base1 + i1 * 8, *x1);
        }
    }
    w.int(at, v.cap);
    Ok(())
}

/// Reads the `Result` at `at`.
#[allow(unused_variables)]
fn read_result2(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Result2, dx::DecodeError> {
    let f0 = r.string(at.offset(104))?;
    let f1 = r.int(at)?;
    let f2 = r.int(at.offset(8))?;
    let f3 = r.int(at.offset(16))?;
    let f4 = r.int(at.offset(24))?;
    let f5 = r.int(at.offset(32))?;
    let f6 = r.int(at.offset(40))?;
    let f7 = r.int(at.offset(48))?;
    let f8 = r.int(at.offset(56))?;
    let f9 = r.int(at.offset(64))?;
    let f10 = r.int(at.offset(72))?;
    let f11 = r.int(at.offset(80))?;
    let f12 = r.bool(at.offset(116))?;
    let f13 = r.bool(at.offset(117))?;
    let f14 = r.date(at.offset(112))?;
    let f15 = dx::pick(&Role::ALL, r.variant(at.offset(118), 0)?)?;
    let f16 = r.int(at.offset(88))?;
    let f17 = r.bool(at.offset(119))?;
    let f18 = dx::codes(r.codes(at.offset(96), 0)?, &LicensingCode::ALL);
    Ok(Result2 {
        id: f0,
        users: f1,
        active_users: f2,
        lowered_users: f3,
        roles: f4,
        seat_values: f5,
        start_dates: f6,
        flags: f7,
        regions_per_sku: f8,
        grouped: f9,
        assignments: f10,
        seats: f11,
        all_active: f12,
        any_guest: f13,
        latest: f14,
        first_role: f15,
        fewest: f16,
        within_cap: f17,
        reasons: f18,
    })
}
