//! The conformance corpus (`tests/conformance/`) through the `dexpc` binary: for every case,
//! `dexpc compile` must produce the committed `policy.wasm` byte for byte, and `dexpc eval`
//! must write exactly `expected.ndjson` for `input.ndjson`, from the module and from the
//! source, with one and several jobs, from a file and from standard input, with the compiled
//! module and with the reference interpreter. The exit code and the count on standard error
//! must agree with the expected lines.
//!
//! `BLESS=1 cargo test -p dexp-compiler --test conformance` rewrites `policy.wasm` and
//! `expected.ndjson` from `dexpc compile` and `dexpc eval`; review the diff before committing.
//! The runtime API is held to the same files by the `dexp-tests` package's `conformance` test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "../../tests/conformance_cases.rs"]
mod cases;

use cases::{blessing, cases, first_difference, Case};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn dexpc(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dexpc"))
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dexpc runs");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let bytes = bytes.to_vec();
        // Written from a thread so that a full stdout pipe cannot block the writer.
        std::thread::spawn(move || pipe.write_all(&bytes)).join().unwrap().ok();
    }
    child.wait_with_output().expect("dexpc finishes")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// The number of error lines among `expected`'s lines.
fn rejected(expected: &[u8]) -> usize {
    let text = String::from_utf8_lossy(expected);
    text.lines().filter(|l| l.starts_with("{\"line\":") && l.contains(",\"error\":{\"path\":")).count()
}

fn check_eval(case: &Case, label: &str, out: &Output, expected: &[u8]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.stdout == expected,
        "{} ({label}): {}\nstderr: {stderr}",
        case.name,
        first_difference(&out.stdout, expected)
    );
    let total = expected.iter().filter(|&&b| b == b'\n').count();
    let bad = rejected(expected);
    let summary = format!("{total} record(s): {} decided, {bad} rejected", total - bad);
    assert!(stderr.contains(&summary), "{} ({label}): stderr {stderr:?} lacks {summary:?}", case.name);
    assert_eq!(out.status.code(), Some(if bad > 0 { 1 } else { 0 }), "{} ({label}): exit code", case.name);
}

#[test]
fn dexpc_compile_gives_the_committed_modules() {
    let temp = std::env::temp_dir().join(format!("dexp-conformance-{}", std::process::id()));
    std::fs::create_dir_all(&temp).unwrap();
    for case in cases() {
        let wasm = temp.join(format!("{}.wasm", case.name));
        let out = dexpc(&["compile", path(&case.source), "-o", path(&wasm)], None);
        assert!(out.status.success(), "{}: {}", case.name, String::from_utf8_lossy(&out.stderr));
        let bytes = std::fs::read(&wasm).unwrap();
        if blessing() {
            std::fs::write(case.wasm_path(), &bytes).unwrap();
        } else {
            assert!(bytes == case.wasm(), "{}: policy.wasm is stale; run with BLESS=1", case.name);
        }
    }
    std::fs::remove_dir_all(&temp).ok();
}

#[test]
fn dexpc_eval_writes_exactly_the_expected_lines() {
    for case in cases() {
        let (wasm, input, source) = (case.wasm_path(), case.input_path(), case.source.clone());
        if blessing() {
            let out = dexpc(&["compile", path(&source), "-o", path(&wasm)], None);
            assert!(out.status.success(), "{}: {}", case.name, String::from_utf8_lossy(&out.stderr));
            let out = dexpc(&["eval", path(&wasm), path(&input), "--jobs", "1"], None);
            std::fs::write(case.expected_path(), &out.stdout).unwrap();
        }
        let expected = case.expected();
        assert!(!expected.is_empty(), "{}: no expected.ndjson; run with BLESS=1", case.name);
        for jobs in ["1", "3"] {
            let out = dexpc(&["eval", path(&wasm), path(&input), "--jobs", jobs], None);
            check_eval(&case, &format!("policy.wasm, --jobs {jobs}"), &out, &expected);
        }
        let out = dexpc(&["eval", path(&wasm), "-", "--jobs", "2"], Some(&case.input()));
        check_eval(&case, "policy.wasm, standard input", &out, &expected);
        let out = dexpc(&["eval", path(&source), path(&input), "--jobs", "2"], None);
        check_eval(&case, "the policy source", &out, &expected);
        let out = dexpc(&["eval", path(&source), path(&input), "--engine", "interp", "--jobs", "2"], None);
        check_eval(&case, "the reference interpreter", &out, &expected);
    }
}
