//! Prometheus metrics, kept in atomics and written in the text exposition format by hand
//! (a few counters and histograms do not need a metrics crate). Counting a request is a few
//! relaxed atomic additions: no lock, no allocation.
//!
//! Exposed at `GET /metrics`: requests by route and status, refusals by error code, records
//! decided and rejected per policy, request latency histograms per policy and endpoint,
//! reloads and failed reloads per policy, decision-log entries written and dropped, evaluation
//! slots in use, readiness and the version each policy serves.

use super::error::Code;
use super::state::App;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 16] =
    [0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// A latency histogram.
#[derive(Default)]
pub struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl Histogram {
    /// Counts one observation.
    pub fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|&b| seconds <= b) {
            if let Some(bucket) = self.buckets.get(i) {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_nanos.fetch_add(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {count}");
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
        let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
    }
}

/// The metrics of one served policy.
pub struct PolicyMetrics {
    name: String,
    /// Records decided.
    pub decided: AtomicU64,
    /// Records rejected (bad input, evaluation errors, limits).
    pub rejected: AtomicU64,
    /// Versions swapped in.
    pub reloads: AtomicU64,
    /// Versions refused.
    pub failed_reloads: AtomicU64,
    /// `/decide` latency, from the request to the response.
    pub decide_latency: Histogram,
    /// `/batch` latency, from the request to the end of the streamed response.
    pub batch_latency: Histogram,
}

impl PolicyMetrics {
    /// Counts a tally of records.
    pub fn count(&self, decided: u64, rejected: u64) {
        self.decided.fetch_add(decided, Ordering::Relaxed);
        self.rejected.fetch_add(rejected, Ordering::Relaxed);
    }
}

/// The routes requests are counted under (the metrics' `route` label), in the order of
/// [`Route::label`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `/healthz`.
    Healthz,
    /// `/readyz`.
    Readyz,
    /// `/metrics`.
    Metrics,
    /// `/v1/policies`.
    Policies,
    /// `/v1/policies/{name}`.
    Policy,
    /// `/v1/policies/{name}/decide`.
    Decide,
    /// `/v1/policies/{name}/batch`.
    Batch,
    /// `/v1/admin/reload`.
    Reload,
    /// Anything else.
    Unmatched,
}

impl Route {
    /// Every route.
    const ALL: [Route; 9] = [
        Route::Healthz,
        Route::Readyz,
        Route::Metrics,
        Route::Policies,
        Route::Policy,
        Route::Decide,
        Route::Batch,
        Route::Reload,
        Route::Unmatched,
    ];

    /// The route template of a request path (no allocation: this runs on every request).
    pub fn of(path: &str) -> Route {
        let mut parts = path.strip_prefix('/').unwrap_or(path).split('/');
        let parts = [parts.next(), parts.next(), parts.next(), parts.next(), parts.next()];
        match parts {
            [Some("healthz"), None, ..] => Route::Healthz,
            [Some("readyz"), None, ..] => Route::Readyz,
            [Some("metrics"), None, ..] => Route::Metrics,
            [Some("v1"), Some("policies"), None, ..] => Route::Policies,
            [Some("v1"), Some("policies"), Some(_), None, _] => Route::Policy,
            [Some("v1"), Some("policies"), Some(_), Some("decide"), None] => Route::Decide,
            [Some("v1"), Some("policies"), Some(_), Some("batch"), None] => Route::Batch,
            [Some("v1"), Some("admin"), Some("reload"), None, _] => Route::Reload,
            _ => Route::Unmatched,
        }
    }

    /// The label value.
    pub fn label(self) -> &'static str {
        match self {
            Route::Healthz => "/healthz",
            Route::Readyz => "/readyz",
            Route::Metrics => "/metrics",
            Route::Policies => "/v1/policies",
            Route::Policy => "/v1/policies/{name}",
            Route::Decide => "/v1/policies/{name}/decide",
            Route::Batch => "/v1/policies/{name}/batch",
            Route::Reload => "/v1/admin/reload",
            Route::Unmatched => "unmatched",
        }
    }
}

/// The statuses the server answers with, each counted in an atomic; any other status (none is
/// expected) is counted under a lock.
const STATUSES: [u16; 13] = [200, 400, 401, 404, 405, 408, 413, 415, 422, 429, 500, 501, 503];

/// Response counts by route and status.
struct Requests {
    counts: [[AtomicU64; STATUSES.len()]; Route::ALL.len()],
    other: Mutex<BTreeMap<(&'static str, u16), u64>>,
}

impl Default for Requests {
    fn default() -> Requests {
        Requests {
            counts: std::array::from_fn(|_| std::array::from_fn(|_| AtomicU64::new(0))),
            other: Mutex::default(),
        }
    }
}

impl Requests {
    fn count(&self, route: Route, status: u16) {
        let row = Route::ALL.iter().position(|&r| r == route).and_then(|i| self.counts.get(i));
        let cell = STATUSES.iter().position(|&s| s == status).and_then(|j| row.and_then(|row| row.get(j)));
        match cell {
            Some(cell) => {
                cell.fetch_add(1, Ordering::Relaxed);
            }
            None => {
                if let Ok(mut other) = self.other.lock() {
                    *other.entry((route.label(), status)).or_default() += 1;
                }
            }
        }
    }

    /// Every non-zero count, ordered by route label and status.
    fn snapshot(&self) -> BTreeMap<(&'static str, u16), u64> {
        let mut all = self.other.lock().map(|o| o.clone()).unwrap_or_default();
        for (route, row) in Route::ALL.iter().zip(&self.counts) {
            for (status, cell) in STATUSES.iter().zip(row) {
                let n = cell.load(Ordering::Relaxed);
                if n > 0 {
                    all.insert((route.label(), *status), n);
                }
            }
        }
        all
    }
}

/// Every metric of the server.
#[derive(Default)]
pub struct Metrics {
    requests: Requests,
    refusals: [AtomicU64; Code::ALL.len()],
    policies: Mutex<Vec<Arc<PolicyMetrics>>>,
}

impl Metrics {
    /// The metrics of policy `name`, made on first use.
    pub fn policy(&self, name: &str) -> Arc<PolicyMetrics> {
        let Ok(mut policies) = self.policies.lock() else {
            return Arc::new(new_policy(name));
        };
        if let Some(found) = policies.iter().find(|p| p.name == name) {
            return found.clone();
        }
        let made = Arc::new(new_policy(name));
        policies.push(made.clone());
        made
    }

    /// Counts a response.
    pub fn request(&self, route: Route, status: u16, refusal: Option<Code>) {
        self.requests.count(route, status);
        if let Some(code) = refusal {
            self.refusal(code);
        }
    }

    /// Counts a refusal by its code.
    pub fn refusal(&self, code: Code) {
        if let Some(i) = Code::ALL.iter().position(|&c| c == code) {
            if let Some(counter) = self.refusals.get(i) {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The exposition text.
    pub fn render(&self, app: &App) -> String {
        let mut out = String::with_capacity(8192);
        let _ = writeln!(out, "# HELP dexp_http_requests_total HTTP responses by route and status.");
        let _ = writeln!(out, "# TYPE dexp_http_requests_total counter");
        for ((route, status), n) in self.requests.snapshot() {
            let _ = writeln!(out, "dexp_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}", escape(route));
        }
        let _ = writeln!(out, "# HELP dexp_http_refusals_total Refused requests by error code.");
        let _ = writeln!(out, "# TYPE dexp_http_refusals_total counter");
        for (code, n) in Code::ALL.iter().zip(&self.refusals) {
            let _ =
                writeln!(out, "dexp_http_refusals_total{{code=\"{}\"}} {}", code.as_str(), n.load(Ordering::Relaxed));
        }
        let policies: Vec<Arc<PolicyMetrics>> = self.policies.lock().map(|p| p.clone()).unwrap_or_default();
        write_policy_counters(&mut out, &policies);
        let _ = writeln!(out, "# HELP dexp_request_duration_seconds Latency of decide and batch requests.");
        let _ = writeln!(out, "# TYPE dexp_request_duration_seconds histogram");
        for p in &policies {
            let name = escape(&p.name);
            p.decide_latency.write(
                &mut out,
                "dexp_request_duration_seconds",
                &format!("policy=\"{name}\",route=\"decide\""),
            );
            p.batch_latency.write(
                &mut out,
                "dexp_request_duration_seconds",
                &format!("policy=\"{name}\",route=\"batch\""),
            );
        }
        let _ = writeln!(out, "# HELP dexp_policy_info The version each policy serves (value 1).");
        let _ = writeln!(out, "# TYPE dexp_policy_info gauge");
        for slot in app.slots() {
            if let Some(v) = slot.current.load_full() {
                let _ = writeln!(
                    out,
                    "dexp_policy_info{{policy=\"{}\",hash=\"{}\",version=\"{}\"}} 1",
                    escape(&slot.name),
                    escape(&v.hash),
                    escape(&v.version)
                );
            }
        }
        let in_use = app.config.max_concurrent.saturating_sub(app.evaluations.available_permits());
        let gauges = [
            ("dexp_ready", "1 when every policy has a loaded version.", u64::from(app.ready())),
            ("dexp_evaluations_in_flight", "Evaluation slots in use.", in_use as u64),
            ("dexp_evaluations_max", "Evaluation slots (--max-concurrent).", app.config.max_concurrent as u64),
        ];
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
        }
        let (written, dropped) = match &app.log {
            Some(log) => (log.written.load(Ordering::Relaxed), log.dropped.load(Ordering::Relaxed)),
            None => (0, 0),
        };
        let counters = [
            ("dexp_decision_log_written_total", "Decision-log entries written.", written),
            ("dexp_decision_log_dropped_total", "Decision-log entries dropped (writer behind).", dropped),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        }
        out
    }
}

fn new_policy(name: &str) -> PolicyMetrics {
    PolicyMetrics {
        name: name.to_string(),
        decided: AtomicU64::new(0),
        rejected: AtomicU64::new(0),
        reloads: AtomicU64::new(0),
        failed_reloads: AtomicU64::new(0),
        decide_latency: Histogram::default(),
        batch_latency: Histogram::default(),
    }
}

fn write_policy_counters(out: &mut String, policies: &[Arc<PolicyMetrics>]) {
    type Field = fn(&PolicyMetrics) -> &AtomicU64;
    let families: [(&str, &str, &str, Field); 4] = [
        ("dexp_records_total", "Records by outcome.", "outcome=\"decided\"", |p| &p.decided),
        ("dexp_records_total", "", "outcome=\"rejected\"", |p| &p.rejected),
        ("dexp_reloads_total", "Policy reloads by result.", "result=\"success\"", |p| &p.reloads),
        ("dexp_reloads_total", "", "result=\"failure\"", |p| &p.failed_reloads),
    ];
    for (name, help, label, field) in families {
        if !help.is_empty() {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
        }
        for p in policies {
            let _ =
                writeln!(out, "{name}{{policy=\"{}\",{label}}} {}", escape(&p.name), field(p).load(Ordering::Relaxed));
        }
    }
}

/// Escapes a label value.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::{Requests, Route};

    #[test]
    fn paths_are_counted_under_their_route_templates() {
        let cases = [
            ("/healthz", Route::Healthz),
            ("/readyz", Route::Readyz),
            ("/metrics", Route::Metrics),
            ("/v1/policies", Route::Policies),
            ("/v1/policies/p", Route::Policy),
            ("/v1/policies/p/decide", Route::Decide),
            ("/v1/policies/p/batch", Route::Batch),
            ("/v1/admin/reload", Route::Reload),
            ("/", Route::Unmatched),
            ("/healthz/x", Route::Unmatched),
            ("/v1/policies/p/decide/x", Route::Unmatched),
            ("/v1/policies/p/other", Route::Unmatched),
            ("/v1/admin/reload/x", Route::Unmatched),
        ];
        for (path, route) in cases {
            assert_eq!(Route::of(path), route, "{path}");
        }
    }

    #[test]
    fn usual_and_unusual_statuses_are_both_counted() {
        let requests = Requests::default();
        requests.count(Route::Decide, 200);
        requests.count(Route::Decide, 200);
        requests.count(Route::Unmatched, 404);
        requests.count(Route::Batch, 418);
        let counts: Vec<_> = requests.snapshot().into_iter().collect();
        assert_eq!(
            counts,
            [
                (("/v1/policies/{name}/batch", 418), 1),
                (("/v1/policies/{name}/decide", 200), 2),
                (("unmatched", 404), 1)
            ]
        );
    }
}
