//! [`Evaluator::evaluate_arrow`]: a `RecordBatch` of records in, a `RecordBatch` of decisions
//! out, through the columnar codec of [`crate::arrow`] and no JSON.

use super::{Decisions, Evaluator, Summary};
use crate::abi::Shape;
use crate::arrow::decode::Row;
use crate::arrow::encode::Strings;
use crate::arrow::{ArrowEncoder, DecisionColumns};
use crate::decode::Region;
use crate::engine::EvalError;
use crate::json;
use crate::json::RecordError;
use crate::schema::Ty;
use arrow_array::{Array, RecordBatch};

/// What the evaluator keeps between Arrow batches: the encoder and the decision columns.
pub(super) struct ArrowState {
    encoder: ArrowEncoder,
    columns: DecisionColumns,
}

impl std::fmt::Debug for ArrowState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArrowState").finish_non_exhaustive()
    }
}

impl Evaluator {
    /// Evaluates a batch of records given as Arrow columns and returns their decisions as
    /// Arrow columns, one row per input row in order, in the schema of
    /// [`crate::arrow::decision_schema`]. Columns are matched to the input record's fields by
    /// name; other columns are not read (see [`crate::arrow`] for the Arrow types accepted).
    ///
    /// A row that cannot be read, or whose evaluation fails (an overflow, a date out of range),
    /// is not decided: its decision columns are null and its `error` column holds the path and
    /// message, the same as for the NDJSON line of the same record. Rows are evaluated in
    /// batches of at most [`Limits::batch_records`](crate::Limits) records and
    /// [`Limits::batch_bytes`](crate::Limits) encoded bytes; when a batch fails as a whole (its
    /// deadline, its fuel, the memory cap, a trap), each of its records is evaluated alone, so
    /// only a record that fails alone is rejected, with the runtime's error as its message.
    ///
    /// Errors: a policy whose types have no Arrow form (a record that contains itself through a
    /// list), an instance that cannot be created, or a module that writes invalid decisions.
    pub fn evaluate_arrow(&mut self, batch: &RecordBatch) -> Result<RecordBatch, EvalError> {
        let mut state = self.take_arrow_state()?;
        let ArrowState { encoder, columns } = &mut *state;
        let result = self.arrow_batch(batch, encoder, columns);
        let result = result.and_then(|()| state.columns.finish().map_err(EvalError::Arrow));
        if result.is_err() {
            // Drop what a failed batch left in the columns.
            let _ = state.columns.finish();
        }
        self.arrow = Some(state);
        result
    }

    /// Evaluates a batch of records given as Arrow columns, like [`Self::evaluate_arrow`], and
    /// appends to `out` the NDJSON lines `dexpc eval` writes for the same records: each
    /// decision as JSON, or the error object of a rejected row, numbered from `first_line` in
    /// row order and naming the row's key when the policy has one. No Arrow decision batch is
    /// built. On an error, `out` is left as it was.
    pub fn evaluate_arrow_ndjson(
        &mut self,
        batch: &RecordBatch,
        first_line: u64,
        out: &mut String,
    ) -> Result<Summary, EvalError> {
        let mut state = self.take_arrow_state()?;
        let start = out.len();
        let shape = self.policy.shape().clone();
        let mut lines = NdjsonRows { shape: &shape, out, next_line: first_line, summary: Summary::default() };
        let result = self.arrow_batch(batch, &mut state.encoder, &mut lines);
        let summary = lines.summary;
        self.arrow = Some(state);
        match result {
            Ok(()) => Ok(summary),
            Err(e) => {
                out.truncate(start);
                Err(e)
            }
        }
    }

    /// Loads and runs rows already encoded by an [`ArrowEncoder`] (for this policy, or for one
    /// with the same input types: [`Shape::same_input`]). Record `i` of the decisions is row
    /// `encoder.rows()[i]` of the encoded batch; rows in `encoder.errors()` were not encoded.
    /// This lets two versions of a policy decide one encoding of a batch; unlike
    /// [`Self::evaluate_arrow`], the batch is not split to fit the limits, and a batch that
    /// fails as a whole is the caller's to retry.
    pub fn evaluate_arrow_encoded(&mut self, encoder: &ArrowEncoder) -> Result<Decisions<'_>, EvalError> {
        let (ours, theirs) = (self.policy.shape(), encoder.shape());
        if !std::sync::Arc::ptr_eq(ours, theirs) && !ours.same_input(theirs) {
            return Err(EvalError::ForeignBatch);
        }
        self.load_areas(encoder.len(), encoder.records(), encoder.vars())?;
        self.run()
    }

    /// The encoder and decision columns kept between Arrow batches, made on first use. Callers
    /// put them back in `self.arrow` when done.
    fn take_arrow_state(&mut self) -> Result<Box<ArrowState>, EvalError> {
        if let Some(state) = self.arrow.take() {
            return Ok(state);
        }
        let shape = self.policy.shape().clone();
        let columns = DecisionColumns::new(shape.clone()).map_err(|e| EvalError::Arrow(e.0))?;
        Ok(Box::new(ArrowState { encoder: ArrowEncoder::new(shape), columns }))
    }

    fn arrow_batch(
        &mut self,
        batch: &RecordBatch,
        encoder: &mut ArrowEncoder,
        sink: &mut dyn RowSink,
    ) -> Result<(), EvalError> {
        let mut chunk = self.policy.runtime().limits().batch_records.max(1);
        let n = batch.num_rows();
        let mut start = 0;
        while start < n {
            let len = chunk.min(n - start);
            // A chunk over the byte limit says how many rows of this batch fit one: the
            // following chunks take that many, so wide rows are not encoded twice each.
            chunk = chunk.min(self.arrow_chunk(&batch.slice(start, len), encoder, sink)?);
            start += len;
        }
        Ok(())
    }

    /// Evaluates the rows of `batch` and appends their outcomes to `sink`, in row order.
    /// Returns how many of these rows fit one run batch: all of them, or, when they encode to
    /// more than [`Limits::batch_bytes`](crate::Limits), about as many as that many bytes hold
    /// (the pieces it was split into).
    fn arrow_chunk(
        &mut self,
        batch: &RecordBatch,
        encoder: &mut ArrowEncoder,
        sink: &mut dyn RowSink,
    ) -> Result<usize, EvalError> {
        let n = batch.num_rows();
        encoder.encode(batch);
        let limits = self.policy.runtime().limits();
        if let Some(rows) = crate::arrow::rows_per_piece(n, encoder.encoded_len(), limits.batch_bytes) {
            let mut start = 0;
            while start < n {
                let len = rows.min(n - start);
                self.arrow_chunk(&batch.slice(start, len), encoder, sink)?;
                start += len;
            }
            return Ok(rows);
        }
        let keys = key_column(self, batch);
        let key = |row: usize| keys.as_ref().and_then(|(strings, array)| array.is_valid(row).then(|| strings.get(row)));
        let outcome = if encoder.is_empty() {
            None
        } else {
            match self.load_areas(encoder.len(), encoder.records(), encoder.vars()).and_then(|()| self.run()) {
                Ok(decisions) => Some(decisions),
                Err(e) if n > 1 && e.is_retryable() => {
                    // One record may have sunk the batch: give each its own chance.
                    for row in 0..n {
                        self.arrow_chunk(&batch.slice(row, 1), encoder, sink)?;
                    }
                    return Ok(n);
                }
                Err(e) if e.is_retryable() => {
                    let error =
                        RecordError { path: String::new(), message: format!("stopped by the runtime's limits: {e}") };
                    let row = Row { decision: None, key: key(0), error: Some(&error) };
                    return sink.append(&[], &[], &[row]).map(|()| n).map_err(EvalError::Arrow);
                }
                Err(e) => return Err(e),
            }
        };
        let mut failures: Vec<Option<RecordError>> = Vec::new();
        let mut places: Vec<Option<usize>> = vec![None; n];
        if let Some(decisions) = &outcome {
            failures.resize(n, None);
            for (i, &row) in encoder.rows().iter().enumerate() {
                match decisions.status(i)? {
                    Ok(()) => {
                        if let Some(place) = places.get_mut(row) {
                            *place = Some(decisions.record_at(i)?);
                        }
                    }
                    Err(e) => {
                        if let Some(failure) = failures.get_mut(row) {
                            *failure = Some(e);
                        }
                    }
                }
            }
        }
        let errors = encoder.errors();
        let rows: Vec<Row> = (0..n)
            .map(|row| Row {
                decision: places.get(row).copied().flatten(),
                key: key(row),
                error: errors.get(&row).or_else(|| failures.get(row).and_then(Option::as_ref)),
            })
            .collect();
        let (fixed, vars) = match &outcome {
            Some(d) => (d.region.fixed, d.region.vars),
            None => (&[][..], &[][..]),
        };
        let appended = sink.append(fixed, vars, &rows);
        appended.map(|()| n).map_err(|message| EvalError::BadDecision { record: 0, message })
    }
}

/// Where the outcomes of evaluated rows go, in row order.
trait RowSink {
    /// Appends `rows`, whose decisions lie in `fixed` and refer to `vars`.
    fn append(&mut self, fixed: &[u8], vars: &[u8], rows: &[Row]) -> Result<(), String>;
}

impl RowSink for DecisionColumns {
    fn append(&mut self, fixed: &[u8], vars: &[u8], rows: &[Row]) -> Result<(), String> {
        DecisionColumns::append(self, fixed, vars, rows)
    }
}

/// Rows written as `dexpc eval`'s NDJSON lines.
struct NdjsonRows<'o> {
    shape: &'o Shape,
    out: &'o mut String,
    next_line: u64,
    summary: Summary,
}

impl RowSink for NdjsonRows<'_> {
    fn append(&mut self, fixed: &[u8], vars: &[u8], rows: &[Row]) -> Result<(), String> {
        let schema = self.shape.schema();
        let region = Region { fixed, vars };
        let output = Ty::Record(schema.output);
        for row in rows {
            match (row.decision, row.error) {
                (Some(at), None) => {
                    region.write_json(self.shape, &output, at, self.out).map_err(|e| e.0)?;
                    self.summary.decided += 1;
                }
                (_, error) => {
                    let unknown = RecordError { path: String::new(), message: "not decided".into() };
                    let key = schema.key_name().zip(row.key);
                    json::write_error_line(self.out, self.next_line, key, error.unwrap_or(&unknown));
                    self.summary.rejected += 1;
                }
            }
            self.out.push('\n');
            self.next_line += 1;
        }
        Ok(())
    }
}

/// The input's key column as strings, when the policy has a key and the batch that column.
fn key_column<'b>(evaluator: &Evaluator, batch: &'b RecordBatch) -> Option<(Strings<'b>, &'b dyn Array)> {
    let name = evaluator.policy.schema().key_name()?;
    let array = batch.column_by_name(name)?.as_ref();
    Some((Strings::of(array)?, array))
}
