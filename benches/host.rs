//! The reference policy's input and output as host Rust types, for the typed API
//! (`Evaluator::evaluate_typed`): what an embedder of `policies/defender_experts.dexp` writes.
//! The `typed` benches use them, and `tests/typed.rs` includes this file to hold them to the
//! NDJSON path on the golden corpus. Dates are `YYYY-MM-DD` strings, enums Rust enums whose
//! variants are named as the policy's (snake case), reason codes their names.

// Each field and variant is the policy's own, documented in `policies/defender_experts.dexp`.
#![allow(missing_docs)]

use serde::{Deserialize, Serialize};

/// `enum Cloud`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cloud {
    Commercial,
    Gcc,
    GccHigh,
    Dod,
    China,
}

/// `enum Product`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Product {
    Endpoint,
    Office365P2,
    Identity,
    CloudApps,
    Iot,
}

/// `enum Mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Active,
    Passive,
    Off,
}

/// `enum ServerCloud`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerCloud {
    Azure,
    Aws,
    Gcp,
}

/// `enum ServersPlan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServersPlan {
    None,
    P1,
    P2,
}

/// `enum Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    Expired,
    Terminated,
}

/// `enum Coverage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    None,
    Guided,
    Full,
}

/// `enum IotCoverage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IotCoverage {
    NotCovered,
}

/// `enum Region`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    Eu,
    Us,
}

/// `record Users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Users {
    pub total: i64,
    pub entra_p1_licensed: i64,
    pub entra_p1_enabled: bool,
}

/// `record ProductEntry`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductEntry {
    pub product: Product,
    pub licensed: bool,
    pub mode: Mode,
}

/// `record Server`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Server {
    pub id: String,
    pub cloud: ServerCloud,
    pub mde_server_license: bool,
    pub servers_plan: ServersPlan,
    pub endpoint_protection: bool,
}

/// `record Subscription`; `ended_on` is left out of the JSON when absent, as the corpus does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub xdr_enrolled: bool,
    pub servers_addon: bool,
    pub status: Status,
    pub term_end: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_on: Option<String>,
}

/// `record Credits`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credits {
    pub unused_last_quarter: i64,
    pub used_this_quarter: i64,
}

/// `record Tenant`, the policy's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    pub tenant_id: String,
    pub as_of: String,
    pub cloud: Cloud,
    pub eu_data_boundary: bool,
    pub users: Users,
    pub products: Vec<ProductEntry>,
    pub servers: Vec<Server>,
    pub subscription: Subscription,
    pub credits: Credits,
}

/// `record XdrResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XdrResult {
    pub eligible: bool,
    pub reasons: Vec<String>,
}

/// `record AddonResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddonResult {
    pub eligible: bool,
    pub reasons: Vec<String>,
}

/// `record CoverageResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageResult {
    pub endpoint: Coverage,
    pub office365_p2: Coverage,
    pub identity: Coverage,
    pub cloud_apps: Coverage,
    pub iot: IotCoverage,
}

/// `record CreditsResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditsResult {
    pub balance: i64,
    pub usable: i64,
}

/// `record Decision`, the policy's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub tenant_id: String,
    pub xdr: XdrResult,
    pub servers_addon: AddonResult,
    pub coverage: CoverageResult,
    pub covered_servers: i64,
    pub billable_seats: i64,
    pub credits: CreditsResult,
    pub operational_data_region: Region,
    pub data_deleted_by: Option<String>,
    pub advisories: Vec<String>,
}
