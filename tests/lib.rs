//! Shared helpers for the dexp integration tests: a seeded record generator driven by a
//! policy's schema, and the two evaluation paths (reference interpreter and compiled Wasm
//! module) reduced to comparable text, one line per record.

// Test support: a failed expectation must stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

pub mod records;

/// Reading the conformance corpus (`tests/conformance/`).
#[path = "conformance_cases.rs"]
pub mod conformance;

use dexp_compiler::ir::{interp, Program, Ty};
use dexp_runtime::json;
use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the tests package lies inside the workspace").to_path_buf()
}

/// Reads a file below the workspace root.
pub fn read(relative: &str) -> String {
    let path = root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Compiles a policy, panicking with the rendered diagnostics when it does not compile.
pub fn compile(source: &str, name: &str) -> dexp_compiler::Compiled {
    match dexp_compiler::compile(source) {
        Ok(c) => c,
        Err(diags) => {
            panic!("{name} does not compile:\n{}", dexp_compiler::diagnostic::render_human(&diags, name, source))
        }
    }
}

/// What evaluating one record gives, as text both paths can produce: the decision's JSON, or
/// `error: PATH: MESSAGE`.
pub fn outcome_ok(json: &str) -> String {
    json.to_string()
}

/// The error form of an outcome.
pub fn outcome_err(path: &str, message: &str) -> String {
    format!("error: {path}: {message}")
}

/// Evaluates one JSON record with the reference interpreter.
pub fn interpret(program: &Program, line: &str) -> String {
    let input = match json::decode_input(&program.schema, line) {
        Ok(v) => v,
        Err(e) => return format!("bad input: {}: {}", e.path, e.message),
    };
    match interp::evaluate(program, &input) {
        Ok(value) => {
            let mut out = String::new();
            json::write_value(&mut out, &program.schema, &Ty::Record(program.schema.output), &value);
            outcome_ok(&out)
        }
        Err(e) => {
            let path = program.sites.get(e.site as usize).map(|s| s.path.as_str()).unwrap_or("?");
            outcome_err(path, e.failure.message())
        }
    }
}

/// Evaluates JSON records with the compiled module, in batches of `batch` records, on one
/// evaluator.
pub fn run_wasm(policy: &dexp_runtime::Policy, lines: &[String], batch: usize) -> Vec<String> {
    let mut evaluator = policy.evaluator().expect("an evaluator");
    let mut encoder = evaluator.encoder();
    let mut out = Vec::with_capacity(lines.len());
    for chunk in lines.chunks(batch.max(1)) {
        encoder.clear();
        let mut bad = Vec::new();
        for line in chunk {
            bad.push(encoder.push_json(line).err());
        }
        let decisions = evaluator.evaluate_encoded(&encoder).expect("the batch runs");
        let mut next = 0;
        for b in bad {
            if let Some(e) = b {
                out.push(format!("bad input: {}: {}", e.path, e.message));
                continue;
            }
            let mut text = String::new();
            match decisions.write_json(next, &mut text).expect("a valid slot") {
                Ok(()) => out.push(outcome_ok(&text)),
                Err(e) => out.push(outcome_err(&e.path, &e.message)),
            }
            next += 1;
        }
    }
    out
}

/// Evaluates JSON records with the compiled module on `threads` threads, each with its own
/// evaluator and a contiguous share of the records; outcomes come back in input order.
pub fn run_wasm_threads(policy: &dexp_runtime::Policy, lines: &[String], batch: usize, threads: usize) -> Vec<String> {
    let share = lines.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            lines.chunks(share).map(|part| scope.spawn(move || run_wasm(policy, part, batch))).collect();
        handles.into_iter().flat_map(|h| h.join().expect("a worker thread")).collect()
    })
}

/// Compares two runs record by record and panics with the first differences.
pub fn assert_same(name: &str, lines: &[String], expected: &[String], actual: &[String]) {
    assert_eq!(expected.len(), actual.len(), "{name}: outcome counts differ");
    let mut shown = 0;
    let mut differ = 0;
    let mut report = String::new();
    for (i, (e, a)) in expected.iter().zip(actual).enumerate() {
        if e != a {
            differ += 1;
            if shown < 3 {
                shown += 1;
                report.push_str(&format!(
                    "\nrecord {i}:\n  input:       {}\n  interpreter: {e}\n  wasm:        {a}\n",
                    lines[i]
                ));
            }
        }
    }
    assert!(differ == 0, "{name}: {differ} of {} records differ{report}", lines.len());
}
