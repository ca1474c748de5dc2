//! The typed Rust API: [`Evaluator::evaluate_typed`] (host values in, host values out),
//! [`Evaluator::evaluate_direct`] (the same for host types generated from the policy) and the
//! two ways to read one decision without JSON text, [`Decisions::deserialize`] into an output
//! type and [`Decisions::view`], borrowed and allocation-free. The codec is `crate::typed`.

use super::{bad, Decisions, Evaluator};
use crate::encode::{foreign_types, BatchEncoder};
use crate::engine::EvalError;
use crate::json::RecordError;
use crate::schema::Ty;
use crate::typed::de::{self, SlotError};
use crate::typed::direct::{Input, Loc, Output, SlotReader};
use crate::typed::view::DecisionView;
use serde::de::{Deserialize, DeserializeOwned};
use serde::Serialize;

impl Evaluator {
    /// Evaluates host values: each input is serialized straight into the input layout (as its
    /// JSON would be encoded, with the same errors and paths) and each decision deserialized
    /// straight from its slot into `O` (as from its JSON). One result per input, in order; an
    /// input that does not fit the schema, an evaluation error or a decision that does not fit
    /// `O` is a [`RecordError`] for that input alone. Inputs go to the module in batches closed
    /// at [`Limits::batch_records`](crate::Limits::batch_records) records or
    /// [`Limits::batch_bytes`](crate::Limits::batch_bytes) encoded bytes, as the NDJSON API's.
    pub fn evaluate_typed<I: Serialize, O: DeserializeOwned>(
        &mut self,
        inputs: &[I],
    ) -> Result<Vec<Result<O, RecordError>>, EvalError> {
        self.evaluate_with(inputs, BatchEncoder::push_serialize, |d, i| d.deserialize(i))
    }

    /// Evaluates host values of types generated from the policy (`dexpc types --lang rust`):
    /// each input written straight into the input layout at offsets known when the types were
    /// generated, each decision read straight from its slot (see [`crate::typed::direct`]).
    /// One result per input, in order, as [`Self::evaluate_typed`] gives them: the same
    /// decisions, and the same errors and paths for the few inputs the layout refuses (a string
    /// or list over its limit). Types generated for other policy types are refused as a whole
    /// with [`EvalError::ForeignTypes`] before anything is evaluated.
    pub fn evaluate_direct<I: Input, O: Output>(
        &mut self,
        inputs: &[I],
    ) -> Result<Vec<Result<O, RecordError>>, EvalError> {
        let shape = self.policy.shape();
        for layout in [I::LAYOUT, O::LAYOUT] {
            if layout != shape.fingerprint() {
                return Err(EvalError::ForeignTypes(foreign_types(layout, shape)));
            }
        }
        self.evaluate_with(inputs, BatchEncoder::push_direct, |d, i| d.read(i))
    }

    /// Encodes `inputs` with `push` into batches closed at the limits, runs each and reads
    /// each decided record's result with `read`.
    fn evaluate_with<I, O>(
        &mut self,
        inputs: &[I],
        push: impl Fn(&mut BatchEncoder, &I) -> Result<(), RecordError>,
        read: impl Fn(&Decisions<'_>, usize) -> Result<Result<O, RecordError>, EvalError>,
    ) -> Result<Vec<Result<O, RecordError>>, EvalError> {
        let limits = self.policy.runtime().limits();
        let (max_records, max_bytes) = (limits.batch_records.max(1), limits.batch_bytes);
        let empty = self.encoder();
        let mut batch = std::mem::replace(&mut self.batch, empty);
        batch.clear();
        let mut results = Vec::with_capacity(inputs.len());
        let mut pushed = Vec::with_capacity(max_records.min(inputs.len()));
        let mut outcome = Ok(());
        for input in inputs {
            pushed.push(push(&mut batch, input));
            if batch.len() >= max_records || batch.encoded_len() >= max_bytes {
                outcome = self.typed_batch(&mut batch, &mut pushed, &mut results, &read);
                if outcome.is_err() {
                    break;
                }
            }
        }
        if outcome.is_ok() && !pushed.is_empty() {
            outcome = self.typed_batch(&mut batch, &mut pushed, &mut results, &read);
        }
        batch.clear();
        self.batch = batch;
        outcome.map(|()| results)
    }

    /// Runs the batch built so far, appends one result per input pushed into it, in order, and
    /// empties the batch and `pushed` (on error the caller drops both).
    fn typed_batch<O>(
        &mut self,
        batch: &mut BatchEncoder,
        pushed: &mut Vec<Result<(), RecordError>>,
        results: &mut Vec<Result<O, RecordError>>,
        read: &impl Fn(&Decisions<'_>, usize) -> Result<Result<O, RecordError>, EvalError>,
    ) -> Result<(), EvalError> {
        let decisions = self.evaluate_encoded(batch)?;
        let mut next = 0;
        for r in pushed.drain(..) {
            results.push(match r {
                Err(e) => Err(e),
                Ok(()) => {
                    let decided = read(&decisions, next)?;
                    next += 1;
                    decided
                }
            });
        }
        batch.clear();
        Ok(())
    }
}

impl<'e> Decisions<'e> {
    /// Record `i`'s decision read into `O` straight from its slot, as `serde_json` would read
    /// it from the decision's JSON (see `crate::typed::de`), or its evaluation error. A decision
    /// that does not fit `O` is a [`RecordError`] (path `""`, message `the decision does not
    /// fit the host type: ...`, naming the decision's field); bytes that are not a decision
    /// are an [`EvalError::BadDecision`]. `O` may borrow strings from the instance's memory.
    pub fn deserialize<O: Deserialize<'e>>(&self, i: usize) -> Result<Result<O, RecordError>, EvalError> {
        if let Err(e) = self.status(i)? {
            return Ok(Err(e));
        }
        let ty = Ty::Record(self.shape.schema().output);
        match de::from_region(self.region, self.shape, &ty, self.record_at(i)?) {
            Ok(value) => Ok(Ok(value)),
            Err(SlotError::Bad(e)) => Err(bad(i, &e.0)),
            Err(SlotError::Fit { path, message }) => {
                let at = if path.is_empty() { String::new() } else { format!(" (at `{path}`)") };
                let message = format!("the decision does not fit the host type: {message}{at}");
                Ok(Err(RecordError { path: String::new(), message }))
            }
        }
    }

    /// Record `i`'s decision read into `O`, a decision type generated from the policy (`dexpc
    /// types --lang rust`), straight from its slot, or its evaluation error. Every byte is
    /// checked (see [`crate::typed::direct::SlotReader`]); bytes that are not a decision are an
    /// [`EvalError::BadDecision`], and a type generated for other policy types an
    /// [`EvalError::ForeignTypes`].
    pub fn read<O: Output>(&self, i: usize) -> Result<Result<O, RecordError>, EvalError> {
        if O::LAYOUT != self.shape.fingerprint() {
            return Err(EvalError::ForeignTypes(foreign_types(O::LAYOUT, self.shape)));
        }
        if let Err(e) = self.status(i)? {
            return Ok(Err(e));
        }
        let at = self.record_at(i)?;
        let mut reader = SlotReader::new(self.region, self.shape);
        O::read(&mut reader, Loc::fixed(at)).map(Ok).map_err(|e| bad(i, &e.0))
    }

    /// Record `i`'s decision as a borrowed view of its fields by name, or its evaluation error.
    /// Nothing is read or allocated until a field is asked for; each read is checked.
    pub fn view(&self, i: usize) -> Result<Result<DecisionView<'e>, RecordError>, EvalError> {
        if let Err(e) = self.status(i)? {
            return Ok(Err(e));
        }
        let output = self.shape.schema().output;
        let at = self.record_at(i)?;
        let size = self.shape.layout().record(output).map_or(0, |r| r.size as usize);
        if at.checked_add(size).is_none_or(|end| end > self.region.fixed.len()) {
            return Err(bad(i, "the decision lies outside memory"));
        }
        Ok(Ok(DecisionView::new(self.region, self.shape, output, at)))
    }
}
