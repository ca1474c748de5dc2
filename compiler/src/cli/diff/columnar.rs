//! The behaviour diff over a Parquet or Arrow IPC corpus: `eval`'s columnar reader and workers
//! ([`stream_batches`]) with a worker that decides each record batch with both versions'
//! [`Evaluator::evaluate_arrow_ndjson`] and hands the two outcomes of every row to the same
//! [`Counter`] the NDJSON path uses.
//!
//! The outcomes are compared as the lines `dexpc eval` writes for them
//! ([`Evaluator::evaluate_arrow_ndjson`] writes them straight from the decision slots: a
//! decision, or an error object for a rejected row), so a corpus gives the same report whether
//! it is read as NDJSON or as Parquet. Rows stand where NDJSON has lines: an example record
//! without a key is named `row N`, its 1-based row in the file.

use super::super::columnar::{stream_batches, BatchWorker, Source};
use super::super::CliError;
use super::behaviour::{Counter, Stats, Versions};
use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use dexp_runtime::engine::{Evaluator, Policy};
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
        let mut worker = ColumnarDiff {
            old: evaluator(old)?,
            new: evaluator(new)?,
            versions: versions.clone(),
            a: String::new(),
            b: String::new(),
            counter: Counter::new(versions.clone(), sink.clone()),
            name: name.clone(),
        };
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
    versions: Arc<Versions>,
    /// OLD's and NEW's outcomes for the batch, one line per row.
    a: String,
    b: String,
    counter: Counter,
    /// The corpus, for errors.
    name: String,
}

impl ColumnarDiff {
    fn process(&mut self, first_row: u64, batch: &RecordBatch) -> Result<(), CliError> {
        let fail = |e: &dyn std::fmt::Display| CliError::Other(format!("{}: {e}", self.name));
        self.a.clear();
        self.b.clear();
        self.old.evaluate_arrow_ndjson(batch, first_row, &mut self.a).map_err(|e| fail(&e))?;
        self.new.evaluate_arrow_ndjson(batch, first_row, &mut self.b).map_err(|e| fail(&e))?;
        let keys = self.versions.key().and_then(|k| batch.column_by_name(k));
        for (i, (a, b)) in self.a.lines().zip(self.b.lines()).enumerate() {
            let row = first_row + i as u64;
            let label = || keys.and_then(|k| text_at(k.as_ref(), i)).unwrap_or_else(|| format!("row {row}"));
            self.counter.record(row, a, b, &label);
        }
        Ok(())
    }
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
