//! The behaviour half of `dexpc diff`: a [`Counter`] of how two versions' outcomes differ,
//! record by record, and a worker for `eval`'s streaming machinery that runs each batch of
//! NDJSON lines through both versions and counts them (`columnar.rs` does the same for
//! Parquet and Arrow IPC corpora).
//!
//! Outcomes are compared as values read straight from the decision slots, field by field,
//! guided by the two output schemas (enum variants and reason codes by name, so a reordered
//! declaration is no change); no decision is written as JSON unless a field changed, and then
//! only that field, for the report. When both versions read the same input types, each line is
//! parsed and encoded once and the encoded batch decided by both.
//!
//! Every counter keeps its own [`Stats`] and merges them into a shared total when it is dropped.
//! Merging is order-independent (sums, and the examples with the smallest line or row numbers),
//! so the report is the same whatever the number of threads and however batches were scheduled.

use super::super::eval::{line_text, Batch, Tally};
use super::super::workers::Worker;
use dexp_runtime::abi::Shape;
use dexp_runtime::decode::{DecodeError, Region};
use dexp_runtime::encode::BatchEncoder;
use dexp_runtime::engine::{Decisions, Evaluator};
use dexp_runtime::json;
use dexp_runtime::schema::{Schema, Ty, Value};
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

/// What every diff worker needs to know about the two versions: their schemas, and which
/// record field and reason code of NEW each one of OLD's is (by name), worked out once so that
/// comparing a decision allocates nothing unless a field changed.
pub struct Versions {
    /// OLD's schema.
    pub old: Schema,
    /// NEW's schema.
    pub new: Schema,
    /// For OLD record `r` and NEW record `s`, at `r * |NEW records| + s`: the position in `s`
    /// of each field of `r` with the same name.
    fields: Vec<Vec<Option<usize>>>,
    /// The same for the codes of reason groups.
    codes: Vec<Vec<Option<usize>>>,
}

impl Versions {
    /// The two versions, with their names matched.
    pub fn new(old: Schema, new: Schema) -> Versions {
        let fields = matched(&old.records, &new.records, |r| r.fields.iter().map(|f| f.name.as_str()).collect());
        let codes = matched(&old.groups, &new.groups, |g| g.codes.iter().map(|c| c.code.as_str()).collect());
        Versions { old, new, fields, codes }
    }

    /// The input key's name (NEW's, else OLD's), for naming example records.
    pub fn key(&self) -> Option<&str> {
        self.new.key_name().or_else(|| self.old.key_name())
    }

    /// For each field of OLD's record `r`, its position in NEW's record `s`.
    fn field_map(&self, r: u32, s: u32) -> &[Option<usize>] {
        let at = r as usize * self.new.records.len() + s as usize;
        self.fields.get(at).map_or(&[], Vec::as_slice)
    }

    /// OLD's codes `x` of group `g` against NEW's codes `y` of group `h`, as bitsets: (the
    /// codes only OLD lists, in OLD's numbering; the codes only NEW lists, in NEW's).
    fn code_changes(&self, g: u32, h: u32, x: u64, y: u64) -> (u64, u64) {
        let at = g as usize * self.new.groups.len() + h as usize;
        let map = self.codes.get(at).map_or(&[][..], Vec::as_slice);
        let (mut only_old, mut both) = (0u64, 0u64);
        for (i, j) in map.iter().enumerate().take(64) {
            if x & (1 << i) == 0 {
                continue;
            }
            match j {
                Some(j) if *j < 64 && y & (1 << j) != 0 => both |= 1 << j,
                _ => only_old |= 1 << i,
            }
        }
        (only_old, y & !both)
    }
}

/// For each pair of an item of `xs` and an item of `ys`, in that order, the position in the
/// second of each of the first's names.
fn matched<'a, T>(xs: &'a [T], ys: &'a [T], names: impl Fn(&'a T) -> Vec<&'a str>) -> Vec<Vec<Option<usize>>> {
    let mut out = Vec::with_capacity(xs.len() * ys.len());
    for x in xs {
        let ours = names(x);
        for y in ys {
            let theirs = names(y);
            out.push(ours.iter().map(|n| theirs.iter().position(|m| m == n)).collect());
        }
    }
    out
}

/// One version's decision of a record, where it lies in that version's memory.
#[derive(Clone, Copy)]
pub struct Decided<'d> {
    /// The memory holding the batch's decisions.
    pub region: Region<'d>,
    /// The version's schema and layout.
    pub shape: &'d Shape,
    /// Where the record's output record starts in `region.fixed`.
    pub at: usize,
}

impl<'d> Decided<'d> {
    /// Record `i` of `decisions`, or `None` when it was not decided (an evaluation error, or a
    /// slot the guest did not fill correctly).
    pub fn of(decisions: &'d Decisions<'_>, i: usize) -> Option<Decided<'d>> {
        let (region, at) = decisions.decision(i).ok()?.ok()?;
        Some(Decided { region, shape: decisions.shape(), at })
    }

    /// The value of type `ty` at `offset` from the record's start.
    fn value(&self, ty: &Ty, at: usize) -> Result<Value, DecodeError> {
        self.region.value(self.shape, ty, at)
    }

    /// Whether the whole decision can be read.
    fn readable(&self) -> bool {
        self.value(&Ty::Record(self.shape.schema().output), self.at).is_ok()
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

    /// The two versions.
    pub fn versions(&self) -> &Arc<Versions> {
        &self.versions
    }

    /// Counts one record from OLD's and NEW's outcomes for it: the decision, or `None` when
    /// that version rejected the record. `number` (its line or row) orders the examples;
    /// `label` names the record when it becomes one.
    pub fn record(&mut self, number: u64, a: Option<Decided>, b: Option<Decided>, label: &dyn Fn() -> String) {
        let stats = &mut self.stats;
        match (a, b) {
            (None, None) => stats.both_rejected += 1,
            (None, Some(_)) => {
                stats.rejected_by_old_only.add(number, label);
                stats.changed.add(number, label);
            }
            (Some(_), None) => {
                stats.rejected_by_new_only.add(number, label);
                stats.changed.add(number, label);
            }
            (Some(a), Some(b)) => {
                let mut found = Vec::new();
                let pair = Pair { versions: &self.versions };
                let (old, new) = (Ty::Record(self.versions.old.output), Ty::Record(self.versions.new.output));
                if pair.walk(&mut String::new(), &old, &new, a, b, a.at, b.at, &mut found).is_err() {
                    // A decision the guest did not write correctly is that version's rejection,
                    // as `dexpc eval` rejects it.
                    let (a, b) = (a.readable().then_some(a), b.readable().then_some(b));
                    if a.is_none() || b.is_none() {
                        return self.record(number, a, b, label);
                    }
                }
                stats.records += 1;
                if !found.is_empty() {
                    self.count(found, number, label);
                }
                return;
            }
        }
        stats.records += 1;
    }

    /// Counts the transitions of a changed record.
    fn count(&mut self, found: Vec<Transition>, line: u64, label: &dyn Fn() -> String) {
        let stats = &mut self.stats;
        stats.changed.add(line, label);
        let mut last_field: Option<String> = None;
        for t in found {
            if last_field.as_deref() != Some(t.field.as_str()) {
                *stats.fields.entry(t.field.clone()).or_default() += 1;
                last_field = Some(t.field.clone());
            }
            let known = stats.transitions.contains_key(&t);
            let distinct = self.distinct.entry(t.field.clone()).or_default();
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

/// Where a line's record stands in one version's batch.
#[derive(Clone, Copy)]
enum Slot {
    /// Encoded as record `i` of the batch.
    Encoded(usize),
    /// Not readable by this version.
    Rejected,
}

/// A non-blank line of the batch being decided.
struct Entry<'t> {
    line: u64,
    /// The line's text, when it is UTF-8 and within the size limit.
    text: Option<&'t str>,
    old: Slot,
    new: Slot,
}

impl Entry<'_> {
    /// The record's name in the report: its key, or `line N`.
    fn label(&self, key: Option<&str>) -> String {
        match (key, self.text) {
            (Some(key), Some(text)) => json::probe_key(text, key).unwrap_or_else(|| format!("line {}", self.line)),
            _ => format!("line {}", self.line),
        }
    }
}

/// Runs each batch of NDJSON lines through OLD and NEW and tallies the differences.
pub struct DiffWorker {
    old: Evaluator,
    new: Evaluator,
    /// OLD's batch, which NEW decides too when it reads the same input types.
    old_batch: BatchEncoder,
    /// NEW's own batch, when its input types differ from OLD's.
    new_batch: Option<BatchEncoder>,
    counter: Counter,
}

impl DiffWorker {
    /// A worker over an evaluator of each version, counting into `counter`.
    pub fn new(old: Evaluator, new: Evaluator, counter: Counter) -> DiffWorker {
        let old_batch = old.encoder();
        let shared = old.policy().shape().same_input(new.policy().shape());
        let new_batch = (!shared).then(|| new.encoder());
        DiffWorker { old, new, old_batch, new_batch, counter }
    }

    /// Decides the encoded entries with both versions and counts them; the batches are empty
    /// afterwards. When a batch fails as a whole (a deadline, a trap), each record is tried
    /// alone, as `dexpc eval` does, so only a record that fails alone is rejected.
    fn flush(&mut self, entries: &[Entry]) {
        if entries.is_empty() {
            return;
        }
        let DiffWorker { old, new, old_batch, new_batch, counter } = self;
        let key = counter.versions().clone();
        let key = key.key();
        let new_batch_ref = new_batch.as_ref().unwrap_or(old_batch);
        if !old_batch.is_empty() {
            let (a, b) = (old.evaluate_encoded(old_batch), new.evaluate_encoded(new_batch_ref));
            if let (Ok(a), Ok(b)) = (&a, &b) {
                for entry in entries {
                    let x = match entry.old {
                        Slot::Encoded(i) => Decided::of(a, i),
                        Slot::Rejected => None,
                    };
                    let y = match entry.new {
                        Slot::Encoded(i) => Decided::of(b, i),
                        Slot::Rejected => None,
                    };
                    counter.record(entry.line, x, y, &|| entry.label(key));
                }
                old_batch.clear();
                if let Some(batch) = new_batch {
                    batch.clear();
                }
                return;
            }
        }
        let (mut one_old, mut one_new) = (old.encoder(), new.encoder());
        for entry in entries {
            let encode = |batch: &mut BatchEncoder, slot: Slot| {
                batch.clear();
                matches!(slot, Slot::Encoded(_)) && entry.text.is_some_and(|text| batch.push_json(text).is_ok())
            };
            let (x, y) = (encode(&mut one_old, entry.old), encode(&mut one_new, entry.new));
            let a = if x { old.evaluate_encoded(&one_old).ok() } else { None };
            let b = if y { new.evaluate_encoded(&one_new).ok() } else { None };
            let x = a.as_ref().and_then(|a| Decided::of(a, 0));
            let y = b.as_ref().and_then(|b| Decided::of(b, 0));
            counter.record(entry.line, x, y, &|| entry.label(key));
        }
        old_batch.clear();
        if let Some(batch) = new_batch {
            batch.clear();
        }
    }
}

/// Adds `text` to `batch`: where it went, or that this version cannot read it.
fn push(batch: &mut BatchEncoder, text: &str) -> Slot {
    let at = batch.len();
    match batch.push_json(text) {
        Ok(()) => Slot::Encoded(at),
        Err(_) => Slot::Rejected,
    }
}

impl Worker for DiffWorker {
    fn process(&mut self, batch: &Batch, _out: &mut String) -> Tally {
        let limits = self.old.policy().runtime().limits().clone();
        let full = |b: &BatchEncoder| b.len() >= limits.batch_records || b.encoded_len() >= limits.batch_bytes;
        let mut entries: Vec<Entry> = Vec::new();
        let mut records = 0;
        for (line, raw) in batch.lines() {
            let Some(text) = line_text(raw) else { continue };
            records += 1;
            let Ok(text) = text else {
                entries.push(Entry { line, text: None, old: Slot::Rejected, new: Slot::Rejected });
                continue;
            };
            // `eval` reads a line without its `\r`, as the runtime's NDJSON reader does.
            let text = text.strip_suffix('\r').unwrap_or(text);
            let old = push(&mut self.old_batch, text);
            let new = match &mut self.new_batch {
                Some(batch) => push(batch, text),
                None => old,
            };
            entries.push(Entry { line, text: Some(text), old, new });
            if full(&self.old_batch) || self.new_batch.as_ref().is_some_and(full) {
                self.flush(&entries);
                entries.clear();
            }
        }
        self.flush(&entries);
        Tally { decided: records, rejected: 0 }
    }
}

/// The two versions, for comparing a value of OLD's with a value of NEW's.
#[derive(Clone, Copy)]
struct Pair<'s> {
    versions: &'s Versions,
}

impl Pair<'_> {
    /// Collects the transitions between OLD's value of type `old_ty` at `p` in `a`'s memory
    /// and NEW's of type `new_ty` at `q` in `b`'s, for the fields both versions have: records
    /// are walked field by field (by name), a field of codes gives one transition per code
    /// listed on one side only, and any other value whose JSON differs is one transition from
    /// its JSON to its JSON. Values are read in place; only a changed field is built as a value.
    #[allow(clippy::too_many_arguments)]
    fn walk(
        self,
        path: &mut String,
        old_ty: &Ty,
        new_ty: &Ty,
        a: Decided,
        b: Decided,
        p: usize,
        q: usize,
        out: &mut Vec<Transition>,
    ) -> Result<(), DecodeError> {
        let v = self.versions;
        match (old_ty, new_ty) {
            (Ty::Record(r), Ty::Record(s)) => {
                let (Some(old_rec), Some(new_rec)) = (v.old.record(*r), v.new.record(*s)) else { return Ok(()) };
                let (Some(old_places), Some(new_places)) = (a.shape.layout().record(*r), b.shape.layout().record(*s))
                else {
                    return Err(DecodeError("unknown record".into()));
                };
                let map = v.field_map(*r, *s);
                for ((field, place), j) in old_rec.fields.iter().zip(&old_places.fields).zip(map) {
                    let Some((new_field, new_place)) =
                        j.and_then(|j| new_rec.fields.get(j).zip(new_places.fields.get(j)))
                    else {
                        continue;
                    };
                    let len = path.len();
                    if len > 0 {
                        path.push('.');
                    }
                    path.push_str(&field.name);
                    let (x, y) = (p + place.offset as usize, q + new_place.offset as usize);
                    self.walk(path, &field.ty, &new_field.ty, a, b, x, y, out)?;
                    path.truncate(len);
                }
            }
            (Ty::Codes(g), Ty::Codes(h)) => {
                let (Value::Codes(x), Value::Codes(y)) = (a.value(old_ty, p)?, b.value(new_ty, q)?) else {
                    return Err(DecodeError("codes expected".into()));
                };
                let (removed, added) = v.code_changes(*g, *h, x, y);
                let name = |s: &Schema, g: u32, i: usize| {
                    s.group(g).and_then(|g| g.codes.get(i)).map(|c| c.code.clone()).unwrap_or_default()
                };
                for i in (0..64).filter(|i| removed & (1 << i) != 0) {
                    let code = Some(name(&v.old, *g, i));
                    out.push(Transition { field: path.clone(), code, from: "listed".into(), to: "not listed".into() });
                }
                for j in (0..64).filter(|j| added & (1 << j) != 0) {
                    let code = Some(name(&v.new, *h, j));
                    out.push(Transition { field: path.clone(), code, from: "not listed".into(), to: "listed".into() });
                }
            }
            _ => {
                if !a.region.json_eq(a.shape, old_ty, p, &b.region, b.shape, new_ty, q)? {
                    let from = json_text(&v.old, old_ty, &a.value(old_ty, p)?);
                    let to = json_text(&v.new, new_ty, &b.value(new_ty, q)?);
                    out.push(Transition { field: path.clone(), code: None, from, to });
                }
            }
        }
        Ok(())
    }
}

/// A value as the report shows it: compact JSON, with the keys of any record inside in sorted
/// order (as the report has always printed them).
fn json_text(schema: &Schema, ty: &Ty, value: &Value) -> String {
    let mut text = String::new();
    json::write_value(&mut text, schema, ty, value);
    if matches!(value, Value::List(_) | Value::Record(_) | Value::Map(_)) {
        if let Ok(parsed) = serde_json::from_str::<Json>(&text) {
            return parsed.to_string();
        }
    }
    text
}
