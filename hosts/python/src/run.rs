//! Evaluation without the GIL: records as JSON texts to per-record outcomes, and NDJSON text to
//! exactly the bytes `dexpc eval` writes.
//!
//! Both follow `dexpc eval`'s rules for a batch the runtime stops (a deadline, fuel, a trap):
//! each of its records is tried alone, so one bad record cannot take its neighbours' decisions
//! with it, and a record that is stopped on its own is rejected with the message
//! `stopped by the runtime's limits: ...` and an empty path.

use dexp_runtime::engine::{EvalError, Evaluator};
use dexp_runtime::json::{self, RecordError};
use dexp_runtime::schema::Value;

/// The longest NDJSON line read, in bytes, as in `dexpc eval` (`MAX_LINE_BYTES` of its CLI):
/// a longer line is rejected whole.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// What a record became: its decision, or why it has none.
pub type Outcome = Result<Value, RecordError>;

/// Decisions and rejections of an NDJSON evaluation.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    /// Records decided.
    pub decided: u64,
    /// Records rejected.
    pub rejected: u64,
}

/// The rejection of a record that the runtime stopped even when it ran alone.
fn stopped(e: &EvalError) -> RecordError {
    RecordError { path: String::new(), message: format!("stopped by the runtime's limits: {e}") }
}

/// Evaluates `texts` (JSON texts of input records, or the error that already rejects one), in
/// batches of the runtime's size, giving one outcome per entry in order.
pub fn evaluate_texts(evaluator: &mut Evaluator, texts: Vec<Result<String, RecordError>>) -> Vec<Outcome> {
    let limits = evaluator.policy().runtime().limits().clone();
    let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(texts.len());
    let mut batch = evaluator.encoder();
    // Indices into `outcomes` of the records in `batch`, with their texts for a retry.
    let mut pending: Vec<(usize, &str)> = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        match text {
            Err(e) => outcomes.push(Some(Err(e.clone()))),
            Ok(text) => match batch.push_json(text) {
                Err(e) => outcomes.push(Some(Err(e))),
                Ok(()) => {
                    outcomes.push(None);
                    pending.push((i, text));
                }
            },
        }
        if batch.len() >= limits.batch_records.max(1) || batch.encoded_len() >= limits.batch_bytes {
            flush(evaluator, &mut batch, &mut pending, &mut outcomes);
        }
    }
    flush(evaluator, &mut batch, &mut pending, &mut outcomes);
    outcomes
        .into_iter()
        .map(|o| {
            o.unwrap_or_else(|| {
                Err(RecordError { path: String::new(), message: "the record was not evaluated".into() })
            })
        })
        .collect()
}

/// Runs the records in `batch` and stores their outcomes; on a stopped batch, runs each alone.
fn flush(
    evaluator: &mut Evaluator,
    batch: &mut dexp_runtime::encode::BatchEncoder,
    pending: &mut Vec<(usize, &str)>,
    outcomes: &mut [Option<Outcome>],
) {
    if batch.is_empty() {
        return;
    }
    match run_batch(evaluator, batch) {
        Ok(results) => {
            for ((i, _), result) in pending.iter().zip(results) {
                if let Some(slot) = outcomes.get_mut(*i) {
                    *slot = Some(result);
                }
            }
        }
        Err(_) => {
            for (i, text) in pending.iter() {
                batch.clear();
                let result = match batch.push_json(text) {
                    Err(e) => Err(e),
                    Ok(()) => match run_batch(evaluator, batch) {
                        Ok(mut results) => results.pop().unwrap_or_else(|| Err(stopped(&EvalError::NothingLoaded))),
                        Err(e) => Err(stopped(&e)),
                    },
                };
                if let Some(slot) = outcomes.get_mut(*i) {
                    *slot = Some(result);
                }
            }
        }
    }
    batch.clear();
    pending.clear();
}

/// Runs one encoded batch and reads every decision, or fails as a whole.
fn run_batch(evaluator: &mut Evaluator, batch: &dexp_runtime::encode::BatchEncoder) -> Result<Vec<Outcome>, EvalError> {
    let decisions = evaluator.evaluate_encoded(batch)?;
    (0..decisions.len()).map(|k| decisions.value(k)).collect()
}

/// Evaluates NDJSON bytes as `dexpc eval` does: one output line per non-blank input line, in
/// order, each ending in `\n`; lines counted from 1, `\r\n` accepted, a line that is not UTF-8
/// or is longer than [`MAX_LINE_BYTES`] rejected with its line number.
pub fn evaluate_ndjson(evaluator: &mut Evaluator, input: &[u8], out: &mut String) -> Tally {
    let mut tally = Tally::default();
    let mut text = String::new();
    let mut segment_start = 1u64;
    let mut lines = input.split(|&b| b == b'\n').peekable();
    let mut number = 0u64;
    while let Some(raw) = lines.next() {
        // The piece after a final newline is not a line.
        if raw.is_empty() && lines.peek().is_none() {
            break;
        }
        number += 1;
        let rejection = if raw.len() > MAX_LINE_BYTES {
            Some(RecordError {
                path: String::new(),
                message: format!("line of {} bytes is longer than the limit of {MAX_LINE_BYTES} bytes", raw.len()),
            })
        } else {
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if json::is_blank(raw) {
                text.push('\n');
                continue;
            }
            match std::str::from_utf8(raw) {
                Ok(line) => {
                    text.push_str(line);
                    text.push('\n');
                    None
                }
                Err(e) => Some(json::invalid_utf8(e.valid_up_to())),
            }
        };
        if let Some(error) = rejection {
            flush_ndjson(evaluator, &mut text, segment_start, out, &mut tally);
            json::write_rejection_line(out, evaluator.policy().schema(), number, None, &error);
            tally.rejected += 1;
            segment_start = number + 1;
        } else if text.len() >= 1 << 22 {
            // Keep the text handed to the runtime bounded on large inputs.
            flush_ndjson(evaluator, &mut text, segment_start, out, &mut tally);
            segment_start = number + 1;
        }
    }
    flush_ndjson(evaluator, &mut text, segment_start, out, &mut tally);
    tally
}

/// Evaluates the lines gathered in `text`, which start at line `first_line`, and empties it.
fn flush_ndjson(evaluator: &mut Evaluator, text: &mut String, first_line: u64, out: &mut String, tally: &mut Tally) {
    if text.is_empty() {
        return;
    }
    match evaluator.evaluate_ndjson(text, first_line, out) {
        Ok(summary) => {
            tally.decided += summary.decided as u64;
            tally.rejected += summary.rejected as u64;
        }
        Err(_) => {
            for (i, line) in text.lines().enumerate() {
                if json::is_blank(line.as_bytes()) {
                    continue;
                }
                let number = first_line + i as u64;
                match evaluator.evaluate_ndjson(line, number, out) {
                    Ok(summary) => {
                        tally.decided += summary.decided as u64;
                        tally.rejected += summary.rejected as u64;
                    }
                    Err(e) => {
                        json::write_rejection_line(out, evaluator.policy().schema(), number, Some(line), &stopped(&e));
                        tally.rejected += 1;
                    }
                }
            }
        }
    }
    text.clear();
}
