// Rust types of the dexp policy `defender_experts` version 1.0.0 (source hash 1804e67ea4dbb57473f44fa8b6bbcda273d24257cee4ba9dc854dd5833cf547b).
// Written by `dexpc types --lang rust`: do not edit. They write the policy's input layout and
// read its decisions directly (`Evaluator::evaluate_direct`); the runtime refuses them for a
// policy whose types differ (see `LAYOUT`). Needs the crates `dexp-runtime` and `serde`.

use dexp_runtime::typed::direct as dx;
use serde::{Deserialize, Serialize};

/// The fingerprint of the policy types these were generated for (`dexp_runtime::typed::direct::fingerprint`).
pub const LAYOUT: u64 = 0xc223ce7d74bb4eb4;

/// The enum `Cloud`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Cloud {
    /// `commercial`.
    #[serde(rename = "commercial")]
    Commercial,
    /// `gcc`.
    #[serde(rename = "gcc")]
    Gcc,
    /// `gcc_high`.
    #[serde(rename = "gcc_high")]
    GccHigh,
    /// `dod`.
    #[serde(rename = "dod")]
    Dod,
    /// `china`.
    #[serde(rename = "china")]
    China,
}

impl Cloud {
    /// Every variant, in the policy's order.
    pub const ALL: [Cloud; 5] = [Cloud::Commercial, Cloud::Gcc, Cloud::GccHigh, Cloud::Dod, Cloud::China];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Cloud::Commercial => "commercial",
            Cloud::Gcc => "gcc",
            Cloud::GccHigh => "gcc_high",
            Cloud::Dod => "dod",
            Cloud::China => "china",
        }
    }
}

/// The enum `Product`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Product {
    /// `endpoint`.
    #[serde(rename = "endpoint")]
    Endpoint,
    /// `office365_p2`.
    #[serde(rename = "office365_p2")]
    Office365P2,
    /// `identity`.
    #[serde(rename = "identity")]
    Identity,
    /// `cloud_apps`.
    #[serde(rename = "cloud_apps")]
    CloudApps,
    /// `iot`.
    #[serde(rename = "iot")]
    Iot,
}

impl Product {
    /// Every variant, in the policy's order.
    pub const ALL: [Product; 5] =
        [Product::Endpoint, Product::Office365P2, Product::Identity, Product::CloudApps, Product::Iot];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Product::Endpoint => "endpoint",
            Product::Office365P2 => "office365_p2",
            Product::Identity => "identity",
            Product::CloudApps => "cloud_apps",
            Product::Iot => "iot",
        }
    }
}

/// The enum `Mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Mode {
    /// `active`.
    #[serde(rename = "active")]
    Active,
    /// `passive`.
    #[serde(rename = "passive")]
    Passive,
    /// `off`.
    #[serde(rename = "off")]
    Off,
}

impl Mode {
    /// Every variant, in the policy's order.
    pub const ALL: [Mode; 3] = [Mode::Active, Mode::Passive, Mode::Off];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Mode::Active => "active",
            Mode::Passive => "passive",
            Mode::Off => "off",
        }
    }
}

/// The enum `ServerCloud`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ServerCloud {
    /// `azure`.
    #[serde(rename = "azure")]
    Azure,
    /// `aws`.
    #[serde(rename = "aws")]
    Aws,
    /// `gcp`.
    #[serde(rename = "gcp")]
    Gcp,
}

impl ServerCloud {
    /// Every variant, in the policy's order.
    pub const ALL: [ServerCloud; 3] = [ServerCloud::Azure, ServerCloud::Aws, ServerCloud::Gcp];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            ServerCloud::Azure => "azure",
            ServerCloud::Aws => "aws",
            ServerCloud::Gcp => "gcp",
        }
    }
}

/// The enum `ServersPlan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ServersPlan {
    /// `none`.
    #[serde(rename = "none")]
    None2,
    /// `p1`.
    #[serde(rename = "p1")]
    P1,
    /// `p2`.
    #[serde(rename = "p2")]
    P2,
}

impl ServersPlan {
    /// Every variant, in the policy's order.
    pub const ALL: [ServersPlan; 3] = [ServersPlan::None2, ServersPlan::P1, ServersPlan::P2];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            ServersPlan::None2 => "none",
            ServersPlan::P1 => "p1",
            ServersPlan::P2 => "p2",
        }
    }
}

/// The enum `Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Status {
    /// `active`.
    #[serde(rename = "active")]
    Active,
    /// `expired`.
    #[serde(rename = "expired")]
    Expired,
    /// `terminated`.
    #[serde(rename = "terminated")]
    Terminated,
}

impl Status {
    /// Every variant, in the policy's order.
    pub const ALL: [Status; 3] = [Status::Active, Status::Expired, Status::Terminated];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Expired => "expired",
            Status::Terminated => "terminated",
        }
    }
}

/// The enum `Coverage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Coverage {
    /// `none`.
    #[serde(rename = "none")]
    None2,
    /// `guided`.
    #[serde(rename = "guided")]
    Guided,
    /// `full`.
    #[serde(rename = "full")]
    Full,
}

impl Coverage {
    /// Every variant, in the policy's order.
    pub const ALL: [Coverage; 3] = [Coverage::None2, Coverage::Guided, Coverage::Full];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Coverage::None2 => "none",
            Coverage::Guided => "guided",
            Coverage::Full => "full",
        }
    }
}

/// The enum `IotCoverage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum IotCoverage {
    /// `not_covered`.
    #[serde(rename = "not_covered")]
    NotCovered,
}

impl IotCoverage {
    /// Every variant, in the policy's order.
    pub const ALL: [IotCoverage; 1] = [IotCoverage::NotCovered];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            IotCoverage::NotCovered => "not_covered",
        }
    }
}

/// The enum `Region`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Region {
    /// `eu`.
    #[serde(rename = "eu")]
    Eu,
    /// `us`.
    #[serde(rename = "us")]
    Us,
}

impl Region {
    /// Every variant, in the policy's order.
    pub const ALL: [Region; 2] = [Region::Eu, Region::Us];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Region::Eu => "eu",
            Region::Us => "us",
        }
    }
}

/// The codes of `xdr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum XdrCode {
    /// `entra_p1_not_all_users`.
    #[serde(rename = "entra_p1_not_all_users")]
    EntraP1NotAllUsers,
    /// `entra_p1_not_enabled`.
    #[serde(rename = "entra_p1_not_enabled")]
    EntraP1NotEnabled,
    /// `no_active_eligible_product`.
    #[serde(rename = "no_active_eligible_product")]
    NoActiveEligibleProduct,
    /// `cloud_not_supported`.
    #[serde(rename = "cloud_not_supported")]
    CloudNotSupported,
}

impl XdrCode {
    /// Every variant, in the policy's order.
    pub const ALL: [XdrCode; 4] = [
        XdrCode::EntraP1NotAllUsers,
        XdrCode::EntraP1NotEnabled,
        XdrCode::NoActiveEligibleProduct,
        XdrCode::CloudNotSupported,
    ];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            XdrCode::EntraP1NotAllUsers => "entra_p1_not_all_users",
            XdrCode::EntraP1NotEnabled => "entra_p1_not_enabled",
            XdrCode::NoActiveEligibleProduct => "no_active_eligible_product",
            XdrCode::CloudNotSupported => "cloud_not_supported",
        }
    }
}

/// The codes of `servers_addon`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ServersAddonCode {
    /// `xdr_not_eligible`.
    #[serde(rename = "xdr_not_eligible")]
    XdrNotEligible,
    /// `xdr_not_enrolled`.
    #[serde(rename = "xdr_not_enrolled")]
    XdrNotEnrolled,
    /// `no_defender_for_servers_plan`.
    #[serde(rename = "no_defender_for_servers_plan")]
    NoDefenderForServersPlan,
}

impl ServersAddonCode {
    /// Every variant, in the policy's order.
    pub const ALL: [ServersAddonCode; 3] = [
        ServersAddonCode::XdrNotEligible,
        ServersAddonCode::XdrNotEnrolled,
        ServersAddonCode::NoDefenderForServersPlan,
    ];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            ServersAddonCode::XdrNotEligible => "xdr_not_eligible",
            ServersAddonCode::XdrNotEnrolled => "xdr_not_enrolled",
            ServersAddonCode::NoDefenderForServersPlan => "no_defender_for_servers_plan",
        }
    }
}

/// The codes of `advice`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AdviceCode {
    /// `passive_products_guided_only`.
    #[serde(rename = "passive_products_guided_only")]
    PassiveProductsGuidedOnly,
    /// `iot_not_covered`.
    #[serde(rename = "iot_not_covered")]
    IotNotCovered,
    /// `deploy_full_suite`.
    #[serde(rename = "deploy_full_suite")]
    DeployFullSuite,
    /// `enable_endpoint_protection`.
    #[serde(rename = "enable_endpoint_protection")]
    EnableEndpointProtection,
}

impl AdviceCode {
    /// Every variant, in the policy's order.
    pub const ALL: [AdviceCode; 4] = [
        AdviceCode::PassiveProductsGuidedOnly,
        AdviceCode::IotNotCovered,
        AdviceCode::DeployFullSuite,
        AdviceCode::EnableEndpointProtection,
    ];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            AdviceCode::PassiveProductsGuidedOnly => "passive_products_guided_only",
            AdviceCode::IotNotCovered => "iot_not_covered",
            AdviceCode::DeployFullSuite => "deploy_full_suite",
            AdviceCode::EnableEndpointProtection => "enable_endpoint_protection",
        }
    }
}

/// The record `Users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Users {
    /// `total`.
    pub total: i64,
    /// `entra_p1_licensed`.
    pub entra_p1_licensed: i64,
    /// `entra_p1_enabled`.
    pub entra_p1_enabled: bool,
}

/// The record `ProductEntry`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductEntry {
    /// `product`.
    pub product: Product,
    /// `licensed`.
    pub licensed: bool,
    /// `mode`.
    pub mode: Mode,
}

/// The record `Server`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Server {
    /// `id`.
    pub id: String,
    /// `cloud`.
    pub cloud: ServerCloud,
    /// `mde_server_license`.
    pub mde_server_license: bool,
    /// `servers_plan`.
    pub servers_plan: ServersPlan,
    /// `endpoint_protection`.
    pub endpoint_protection: bool,
}

/// The record `Subscription`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// `xdr_enrolled`.
    pub xdr_enrolled: bool,
    /// `servers_addon`.
    pub servers_addon: bool,
    /// `status`.
    pub status: Status,
    /// `term_end`.
    pub term_end: dx::Date,
    /// `ended_on`.
    #[serde(default)]
    pub ended_on: Option<dx::Date>,
}

/// The record `Credits`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credits {
    /// `unused_last_quarter`.
    pub unused_last_quarter: i64,
    /// `used_this_quarter`.
    pub used_this_quarter: i64,
}

/// The record `Tenant`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// `tenant_id`.
    pub tenant_id: String,
    /// `as_of`.
    pub as_of: dx::Date,
    /// `cloud`.
    pub cloud: Cloud,
    /// `eu_data_boundary`.
    pub eu_data_boundary: bool,
    /// `users`.
    pub users: Users,
    /// `products`.
    pub products: Vec<ProductEntry>,
    /// `servers`.
    pub servers: Vec<Server>,
    /// `subscription`.
    pub subscription: Subscription,
    /// `credits`.
    pub credits: Credits,
}

/// The record `XdrResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XdrResult {
    /// `eligible`.
    pub eligible: bool,
    /// `reasons`.
    pub reasons: Vec<XdrCode>,
}

/// The record `AddonResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddonResult {
    /// `eligible`.
    pub eligible: bool,
    /// `reasons`.
    pub reasons: Vec<ServersAddonCode>,
}

/// The record `CoverageResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageResult {
    /// `endpoint`.
    pub endpoint: Coverage,
    /// `office365_p2`.
    pub office365_p2: Coverage,
    /// `identity`.
    pub identity: Coverage,
    /// `cloud_apps`.
    pub cloud_apps: Coverage,
    /// `iot`.
    pub iot: IotCoverage,
}

/// The record `CreditsResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditsResult {
    /// `balance`.
    pub balance: i64,
    /// `usable`.
    pub usable: i64,
}

/// The record `Decision`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// `tenant_id`.
    pub tenant_id: String,
    /// `xdr`.
    pub xdr: XdrResult,
    /// `servers_addon`.
    pub servers_addon: AddonResult,
    /// `coverage`.
    pub coverage: CoverageResult,
    /// `covered_servers`.
    pub covered_servers: i64,
    /// `billable_seats`.
    pub billable_seats: i64,
    /// `credits`.
    pub credits: CreditsResult,
    /// `operational_data_region`.
    pub operational_data_region: Region,
    /// `data_deleted_by`.
    #[serde(default)]
    pub data_deleted_by: Option<dx::Date>,
    /// `advisories`.
    pub advisories: Vec<AdviceCode>,
}

/// The record the policy reads.
pub type PolicyInput = Tenant;

/// The decision the policy writes.
pub type PolicyDecision = Decision;

impl dx::Input for Tenant {
    const LAYOUT: u64 = LAYOUT;
    fn write(&self, w: &mut dx::Writer<'_>) -> Result<(), dx::PathError> {
        write_tenant(self, w, 0)
    }
}

impl dx::Output for Decision {
    const LAYOUT: u64 = LAYOUT;
    fn read(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Self, dx::DecodeError> {
        read_decision(r, at)
    }
}

/// Writes a `Users` at `at`.
#[allow(unused_variables)]
fn write_users(v: &Users, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.int(at, v.total);
    w.int(at + 8, v.entra_p1_licensed);
    w.bool(at + 16, v.entra_p1_enabled);
    Ok(())
}

/// Writes a `ProductEntry` at `at`.
#[allow(unused_variables)]
fn write_product_entry(v: &ProductEntry, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.variant(at, v.product as u8);
    w.bool(at + 1, v.licensed);
    w.variant(at + 2, v.mode as u8);
    Ok(())
}

/// Writes a `Server` at `at`.
#[allow(unused_variables)]
fn write_server(v: &Server, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at, &v.id).map_err(|e| e.field("id"))?;
    w.variant(at + 8, v.cloud as u8);
    w.bool(at + 9, v.mde_server_license);
    w.variant(at + 10, v.servers_plan as u8);
    w.bool(at + 11, v.endpoint_protection);
    Ok(())
}

/// Writes a `Subscription` at `at`.
#[allow(unused_variables)]
fn write_subscription(v: &Subscription, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.bool(at + 12, v.xdr_enrolled);
    w.bool(at + 13, v.servers_addon);
    w.variant(at + 14, v.status as u8);
    w.date(at, v.term_end);
    if let Some(x0) = &v.ended_on {
        w.present(at + 4);
        w.date(at + 4 + 4, *x0);
    }
    Ok(())
}

/// Writes a `Credits` at `at`.
#[allow(unused_variables)]
fn write_credits(v: &Credits, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.int(at, v.unused_last_quarter);
    w.int(at + 8, v.used_this_quarter);
    Ok(())
}

/// Writes a `Tenant` at `at`.
#[allow(unused_variables)]
fn write_tenant(v: &Tenant, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at + 40, &v.tenant_id).map_err(|e| e.field("tenant_id"))?;
    w.date(at + 48, v.as_of);
    w.variant(at + 84, v.cloud as u8);
    w.bool(at + 85, v.eu_data_boundary);
    write_users(&v.users, w, at).map_err(|e| e.field("users"))?;
    let base0 = w.list(at + 52, v.products.len(), 3, 1).map_err(|e| e.field("products"))?;
    for (i0, x0) in v.products.iter().enumerate() {
        write_product_entry(x0, w, base0 + i0 * 3).map_err(|e| e.index(i0).field("products"))?;
    }
    let base0 = w.list(at + 60, v.servers.len(), 12, 4).map_err(|e| e.field("servers"))?;
    for (i0, x0) in v.servers.iter().enumerate() {
        write_server(x0, w, base0 + i0 * 12).map_err(|e| e.index(i0).field("servers"))?;
    }
    write_subscription(&v.subscription, w, at + 68).map_err(|e| e.field("subscription"))?;
    write_credits(&v.credits, w, at + 24).map_err(|e| e.field("credits"))?;
    Ok(())
}

/// Reads the `XdrResult` at `at`.
#[allow(unused_variables)]
fn read_xdr_result(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<XdrResult, dx::DecodeError> {
    let f0 = r.bool(at.offset(8))?;
    let f1 = dx::codes(r.codes(at, 0)?, &XdrCode::ALL);
    Ok(XdrResult { eligible: f0, reasons: f1 })
}

/// Reads the `AddonResult` at `at`.
#[allow(unused_variables)]
fn read_addon_result(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<AddonResult, dx::DecodeError> {
    let f0 = r.bool(at.offset(8))?;
    let f1 = dx::codes(r.codes(at, 1)?, &ServersAddonCode::ALL);
    Ok(AddonResult { eligible: f0, reasons: f1 })
}

/// Reads the `CoverageResult` at `at`.
#[allow(unused_variables)]
fn read_coverage_result(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<CoverageResult, dx::DecodeError> {
    let f0 = dx::pick(&Coverage::ALL, r.variant(at, 6)?)?;
    let f1 = dx::pick(&Coverage::ALL, r.variant(at.offset(1), 6)?)?;
    let f2 = dx::pick(&Coverage::ALL, r.variant(at.offset(2), 6)?)?;
    let f3 = dx::pick(&Coverage::ALL, r.variant(at.offset(3), 6)?)?;
    let f4 = dx::pick(&IotCoverage::ALL, r.variant(at.offset(4), 7)?)?;
    Ok(CoverageResult { endpoint: f0, office365_p2: f1, identity: f2, cloud_apps: f3, iot: f4 })
}

/// Reads the `CreditsResult` at `at`.
#[allow(unused_variables)]
fn read_credits_result(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<CreditsResult, dx::DecodeError> {
    let f0 = r.int(at)?;
    let f1 = r.int(at.offset(8))?;
    Ok(CreditsResult { balance: f0, usable: f1 })
}

/// Reads the `Decision` at `at`.
#[allow(unused_variables)]
fn read_decision(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Decision, dx::DecodeError> {
    let f0 = r.string(at.offset(72))?;
    let f1 = read_xdr_result(r, at)?;
    let f2 = read_addon_result(r, at.offset(16))?;
    let f3 = read_coverage_result(r, at.offset(88))?;
    let f4 = r.int(at.offset(32))?;
    let f5 = r.int(at.offset(40))?;
    let f6 = read_credits_result(r, at.offset(48))?;
    let f7 = dx::pick(&Region::ALL, r.variant(at.offset(93), 8)?)?;
    let f8 = match r.optional(at.offset(80), 4)? {
        Some(p0) => Some(r.date(p0)?),
        None => None,
    };
    let f9 = dx::codes(r.codes(at.offset(64), 2)?, &AdviceCode::ALL);
    Ok(Decision {
        tenant_id: f0,
        xdr: f1,
        servers_addon: f2,
        coverage: f3,
        covered_servers: f4,
        billable_seats: f5,
        credits: f6,
        operational_data_region: f7,
        data_deleted_by: f8,
        advisories: f9,
    })
}
