//! The conformance corpus (`tests/conformance/`) through the Rust runtime, as a host would
//! drive it: each case's committed `policy.wasm` is loaded with `dexp_runtime` and its raw
//! `input.ndjson` evaluated with [`Evaluator::evaluate_ndjson_bytes`], which must give
//! `expected.ndjson` byte for byte with batches of 1, 7 and 1024 records, batches closed after
//! 64 KiB, and the input split between three evaluators on three threads. The committed
//! modules must also be exactly what the compiler produces from the cases' policies.
//!
//! `expected.ndjson` is what `dexpc eval` writes: the `dexp-compiler` package's `conformance`
//! test checks that and refreshes both files with `BLESS=1`.
//!
//! [`Evaluator::evaluate_ndjson_bytes`]: dexp_runtime::engine::Evaluator::evaluate_ndjson_bytes

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dexp_runtime::engine::{Limits, Policy, Runtime};
use dexp_tests::conformance::{blessing, cases, first_difference, Case};

#[test]
fn committed_modules_are_what_the_compiler_produces() {
    for case in cases() {
        let source = std::fs::read_to_string(&case.source).unwrap();
        let wasm = dexp_tests::compile(&source, &case.name).wasm;
        if blessing() {
            std::fs::write(case.wasm_path(), &wasm).unwrap();
            continue;
        }
        assert!(
            wasm == case.wasm(),
            "{}: policy.wasm is stale; run `BLESS=1 cargo test -p dexp-compiler --test conformance`",
            case.name
        );
    }
}

/// Evaluates `input` on one evaluator of `policy`.
fn evaluate(policy: &Policy, input: &[u8], first_line: u64) -> Vec<u8> {
    let mut evaluator = policy.evaluator().expect("an evaluator");
    let mut out = String::new();
    evaluator.evaluate_ndjson_bytes(input, first_line, &mut out).expect("the batches run");
    out.into_bytes()
}

/// Splits `input` into `parts` runs of whole lines, each with the number of its first line.
fn split_lines(input: &[u8], parts: usize) -> Vec<(&[u8], u64)> {
    let mut chunks = Vec::new();
    let (mut start, mut line) = (0usize, 1u64);
    let target = input.len() / parts + 1;
    while start < input.len() {
        let mut end = (start + target).min(input.len());
        while end < input.len() && input[end - 1] != b'\n' {
            end += 1;
        }
        let chunk = &input[start..end];
        chunks.push((chunk, line));
        line += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        start = end;
    }
    chunks
}

fn check(case: &Case, label: &str, actual: &[u8], expected: &[u8]) {
    assert!(actual == expected, "{} ({label}): {}", case.name, first_difference(actual, expected));
}

#[test]
fn the_runtime_reproduces_every_case_byte_for_byte() {
    if blessing() {
        return;
    }
    for case in cases() {
        let (wasm, input, expected) = (case.wasm(), case.input(), case.expected());
        assert!(!expected.is_empty(), "{}: no expected.ndjson; run with BLESS=1", case.name);
        for (batch_records, batch_bytes) in [(1024, 8 << 20), (7, 8 << 20), (1, 8 << 20), (1024, 64 << 10)] {
            let limits = Limits { batch_records, batch_bytes, ..Limits::default() };
            let policy = Runtime::new(limits).unwrap().load(&wasm).expect("the committed module loads");
            let label = format!("batches of {batch_records} records or {batch_bytes} bytes");
            check(&case, &label, &evaluate(&policy, &input, 1), &expected);
        }
        let policy = Policy::load(&wasm).unwrap();
        let actual: Vec<u8> = std::thread::scope(|scope| {
            let workers: Vec<_> = split_lines(&input, 3)
                .into_iter()
                .map(|(chunk, first)| {
                    let policy = policy.clone();
                    scope.spawn(move || evaluate(&policy, chunk, first))
                })
                .collect();
            workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
        });
        check(&case, "three evaluators on three threads", &actual, &expected);
    }
}

#[test]
fn the_corpus_covers_what_hosts_get_wrong() {
    // Guards against a corpus edit that silently drops a kind of line.
    let all: Vec<u8> = cases().iter().flat_map(|c| c.expected()).collect();
    let text = String::from_utf8(all).expect("output is UTF-8");
    for needle in [
        "\"message\":\"invalid UTF-8 at byte",
        "\"message\":\"missing field\"",
        "\"message\":\"duplicate field\"",
        "\"message\":\"integer overflow\"",
        "\"message\":\"date out of range\"",
        "\"message\":\"division by zero\"",
        "\"message\":\"invalid JSON: ",
        "does not fit in a 64-bit int",
        "\"message\":\"number is outside the 64-bit int range\"",
        "\"message\":\"expected an int written without a fraction or exponent\"",
        "list has more than the limit of 65536 elements",
        "is longer than the limit of 1048576 bytes",
        "9223372036854775807",
        "-9223372036854775808",
        "\\ud83d\\ude00",
    ] {
        if needle == "\\ud83d\\ude00" {
            // Astral characters are written raw, never as surrogate escapes.
            assert!(!text.contains(needle), "decisions escape an astral character");
            assert!(text.contains('😀'), "no astral character passed through");
            continue;
        }
        assert!(text.contains(needle), "no expected line contains {needle}");
    }
}
