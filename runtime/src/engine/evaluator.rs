//! One worker's evaluator: its own wasmtime store and instance, and the buffers it reuses from
//! batch to batch.
//!
//! A batch goes through the memory protocol of [`crate::abi`]: the encoded records and
//! variable area are copied to the placement [`Placement::new`] computes, every status word is
//! first set to an invalid value (so a slot the guest forgot cannot pass for a decision), the
//! guest runs under the runtime's deadline or fuel, and the decisions are read straight from
//! linear memory. After any trap the instance is dropped and the next batch gets a fresh one.
//!
//! With an instrumented module the evaluator also keeps the coverage counts: after every batch
//! that completes it copies the guest's counters, and when an instance is dropped it carries
//! those counts over, so [`Evaluator::coverage`] covers every completed batch of the evaluator.

use super::{EvalError, Interrupt, Policy};
use crate::abi::{self, Placement, Shape, EXPORT_COVERAGE, EXPORT_EVAL, EXPORT_HEAP_BASE, EXPORT_MEMORY};
use crate::decode::Region;
use crate::encode::BatchEncoder;
use crate::json::{self, RecordError};
use crate::schema::{Ty, Value};
use std::sync::Arc;
use wasmtime::{Memory, ResourceLimiter, Store, Trap, TypedFunc};

/// A status word no decision has: what the host writes before the guest runs.
const UNWRITTEN: u32 = u32::MAX;

/// What a store carries: the limiter that enforces the memory cap and notes when it did.
pub(crate) struct StoreState {
    memory_bytes: usize,
    refused: bool,
}

impl ResourceLimiter for StoreState {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            self.refused = true;
            return Err(wasmtime::format_err!("memory cap reached"));
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 1 << 16)
    }

    fn instances(&self) -> usize {
        1
    }

    fn memories(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        1
    }
}

/// A live instance of the policy.
struct Live {
    store: Store<StoreState>,
    memory: Memory,
    eval: TypedFunc<(i32, i32, i32, i32, i32), i32>,
    heap_base: u32,
    /// The address of the coverage counters of an instrumented module.
    counters: Option<u32>,
}

/// The coverage counts of an evaluator running an instrumented module.
#[derive(Debug, Clone)]
struct Counts {
    /// The sums of the instances dropped so far.
    carried: Vec<u64>,
    /// The live instance's counters after its last completed batch.
    live: Vec<u64>,
}

impl Counts {
    /// Copies the live instance's counters from guest memory.
    fn read(&mut self, memory: &[u8], at: u32) -> Result<(), EvalError> {
        let start = at as usize;
        let bytes = memory
            .get(start..start + 8 * self.live.len())
            .ok_or_else(|| EvalError::Trap("the coverage counters lie outside memory".into()))?;
        for (count, word) in self.live.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut le = [0u8; 8];
            le.copy_from_slice(word);
            *count = u64::from_le_bytes(le);
        }
        Ok(())
    }

    /// The live instance is gone: keep its counts, and count from zero again.
    fn carry(&mut self) {
        for (sum, live) in self.carried.iter_mut().zip(self.live.iter_mut()) {
            *sum = sum.saturating_add(std::mem::take(live));
        }
    }
}

/// Counts of a batch's outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records that got a decision.
    pub decided: usize,
    /// Records rejected: bad input, or an evaluation error such as an overflow.
    pub rejected: usize,
}

/// What a pending NDJSON line became, in input order.
enum Pending {
    /// The next record of the batch.
    Record(u64),
    /// A line that could not be read.
    Rejected { line: u64, key: Option<String>, error: RecordError },
}

/// Evaluates batches against a policy on one thread. Make one per worker with
/// [`Policy::evaluator`].
pub struct Evaluator {
    policy: Policy,
    live: Option<Live>,
    batch: BatchEncoder,
    pending: Vec<Pending>,
    loaded: Option<Placement>,
    /// Coverage counts, for an instrumented module only.
    counts: Option<Counts>,
    /// The Arrow codec's buffers, made on the first Arrow batch.
    #[cfg(feature = "arrow")]
    arrow: Option<Box<arrow_eval::ArrowState>>,
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator").field("policy", &self.policy).finish_non_exhaustive()
    }
}

impl Evaluator {
    pub(super) fn new(policy: Policy) -> Result<Evaluator, EvalError> {
        let batch = BatchEncoder::new(policy.shape().clone());
        let counts = policy
            .metadata()
            .coverage
            .as_ref()
            .map(|table| Counts { carried: vec![0; table.len()], live: vec![0; table.len()] });
        let mut evaluator = Evaluator {
            policy,
            live: None,
            batch,
            pending: Vec::new(),
            loaded: None,
            counts,
            #[cfg(feature = "arrow")]
            arrow: None,
        };
        ensure_live(&mut evaluator.live, &evaluator.policy)?;
        Ok(evaluator)
    }

    /// The policy this evaluator runs.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The coverage counts of an instrumented module (see [`crate::abi::Metadata::coverage`]
    /// for what each counts) over every batch this evaluator completed; `None` for a plain
    /// module. A batch that ended in an [`EvalError`] adds nothing.
    pub fn coverage(&self) -> Option<Vec<u64>> {
        let counts = self.counts.as_ref()?;
        Some(counts.carried.iter().zip(&counts.live).map(|(a, b)| a.saturating_add(*b)).collect())
    }

    /// Drops the live instance, keeping its coverage counts.
    fn drop_instance(&mut self) {
        self.live = None;
        if let Some(counts) = &mut self.counts {
            counts.carry();
        }
    }

    /// An empty batch for this policy's records, to fill and pass to [`Self::load`].
    pub fn encoder(&self) -> BatchEncoder {
        BatchEncoder::new(self.policy.shape().clone())
    }

    /// Copies `batch` into the instance's memory, ready for [`Self::run`]. The batch may have
    /// been encoded for another policy whose input types are the same
    /// ([`Shape::same_input`](crate::abi::Shape::same_input)), so that two versions of a policy
    /// can decide records encoded once; any other batch is [`EvalError::ForeignBatch`].
    pub fn load(&mut self, batch: &BatchEncoder) -> Result<(), EvalError> {
        self.loaded = None;
        let (ours, theirs) = (self.policy.shape(), batch.shape());
        if !Arc::ptr_eq(ours, theirs) && !ours.same_input(theirs) {
            return Err(EvalError::ForeignBatch);
        }
        self.load_areas(batch.len(), batch.records(), batch.vars())
    }

    /// Copies `n` records of the policy's input layout and their variable area into the
    /// instance's memory, ready for [`Self::run`].
    fn load_areas(&mut self, n: usize, records: &[u8], vars: &[u8]) -> Result<(), EvalError> {
        self.loaded = None;
        let limit = self.policy.runtime().limits().memory_bytes;
        let layout = self.policy.shape().layout();
        let live = ensure_live(&mut self.live, &self.policy)?;
        let too_large = || EvalError::BatchTooLarge;
        let n = u32::try_from(n).map_err(|_| too_large())?;
        let var_len = u32::try_from(vars.len()).map_err(|_| too_large())?;
        let place = Placement::new(layout, live.heap_base, n, var_len).ok_or_else(too_large)?;
        let have = live.memory.data_size(&live.store) as u64;
        if place.end() > have {
            let pages = (place.end() - have).div_ceil(1 << 16);
            if let Err(e) = live.memory.grow(&mut live.store, pages) {
                let refused = live.store.data().refused;
                self.drop_instance();
                return Err(if refused || place.end() > limit as u64 {
                    EvalError::MemoryLimit(limit)
                } else {
                    EvalError::Trap(format!("{e:#}"))
                });
            }
        }
        let mem = live.memory.data_mut(&mut live.store);
        let mut copy = |at: u32, bytes: &[u8]| {
            let at = at as usize;
            match mem.get_mut(at..at + bytes.len()) {
                Some(dst) => {
                    dst.copy_from_slice(bytes);
                    Ok(())
                }
                None => Err(too_large()),
            }
        };
        copy(place.in_ptr, records)?;
        copy(place.var_ptr, vars)?;
        self.loaded = Some(place);
        Ok(())
    }

    /// Runs the guest on the loaded batch. The batch stays loaded, so it may be run again.
    pub fn run(&mut self) -> Result<Decisions<'_>, EvalError> {
        let place = self.loaded.ok_or(EvalError::NothingLoaded)?;
        let limits = self.policy.runtime().limits().clone();
        let slot = self.policy.shape().layout().slot;
        let live = ensure_live(&mut self.live, &self.policy)?;
        let mem = live.memory.data_mut(&mut live.store);
        // One bounds check for the whole slot area, then a plain strided store per record.
        let (start, size, status) = (place.out_ptr as usize, slot.size as usize, slot.status as usize);
        if let (true, Some(slots)) = (size > 0, mem.get_mut(start..start + place.n as usize * size)) {
            for s in slots.chunks_exact_mut(size) {
                if let Some(word) = s.get_mut(status..status + 4) {
                    word.copy_from_slice(&UNWRITTEN.to_le_bytes());
                }
            }
        }
        match limits.interrupt {
            Interrupt::Deadline(d) => {
                let ticks = d.as_nanos().div_ceil(super::EPOCH_TICK.as_nanos().max(1));
                live.store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX).max(1));
            }
            Interrupt::Fuel { per_record } => {
                let fuel = per_record.saturating_mul(u64::from(place.n.max(1)));
                if let Err(e) = live.store.set_fuel(fuel) {
                    return Err(EvalError::Trap(format!("{e:#}")));
                }
            }
        }
        let args =
            (place.n as i32, place.in_ptr as i32, place.out_ptr as i32, place.var_ptr as i32, place.var_len as i32);
        let called = live.eval.call(&mut live.store, args).map_err(|e| classify(&e, live.store.data(), &limits));
        let var_end = match called {
            Ok(end) => end as u32,
            Err(error) => {
                self.drop_instance();
                self.loaded = None;
                return Err(error);
            }
        };
        let live = self.live.as_ref().ok_or(EvalError::NothingLoaded)?;
        let mem = live.memory.data(&live.store);
        if let (Some(counts), Some(at)) = (&mut self.counts, live.counters) {
            counts.read(mem, at)?;
        }
        let var_start = place.var_ptr as usize;
        let vars = match mem.get(var_start..var_start + var_end as usize) {
            Some(vars) if var_end >= place.var_len => vars,
            _ => {
                return Err(EvalError::BadDecision {
                    record: 0,
                    message: format!("the returned var_end {var_end} is out of bounds"),
                })
            }
        };
        Ok(Decisions {
            region: Region { fixed: mem, vars },
            shape: self.policy.shape(),
            sites: &self.policy.metadata().sites,
            place,
        })
    }

    /// Loads and runs a pre-encoded batch.
    pub fn evaluate_encoded(&mut self, batch: &BatchEncoder) -> Result<Decisions<'_>, EvalError> {
        self.load(batch)?;
        self.run()
    }

    /// Evaluates NDJSON text: one record per line, blank lines skipped. Appends one line to
    /// `out` per record, in order, each ending in `\n`: the decision, or the error object of
    /// the contract (`{"line":N,"<key>":...,"error":{"path":...,"message":...}}`), where `N`
    /// counts from `first_line` for the first line of `input`. On an [`EvalError`] nothing is
    /// appended.
    pub fn evaluate_ndjson(&mut self, input: &str, first_line: u64, out: &mut String) -> Result<Summary, EvalError> {
        let start = out.len();
        let result = self.ndjson(input, first_line, out);
        self.batch.clear();
        self.pending.clear();
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// Evaluates records given as lines already split from their input, each with its line
    /// number and without its line ending: what [`Self::evaluate_ndjson`] does for the lines of
    /// a text, for a host that holds the lines apart (as `dexpc eval` does) and need not join
    /// them. Blank lines are skipped; one line per record is appended to `out`, in order, and
    /// on an [`EvalError`] nothing is.
    pub fn evaluate_lines<'l>(
        &mut self,
        lines: impl IntoIterator<Item = (u64, &'l str)>,
        out: &mut String,
    ) -> Result<Summary, EvalError> {
        let start = out.len();
        let result = self.lines(lines, out);
        self.batch.clear();
        self.pending.clear();
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// Evaluates NDJSON bytes exactly as `dexpc eval` does: like [`Self::evaluate_ndjson`],
    /// except that a line that is not UTF-8 is rejected on its own (path `""`, message
    /// `invalid UTF-8 at byte N`, no key) instead of making the whole input unreadable. The
    /// format of the output lines is specified in `docs/abi.md`.
    pub fn evaluate_ndjson_bytes(
        &mut self,
        input: &[u8],
        first_line: u64,
        out: &mut String,
    ) -> Result<Summary, EvalError> {
        let start = out.len();
        let result = self.ndjson_bytes(input, first_line, out);
        self.batch.clear();
        self.pending.clear();
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// Evaluates the runs of UTF-8 lines as text, and rejects each line between them.
    fn ndjson_bytes(&mut self, input: &[u8], first_line: u64, out: &mut String) -> Result<Summary, EvalError> {
        let mut summary = Summary::default();
        let mut add = |s: Summary| {
            summary.decided += s.decided;
            summary.rejected += s.rejected;
        };
        // `run` is the byte offset and line number where the current run of UTF-8 lines starts.
        let (mut run, mut run_line) = (0usize, first_line);
        let (mut at, mut line_no) = (0usize, first_line);
        for line in input.split(|&b| b == b'\n') {
            let next = at + line.len() + 1;
            if let Err(e) = std::str::from_utf8(line) {
                let text = input.get(run..at).and_then(|t| std::str::from_utf8(t).ok()).unwrap_or("");
                add(self.ndjson(text, run_line, out)?);
                json::write_error_line(out, line_no, None, &json::invalid_utf8(e.valid_up_to()));
                out.push('\n');
                add(Summary { decided: 0, rejected: 1 });
                (run, run_line) = (next, line_no + 1);
            }
            (at, line_no) = (next, line_no + 1);
        }
        let text = input.get(run..).and_then(|t| std::str::from_utf8(t).ok()).unwrap_or("");
        add(self.ndjson(text, run_line, out)?);
        Ok(summary)
    }

    fn ndjson(&mut self, input: &str, first_line: u64, out: &mut String) -> Result<Summary, EvalError> {
        let lines = input.split('\n').enumerate();
        self.lines(lines.map(|(i, line)| (first_line + i as u64, line.strip_suffix('\r').unwrap_or(line))), out)
    }

    fn lines<'l>(
        &mut self,
        lines: impl IntoIterator<Item = (u64, &'l str)>,
        out: &mut String,
    ) -> Result<Summary, EvalError> {
        let limits = self.policy.runtime().limits().clone();
        let key_name = self.policy.schema().key_name().map(str::to_owned);
        let mut summary = Summary::default();
        self.batch.clear();
        self.pending.clear();
        for (line_no, text) in lines {
            if json::is_blank(text.as_bytes()) {
                continue;
            }
            match self.batch.push_json(text) {
                Ok(()) => self.pending.push(Pending::Record(line_no)),
                Err(error) => self.pending.push(Pending::Rejected {
                    line: line_no,
                    key: key_name.as_deref().and_then(|k| json::probe_key(text, k)),
                    error,
                }),
            }
            if self.batch.len() >= limits.batch_records || self.batch.encoded_len() >= limits.batch_bytes {
                self.flush(out, &mut summary)?;
            }
        }
        self.flush(out, &mut summary)?;
        Ok(summary)
    }

    /// Runs the batch built so far and writes its pending lines.
    fn flush(&mut self, out: &mut String, summary: &mut Summary) -> Result<(), EvalError> {
        let empty = self.encoder();
        let batch = std::mem::replace(&mut self.batch, empty);
        let pending = std::mem::take(&mut self.pending);
        let result = self.flush_with(&batch, &pending, out, summary);
        self.batch = batch;
        self.pending = pending;
        self.batch.clear();
        self.pending.clear();
        result
    }

    fn flush_with(
        &mut self,
        batch: &BatchEncoder,
        pending: &[Pending],
        out: &mut String,
        summary: &mut Summary,
    ) -> Result<(), EvalError> {
        let key_name = self.policy.schema().key_name();
        let key_name = key_name.map(str::to_owned);
        let decisions = if batch.is_empty() { None } else { Some(self.evaluate_encoded(batch)?) };
        let mut next = 0;
        for entry in pending {
            match entry {
                Pending::Rejected { line, key, error } => {
                    let key = key_name.as_deref().zip(key.as_deref());
                    json::write_error_line(out, *line, key, error);
                    summary.rejected += 1;
                }
                Pending::Record(line) => {
                    let Some(decisions) = &decisions else {
                        continue;
                    };
                    if let Err(error) = decisions.write_json(next, out)? {
                        let key = key_name.as_deref().zip(batch.key(next));
                        json::write_error_line(out, *line, key, &error);
                        summary.rejected += 1;
                    } else {
                        summary.decided += 1;
                    }
                    next += 1;
                }
            }
            out.push('\n');
        }
        Ok(())
    }
}

fn ensure_live<'l>(slot: &'l mut Option<Live>, policy: &Policy) -> Result<&'l mut Live, EvalError> {
    if slot.is_none() {
        *slot = Some(instantiate(policy)?);
    }
    slot.as_mut().ok_or_else(|| EvalError::Instantiate("no instance".into()))
}

fn instantiate(policy: &Policy) -> Result<Live, EvalError> {
    let runtime = policy.runtime();
    let state = StoreState { memory_bytes: runtime.limits().memory_bytes, refused: false };
    let mut store = Store::new(&runtime.inner.engine, state);
    store.limiter(|state| state as &mut dyn ResourceLimiter);
    if let Interrupt::Fuel { .. } = runtime.limits().interrupt {
        store.set_fuel(u64::MAX).map_err(|e| EvalError::Instantiate(format!("{e:#}")))?;
    } else {
        store.set_epoch_deadline(u64::MAX / 2);
    }
    let fail = |e: wasmtime::Error| EvalError::Instantiate(format!("{e:#}"));
    let instance = policy.inner.pre.instantiate(&mut store).map_err(|e| {
        if store.data().refused {
            EvalError::MemoryLimit(runtime.limits().memory_bytes)
        } else {
            fail(e)
        }
    })?;
    let missing = |name: &str| EvalError::Instantiate(format!("no export `{name}`"));
    let memory = instance.get_memory(&mut store, EXPORT_MEMORY).ok_or_else(|| missing(EXPORT_MEMORY))?;
    let eval = instance.get_typed_func(&mut store, EXPORT_EVAL).map_err(fail)?;
    let heap_base = instance
        .get_global(&mut store, EXPORT_HEAP_BASE)
        .and_then(|g| g.get(&mut store).i32())
        .ok_or_else(|| missing(EXPORT_HEAP_BASE))? as u32;
    let counters = match &policy.metadata().coverage {
        None => None,
        Some(table) => {
            let at = instance
                .get_global(&mut store, EXPORT_COVERAGE)
                .and_then(|g| g.get(&mut store).i32())
                .ok_or_else(|| missing(EXPORT_COVERAGE))? as u32;
            if u64::from(at) + 8 * table.len() as u64 > memory.data_size(&store) as u64 {
                return Err(EvalError::Instantiate("the coverage counters lie outside memory".into()));
            }
            Some(at)
        }
    };
    Ok(Live { store, memory, eval, heap_base, counters })
}

fn classify(e: &wasmtime::Error, state: &StoreState, limits: &super::Limits) -> EvalError {
    if state.refused {
        return EvalError::MemoryLimit(limits.memory_bytes);
    }
    match (e.downcast_ref::<Trap>(), limits.interrupt) {
        (Some(Trap::Interrupt), Interrupt::Deadline(d)) => EvalError::DeadlineExceeded(d),
        (Some(Trap::OutOfFuel), Interrupt::Fuel { per_record }) => EvalError::FuelExhausted(per_record),
        (Some(Trap::StackOverflow), _) => EvalError::StackOverflow,
        _ => EvalError::Trap(format!("{e:#}")),
    }
}

/// The decisions of the batch an [`Evaluator`] last ran, read from the instance's memory.
pub struct Decisions<'e> {
    region: Region<'e>,
    shape: &'e Shape,
    sites: &'e [String],
    place: Placement,
}

impl Decisions<'_> {
    /// The number of records in the batch.
    pub fn len(&self) -> usize {
        self.place.n as usize
    }

    /// Whether the batch was empty.
    pub fn is_empty(&self) -> bool {
        self.place.n == 0
    }

    /// Whether record `i` was decided (`Ok(Ok)`), failed in evaluation (`Ok(Err)`, the error
    /// naming the policy expression), or has a slot that is not valid (`Err`).
    pub fn status(&self, i: usize) -> Result<Result<(), RecordError>, EvalError> {
        let slot = self.shape.layout().slot;
        let at = self.slot_at(i)?;
        let word = |offset: u32| -> Result<u32, EvalError> {
            let at = at + offset as usize;
            let bytes = self.region.fixed.get(at..at + 4).ok_or_else(|| bad(i, "slot"))?;
            Ok(u32::from_le_bytes(bytes.try_into().map_err(|_| bad(i, "slot"))?))
        };
        let status = word(slot.status)?;
        if status == abi::STATUS_DECIDED {
            return Ok(Ok(()));
        }
        let message = abi::status_message(status).ok_or_else(|| bad(i, &format!("unknown status {status}")))?;
        let site = word(slot.site)?;
        let path = self.sites.get(site as usize).ok_or_else(|| bad(i, &format!("unknown error site {site}")))?;
        Ok(Err(RecordError { path: path.clone(), message: message.into() }))
    }

    /// Appends record `i`'s decision to `out` as JSON, or gives its evaluation error.
    pub fn write_json(&self, i: usize, out: &mut String) -> Result<Result<(), RecordError>, EvalError> {
        if let Err(e) = self.status(i)? {
            return Ok(Err(e));
        }
        let start = out.len();
        let at = self.record_at(i)?;
        let ty = Ty::Record(self.shape.schema().output);
        if let Err(e) = self.region.write_json(self.shape, &ty, at, out) {
            out.truncate(start);
            return Err(bad(i, &e.0));
        }
        Ok(Ok(()))
    }

    /// Where record `i`'s decision lies: the region of the instance's memory that holds the
    /// batch's decisions and the position of record `i`'s output record in it, to be read
    /// with [`Self::shape`] (for example compared, with [`Region::json_eq`], without building
    /// any value); or its evaluation error.
    pub fn decision(&self, i: usize) -> Result<Result<(Region<'_>, usize), RecordError>, EvalError> {
        if let Err(e) = self.status(i)? {
            return Ok(Err(e));
        }
        Ok(Ok((self.region, self.record_at(i)?)))
    }

    /// The policy's schema and layout, which the decisions are read with.
    pub fn shape(&self) -> &Shape {
        self.shape
    }

    /// Record `i`'s decision as a [`Value`], or its evaluation error.
    pub fn value(&self, i: usize) -> Result<Result<Value, RecordError>, EvalError> {
        if let Err(e) = self.status(i)? {
            return Ok(Err(e));
        }
        let ty = Ty::Record(self.shape.schema().output);
        let value = self.region.value(self.shape, &ty, self.record_at(i)?);
        value.map(Ok).map_err(|e| bad(i, &e.0))
    }

    /// Counts decided and failed records, checking every status word.
    pub fn summary(&self) -> Result<Summary, EvalError> {
        let mut summary = Summary::default();
        for i in 0..self.len() {
            match self.status(i)? {
                Ok(()) => summary.decided += 1,
                Err(_) => summary.rejected += 1,
            }
        }
        Ok(summary)
    }

    fn slot_at(&self, i: usize) -> Result<usize, EvalError> {
        if i >= self.len() {
            return Err(bad(i, "no such record"));
        }
        Ok(self.place.out_ptr as usize + i * self.shape.layout().slot.size as usize)
    }

    fn record_at(&self, i: usize) -> Result<usize, EvalError> {
        Ok(self.slot_at(i)? + self.shape.layout().slot.record as usize)
    }
}

fn bad(record: usize, message: &str) -> EvalError {
    EvalError::BadDecision { record, message: message.into() }
}

#[cfg(feature = "arrow")]
#[path = "arrow_eval.rs"]
mod arrow_eval;

#[path = "typed.rs"]
mod typed;
