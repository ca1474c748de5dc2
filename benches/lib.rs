//! Shared pieces of the dexp benchmarks: a seeded generator of tenant records shaped like
//! `policies/examples/tenants.ndjson`, and the reference policy (`defender_experts.dexp`)
//! hand-written in Rust over the batch ABI's byte layout.
//!
//! The hand-written policy ([`Handwritten`]) is bench (b), the practical limit that the Wasm
//! module (bench (a)) is measured against. It reads the same input area and variable area that
//! [`BatchEncoder`](dexp_runtime::encode::BatchEncoder) builds, at the field offsets of
//! [`Layout`], and writes the same decision slots the compiled module writes; a unit test below
//! checks that byte for byte on generated records, so the comparison is like for like.
//!
//! [`host`] holds the policy's input and output as Rust types, for the typed API's benches.
//! [`floor`] is a serializer that only visits values, the floor of the typed API's serde path.

/// A serde serializer that only visits values: the floor of the typed API's serde path.
pub mod floor;
/// The reference policy's types as `dexpc types --lang rust` writes them (the direct codec of
/// `Evaluator::evaluate_direct`), for the typed API's benches and `tests/direct.rs`.
pub mod generated;
pub mod host;

use dexp_runtime::abi::{Layout, Shape, SlotLayout, STATUS_DATE_RANGE, STATUS_DECIDED, STATUS_OVERFLOW};
use dexp_runtime::date;
use dexp_runtime::schema::{Schema, Ty};
use std::fmt::Write as _;

/// The reference policy's source, `policies/defender_experts.dexp`.
pub const POLICY_SOURCE: &str = include_str!("../policies/defender_experts.dexp");

/// The seed the benches and the sample NDJSON files use.
pub const DEFAULT_SEED: u64 = 0x00de_9e5e_ed00_2025;

/// The seeded pseudo-random generator the tenants are drawn from, shared with the tests and
/// the fuzz package (the same sequences as the copy this crate used to hold).
pub use dexp_testkit::Rng;

/// Generates tenant records as JSON text, shaped like `policies/examples/tenants.ndjson`.
///
/// About half of the tenants are built to meet the Defender Experts prerequisites (commercial
/// cloud, Entra ID P1 for every user, an active licensed product); the others fail one or more
/// of them at random. Each tenant has 0-6 product entries and 0-12 servers (none for about a
/// third), subscriptions in every status, `ended_on` present, `null` or absent, and now and then
/// a tenant id that needs JSON escapes. Field order is fixed, as an exporter would write it.
#[derive(Debug, Clone)]
pub struct TenantGen {
    rng: Rng,
    next_id: u64,
    extremes_percent: u64,
}

const CLOUDS: [&str; 5] = ["commercial", "gcc", "gcc_high", "dod", "china"];
const PRODUCTS: [&str; 5] = ["endpoint", "office365_p2", "identity", "cloud_apps", "iot"];
const COVERED_PRODUCTS: [&str; 4] = ["endpoint", "office365_p2", "identity", "cloud_apps"];
const SERVER_CLOUDS: [&str; 3] = ["azure", "aws", "gcp"];
const USER_COUNTS: [i64; 8] = [0, 1, 5, 250, 1200, 45_555, 50_000, 192_587];
const UNUSED_CREDITS: [i64; 6] = [0, 1, 5, 10, 15, 25];
const USED_CREDITS: [i64; 5] = [0, 3, 10, 20, 25];

impl TenantGen {
    /// A generator of realistic tenants started from `seed`.
    pub fn new(seed: u64) -> TenantGen {
        TenantGen { rng: Rng::new(seed), next_id: 0, extremes_percent: 0 }
    }

    /// Also makes `percent` of the tenants extreme: ints next to the 64-bit limits and dates
    /// next to 9999-12-31, so that every failure site of the policy (integer overflow, date
    /// out of range) is reached. For tests; the benches use realistic tenants only.
    pub fn with_extremes(mut self, percent: u64) -> TenantGen {
        self.extremes_percent = percent;
        self
    }

    /// `n` records, one JSON object per string, without line endings.
    pub fn lines(&mut self, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| {
                let mut line = String::with_capacity(1024);
                self.write_tenant(&mut line);
                line
            })
            .collect()
    }

    /// Appends one tenant record as a JSON object (no line ending) to `out`.
    pub fn write_tenant(&mut self, out: &mut String) {
        let id = self.next_id;
        self.next_id += 1;
        let t = self.tenant(id);
        t.write(out);
    }

    fn tenant(&mut self, id: u64) -> Tenant {
        let r = &mut self.rng;
        let eligible = r.percent(50);
        let tenant_id = if r.percent(2) { format!("Ténant \\\"{id}\\\" ✓") } else { format!("tenant-{id:06}") };
        let as_of = r.range(i64::from(day(2024, 1, 1)), i64::from(day(2027, 12, 31))) as i32;
        let cloud = if eligible || r.percent(60) { "commercial" } else { r.pick(&CLOUDS, "gcc") };
        let total = if r.percent(30) { r.range(1, 1_000_000) } else { r.pick(&USER_COUNTS, 1) };
        let licensed = if eligible || r.percent(70) { total + r.range(0, 30) } else { total - r.range(1, 50) };
        let enabled = eligible || r.percent(90);
        let n_products = r.below(7) as usize;
        let mut products: Vec<Product> = (0..n_products).map(|_| Product::random(r)).collect();
        if eligible {
            let entry = Product { product: r.pick(&COVERED_PRODUCTS, "endpoint"), licensed: true, mode: "active" };
            let len = products.len();
            if len >= 6 {
                if let Some(slot) = products.get_mut(r.below(len as u64) as usize) {
                    *slot = entry;
                }
            } else {
                products.insert((r.below(len as u64 + 1) as usize).min(len), entry);
            }
        }
        let n_servers = if r.percent(35) { 0 } else { r.range(1, 12) as usize };
        let servers = (0..n_servers).map(|i| Server::random(r, id, i)).collect();
        let status = match r.below(10) {
            0 => "expired",
            1 => "terminated",
            _ => "active",
        };
        let term_end = as_of.saturating_add(r.range(-200, 1000) as i32);
        let ended_on = match (status, r.below(4)) {
            ("active", 0) => EndedOn::Null,
            ("active", _) => EndedOn::Absent,
            (_, 0) => EndedOn::Null,
            (_, 1) => EndedOn::Absent,
            _ => EndedOn::Day(as_of.saturating_sub(r.range(0, 300) as i32)),
        };
        let mut t = Tenant {
            tenant_id,
            as_of,
            cloud,
            eu_data_boundary: r.percent(40),
            total,
            licensed,
            enabled,
            products,
            servers,
            xdr_enrolled: eligible || r.percent(85),
            servers_addon: r.percent(30),
            status,
            term_end,
            ended_on,
            unused: r.pick(&UNUSED_CREDITS, 0),
            used: r.pick(&USED_CREDITS, 0),
        };
        if self.extremes_percent > 0 && self.rng.percent(self.extremes_percent) {
            self.make_extreme(&mut t);
        }
        t
    }

    /// Pushes one value of `t` to an edge, so that evaluating it may fail.
    fn make_extreme(&mut self, t: &mut Tenant) {
        let r = &mut self.rng;
        let last = day(9999, 12, 31);
        match r.below(7) {
            0 => {
                t.total = i64::MAX - r.range(0, 3);
                t.licensed = i64::MAX;
            }
            1 => t.unused = i64::MAX - r.range(0, 15),
            2 => t.used = i64::MIN + r.range(0, 30),
            3 => {
                t.status = "expired";
                t.term_end = last - r.range(0, 120) as i32;
                t.ended_on = EndedOn::Absent;
            }
            4 => {
                t.status = "terminated";
                t.ended_on = EndedOn::Day(last - r.range(0, 40) as i32);
            }
            5 => {
                t.status = "terminated";
                t.as_of = last - r.range(0, 40) as i32;
                t.ended_on = EndedOn::Null;
            }
            _ => t.used = i64::MAX,
        }
    }
}

/// Joins records into NDJSON text, each line ending in `\n`.
pub fn ndjson(lines: &[String]) -> String {
    let mut text = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text
}

fn day(year: i32, month: u32, d: u32) -> i32 {
    date::from_civil(year, month, d).unwrap_or(0)
}

struct Tenant {
    tenant_id: String,
    as_of: i32,
    cloud: &'static str,
    eu_data_boundary: bool,
    total: i64,
    licensed: i64,
    enabled: bool,
    products: Vec<Product>,
    servers: Vec<Server>,
    xdr_enrolled: bool,
    servers_addon: bool,
    status: &'static str,
    term_end: i32,
    ended_on: EndedOn,
    unused: i64,
    used: i64,
}

enum EndedOn {
    Absent,
    Null,
    Day(i32),
}

#[derive(Clone, Copy)]
struct Product {
    product: &'static str,
    licensed: bool,
    mode: &'static str,
}

impl Product {
    fn random(r: &mut Rng) -> Product {
        let mode = match r.below(20) {
            0..=11 => "active",
            12..=16 => "passive",
            _ => "off",
        };
        Product { product: r.pick(&PRODUCTS, "endpoint"), licensed: r.percent(80), mode }
    }
}

struct Server {
    id: String,
    cloud: &'static str,
    mde: bool,
    plan: &'static str,
    endpoint_protection: bool,
}

impl Server {
    fn random(r: &mut Rng, tenant: u64, i: usize) -> Server {
        let plan = match r.below(4) {
            0 | 1 => "none",
            2 => "p1",
            _ => "p2",
        };
        Server {
            id: format!("srv-{tenant}-{i}"),
            cloud: r.pick(&SERVER_CLOUDS, "azure"),
            mde: r.percent(60),
            plan,
            endpoint_protection: r.percent(70),
        }
    }
}

impl Tenant {
    /// Writes the record as compact JSON. `write!` into a `String` cannot fail.
    fn write(&self, out: &mut String) {
        let _ = write!(
            out,
            r#"{{"tenant_id":"{}","as_of":"{}","cloud":"{}","eu_data_boundary":{},"users":{{"total":{},"entra_p1_licensed":{},"entra_p1_enabled":{}}},"products":["#,
            self.tenant_id,
            date::format(self.as_of),
            self.cloud,
            self.eu_data_boundary,
            self.total,
            self.licensed,
            self.enabled
        );
        for (i, p) in self.products.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let _ = write!(out, r#"{sep}{{"product":"{}","licensed":{},"mode":"{}"}}"#, p.product, p.licensed, p.mode);
        }
        out.push_str(r#"],"servers":["#);
        for (i, s) in self.servers.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let _ = write!(
                out,
                r#"{sep}{{"id":"{}","cloud":"{}","mde_server_license":{},"servers_plan":"{}","endpoint_protection":{}}}"#,
                s.id, s.cloud, s.mde, s.plan, s.endpoint_protection
            );
        }
        let _ = write!(
            out,
            r#"],"subscription":{{"xdr_enrolled":{},"servers_addon":{},"status":"{}","term_end":"{}""#,
            self.xdr_enrolled,
            self.servers_addon,
            self.status,
            date::format(self.term_end)
        );
        match self.ended_on {
            EndedOn::Absent => {}
            EndedOn::Null => out.push_str(r#","ended_on":null"#),
            EndedOn::Day(d) => {
                let _ = write!(out, r#","ended_on":"{}""#, date::format(d));
            }
        }
        let _ = write!(
            out,
            r#"}},"credits":{{"unused_last_quarter":{},"used_this_quarter":{}}}}}"#,
            self.unused, self.used
        );
    }
}

/// The baseline of the speed goal for `dexpc eval` (bench (f) and the `ndjson_baseline`
/// example): parses one NDJSON line into a generic `serde_json::Value` and appends a small
/// object, `{"tenant_id":...,"ok":true}` and a line ending, to `out`.
pub fn baseline_line(line: &str, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
    let value: serde_json::Value = serde_json::from_str(line)?;
    out.extend_from_slice(br#"{"tenant_id":"#);
    serde_json::to_writer(&mut *out, value.get("tenant_id").unwrap_or(&serde_json::Value::Null))?;
    out.extend_from_slice(b",\"ok\":true}\n");
    Ok(())
}

/// Why the hand-written policy does not fit a schema: it was written for
/// `defender_experts.dexp` and finds its fields, variants and failure sites by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MismatchError(pub String);

impl std::fmt::Display for MismatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the hand-written policy does not fit this schema: {}", self.0)
    }
}

impl std::error::Error for MismatchError {}

/// Finds records, fields and enum variants of a schema by name, with their layout.
struct Names<'s> {
    schema: &'s Schema,
    layout: &'s Layout,
}

impl Names<'_> {
    fn record(&self, name: &str) -> Result<u32, MismatchError> {
        let i = self.schema.records.iter().position(|r| r.name == name);
        i.map(|i| i as u32).ok_or_else(|| MismatchError(format!("no record `{name}`")))
    }

    /// The offset of `record.field` from the start of the record.
    fn field(&self, record: &str, field: &str) -> Result<usize, MismatchError> {
        let missing = || MismatchError(format!("no field `{record}.{field}`"));
        let r = self.record(record)?;
        let def = self.schema.record(r).ok_or_else(missing)?;
        let f = def.fields.iter().position(|f| f.name == field).ok_or_else(missing)?;
        let place = self.layout.record(r).and_then(|l| l.fields.get(f)).ok_or_else(missing)?;
        Ok(place.offset as usize)
    }

    fn size(&self, record: &str) -> Result<usize, MismatchError> {
        let r = self.record(record)?;
        self.layout.record(r).map(|l| l.size as usize).ok_or_else(|| MismatchError(format!("no layout of `{record}`")))
    }

    /// The value of `enum_name::variant`; the enum must be one byte wide.
    fn variant(&self, enum_name: &str, variant: &str) -> Result<u8, MismatchError> {
        let missing = || MismatchError(format!("no variant `{enum_name}::{variant}` of one byte"));
        let e = self.schema.enums.iter().position(|e| e.name == enum_name).ok_or_else(missing)?;
        let def = self.schema.enums.get(e).ok_or_else(missing)?;
        if self.layout.enums.get(e) != Some(&1) {
            return Err(missing());
        }
        let v = def.variants.iter().position(|v| v == variant).ok_or_else(missing)?;
        u8::try_from(v).map_err(|_| missing())
    }
}

/// Field offsets of the input record, from its start (nested records flattened).
#[derive(Debug, Clone, Copy)]
struct InputAt {
    tenant_id: usize,
    as_of: usize,
    cloud: usize,
    eu_data_boundary: usize,
    users_total: usize,
    users_licensed: usize,
    users_enabled: usize,
    products: usize,
    servers: usize,
    sub_enrolled: usize,
    sub_addon: usize,
    sub_status: usize,
    sub_term_end: usize,
    sub_ended_on: usize,
    credits_unused: usize,
    credits_used: usize,
}

/// Field offsets of one list element, from its start.
#[derive(Debug, Clone, Copy)]
struct ProductAt {
    size: usize,
    product: usize,
    licensed: usize,
    mode: usize,
}

#[derive(Debug, Clone, Copy)]
struct ServerAt {
    size: usize,
    mde: usize,
    plan: usize,
    endpoint_protection: usize,
}

/// Field offsets of the decision, from the start of the slot.
#[derive(Debug, Clone, Copy)]
struct OutputAt {
    tenant_id: usize,
    xdr_eligible: usize,
    xdr_reasons: usize,
    addon_eligible: usize,
    addon_reasons: usize,
    /// Coverage of endpoint, office365_p2, identity, cloud_apps, in that order.
    coverage: [usize; 4],
    iot: usize,
    covered_servers: usize,
    billable_seats: usize,
    balance: usize,
    usable: usize,
    region: usize,
    deleted_by: usize,
    advisories: usize,
}

/// Enum values the policy compares with or writes.
#[derive(Debug, Clone, Copy)]
struct Variants {
    commercial: u8,
    /// endpoint, office365_p2, identity, cloud_apps, iot: the index into coverage is the
    /// position here.
    products: [u8; 5],
    active_mode: u8,
    passive_mode: u8,
    p1: u8,
    p2: u8,
    status_active: u8,
    status_expired: u8,
    status_terminated: u8,
    none: u8,
    guided: u8,
    full: u8,
    not_covered: u8,
    eu: u8,
    us: u8,
}

/// Indices of the policy's failure sites, in the module's metadata.
#[derive(Debug, Clone, Copy)]
struct Sites {
    billable_seats: u32,
    credit_balance: u32,
    usable_credits: u32,
    deleted_expired: u32,
    deleted_terminated: u32,
}

/// `defender_experts.dexp` hand-written in Rust over the batch ABI: the input area and
/// variable area of a batch in, decision slots out, byte for byte what the compiled module
/// writes (including the status and error-site words of records that fail).
///
/// Offsets and enum values come from the policy's [`Shape`] at construction, found by name;
/// the loop itself only reads and writes bytes. Reads are bounds-checked (safe Rust, no
/// `unsafe`), much as the Wasm module's are checked by the engine's guard pages.
#[derive(Debug, Clone)]
pub struct Handwritten {
    input_size: usize,
    slot: SlotLayout,
    slot_size: usize,
    date_value: usize,
    input: InputAt,
    product: ProductAt,
    server: ServerAt,
    out: OutputAt,
    v: Variants,
    sites: Sites,
}

impl Handwritten {
    /// The hand-written policy for `shape`, with `sites` the failure-site paths of the module's
    /// metadata (for the error-site word of failed records).
    pub fn new(shape: &Shape, sites: &[String]) -> Result<Handwritten, MismatchError> {
        let n = Names { schema: shape.schema(), layout: shape.layout() };
        let slot = shape.layout().slot;
        let sub = n.field("Tenant", "subscription")?;
        let users = n.field("Tenant", "users")?;
        let credits = n.field("Tenant", "credits")?;
        let input = InputAt {
            tenant_id: n.field("Tenant", "tenant_id")?,
            as_of: n.field("Tenant", "as_of")?,
            cloud: n.field("Tenant", "cloud")?,
            eu_data_boundary: n.field("Tenant", "eu_data_boundary")?,
            users_total: users + n.field("Users", "total")?,
            users_licensed: users + n.field("Users", "entra_p1_licensed")?,
            users_enabled: users + n.field("Users", "entra_p1_enabled")?,
            products: n.field("Tenant", "products")?,
            servers: n.field("Tenant", "servers")?,
            sub_enrolled: sub + n.field("Subscription", "xdr_enrolled")?,
            sub_addon: sub + n.field("Subscription", "servers_addon")?,
            sub_status: sub + n.field("Subscription", "status")?,
            sub_term_end: sub + n.field("Subscription", "term_end")?,
            sub_ended_on: sub + n.field("Subscription", "ended_on")?,
            credits_unused: credits + n.field("Credits", "unused_last_quarter")?,
            credits_used: credits + n.field("Credits", "used_this_quarter")?,
        };
        let product = ProductAt {
            size: n.size("ProductEntry")?,
            product: n.field("ProductEntry", "product")?,
            licensed: n.field("ProductEntry", "licensed")?,
            mode: n.field("ProductEntry", "mode")?,
        };
        let server = ServerAt {
            size: n.size("Server")?,
            mde: n.field("Server", "mde_server_license")?,
            plan: n.field("Server", "servers_plan")?,
            endpoint_protection: n.field("Server", "endpoint_protection")?,
        };
        let rec = slot.record as usize;
        let (xdr, addon, cov) =
            (n.field("Decision", "xdr")?, n.field("Decision", "servers_addon")?, n.field("Decision", "coverage")?);
        let credits_out = n.field("Decision", "credits")?;
        let cov_at = |f: &str| n.field("CoverageResult", f).map(|o| rec + cov + o);
        let out = OutputAt {
            tenant_id: rec + n.field("Decision", "tenant_id")?,
            xdr_eligible: rec + xdr + n.field("XdrResult", "eligible")?,
            xdr_reasons: rec + xdr + n.field("XdrResult", "reasons")?,
            addon_eligible: rec + addon + n.field("AddonResult", "eligible")?,
            addon_reasons: rec + addon + n.field("AddonResult", "reasons")?,
            coverage: [cov_at("endpoint")?, cov_at("office365_p2")?, cov_at("identity")?, cov_at("cloud_apps")?],
            iot: cov_at("iot")?,
            covered_servers: rec + n.field("Decision", "covered_servers")?,
            billable_seats: rec + n.field("Decision", "billable_seats")?,
            balance: rec + credits_out + n.field("CreditsResult", "balance")?,
            usable: rec + credits_out + n.field("CreditsResult", "usable")?,
            region: rec + n.field("Decision", "operational_data_region")?,
            deleted_by: rec + n.field("Decision", "data_deleted_by")?,
            advisories: rec + n.field("Decision", "advisories")?,
        };
        let p = |v: &str| n.variant("Product", v);
        let v = Variants {
            commercial: n.variant("Cloud", "commercial")?,
            products: [p("endpoint")?, p("office365_p2")?, p("identity")?, p("cloud_apps")?, p("iot")?],
            active_mode: n.variant("Mode", "active")?,
            passive_mode: n.variant("Mode", "passive")?,
            p1: n.variant("ServersPlan", "p1")?,
            p2: n.variant("ServersPlan", "p2")?,
            status_active: n.variant("Status", "active")?,
            status_expired: n.variant("Status", "expired")?,
            status_terminated: n.variant("Status", "terminated")?,
            none: n.variant("Coverage", "none")?,
            guided: n.variant("Coverage", "guided")?,
            full: n.variant("Coverage", "full")?,
            not_covered: n.variant("IotCoverage", "not_covered")?,
            eu: n.variant("Region", "eu")?,
            us: n.variant("Region", "us")?,
        };
        let date_value = shape
            .layout()
            .optional_value_offset(&Ty::Date)
            .ok_or_else(|| MismatchError("no layout for `date?`".into()))? as usize;
        Ok(Handwritten {
            input_size: shape.layout().input_size as usize,
            slot,
            slot_size: slot.size as usize,
            date_value,
            input,
            product,
            server,
            out,
            v,
            sites: find_sites(sites)?,
        })
    }

    /// Bytes of one decision slot.
    pub fn slot_size(&self) -> usize {
        self.slot_size
    }

    /// Bytes of one input record.
    pub fn input_size(&self) -> usize {
        self.input_size
    }

    /// Decides every record of `records` (the input area of a batch), whose strings and lists
    /// lie in `vars` (its variable area), writing decision slot `i` at `out[i * slot_size..]`.
    /// Stops at the end of either area; returns the number of records decided or failed.
    pub fn evaluate_batch(&self, records: &[u8], vars: &[u8], out: &mut [u8]) -> usize {
        let mut n = 0;
        for (record, slot) in records.chunks_exact(self.input_size).zip(out.chunks_exact_mut(self.slot_size)) {
            self.decide(record, vars, slot);
            n += 1;
        }
        n
    }

    /// One record: the rules of `defender_experts.dexp`, evaluated in the order the output
    /// record lists them, so the first failing expression is the one the module reports.
    fn decide(&self, rec: &[u8], vars: &[u8], slot: &mut [u8]) {
        let (i, o, v) = (&self.input, &self.out, &self.v);
        let total = get_i64(rec, i.users_total);
        let products = list(rec, i.products, vars, self.product.size);
        let servers = list(rec, i.servers, vars, self.server.size);

        // One pass over the products: the xdr product rule, the best coverage per product,
        // and the IoT advisory.
        let mut active_covered = false;
        let mut best = [v.none; 4];
        let mut iot_licensed = false;
        for p in products.chunks_exact(self.product.size) {
            let (product, licensed, mode) =
                (get_u8(p, self.product.product), get_u8(p, self.product.licensed) != 0, get_u8(p, self.product.mode));
            let is = |k: usize| v.products.get(k) == Some(&product);
            let entry = if licensed && mode == v.active_mode {
                v.full
            } else if licensed && mode == v.passive_mode {
                v.guided
            } else {
                v.none
            };
            for (k, b) in best.iter_mut().enumerate() {
                if is(k) {
                    active_covered |= entry == v.full;
                    *b = (*b).max(entry);
                }
            }
            iot_licensed |= is(4) && licensed;
        }
        let mut xdr = 0u64;
        xdr |= u64::from(get_i64(rec, i.users_licensed) < total);
        xdr |= u64::from(get_u8(rec, i.users_enabled) == 0) << 1;
        xdr |= u64::from(!active_covered) << 2;
        xdr |= u64::from(get_u8(rec, i.cloud) != v.commercial) << 3;
        let xdr_ok = xdr == 0;

        let enrolled = get_u8(rec, i.sub_enrolled) != 0;
        let (mut any_plan, mut mde, mut plan_covered, mut unprotected) = (false, 0i64, 0i64, false);
        for s in servers.chunks_exact(self.server.size) {
            let plan = get_u8(s, self.server.plan);
            let has_plan = plan == v.p1 || plan == v.p2;
            let licensed = get_u8(s, self.server.mde) != 0;
            any_plan |= has_plan;
            mde += i64::from(licensed);
            plan_covered += i64::from(licensed || has_plan);
            unprotected |= has_plan && get_u8(s, self.server.endpoint_protection) == 0;
        }
        let addon = u64::from(!xdr_ok) | u64::from(!enrolled) << 1 | u64::from(!any_plan) << 2;
        let addon_ok = addon == 0;
        let covered_servers = match (xdr_ok, addon_ok && get_u8(rec, i.sub_addon) != 0) {
            (false, _) => 0,
            (true, true) => plan_covered,
            (true, false) => mde,
        };
        let Some(billable) = total.checked_add(mde) else {
            return fail(slot, &self.slot, STATUS_OVERFLOW, self.sites.billable_seats);
        };

        let as_of = get_i32(rec, i.as_of);
        let status = get_u8(rec, i.sub_status);
        let assigned = enrolled && status == v.status_active && as_of <= get_i32(rec, i.sub_term_end);
        let (balance, usable) = if assigned {
            let rollover = if date::quarter(as_of) == 1 { 0 } else { get_i64(rec, i.credits_unused) };
            let Some(balance) = 10i64.checked_add(rollover) else {
                return fail(slot, &self.slot, STATUS_OVERFLOW, self.sites.credit_balance);
            };
            let Some(left) = balance.min(20).checked_sub(get_i64(rec, i.credits_used)) else {
                return fail(slot, &self.slot, STATUS_OVERFLOW, self.sites.usable_credits);
            };
            (balance, left.max(0))
        } else {
            (0, 0)
        };

        let ended_on = (get_u8(rec, i.sub_ended_on) != 0).then(|| get_i32(rec, i.sub_ended_on + self.date_value));
        let deleted_by = if status == v.status_expired {
            let from = ended_on.unwrap_or_else(|| get_i32(rec, i.sub_term_end));
            match date::add_days(from, 90) {
                Some(d) => Some(d),
                None => return fail(slot, &self.slot, STATUS_DATE_RANGE, self.sites.deleted_expired),
            }
        } else if status == v.status_terminated {
            match date::add_days(ended_on.unwrap_or(as_of), 30) {
                Some(d) => Some(d),
                None => return fail(slot, &self.slot, STATUS_DATE_RANGE, self.sites.deleted_terminated),
            }
        } else {
            None
        };

        let guided = xdr_ok && best.contains(&v.guided);
        let not_full = xdr_ok && best.iter().any(|&c| c != v.full);
        let advice = u64::from(guided)
            | u64::from(iot_licensed) << 1
            | u64::from(not_full) << 2
            | u64::from(addon_ok && unprotected) << 3;

        put(slot, self.slot.status as usize, STATUS_DECIDED.to_le_bytes());
        put(slot, self.slot.site as usize, 0u32.to_le_bytes());
        put(slot, o.tenant_id, get::<8>(rec, i.tenant_id));
        put(slot, o.xdr_eligible, [u8::from(xdr_ok)]);
        put(slot, o.xdr_reasons, xdr.to_le_bytes());
        put(slot, o.addon_eligible, [u8::from(addon_ok)]);
        put(slot, o.addon_reasons, addon.to_le_bytes());
        for (at, c) in o.coverage.iter().zip(best) {
            put(slot, *at, [if xdr_ok { c } else { v.none }]);
        }
        put(slot, o.iot, [v.not_covered]);
        put(slot, o.covered_servers, covered_servers.to_le_bytes());
        put(slot, o.billable_seats, billable.to_le_bytes());
        put(slot, o.balance, balance.to_le_bytes());
        put(slot, o.usable, usable.to_le_bytes());
        put(slot, o.region, [if get_u8(rec, i.eu_data_boundary) != 0 { v.eu } else { v.us }]);
        match deleted_by {
            Some(d) => {
                put(slot, o.deleted_by, [1]);
                put(slot, o.deleted_by + self.date_value, d.to_le_bytes());
            }
            None => put(slot, o.deleted_by, [0]),
        }
        put(slot, o.advisories, advice.to_le_bytes());
    }
}

/// Finds the failure sites by the definition their path names (`billable_seats at 88:5`);
/// `data_deleted_by` has two, the `expired` arm first.
fn find_sites(sites: &[String]) -> Result<Sites, MismatchError> {
    let all = |def: &str| -> Vec<u32> {
        let prefix = format!("{def} at ");
        sites.iter().enumerate().filter(|(_, s)| s.starts_with(&prefix)).map(|(i, _)| i as u32).collect()
    };
    let one = |def: &str| -> Result<u32, MismatchError> {
        match all(def).as_slice() {
            [site] => Ok(*site),
            found => Err(MismatchError(format!("{} failure sites in `{def}`, expected 1", found.len()))),
        }
    };
    let deleted = all("data_deleted_by");
    let [deleted_expired, deleted_terminated] = deleted.as_slice() else {
        return Err(MismatchError(format!("{} failure sites in `data_deleted_by`, expected 2", deleted.len())));
    };
    Ok(Sites {
        billable_seats: one("billable_seats")?,
        credit_balance: one("credit_balance")?,
        usable_credits: one("usable_credits")?,
        deleted_expired: *deleted_expired,
        deleted_terminated: *deleted_terminated,
    })
}

/// Writes a failed record's status and site words.
fn fail(slot: &mut [u8], layout: &SlotLayout, status: u32, site: u32) {
    put(slot, layout.status as usize, status.to_le_bytes());
    put(slot, layout.site as usize, site.to_le_bytes());
}

/// `N` bytes at `at`, or zeros past the end (the layout check in [`Handwritten::new`] keeps
/// every offset inside the record).
#[inline(always)]
fn get<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    bytes.get(at..at + N).and_then(|b| b.try_into().ok()).unwrap_or([0; N])
}

#[inline(always)]
fn get_u8(bytes: &[u8], at: usize) -> u8 {
    bytes.get(at).copied().unwrap_or(0)
}

#[inline(always)]
fn get_i32(bytes: &[u8], at: usize) -> i32 {
    i32::from_le_bytes(get(bytes, at))
}

#[inline(always)]
fn get_i64(bytes: &[u8], at: usize) -> i64 {
    i64::from_le_bytes(get(bytes, at))
}

#[inline(always)]
fn put<const N: usize>(bytes: &mut [u8], at: usize, value: [u8; N]) {
    if let Some(dst) = bytes.get_mut(at..at + N) {
        dst.copy_from_slice(&value);
    }
}

/// The elements of the list whose `(offset, count)` pair is at `at` in `rec`: a slice of
/// `vars` (empty if out of bounds).
#[inline(always)]
fn list<'v>(rec: &[u8], at: usize, vars: &'v [u8], size: usize) -> &'v [u8] {
    let offset = u32::from_le_bytes(get(rec, at)) as usize;
    let count = u32::from_le_bytes(get(rec, at + 4)) as usize;
    vars.get(offset..offset + count * size).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    // Tests stop on the first surprise with a message; indexing is on buffers sized here.
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

    use super::*;
    use dexp_compiler::ir::interp::{self, Failure};
    use dexp_runtime::decode::Region;
    use dexp_runtime::encode::BatchEncoder;
    use dexp_runtime::json;
    use std::sync::Arc;

    /// Realistic tenants, then tenants of which one in five is extreme.
    fn mixed_lines() -> Vec<String> {
        let mut lines = TenantGen::new(DEFAULT_SEED).lines(3000);
        lines.extend(TenantGen::new(7).with_extremes(20).lines(2000));
        lines
    }

    fn encode(shape: &Arc<Shape>, lines: &[String]) -> BatchEncoder {
        let mut batch = BatchEncoder::new(shape.clone());
        for (i, line) in lines.iter().enumerate() {
            batch.push_json(line).unwrap_or_else(|e| panic!("line {i} does not encode: {e:?}\n{line}"));
        }
        batch
    }

    #[test]
    fn generated_tenants_are_valid_and_mixed() {
        let program = dexp_compiler::frontend(POLICY_SOURCE).unwrap().program;
        let lines = TenantGen::new(DEFAULT_SEED).lines(2000);
        assert_eq!(lines, TenantGen::new(DEFAULT_SEED).lines(2000), "the generator is deterministic");
        let (mut eligible, mut escaped) = (0, 0);
        let (mut products, mut servers) = ([0usize; 8], [0usize; 14]);
        for line in &lines {
            let value = json::decode_input(&program.schema, line).unwrap();
            let decision = interp::evaluate(&program, &value).unwrap();
            let parsed: serde_json::Value = serde_json::from_str(line).unwrap();
            products[parsed["products"].as_array().unwrap().len()] += 1;
            servers[parsed["servers"].as_array().unwrap().len()] += 1;
            escaped += usize::from(line.contains("\\\""));
            let mut text = String::new();
            json::write_value(&mut text, &program.schema, &Ty::Record(program.schema.output), &decision);
            let decision: serde_json::Value = serde_json::from_str(&text).unwrap();
            eligible += usize::from(decision["xdr"]["eligible"] == serde_json::Value::Bool(true));
        }
        assert!((600..1400).contains(&eligible), "{eligible} of 2000 eligible");
        assert!(escaped > 0, "some tenant ids need escapes");
        assert!(products[0] > 0 && products[6] > 0 && products[7] == 0, "0-6 products: {products:?}");
        assert!(servers[0] > 0 && servers[12] > 0 && servers[13] == 0, "0-12 servers: {servers:?}");
    }

    /// Drives the compiled module by the ABI alone (plain wasmtime, no dexp runtime): places the
    /// batch, fills the decision area with `fill`, calls `dexp_eval` and returns the decision
    /// area.
    fn run_module(wasm: &[u8], shape: &Shape, batch: &BatchEncoder, fill: u8) -> Vec<u8> {
        use dexp_runtime::abi::{Placement, EXPORT_EVAL, EXPORT_HEAP_BASE, EXPORT_MEMORY};
        let engine = wasmtime::Engine::default();
        let module = wasmtime::Module::new(&engine, wasm).unwrap();
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = wasmtime::Instance::new(&mut store, &module, &[]).unwrap();
        let memory = instance.get_memory(&mut store, EXPORT_MEMORY).unwrap();
        let global = instance.get_global(&mut store, EXPORT_HEAP_BASE).unwrap();
        let heap_base = global.get(&mut store).i32().unwrap() as u32;
        let eval = instance.get_typed_func::<(i32, i32, i32, i32, i32), i32>(&mut store, EXPORT_EVAL).unwrap();
        let (n, var_len) = (batch.len() as u32, batch.vars().len() as u32);
        let place = Placement::new(shape.layout(), heap_base, n, var_len).unwrap();
        let have = memory.data_size(&store) as u64;
        if place.end() > have {
            memory.grow(&mut store, (place.end() - have).div_ceil(1 << 16)).unwrap();
        }
        let out_len = batch.len() * shape.layout().slot.size as usize;
        let (in_ptr, out_ptr, var_ptr) = (place.in_ptr as usize, place.out_ptr as usize, place.var_ptr as usize);
        let mem = memory.data_mut(&mut store);
        mem[in_ptr..in_ptr + batch.records().len()].copy_from_slice(batch.records());
        mem[var_ptr..var_ptr + batch.vars().len()].copy_from_slice(batch.vars());
        mem[out_ptr..out_ptr + out_len].fill(fill);
        let args = (n as i32, place.in_ptr as i32, place.out_ptr as i32, place.var_ptr as i32, var_len as i32);
        eval.call(&mut store, args).unwrap();
        memory.data(&store)[out_ptr..out_ptr + out_len].to_vec()
    }

    /// The hand-written policy writes exactly the decision bytes the compiled module writes:
    /// every byte of the slot of a decided record (padding included, starting from the same
    /// fill), and the status and error-site words of a failed one (the rest of a failed slot
    /// is unspecified by the ABI).
    #[test]
    fn handwritten_writes_the_modules_bytes() {
        let compiled = dexp_compiler::compile(POLICY_SOURCE).unwrap();
        let policy = dexp_runtime::Policy::load(&compiled.wasm).unwrap();
        let shape = policy.shape().clone();
        let hand = Handwritten::new(&shape, &policy.metadata().sites).unwrap();
        let lines = mixed_lines();
        let batch = encode(&shape, &lines);
        let slot = hand.slot_size();
        for fill in [0x00, 0xa5] {
            let module = run_module(&compiled.wasm, &shape, &batch, fill);
            let mut ours = vec![fill; lines.len() * slot];
            hand.evaluate_batch(batch.records(), batch.vars(), &mut ours);
            let (mut decided, mut failed) = (0, 0);
            for (i, (m, h)) in module.chunks_exact(slot).zip(ours.chunks_exact(slot)).enumerate() {
                if m[..4] == STATUS_DECIDED.to_le_bytes() {
                    assert_eq!(m, h, "record {i} (fill {fill:#x}): {}", lines[i]);
                    decided += 1;
                } else {
                    assert_eq!(m[..8], h[..8], "record {i} (fill {fill:#x}): {}", lines[i]);
                    failed += 1;
                }
            }
            assert_eq!(decided + failed, lines.len());
            assert!(failed > 50 && decided > 4000, "{decided} decided, {failed} failed");
        }
    }

    /// The hand-written policy decides like the reference interpreter: the same decision, or
    /// the same failure at the same site.
    #[test]
    fn handwritten_matches_the_interpreter() {
        let program = dexp_compiler::frontend(POLICY_SOURCE).unwrap().program;
        let shape = Arc::new(Shape::new(program.schema.clone()).unwrap());
        let sites: Vec<String> = program.sites.iter().map(|s| s.path.clone()).collect();
        let hand = Handwritten::new(&shape, &sites).unwrap();
        let lines = mixed_lines();
        let batch = encode(&shape, &lines);
        let mut out = vec![0u8; lines.len() * hand.slot_size()];
        assert_eq!(hand.evaluate_batch(batch.records(), batch.vars(), &mut out), lines.len());
        let output = Ty::Record(program.schema.output);
        let mut failures = std::collections::BTreeSet::new();
        for (i, (line, slot)) in lines.iter().zip(out.chunks_exact(hand.slot_size())).enumerate() {
            let input = json::decode_input(&program.schema, line).unwrap();
            let expected = interp::evaluate(&program, &input);
            let word = |at: u32| u32::from_le_bytes(slot[at as usize..at as usize + 4].try_into().unwrap());
            let (status, site) = (word(hand.slot.status), word(hand.slot.site));
            match expected {
                Ok(decision) => {
                    assert_eq!(status, STATUS_DECIDED, "record {i}: {line}");
                    let region = Region { fixed: slot, vars: batch.vars() };
                    let got = region.value(&shape, &output, hand.slot.record as usize).unwrap();
                    assert_eq!(got, decision, "record {i}: {line}");
                }
                Err(e) => {
                    let want = match e.failure {
                        Failure::Overflow => STATUS_OVERFLOW,
                        Failure::DateRange => STATUS_DATE_RANGE,
                        Failure::DivisionByZero => dexp_runtime::abi::STATUS_DIVISION_BY_ZERO,
                        Failure::TooManyValues => dexp_runtime::abi::STATUS_LIMIT,
                    };
                    assert_eq!((status, site), (want, e.site), "record {i}: {line}");
                    failures.insert(site);
                }
            }
        }
        assert_eq!(failures.len(), 5, "every failure site is reached: {failures:?} of {sites:?}");
    }
}
