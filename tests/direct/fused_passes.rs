// Rust types of the dexp policy `fused_passes` version 0.1.0 (source hash 21aadb26c8a1d94f1a011497157150259915cc23e41d0d8b536576bed3223415).
// Written by `dexpc types --lang rust`: do not edit. They write the policy's input layout and
// read its decisions directly (`Evaluator::evaluate_direct`); the runtime refuses them for a
// policy whose types differ (see `LAYOUT`). Needs the crates `dexp-runtime` and `serde`.

use dexp_runtime::typed::direct as dx;
use serde::{Deserialize, Serialize};

/// The fingerprint of the policy types these were generated for (`dexp_runtime::typed::direct::fingerprint`).
pub const LAYOUT: u64 = 0x52d7d8671d8b9b12;

/// The enum `Kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    /// `seat`.
    #[serde(rename = "seat")]
    Seat,
    /// `addon`.
    #[serde(rename = "addon")]
    Addon,
    /// `trial`.
    #[serde(rename = "trial")]
    Trial,
    /// `legacy`.
    #[serde(rename = "legacy")]
    Legacy,
}

impl Kind {
    /// Every variant, in the policy's order.
    pub const ALL: [Kind; 4] = [Kind::Seat, Kind::Addon, Kind::Trial, Kind::Legacy];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Seat => "seat",
            Kind::Addon => "addon",
            Kind::Trial => "trial",
            Kind::Legacy => "legacy",
        }
    }
}

/// The enum `Level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    /// `none`.
    #[serde(rename = "none")]
    None2,
    /// `basic`.
    #[serde(rename = "basic")]
    Basic,
    /// `full`.
    #[serde(rename = "full")]
    Full,
}

impl Level {
    /// Every variant, in the policy's order.
    pub const ALL: [Level; 3] = [Level::None2, Level::Basic, Level::Full];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Level::None2 => "none",
            Level::Basic => "basic",
            Level::Full => "full",
        }
    }
}

/// The codes of `checks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ChecksCode {
    /// `has_active`.
    #[serde(rename = "has_active")]
    HasActive,
    /// `notes_kept`.
    #[serde(rename = "notes_kept")]
    NotesKept,
    /// `scores_known`.
    #[serde(rename = "scores_known")]
    ScoresKnown,
}

impl ChecksCode {
    /// Every variant, in the policy's order.
    pub const ALL: [ChecksCode; 3] = [ChecksCode::HasActive, ChecksCode::NotesKept, ChecksCode::ScoresKnown];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            ChecksCode::HasActive => "has_active",
            ChecksCode::NotesKept => "notes_kept",
            ChecksCode::ScoresKnown => "scores_known",
        }
    }
}

/// The codes of `hints`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum HintsCode {
    /// `legacy_left`.
    #[serde(rename = "legacy_left")]
    LegacyLeft,
    /// `trial_without_seat`.
    #[serde(rename = "trial_without_seat")]
    TrialWithoutSeat,
    /// `tagged_owner`.
    #[serde(rename = "tagged_owner")]
    TaggedOwner,
}

impl HintsCode {
    /// Every variant, in the policy's order.
    pub const ALL: [HintsCode; 3] = [HintsCode::LegacyLeft, HintsCode::TrialWithoutSeat, HintsCode::TaggedOwner];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            HintsCode::LegacyLeft => "legacy_left",
            HintsCode::TrialWithoutSeat => "trial_without_seat",
            HintsCode::TaggedOwner => "tagged_owner",
        }
    }
}

/// The record `Line`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// `sku`.
    pub sku: String,
    /// `kind`.
    pub kind: Kind,
    /// `qty`.
    pub qty: i64,
    /// `active`.
    pub active: bool,
    /// `starts`.
    pub starts: dx::Date,
    /// `ends`.
    #[serde(default)]
    pub ends: Option<dx::Date>,
    /// `note`.
    #[serde(default)]
    pub note: Option<String>,
}

/// The record `Account`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// `owner`.
    pub owner: String,
    /// `lines`.
    pub lines: Vec<Line>,
    /// `kinds`.
    pub kinds: Vec<Kind>,
}

/// The record `Tenant`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// `id`.
    pub id: String,
    /// `account`.
    pub account: Account,
    /// `scores`.
    pub scores: Vec<i64>,
    /// `tags`.
    pub tags: Vec<String>,
    /// `visits`.
    pub visits: Vec<dx::Date>,
    /// `preferred`.
    pub preferred: Kind,
    /// `limit`.
    pub limit: i64,
    /// `as_of`.
    pub as_of: dx::Date,
}

/// The record `Out`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Out {
    /// `id`.
    pub id: String,
    /// `seat_level`.
    pub seat_level: Level,
    /// `addon_level`.
    pub addon_level: Level,
    /// `trial_level`.
    pub trial_level: Level,
    /// `seat_again`.
    pub seat_again: Level,
    /// `preferred_level`.
    pub preferred_level: Level,
    /// `active_lines`.
    pub active_lines: i64,
    /// `big_lines`.
    pub big_lines: i64,
    /// `any_trial`.
    pub any_trial: bool,
    /// `all_active`.
    pub all_active: bool,
    /// `most_qty`.
    pub most_qty: i64,
    /// `least_qty`.
    pub least_qty: i64,
    /// `latest_start`.
    pub latest_start: dx::Date,
    /// `earliest_end`.
    pub earliest_end: dx::Date,
    /// `fallback_best`.
    pub fallback_best: i64,
    /// `summed`.
    pub summed: i64,
    /// `over_limit`.
    pub over_limit: i64,
    /// `kinds_seen`.
    pub kinds_seen: i64,
    /// `any_legacy_kind`.
    pub any_legacy_kind: bool,
    /// `best_kind`.
    pub best_kind: Kind,
    /// `high_scores`.
    pub high_scores: i64,
    /// `top_score`.
    pub top_score: i64,
    /// `low_score`.
    pub low_score: i64,
    /// `all_small`.
    pub all_small: bool,
    /// `tagged`.
    pub tagged: bool,
    /// `short_tags`.
    pub short_tags: i64,
    /// `latest_day`.
    pub latest_day: dx::Date,
    /// `tags_per_line`.
    pub tags_per_line: i64,
    /// `guarded`.
    pub guarded: bool,
    /// `picked`.
    pub picked: Level,
    /// `big_preferred`.
    pub big_preferred: bool,
    /// `busy_or_trial`.
    pub busy_or_trial: bool,
    /// `most_seats`.
    pub most_seats: i64,
    /// `most_addons`.
    pub most_addons: i64,
    /// `first_seat_start`.
    pub first_seat_start: dx::Date,
    /// `first_addon_start`.
    pub first_addon_start: dx::Date,
    /// `trial_floor`.
    pub trial_floor: Level,
    /// `legacy_floor`.
    pub legacy_floor: Level,
    /// `reasons`.
    pub reasons: Vec<ChecksCode>,
    /// `hints`.
    pub hints: Vec<HintsCode>,
}

/// The record the policy reads.
pub type PolicyInput = Tenant;

/// The decision the policy writes.
pub type PolicyDecision = Out;

impl dx::Input for Tenant {
    const LAYOUT: u64 = LAYOUT;
    fn write(&self, w: &mut dx::Writer<'_>) -> Result<(), dx::PathError> {
        write_tenant(self, w, 0)
    }
}

impl dx::Output for Out {
    const LAYOUT: u64 = LAYOUT;
    fn read(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Self, dx::DecodeError> {
        read_out(r, at)
    }
}

/// Writes a `Line` at `at`.
#[allow(unused_variables)]
fn write_line(v: &Line, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at + 8, &v.sku).map_err(|e| e.field("sku"))?;
    w.variant(at + 40, v.kind as u8);
    w.int(at, v.qty);
    w.bool(at + 41, v.active);
    w.date(at + 16, v.starts);
    if let Some(x0) = &v.ends {
        w.present(at + 20);
        w.date(at + 20 + 4, *x0);
    }
    if let Some(x0) = &v.note {
        w.present(at + 28);
        w.string(at + 28 + 4, x0).map_err(|e| e.field("note"))?;
    }
    Ok(())
}

/// Writes a `Account` at `at`.
#[allow(unused_variables)]
fn write_account(v: &Account, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at, &v.owner).map_err(|e| e.field("owner"))?;
    let base0 = w.list(at + 8, v.lines.len(), 48, 8).map_err(|e| e.field("lines"))?;
    for (i0, x0) in v.lines.iter().enumerate() {
        write_line(x0, w, base0 + i0 * 48).map_err(|e| e.index(i0).field("lines"))?;
    }
    let base0 = w.list(at + 16, v.kinds.len(), 1, 1).map_err(|e| e.field("kinds"))?;
    for (i0, x0) in v.kinds.iter().enumerate() {
        w.variant(base0 + i0, *x0 as u8);
    }
    Ok(())
}

/// Writes a `Tenant` at `at`.
#[allow(unused_variables)]
fn write_tenant(v: &Tenant, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at + 8, &v.id).map_err(|e| e.field("id"))?;
    write_account(&v.account, w, at + 16).map_err(|e| e.field("account"))?;
    let base0 = w.list(at + 40, v.scores.len(), 8, 8).map_err(|e| e.field("scores"))?;
    for (i0, x0) in v.scores.iter().enumerate() {
        w.int(base0 + i0 * 8, *x0);
    }
    let base0 = w.list(at + 48, v.tags.len(), 8, 4).map_err(|e| e.field("tags"))?;
    for (i0, x0) in v.tags.iter().enumerate() {
        w.string(base0 + i0 * 8, x0).map_err(|e| e.index(i0).field("tags"))?;
    }
    let base0 = w.list(at + 56, v.visits.len(), 4, 4).map_err(|e| e.field("visits"))?;
    for (i0, x0) in v.visits.iter().enumerate() {
        w.date(base0 + i0 * 4, *x0);
    }
    w.variant(at + 68, v.preferred as u8);
    w.int(at, v.limit);
    w.date(at + 64, v.as_of);
    Ok(())
}

/// Reads the `Out` at `at`.
#[allow(unused_variables)]
fn read_out(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Out, dx::DecodeError> {
    let f0 = r.string(at.offset(136))?;
    let f1 = dx::pick(&Level::ALL, r.variant(at.offset(164), 1)?)?;
    let f2 = dx::pick(&Level::ALL, r.variant(at.offset(165), 1)?)?;
    let f3 = dx::pick(&Level::ALL, r.variant(at.offset(166), 1)?)?;
    let f4 = dx::pick(&Level::ALL, r.variant(at.offset(167), 1)?)?;
    let f5 = dx::pick(&Level::ALL, r.variant(at.offset(168), 1)?)?;
    let f6 = r.int(at)?;
    let f7 = r.int(at.offset(8))?;
    let f8 = r.bool(at.offset(169))?;
    let f9 = r.bool(at.offset(170))?;
    let f10 = r.int(at.offset(16))?;
    let f11 = r.int(at.offset(24))?;
    let f12 = r.date(at.offset(144))?;
    let f13 = r.date(at.offset(148))?;
    let f14 = r.int(at.offset(32))?;
    let f15 = r.int(at.offset(40))?;
    let f16 = r.int(at.offset(48))?;
    let f17 = r.int(at.offset(56))?;
    let f18 = r.bool(at.offset(171))?;
    let f19 = dx::pick(&Kind::ALL, r.variant(at.offset(172), 0)?)?;
    let f20 = r.int(at.offset(64))?;
    let f21 = r.int(at.offset(72))?;
    let f22 = r.int(at.offset(80))?;
    let f23 = r.bool(at.offset(173))?;
    let f24 = r.bool(at.offset(174))?;
    let f25 = r.int(at.offset(88))?;
    let f26 = r.date(at.offset(152))?;
    let f27 = r.int(at.offset(96))?;
    let f28 = r.bool(at.offset(175))?;
    let f29 = dx::pick(&Level::ALL, r.variant(at.offset(176), 1)?)?;
    let f30 = r.bool(at.offset(177))?;
    let f31 = r.bool(at.offset(178))?;
    let f32 = r.int(at.offset(104))?;
    let f33 = r.int(at.offset(112))?;
    let f34 = r.date(at.offset(156))?;
    let f35 = r.date(at.offset(160))?;
    let f36 = dx::pick(&Level::ALL, r.variant(at.offset(179), 1)?)?;
    let f37 = dx::pick(&Level::ALL, r.variant(at.offset(180), 1)?)?;
    let f38 = dx::codes(r.codes(at.offset(120), 0)?, &ChecksCode::ALL);
    let f39 = dx::codes(r.codes(at.offset(128), 1)?, &HintsCode::ALL);
    Ok(Out {
        id: f0,
        seat_level: f1,
        addon_level: f2,
        trial_level: f3,
        seat_again: f4,
        preferred_level: f5,
        active_lines: f6,
        big_lines: f7,
        any_trial: f8,
        all_active: f9,
        most_qty: f10,
        least_qty: f11,
        latest_start: f12,
        earliest_end: f13,
        fallback_best: f14,
        summed: f15,
        over_limit: f16,
        kinds_seen: f17,
        any_legacy_kind: f18,
        best_kind: f19,
        high_scores: f20,
        top_score: f21,
        low_score: f22,
        all_small: f23,
        tagged: f24,
        short_tags: f25,
        latest_day: f26,
        tags_per_line: f27,
        guarded: f28,
        picked: f29,
        big_preferred: f30,
        busy_or_trial: f31,
        most_seats: f32,
        most_addons: f33,
        first_seat_start: f34,
        first_addon_start: f35,
        trial_floor: f36,
        legacy_floor: f37,
        reasons: f38,
        hints: f39,
    })
}
