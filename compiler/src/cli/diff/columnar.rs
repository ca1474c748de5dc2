//! The behaviour diff over a Parquet or Arrow IPC corpus: `eval`'s columnar reader and workers
//! ([`stream_batches`]) with a worker that encodes each record batch once (an [`ArrowEncoder`];
//! once per version when their input types differ), decides it with both versions
//! ([`Evaluator::evaluate_arrow_encoded`]) and hands the two outcomes of every row to the same
//! [`Counter`] the NDJSON path uses.
//!
//! The outcomes are compared where they lie in the instances' memory (a decision, or a
//! rejection), as the NDJSON path compares them, so a corpus gives the same report whether it
//! is read as NDJSON or as Parquet. Rows stand where NDJSON has lines: an example record
//! without a key is named `row N`, its 1-based row in the file.

use super::super::columnar::{stream_batches, BatchWorker, Source};
use super::super::CliError;
use super::behaviour::{Counter, Decided, Stats, Versions};
use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use dexp_runtime::arrow::{rows_per_piece, ArrowEncoder};
use dexp_runtime::engine::{Decisions, EvalError, Evaluator, Policy};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Replays the Parquet or Arrow IPC file at `corpus` through `old` and `new` on `jobs` threads;
/// the counts join `sink` as each worker finishes.
pub fn replay(
    old: &Policy,
    new: &Policy,
    corpus: &Path,
    jobs: usize,
    versions: &Arc<Versions>,
    sink: &Arc<Mutex<Stats>>,
) -> Result<(), CliError> {
    let source = Source::open(corpus, &[old.schema(), new.schema()])?;
    let name = corpus.display().to_string();
    let worker = || -> Result<BatchWorker<'_, ()>, CliError> {
        let (old, new) = (evaluator(old)?, evaluator(new)?);
        let old_rows = ArrowEncoder::new(old.policy().shape().clone());
        let shared = old.policy().shape().same_input(new.policy().shape());
        let new_rows = (!shared).then(|| ArrowEncoder::new(new.policy().shape().clone()));
        let counter = Counter::new(versions.clone(), sink.clone());
        let mut worker = ColumnarDiff { old, new, old_rows, new_rows, counter, name: name.clone() };
        Ok(Box::new(move |first_row, batch| worker.process(first_row, batch)))
    };
    stream_batches(source, jobs, &worker, &mut |()| Ok(()))
}

fn evaluator(policy: &Policy) -> Result<Evaluator, CliError> {
    policy.evaluator().map_err(|e| CliError::Other(format!("cannot start an evaluator for the policy: {e}")))
}

/// Decides record batches with both versions and counts how their outcomes differ.
struct ColumnarDiff {
    old: Evaluator,
    new: Evaluator,
    /// OLD's encoding of a batch, which NEW decides too when it reads the same input types.
    old_rows: ArrowEncoder,
    /// NEW's own encoding, when its input types differ from OLD's.
    new_rows: Option<ArrowEncoder>,
    counter: Counter,
    /// The corpus, for errors.
    name: String,
}

impl ColumnarDiff {
    fn process(&mut self, first_row: u64, batch: &RecordBatch) -> Result<(), CliError> {
        let mut chunk = self.old.policy().runtime().limits().batch_records.max(1);
        let mut start = 0;
        while start < batch.num_rows() {
            let len = chunk.min(batch.num_rows() - start);
            // A slice over the byte limit says how many rows fit one batch: the following
            // slices take that many, so wide rows are not encoded twice each.
            chunk = chunk.min(self.chunk(first_row + start as u64, &batch.slice(start, len))?);
            start += len;
        }
        Ok(())
    }

    /// Decides the rows of `batch`, the first of which is row `first_row` of the file, with
    /// both versions from one encoding, and counts them. A batch over the byte limit is split
    /// into pieces of about that many bytes (`arrow::rows_per_piece`, as `evaluate_arrow`
    /// does); when one fails as a whole (a deadline, a trap), each row is tried alone, as
    /// `dexpc eval` does, and a row that fails alone is that version's rejection. Returns how
    /// many of these rows fit one batch.
    fn chunk(&mut self, first_row: u64, batch: &RecordBatch) -> Result<usize, CliError> {
        let n = batch.num_rows();
        self.old_rows.encode(batch);
        if let Some(rows) = &mut self.new_rows {
            rows.encode(batch);
        }
        let limit = self.old.policy().runtime().limits().batch_bytes;
        let encoded = self.old_rows.encoded_len().max(self.new_rows.as_ref().map_or(0, |r| r.encoded_len()));
        if let Some(rows) = rows_per_piece(n, encoded, limit) {
            let mut start = 0;
            while start < n {
                let len = rows.min(n - start);
                self.chunk(first_row + start as u64, &batch.slice(start, len))?;
                start += len;
            }
            return Ok(rows);
        }
        let ColumnarDiff { old, new, old_rows, new_rows, counter, name } = self;
        let new_rows = new_rows.as_ref().unwrap_or(old_rows);
        let (a, b) = (decide(old, old_rows), decide(new, new_rows));
        let fatal = |d: &Option<Result<Decisions, EvalError>>| matches!(d, Some(Err(e)) if !e.is_retryable());
        if let Some(Some(Err(e))) = [&a, &b].into_iter().find(|d| fatal(d)) {
            return Err(CliError::Other(format!("{name}: {e}")));
        }
        if n > 1 && [&a, &b].iter().any(|d| matches!(d, Some(Err(_)))) {
            drop((a, b));
            for row in 0..n {
                self.chunk(first_row + row as u64, &batch.slice(row, 1))?;
            }
            return Ok(n);
        }
        let (a, b) = (a.and_then(Result::ok), b.and_then(Result::ok));
        let (old_of, new_of) = (decision_of_row(old_rows, n), decision_of_row(new_rows, n));
        let keys = counter.versions().key().and_then(|k| batch.column_by_name(k));
        for row in 0..n {
            let (x, y) = (decided(a.as_ref(), &old_of, row), decided(b.as_ref(), &new_of, row));
            let number = first_row + row as u64;
            let label = || keys.and_then(|k| text_at(k.as_ref(), row)).unwrap_or_else(|| format!("row {number}"));
            counter.record(number, x, y, &label);
        }
        Ok(n)
    }
}

/// The decisions of the encoded rows, unless there are none.
fn decide<'e>(evaluator: &'e mut Evaluator, rows: &ArrowEncoder) -> Option<Result<Decisions<'e>, EvalError>> {
    (!rows.is_empty()).then(|| evaluator.evaluate_arrow_encoded(rows))
}

/// The decision of `row`, given which record of `decisions` each row is.
fn decided<'d>(decisions: Option<&'d Decisions<'_>>, of: &[Option<usize>], row: usize) -> Option<Decided<'d>> {
    Decided::of(decisions?, of.get(row).copied().flatten()?)
}

/// For each row of the encoded batch, the index of its record among the decisions (`None` for
/// a row that could not be encoded).
fn decision_of_row(rows: &ArrowEncoder, n: usize) -> Vec<Option<usize>> {
    let mut of = vec![None; n];
    for (i, &row) in rows.rows().iter().enumerate() {
        if let Some(slot) = of.get_mut(row) {
            *slot = Some(i);
        }
    }
    of
}

/// The text at `row` of a column of text (any of Arrow's string types, or a dictionary of
/// them); `None` for a null or a column of another type, as the NDJSON path names a record by
/// its key only when the key is a JSON string.
fn text_at(array: &dyn Array, row: usize) -> Option<String> {
    if row >= array.len() || array.is_null(row) {
        return None;
    }
    match array.data_type() {
        DataType::Utf8 => Some(array.as_string_opt::<i32>()?.value(row).to_owned()),
        DataType::LargeUtf8 => Some(array.as_string_opt::<i64>()?.value(row).to_owned()),
        DataType::Utf8View => Some(array.as_string_view_opt()?.value(row).to_owned()),
        DataType::Dictionary(..) => {
            let dictionary = array.as_any_dictionary_opt()?;
            let key = *dictionary.normalized_keys().get(row)?;
            text_at(dictionary.values().as_ref(), key)
        }
        _ => None,
    }
}
