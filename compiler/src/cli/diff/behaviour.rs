//! The behaviour half of `dexpc diff`: a [`Counter`] of how two versions' outcomes differ,
//! record by record, and a worker for `eval`'s streaming machinery that runs each batch of
//! NDJSON lines through both versions and counts them (`columnar.rs` does the same for
//! Parquet and Arrow IPC corpora).
//!
//! Every counter keeps its own [`Stats`] and merges them into a shared total when it is dropped.
//! Merging is order-independent (sums, and the examples with the smallest line or row numbers),
//! so the report is the same whatever the number of threads and however batches were scheduled.
//! Identical output lines are the common case and cost one string comparison; only lines that
//! differ are parsed and compared field by field, guided by the output schemas.

use super::super::eval::{line_text, Batch, Tally};
use super::super::workers::Worker;
use dexp_runtime::json;
use dexp_runtime::schema::{Schema, Ty};
use serde_json::value::RawValue;
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// How many example keys are kept for each kind of change.
pub const EXAMPLES: usize = 3;
/// Distinct transitions kept per decision field; further ones are counted under `(other)`, so
/// a field with many values (say, a seat count) cannot grow memory without bound.
const MAX_TRANSITIONS_PER_FIELD: usize = 10_000;

/// A count and the first few records it counted, as (line or row number, label). The label is
/// the record's key when the policy has one and the record holds it as a string, and otherwise
/// `line N` (the NDJSON line) or `row N` (the 1-based row of a Parquet or Arrow file).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Bucket {
    /// How many records.
    pub count: u64,
    /// The records with the smallest line or row numbers, at most [`EXAMPLES`].
    pub examples: Vec<(u64, String)>,
}

impl Bucket {
    fn add(&mut self, line: u64, label: &dyn Fn() -> String) {
        self.count += 1;
        if self.examples.len() < EXAMPLES || self.examples.last().is_some_and(|(l, _)| line < *l) {
            let at = self.examples.partition_point(|(l, _)| *l < line);
            self.examples.insert(at, (line, label()));
            self.examples.truncate(EXAMPLES);
        }
    }

    fn merge(&mut self, other: Bucket) {
        self.count += other.count;
        self.examples.extend(other.examples);
        self.examples.sort();
        self.examples.truncate(EXAMPLES);
    }

    /// The example labels.
    pub fn labels(&self) -> Vec<&str> {
        self.examples.iter().map(|(_, k)| k.as_str()).collect()
    }
}

/// One way a decision field changed: `xdr.eligible: true → false`, or for a reason-code list,
/// one code becoming listed (`from` `not listed`, `to` `listed`) or unlisted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Transition {
    /// The decision field's path, such as `xdr.eligible`.
    pub field: String,
    /// The reason code, for a field of codes.
    pub code: Option<String>,
    /// The OLD value as JSON (or `listed` / `not listed`).
    pub from: String,
    /// The NEW value as JSON (or `listed` / `not listed`).
    pub to: String,
}

/// What replaying a corpus through both versions found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Stats {
    /// Records (non-blank input lines, or rows) replayed.
    pub records: u64,
    /// Records whose outcome differs: a compared decision field changed, or one version
    /// rejected the record and the other decided it.
    pub changed: Bucket,
    /// Records both versions rejected.
    pub both_rejected: u64,
    /// Records OLD rejected and NEW decided.
    pub rejected_by_old_only: Bucket,
    /// Records OLD decided and NEW rejected.
    pub rejected_by_new_only: Bucket,
    /// Records per changed decision field.
    pub fields: BTreeMap<String, u64>,
    /// Records per transition.
    pub transitions: BTreeMap<Transition, Bucket>,
}

impl Stats {
    fn merge(&mut self, other: Stats) {
        self.records += other.records;
        self.changed.merge(other.changed);
        self.both_rejected += other.both_rejected;
        self.rejected_by_old_only.merge(other.rejected_by_old_only);
        self.rejected_by_new_only.merge(other.rejected_by_new_only);
        for (field, n) in other.fields {
            *self.fields.entry(field).or_default() += n;
        }
        for (t, bucket) in other.transitions {
            self.transitions.entry(t).or_default().merge(bucket);
        }
    }
}

/// What every diff worker needs to know about the two versions.
pub struct Versions {
    /// OLD's schema.
    pub old: Schema,
    /// NEW's schema.
    pub new: Schema,
}

impl Versions {
    /// The input key's name (NEW's, else OLD's), for naming example records.
    pub fn key(&self) -> Option<&str> {
        self.new.key_name().or_else(|| self.old.key_name())
    }
}

/// One worker's counts of how OLD's and NEW's outcomes differ, record by record; they join
/// the shared total when the counter is dropped.
pub struct Counter {
    versions: Arc<Versions>,
    stats: Stats,
    /// Distinct transitions per field seen by this counter.
    distinct: HashMap<String, usize>,
    sink: Arc<Mutex<Stats>>,
}

impl Counter {
    /// A counter whose stats join `sink` when it is dropped.
    pub fn new(versions: Arc<Versions>, sink: Arc<Mutex<Stats>>) -> Counter {
        Counter { versions, stats: Stats::default(), distinct: HashMap::new(), sink }
    }

    /// Counts one record from the lines OLD and NEW wrote for it, each a decision or an error
    /// object exactly as `dexpc eval` writes them. `number` (its line or row) orders the
    /// examples; `label` names the record when it becomes one.
    pub fn record(&mut self, number: u64, a: &str, b: &str, label: &dyn Fn() -> String) {
        let versions = &*self.versions;
        let stats = &mut self.stats;
        stats.records += 1;
        match (is_error(a, &versions.old), is_error(b, &versions.new)) {
            (true, true) => stats.both_rejected += 1,
            (true, false) => {
                stats.rejected_by_old_only.add(number, label);
                stats.changed.add(number, label);
            }
            (false, true) => {
                stats.rejected_by_new_only.add(number, label);
                stats.changed.add(number, label);
            }
            (false, false) => {
                if a != b && compare_decisions(versions, stats, &mut self.distinct, a, b, number, label) {
                    stats.changed.add(number, label);
                }
            }
        }
    }
}

impl Drop for Counter {
    fn drop(&mut self) {
        let stats = std::mem::take(&mut self.stats);
        if let Ok(mut total) = self.sink.lock() {
            total.merge(stats);
        }
    }
}

/// Runs each batch of NDJSON lines through OLD and NEW and tallies the differences.
pub struct DiffWorker {
    old: Box<dyn Worker>,
    new: Box<dyn Worker>,
    a: String,
    b: String,
    counter: Counter,
}

impl DiffWorker {
    /// A worker over one worker of each version, counting into `counter`.
    pub fn new(old: Box<dyn Worker>, new: Box<dyn Worker>, counter: Counter) -> DiffWorker {
        DiffWorker { old, new, a: String::new(), b: String::new(), counter }
    }
}

/// Whether an output line is an error object rather than a decision. Error objects start with
/// `{"line":`; a decision does only when the output record's first field is called `line`.
fn is_error(line: &str, schema: &Schema) -> bool {
    let first_is_line = schema.record(schema.output).and_then(|r| r.fields.first()).is_some_and(|f| f.name == "line");
    if !first_is_line {
        return line.starts_with("{\"line\":");
    }
    serde_json::from_str::<Json>(line).ok().is_some_and(|v| v.get("error").is_some_and(Json::is_object))
}

impl Worker for DiffWorker {
    fn process(&mut self, batch: &Batch, _out: &mut String) -> Tally {
        self.a.clear();
        self.b.clear();
        self.old.process(batch, &mut self.a);
        self.new.process(batch, &mut self.b);
        // Both workers wrote one line per non-blank input line, in order.
        let inputs = batch
            .lines
            .iter()
            .enumerate()
            .filter_map(|(i, raw)| line_text(raw).map(|text| (batch.first_line + i as u64, text.ok())));
        let versions = self.counter.versions.clone();
        let key = versions.key();
        let mut records = 0;
        for ((a, b), (line, text)) in self.a.lines().zip(self.b.lines()).zip(inputs) {
            records += 1;
            let label = || match (key, text) {
                (Some(key), Some(text)) => json::probe_key(text, key).unwrap_or_else(|| format!("line {line}")),
                _ => format!("line {line}"),
            };
            self.counter.record(line, a, b, &label);
        }
        Tally { decided: records, rejected: 0 }
    }
}

/// Compares two decisions field by field; true when a compared field differs.
fn compare_decisions(
    versions: &Versions,
    stats: &mut Stats,
    distinct: &mut HashMap<String, usize>,
    a: &str,
    b: &str,
    line: u64,
    label: &dyn Fn() -> String,
) -> bool {
    let (Ok(a), Ok(b)) = (serde_json::from_str::<&RawValue>(a), serde_json::from_str::<&RawValue>(b)) else {
        return false;
    };
    let mut found = Vec::new();
    let (old, new) = (&versions.old, &versions.new);
    walk_text(old, new, "", &Ty::Record(old.output), &Ty::Record(new.output), a, b, &mut found);
    let changed = !found.is_empty();
    let mut last_field: Option<String> = None;
    for t in found {
        if last_field.as_deref() != Some(t.field.as_str()) {
            *stats.fields.entry(t.field.clone()).or_default() += 1;
            last_field = Some(t.field.clone());
        }
        let known = stats.transitions.contains_key(&t);
        let distinct = distinct.entry(t.field.clone()).or_default();
        let t = if known || *distinct < MAX_TRANSITIONS_PER_FIELD {
            if !known {
                *distinct += 1;
            }
            t
        } else {
            Transition { field: t.field, code: None, from: "(other)".into(), to: "(other)".into() }
        };
        stats.transitions.entry(t).or_default().add(line, label);
    }
    changed
}

/// [`walk`] on the JSON text of two values: records are split into their fields' texts, and
/// only fields whose texts differ are compared further, so the fields a change leaves alone
/// (most of them) are never parsed. Both sides are written by the same writer, so equal texts
/// are equal values; unequal texts may still be equal values (fields in another order), which
/// [`walk`] decides.
#[allow(clippy::too_many_arguments)]
fn walk_text(
    old: &Schema,
    new: &Schema,
    path: &str,
    old_ty: &Ty,
    new_ty: &Ty,
    a: &RawValue,
    b: &RawValue,
    out: &mut Vec<Transition>,
) {
    if a.get() == b.get() {
        return;
    }
    type Fields<'t> = HashMap<&'t str, &'t RawValue>;
    if let (Ty::Record(r), Ty::Record(s)) = (old_ty, new_ty) {
        let fields = (serde_json::from_str::<Fields>(a.get()), serde_json::from_str::<Fields>(b.get()));
        if let ((Ok(x), Ok(y)), Some(old_rec), Some(new_rec)) = (fields, old.record(*r), new.record(*s)) {
            for field in &old_rec.fields {
                let Some(new_field) = new_rec.fields.iter().find(|f| f.name == field.name) else { continue };
                let (Some(x), Some(y)) = (x.get(field.name.as_str()), y.get(field.name.as_str())) else { continue };
                let sub = if path.is_empty() { field.name.clone() } else { format!("{path}.{}", field.name) };
                walk_text(old, new, &sub, &field.ty, &new_field.ty, x, y, out);
            }
            return;
        }
    }
    if let (Ok(x), Ok(y)) = (serde_json::from_str::<Json>(a.get()), serde_json::from_str::<Json>(b.get())) {
        walk(old, new, path, old_ty, new_ty, &x, &y, out);
    }
}

/// Collects the transitions between two decision values of the fields both versions have.
#[allow(clippy::too_many_arguments)]
fn walk(
    old: &Schema,
    new: &Schema,
    path: &str,
    old_ty: &Ty,
    new_ty: &Ty,
    a: &Json,
    b: &Json,
    out: &mut Vec<Transition>,
) {
    if a == b {
        return;
    }
    match (old_ty, new_ty) {
        (Ty::Record(r), Ty::Record(s)) => {
            let (Some(old_rec), Some(new_rec)) = (old.record(*r), new.record(*s)) else { return };
            for field in &old_rec.fields {
                let Some(new_field) = new_rec.fields.iter().find(|f| f.name == field.name) else { continue };
                let (Some(x), Some(y)) = (a.get(&field.name), b.get(&field.name)) else { continue };
                let sub = if path.is_empty() { field.name.clone() } else { format!("{path}.{}", field.name) };
                walk(old, new, &sub, &field.ty, &new_field.ty, x, y, out);
            }
        }
        (Ty::Codes(_), Ty::Codes(_)) => {
            let codes = |v: &Json| -> Vec<String> {
                v.as_array()
                    .map(|a| a.iter().filter_map(|c| c.as_str().map(str::to_string)).collect())
                    .unwrap_or_default()
            };
            let (x, y) = (codes(a), codes(b));
            for code in x.iter().filter(|c| !y.contains(c)) {
                out.push(Transition {
                    field: path.into(),
                    code: Some(code.clone()),
                    from: "listed".into(),
                    to: "not listed".into(),
                });
            }
            for code in y.iter().filter(|c| !x.contains(c)) {
                out.push(Transition {
                    field: path.into(),
                    code: Some(code.clone()),
                    from: "not listed".into(),
                    to: "listed".into(),
                });
            }
        }
        _ => out.push(Transition { field: path.into(), code: None, from: a.to_string(), to: b.to_string() }),
    }
}
