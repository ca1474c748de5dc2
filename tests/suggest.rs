//! Every suggestion `dexpc eval --explain` prints makes its requirement hold.
//!
//! On generated records (`DEXP_SUGGEST_RECORDS`, default 10,000) for the reference policy,
//! each explanation's suggestions are taken from the printed JSON, applied to the record's
//! JSON by this test's own code (paths parsed here, not by the compiler), and the changed
//! record is evaluated by the reference interpreter and by the compiled Wasm module: both must
//! decide it, and neither may list the requirement's code any more.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dexp_compiler::ir::explain;
use dexp_runtime::json;
use dexp_tests::records::Generator;
use dexp_tests::{compile, interpret, read, run_wasm};
use serde_json::Value as Json;

/// One step of a printed path: `name` or `name[3]`.
fn steps(path: &str) -> Vec<(String, Option<usize>)> {
    path.split('.')
        .map(|part| match part.split_once('[') {
            Some((name, index)) => (name.to_string(), Some(index.trim_end_matches(']').parse().unwrap())),
            None => (part.to_string(), None),
        })
        .collect()
}

fn at<'j>(record: &'j mut Json, path: &str) -> &'j mut Json {
    let mut here = record;
    for (name, index) in steps(path) {
        here = here.get_mut(&name).unwrap_or_else(|| panic!("no field {name} in {path}"));
        if let Some(i) = index {
            here = here.get_mut(i).unwrap_or_else(|| panic!("no element {i} in {path}"));
        }
    }
    here
}

/// Applies the printed edits in order.
fn apply(record: &Json, edits: &[Json]) -> Json {
    let mut record = record.clone();
    for edit in edits {
        if let Some(path) = edit["set"].as_str() {
            let slot = at(&mut record, path);
            assert_eq!(*slot, edit["from"], "the suggestion starts from the record's value at {path}");
            *slot = edit["to"].clone();
        } else if let Some(path) = edit["add"].as_str() {
            at(&mut record, path).as_array_mut().expect("a list").push(edit["value"].clone());
        } else if let Some(path) = edit["remove"].as_str() {
            let (list, index) = path.rsplit_once('[').unwrap();
            let index: usize = index.trim_end_matches(']').parse().unwrap();
            at(&mut record, list).as_array_mut().expect("a list").remove(index);
        } else {
            panic!("unknown edit {edit}");
        }
    }
    record
}

fn lists_code(decision: &str, group: &str, code: &str) -> bool {
    let decision: Json = serde_json::from_str(decision).unwrap_or_else(|_| panic!("not decided: {decision}"));
    decision[group]["reasons"].as_array().unwrap().iter().any(|c| c == code)
}

#[test]
fn every_printed_suggestion_makes_its_requirement_hold_in_both_engines() {
    let source = read("policies/defender_experts.dexp");
    let compiled = compile(&source, "defender_experts.dexp");
    let program = &compiled.program;
    let policy = dexp_runtime::Policy::load(&compiled.wasm).unwrap();
    let n: usize = std::env::var("DEXP_SUGGEST_RECORDS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let mut generator = Generator::new(&program.schema, 0x5u64);
    let (mut checked, mut failed_requirements, mut without) = (0, 0, 0);
    let mut changed_lines = Vec::new();
    let mut expectations = Vec::new();
    for _ in 0..n {
        let line = generator.line();
        let record = json::decode_input(&program.schema, &line).unwrap();
        let explanations = explain::explain(program, &record);
        let mut printed = String::new();
        explain::write_json(&mut printed, &program.schema, &explanations);
        let printed: Json = serde_json::from_str(&printed).unwrap();
        let original: Json = serde_json::from_str(&line).unwrap();
        for e in printed.as_array().unwrap() {
            failed_requirements += 1;
            let suggestions = e["suggest"].as_array().unwrap();
            if suggestions.is_empty() {
                assert!(e["no_suggestion"].is_string(), "an explanation without suggestions says so: {e}");
                without += 1;
            }
            for s in suggestions {
                let changed = apply(&original, s["edits"].as_array().unwrap()).to_string();
                let (group, code) = (e["group"].as_str().unwrap(), e["code"].as_str().unwrap());
                let decided = interpret(program, &changed);
                assert!(!lists_code(&decided, group, code), "interpreter: {s} does not fix {group}.{code} of {line}");
                changed_lines.push(changed);
                expectations.push((group.to_string(), code.to_string(), s.to_string()));
                checked += 1;
            }
        }
    }
    let wasm = run_wasm(&policy, &changed_lines, 256);
    for (decision, (group, code, s)) in wasm.iter().zip(&expectations) {
        assert!(!lists_code(decision, group, code), "wasm: {s} does not fix {group}.{code}");
    }
    eprintln!("{checked} suggestions checked for {failed_requirements} failed requirements ({without} without one)");
    assert!(checked > n / 10, "the generated records exercise suggestions: {checked}");
}
