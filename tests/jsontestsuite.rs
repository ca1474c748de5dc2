//! JSONTestSuite (`tests/jsontestsuite/test_parsing/`, nst/JSONTestSuite) through dexp's JSON
//! readers: every `y_` document must be accepted and every `n_` document rejected, both as the
//! value of a key the input type does not declare (validated and skipped) and, for the string
//! cases, as the value of a declared string field, whose decoded text must then equal the
//! string the document spells. Each document goes through the three readers a record can meet:
//! the reference decoder (`json::decode_input`, then the interpreter), the batch encoder
//! (`BatchEncoder::push_json`, then the Wasm module), which must agree outcome for outcome, and
//! `Evaluator::evaluate_ndjson_bytes` (what `dexpc eval` runs) for documents that fit on one
//! line or are not UTF-8. What dexp does with each `i_` document (the suite leaves it to the
//! parser) is recorded in `tests/jsontestsuite/i_outcomes.txt` and checked, so a change of
//! behaviour is seen; `BLESS=1` rewrites that file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use dexp_tests::{compile, interpret, root, run_wasm};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::PathBuf;

/// A policy whose input declares one string field and whose decision repeats it.
const POLICY: &str = r#"policy jsonsuite version "1.0.0"

record Doc {
    name: string,
}

record Echo {
    name: string,
}

input Doc key name

output Echo {
    name: name,
}
"#;

fn suite() -> Vec<(String, Vec<u8>)> {
    let dir: PathBuf = root().join("tests/jsontestsuite/test_parsing");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    assert_eq!(files.len(), 318, "the suite's 318 parsing cases are all there");
    files
}

/// Where a document is placed in a record.
#[derive(Clone, Copy, Debug)]
enum Place {
    /// `{"name":"x","extra":DOC}`: a key the input type does not declare.
    Undeclared,
    /// `{"name":DOC}` for `[DOC]` documents: the declared string field.
    Declared,
}

fn record(place: Place, doc: &[u8]) -> Vec<u8> {
    let (head, tail): (&[u8], &[u8]) = match place {
        Place::Undeclared => (br#"{"name":"x","extra":"#, b"}"),
        Place::Declared => (br#"{"name":"#, b"}"),
    };
    [head, doc, tail].concat()
}

/// The inside of a document written as a one-element array, `[ ... ]`, as the string cases are.
fn inside_brackets(doc: &[u8]) -> Option<&[u8]> {
    let doc = doc.trim_ascii();
    doc.strip_prefix(b"[")?.strip_suffix(b"]").map(<[u8]>::trim_ascii)
}

/// What dexp does with one record: `Ok(name)` with the decided name, or `Err(message)`.
struct Outcome(Result<String, String>);

struct Readers {
    program: dexp_compiler::ir::Program,
    policy: dexp_runtime::Policy,
}

impl Readers {
    fn new() -> Readers {
        let compiled = compile(POLICY, "jsonsuite.dexp");
        let policy = dexp_runtime::Runtime::shared().unwrap().load(&compiled.wasm).unwrap();
        Readers { program: compiled.program, policy }
    }

    /// Runs `text` through every reader that can take it; panics when they disagree.
    fn outcome(&self, case: &str, text: &[u8]) -> Outcome {
        let ndjson = self.ndjson(text);
        let Ok(utf8) = std::str::from_utf8(text) else {
            return ndjson.expect("a line that is not UTF-8 goes through the NDJSON reader");
        };
        let reference = interpret(&self.program, utf8);
        let wasm = run_wasm(&self.policy, &[utf8.to_string()], 1).remove(0);
        assert_eq!(reference, wasm, "{case}: the reference decoder and the batch encoder disagree");
        let outcome = match reference.strip_prefix("bad input: ") {
            Some(error) => Outcome(Err(error.to_string())),
            None => {
                let decision: Value = serde_json::from_str(&reference).unwrap();
                Outcome(Ok(decision["name"].as_str().unwrap().to_string()))
            }
        };
        if let Some(Outcome(line)) = ndjson {
            assert_eq!(line.is_ok(), outcome.0.is_ok(), "{case}: dexpc eval's reader disagrees: {line:?}");
        }
        outcome
    }

    /// The NDJSON reader's outcome, for a text that is one line or is not UTF-8 (whose lines
    /// are then read one by one, and the record is rejected if any line is).
    fn ndjson(&self, text: &[u8]) -> Option<Outcome> {
        if std::str::from_utf8(text).is_ok() && text.iter().any(|&b| b == b'\n' || b == b'\r') {
            return None;
        }
        let mut evaluator = self.policy.evaluator().unwrap();
        let mut out = String::new();
        let summary = evaluator.evaluate_ndjson_bytes(text, 1, &mut out).unwrap();
        let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        Some(Outcome(match (summary.decided, summary.rejected, lines.as_slice()) {
            (1, 0, [line]) => Ok(line["name"].as_str().unwrap().to_string()),
            _ => Err(lines.iter().filter_map(|l| l["error"]["message"].as_str()).collect::<Vec<_>>().join("; ")),
        }))
    }
}

#[test]
fn every_valid_document_is_accepted_and_every_invalid_one_rejected_as_an_undeclared_value() {
    let readers = Readers::new();
    let mut wrong = Vec::new();
    for (name, doc) in suite().iter().filter(|(n, _)| !n.starts_with("i_")) {
        let Outcome(outcome) = readers.outcome(name, &record(Place::Undeclared, doc));
        match (name.starts_with("y_"), outcome) {
            (true, Err(e)) => wrong.push(format!("{name}: rejected: {e}")),
            (false, Ok(_)) => wrong.push(format!("{name}: accepted")),
            _ => {}
        }
    }
    assert!(wrong.is_empty(), "{} wrong:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn string_cases_as_a_declared_field_decode_to_the_text_they_spell() {
    let readers = Readers::new();
    let mut wrong = Vec::new();
    let mut tried = 0;
    for (name, doc) in suite().iter().filter(|(n, _)| n.starts_with("y_string_") || n.starts_with("n_string_")) {
        let Some(inside) = inside_brackets(doc) else { continue };
        tried += 1;
        let Outcome(outcome) = readers.outcome(name, &record(Place::Declared, inside));
        if !name.starts_with("y_") {
            if outcome.is_ok() {
                wrong.push(format!("{name}: accepted"));
            }
            continue;
        }
        // serde_json reads the valid string cases; the decoded text must be the same.
        let spelled: Vec<String> = serde_json::from_slice(doc).unwrap();
        match outcome {
            Ok(text) if text == spelled[0] => {}
            Ok(text) => wrong.push(format!("{name}: decoded {text:?}, spelled {:?}", spelled[0])),
            Err(e) => wrong.push(format!("{name}: rejected: {e}")),
        }
    }
    assert_eq!(tried, 66, "the string cases written as one-element arrays were all found");
    assert!(wrong.is_empty(), "{} wrong:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn what_dexp_does_with_the_implementation_defined_documents_is_recorded() {
    let readers = Readers::new();
    let mut got = String::new();
    for (name, doc) in suite().iter().filter(|(n, _)| n.starts_with("i_")) {
        let mut places = vec![("undeclared", record(Place::Undeclared, doc))];
        if let Some(inside) = inside_brackets(doc).filter(|_| name.starts_with("i_string_")) {
            places.push(("declared", record(Place::Declared, inside)));
        }
        for (place, text) in places {
            let verdict = match readers.outcome(name, &text).0 {
                Ok(_) => "accepted".to_string(),
                Err(e) => format!("rejected: {e}"),
            };
            writeln!(got, "{name} {place}: {verdict}").unwrap();
        }
    }
    let path = root().join("tests/jsontestsuite/i_outcomes.txt");
    if std::env::var_os("BLESS").is_some_and(|v| v != "0" && !v.is_empty()) {
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        got == want,
        "the outcomes of the i_ documents changed (BLESS=1 records them):\n{}",
        got.lines()
            .zip(want.lines().chain(std::iter::repeat("")))
            .filter(|(g, w)| g != w)
            .map(|(g, w)| format!("- {w}\n+ {g}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
