//! The two evaluation paths, reduced to the NDJSON text a host sees, and their comparison.
//!
//! The Wasm path is the runtime's own [`Evaluator::evaluate_ndjson`]. The interpreter path
//! does what the contract says for the same text with the reference codec and interpreter:
//! one line per non-blank input line, the decision, or the error object naming the line, the
//! key (read from the text when the record cannot be decoded, from the record otherwise) and
//! the error's path and message.

use dexp_compiler::ir::{interp, Program};
use dexp_runtime::json::{self, RecordError};
use dexp_runtime::schema::{Ty, Value};
use dexp_runtime::{Evaluator, Limits, Policy, Runtime};
use std::sync::OnceLock;

/// The non-blank lines of NDJSON text, as the runtime reads them: split at `\n`, one trailing
/// `\r` removed, lines of only spaces, tabs and carriage returns skipped ([`json::is_blank`]:
/// JSON's whitespace, so a line of other Unicode whitespace, a vertical tab say, is a record
/// that fails to parse). Each comes with its 1-based line number.
pub fn records(input: &str) -> impl Iterator<Item = (u64, &str)> {
    input
        .split('\n')
        .enumerate()
        .map(|(i, line)| (i as u64 + 1, line.strip_suffix('\r').unwrap_or(line)))
        .filter(|(_, text)| !json::is_blank(text.as_bytes()))
}

/// Evaluates NDJSON text with the reference interpreter, one output line per record.
pub fn interpret_ndjson(program: &Program, input: &str) -> String {
    let schema = &program.schema;
    let key_name = schema.key_name();
    let mut out = String::new();
    for (line, text) in records(input) {
        match json::decode_input(schema, text) {
            Err(error) => {
                let key = key_name.and_then(|k| json::probe_key(text, k));
                json::write_error_line(&mut out, line, key_name.zip(key.as_deref()), &error);
            }
            Ok(record) => match interp::evaluate(program, &record) {
                Ok(decision) => json::write_value(&mut out, schema, &Ty::Record(schema.output), &decision),
                Err(e) => {
                    let error = RecordError {
                        path: program.sites.get(e.site as usize).map(|s| s.path.clone()).unwrap_or_default(),
                        message: e.failure.message().to_string(),
                    };
                    let key = key_of(program, &record);
                    json::write_error_line(&mut out, line, key_name.zip(key), &error);
                }
            },
        }
        out.push('\n');
    }
    out
}

/// The key field of a decoded input record, when it is a present string.
fn key_of<'v>(program: &Program, record: &'v Value) -> Option<&'v str> {
    let Value::Record(fields) = record else { return None };
    match fields.get(program.schema.key? as usize)? {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

/// Evaluates NDJSON text with the compiled module through the runtime.
pub fn wasm_ndjson(evaluator: &mut Evaluator, input: &str) -> String {
    let mut out = String::new();
    match evaluator.evaluate_ndjson(input, 1, &mut out) {
        Ok(summary) => {
            let lines = out.lines().count();
            assert_eq!(summary.decided + summary.rejected, lines, "the summary counts every output line");
            out
        }
        Err(e) => panic!("a batch of a compiled policy failed as a whole: {e}\ninput:\n{input}"),
    }
}

/// Evaluates `input` with both engines and panics at the first line where they differ, or
/// when the line counts are not one per record. Returns the output they agree on.
pub fn assert_agree(program: &Program, evaluator: &mut Evaluator, input: &str) -> String {
    let expected = interpret_ndjson(program, input);
    let actual = wasm_ndjson(evaluator, input);
    let records: Vec<&str> = records(input).map(|(_, text)| text).collect();
    assert_eq!(
        actual.lines().count(),
        records.len(),
        "one Wasm output line per record\ninput:\n{input}\noutput:\n{actual}"
    );
    assert_eq!(expected.lines().count(), records.len(), "one interpreter output line per record");
    for ((e, a), record) in expected.lines().zip(actual.lines()).zip(&records) {
        assert_eq!(e, a, "the engines disagree\nrecord:      {record}\ninterpreter: {e}\nwasm:        {a}");
    }
    actual
}

/// The runtime the fuzz bodies load modules into: a fuel budget instead of a deadline, so a
/// module that loops is stopped after the same work on every run (deterministic, and no
/// ticker thread), and a small memory cap.
pub fn fuzz_runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let limits = Limits {
            interrupt: dexp_runtime::engine::Interrupt::Fuel { per_record: FUEL_PER_RECORD },
            memory_bytes: 64 << 20,
            ..Limits::default()
        };
        Runtime::new(limits).expect("the fuzzing runtime starts")
    })
}

/// Fuel per record for [`fuzz_runtime`]: far more than any generated policy needs for the
/// small records the fuzzers make, and little enough that a looping module stops quickly.
pub const FUEL_PER_RECORD: u64 = 20_000_000;

/// The reference policy, compiled and loaded once on the default runtime, as a host loads it.
pub fn reference() -> &'static (Program, Policy) {
    static REFERENCE: OnceLock<(Program, Policy)> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let compiled = dexp_compiler::compile(crate::REFERENCE_POLICY).expect("the reference policy compiles");
        let policy = Policy::load(&compiled.wasm).expect("the reference policy loads");
        (compiled.program, policy)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_are_skipped_and_numbered_lines_kept() {
        let lines: Vec<_> = records("a\n\n  \r\nb\r\n\t\nc").collect();
        assert_eq!(lines, vec![(1, "a"), (4, "b"), (6, "c")]);
    }

    #[test]
    fn both_engines_agree_on_the_example_records() {
        let (program, policy) = reference();
        let mut evaluator = policy.evaluator().unwrap();
        assert_agree(program, &mut evaluator, crate::REFERENCE_RECORDS);
        let out = interpret_ndjson(program, "{}\n\nnot json\n");
        assert_eq!(out.lines().count(), 2);
        assert!(out.lines().all(|l| l.contains("\"error\"")), "{out}");
    }
}
