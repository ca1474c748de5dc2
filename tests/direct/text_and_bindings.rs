// Rust types of the dexp policy `text_and_bindings` version 0.1.0 (source hash 336c665989c284c118484b587c61629d6876b6ba15e81b5d56247ecad9c24113).
// Written by `dexpc types --lang rust`: do not edit. They write the policy's input layout and
// read its decisions directly (`Evaluator::evaluate_direct`); the runtime refuses them for a
// policy whose types differ (see `LAYOUT`). Needs the crates `dexp-runtime` and `serde`.

use dexp_runtime::typed::direct as dx;
use serde::{Deserialize, Serialize};

/// The fingerprint of the policy types these were generated for (`dexp_runtime::typed::direct::fingerprint`).
pub const LAYOUT: u64 = 0x45155a74a6d00ef1;

/// The enum `Kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    /// `user`.
    #[serde(rename = "user")]
    User,
    /// `service`.
    #[serde(rename = "service")]
    Service,
    /// `guest`.
    #[serde(rename = "guest")]
    Guest,
}

impl Kind {
    /// Every variant, in the policy's order.
    pub const ALL: [Kind; 3] = [Kind::User, Kind::Service, Kind::Guest];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Service => "service",
            Kind::Guest => "guest",
        }
    }
}

/// The codes of `naming`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum NamingCode {
    /// `id_prefix`.
    #[serde(rename = "id_prefix")]
    IdPrefix,
    /// `owner_named`.
    #[serde(rename = "owner_named")]
    OwnerNamed,
    /// `no_guests`.
    #[serde(rename = "no_guests")]
    NoGuests,
    /// `within_limit`.
    #[serde(rename = "within_limit")]
    WithinLimit,
}

impl NamingCode {
    /// Every variant, in the policy's order.
    pub const ALL: [NamingCode; 4] =
        [NamingCode::IdPrefix, NamingCode::OwnerNamed, NamingCode::NoGuests, NamingCode::WithinLimit];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            NamingCode::IdPrefix => "id_prefix",
            NamingCode::OwnerNamed => "owner_named",
            NamingCode::NoGuests => "no_guests",
            NamingCode::WithinLimit => "within_limit",
        }
    }
}

/// The record `Member`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// `name`.
    pub name: String,
    /// `alias`.
    #[serde(default)]
    pub alias: Option<String>,
    /// `kind`.
    pub kind: Kind,
    /// `seats`.
    pub seats: i64,
}

/// The record `Account`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// `id`.
    pub id: String,
    /// `owner`.
    pub owner: String,
    /// `domain`.
    pub domain: String,
    /// `members`.
    pub members: Vec<Member>,
    /// `tags`.
    pub tags: Vec<String>,
    /// `limit`.
    pub limit: i64,
    /// `bonus`.
    pub bonus: i64,
}

/// The record `Result`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Result2 {
    /// `id`.
    pub id: String,
    /// `lowered`.
    pub lowered: String,
    /// `raised`.
    pub raised: String,
    /// `owner_chars`.
    pub owner_chars: i64,
    /// `members`.
    pub members: i64,
    /// `tagged`.
    pub tagged: i64,
    /// `prefixed`.
    pub prefixed: bool,
    /// `suffixed`.
    pub suffixed: bool,
    /// `mentions`.
    pub mentions: bool,
    /// `same_owner`.
    pub same_owner: bool,
    /// `seats`.
    pub seats: i64,
    /// `names`.
    pub names: Vec<String>,
    /// `longest`.
    pub longest: i64,
    /// `reasons`.
    pub reasons: Vec<NamingCode>,
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

/// Writes a `Member` at `at`.
#[allow(unused_variables)]
fn write_member(v: &Member, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at + 8, &v.name).map_err(|e| e.field("name"))?;
    if let Some(x0) = &v.alias {
        w.present(at + 16);
        w.string(at + 16 + 4, x0).map_err(|e| e.field("alias"))?;
    }
    w.variant(at + 28, v.kind as u8);
    w.int(at, v.seats);
    Ok(())
}

/// Writes a `Account` at `at`.
#[allow(unused_variables)]
fn write_account(v: &Account, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at + 16, &v.id).map_err(|e| e.field("id"))?;
    w.string(at + 24, &v.owner).map_err(|e| e.field("owner"))?;
    w.string(at + 32, &v.domain).map_err(|e| e.field("domain"))?;
    let base0 = w.list(at + 40, v.members.len(), 32, 8).map_err(|e| e.field("members"))?;
    for (i0, x0) in v.members.iter().enumerate() {
        write_member(x0, w, base0 + i0 * 32).map_err(|e| e.index(i0).field("members"))?;
    }
    let base0 = w.list(at + 48, v.tags.len(), 8, 4).map_err(|e| e.field("tags"))?;
    for (i0, x0) in v.tags.iter().enumerate() {
        w.string(base0 + i0 * 8, x0).map_err(|e| e.index(i0).field("tags"))?;
    }
    w.int(at, v.limit);
    w.int(at + 8, v.bonus);
    Ok(())
}

/// Reads the `Result` at `at`.
#[allow(unused_variables)]
fn read_result2(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Result2, dx::DecodeError> {
    let f0 = r.string(at.offset(48))?;
    let f1 = r.string(at.offset(56))?;
    let f2 = r.string(at.offset(64))?;
    let f3 = r.int(at)?;
    let f4 = r.int(at.offset(8))?;
    let f5 = r.int(at.offset(16))?;
    let f6 = r.bool(at.offset(80))?;
    let f7 = r.bool(at.offset(81))?;
    let f8 = r.bool(at.offset(82))?;
    let f9 = r.bool(at.offset(83))?;
    let f10 = r.int(at.offset(24))?;
    let f11 = {
        let (s0, n0) = r.list(at.offset(72), 8)?;
        let mut v0 = Vec::with_capacity(n0);
        for i0 in 0..n0 {
            v0.push(r.string(dx::Loc::element(s0, i0, 8))?);
        }
        v0
    };
    let f12 = r.int(at.offset(32))?;
    let f13 = dx::codes(r.codes(at.offset(40), 0)?, &NamingCode::ALL);
    Ok(Result2 {
        id: f0,
        lowered: f1,
        raised: f2,
        owner_chars: f3,
        members: f4,
        tagged: f5,
        prefixed: f6,
        suffixed: f7,
        mentions: f8,
        same_owner: f9,
        seats: f10,
        names: f11,
        longest: f12,
        reasons: f13,
    })
}
