//! The instrumented module against the plain module and the reference interpreter: it makes
//! the same decisions (contract examples and generated records), its counters say what the
//! interpreter says about the same records, and they accumulate across batches and survive a
//! batch that traps.

// Test code: a failed expectation must stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dexp_compiler::ir::{interp, GroupKind, Program};
use dexp_runtime::abi::CounterKind;
use dexp_runtime::engine::{Interrupt, Limits, Runtime};
use dexp_runtime::{json, EvalError, Policy};
use dexp_tests::records::Generator;
use dexp_tests::{assert_same, compile, read, run_wasm};
use serde_json::Value;

const REFERENCE: &str = "policies/defender_experts.dexp";

fn instrumented(source: &str) -> dexp_compiler::Compiled {
    dexp_compiler::compile_instrumented(source).expect("the policy compiles instrumented")
}

fn ndjson(policy: &Policy, input: &str) -> String {
    let mut out = String::new();
    policy.evaluator().unwrap().evaluate_ndjson(input, 1, &mut out).expect("the batch runs");
    out
}

#[test]
fn the_contract_examples_get_the_same_lines_from_both_builds() {
    let source = read(REFERENCE);
    let plain = Policy::load(&compile(&source, REFERENCE).wasm).unwrap();
    let counted = Policy::load(&instrumented(&source).wasm).unwrap();
    for file in ["policies/examples/tenants.ndjson", "policies/examples/bad-tenants.ndjson"] {
        let input = read(file);
        let expected = ndjson(&plain, &input);
        assert!(expected.lines().count() > 5, "{file}");
        assert_eq!(ndjson(&counted, &input), expected, "{file}");
    }
}

#[test]
fn generated_records_get_the_same_outcomes_from_both_builds() {
    for path in [
        REFERENCE,
        "tests/policies/constructs.dexp",
        "tests/policies/failures.dexp",
        "tests/policies/text_and_bindings.dexp",
        "tests/policies/nested_and_distinct.dexp",
        "tests/policies/maps.dexp",
        "tests/policies/decimals.dexp",
        "tests/policies/fused_passes.dexp",
    ] {
        let source = read(path);
        let plain = compile(&source, path);
        let counted = instrumented(&source);
        let lines = Generator::new(&plain.program.schema, 7).lines(3000);
        let expected = run_wasm(&Policy::load(&plain.wasm).unwrap(), &lines, 250);
        let actual = run_wasm(&Policy::load(&counted.wasm).unwrap(), &lines, 250);
        assert_same(path, &lines, &expected, &actual);
    }
}

/// Index of the counter of `kind` owned by `owner`.
fn counter(policy: &Policy, kind: CounterKind, owner: &str) -> usize {
    let table = policy.metadata().coverage.as_ref().unwrap();
    table.iter().position(|c| c.kind == kind && c.owner == owner).unwrap_or_else(|| panic!("{kind:?} {owner}"))
}

/// Generated records of a policy that the interpreter decides, with their input
/// JSON.
fn decided_records(program: &Program, n: usize) -> Vec<(String, dexp_runtime::schema::Value)> {
    let mut out = Vec::new();
    for line in Generator::new(&program.schema, 11).lines(n) {
        let Ok(input) = json::decode_input(&program.schema, &line) else { continue };
        if interp::evaluate(program, &input).is_ok() {
            out.push((line, input));
        }
    }
    out
}

#[test]
fn counters_match_what_the_interpreter_says_for_the_same_records() {
    let source = read(REFERENCE);
    let compiled = instrumented(&source);
    let program = &compiled.program;
    let policy = Policy::load(&compiled.wasm).unwrap();
    let records = decided_records(program, 3000);
    assert!(records.len() > 1500, "most generated records are decided: {}", records.len());
    // More records than one batch holds: the counts add up across batches.
    let text: Vec<&str> = records.iter().map(|(line, _)| line.as_str()).collect();
    let mut evaluator = policy.evaluator().unwrap();
    let mut out = String::new();
    evaluator.evaluate_ndjson(&text.join("\n"), 1, &mut out).unwrap();
    let counts = evaluator.coverage().unwrap();

    // Every group is read by the output, so each decided record evaluates every rule once.
    let mut expected = vec![0u64; counts.len()];
    let mut xdr_failed = 0;
    for (_, input) in &records {
        for (g, group) in program.groups.iter().enumerate() {
            let bits = interp::evaluate_group(program, input, g as u32).unwrap();
            if group.name == "xdr" && bits != 0 {
                xdr_failed += 1;
            }
            for (i, rule) in group.rules.iter().enumerate() {
                let listed = bits & (1 << i) != 0;
                let holds = listed == (group.kind == GroupKind::Advisories);
                let (kind, owner) = match (group.kind, holds) {
                    (GroupKind::Requirements, true) => (CounterKind::RequirementHolds, &rule.code),
                    (GroupKind::Requirements, false) => (CounterKind::RequirementFails, &rule.code),
                    (GroupKind::Advisories, true) => (CounterKind::AdvisoryHolds, &rule.code),
                    (GroupKind::Advisories, false) => (CounterKind::AdvisoryFails, &rule.code),
                };
                expected[counter(&policy, kind, &format!("{}.{owner}", group.name))] += 1;
            }
        }
    }
    let rules: Vec<usize> =
        (0..counts.len()).filter(|&i| policy.metadata().coverage.as_ref().unwrap()[i].kind.is_rule()).collect();
    for &i in &rules {
        assert_eq!(counts[i], expected[i], "counter {i}: {:?}", policy.metadata().coverage.as_ref().unwrap()[i]);
    }
    let n = records.len() as u64;
    assert!(xdr_failed > 0 && xdr_failed < n, "both outcomes of `xdr.ok` occur: {xdr_failed} of {n}");

    // Branches whose outcome the interpreter's group results or the input tell.
    let then = |owner| counts[counter(&policy, CounterKind::Then, owner)];
    let otherwise = |owner| counts[counter(&policy, CounterKind::Else, owner)];
    assert_eq!((then("covered_servers"), otherwise("covered_servers")), (xdr_failed, n - xdr_failed));
    // `product_coverage` is called for each of the four products of every record.
    assert_eq!((then("product_coverage"), otherwise("product_coverage")), (4 * xdr_failed, 4 * (n - xdr_failed)));
    let field = |line: &str, path: &[&str]| {
        let mut v: Value = serde_json::from_str(line).unwrap();
        for key in path {
            v = v[*key].take();
        }
        v
    };
    let eu = records.iter().filter(|(l, _)| field(l, &["eu_data_boundary"]) == Value::Bool(true)).count() as u64;
    assert_eq!((then("output"), otherwise("output")), (eu, n - eu));
    let arms: Vec<u64> = policy
        .metadata()
        .coverage
        .as_ref()
        .unwrap()
        .iter()
        .zip(&counts)
        .filter(|(c, _)| c.kind == CounterKind::Arm && c.owner == "data_deleted_by")
        .map(|(_, n)| *n)
        .collect();
    let status = |s: &str| {
        records.iter().filter(|(l, _)| field(l, &["subscription", "status"]) == Value::String(s.into())).count() as u64
    };
    assert_eq!(arms, [status("active"), status("expired"), status("terminated")]);
}

/// An `if` that a plain build evaluates without branches (a helper's body on the right of an
/// `and`) is counted by the instrumented build only when the source evaluates it: the plain
/// build's liberty must not leak into the counts.
#[test]
fn an_if_on_the_right_of_an_and_is_counted_only_when_reached() {
    let compiled = instrumented(&read("tests/policies/fused_passes.dexp"));
    let program = &compiled.program;
    let policy = Policy::load(&compiled.wasm).unwrap();
    let records = decided_records(program, 2000);
    assert!(records.len() > 500, "{} records decided", records.len());
    let text: Vec<&str> = records.iter().map(|(line, _)| line.as_str()).collect();
    let mut evaluator = policy.evaluator().unwrap();
    let mut out = String::new();
    evaluator.evaluate_ndjson(&text.join("\n"), 1, &mut out).unwrap();
    let counts = evaluator.coverage().unwrap();
    // `big_preferred: limit > 0 and is_big(preferred)`, `is_big`: `if k == seat then ...`.
    let (mut then, mut otherwise) = (0, 0);
    for (line, _) in &records {
        let v: Value = serde_json::from_str(line).unwrap();
        if v["limit"].as_i64().unwrap() > 0 {
            if v["preferred"] == "seat" {
                then += 1;
            } else {
                otherwise += 1;
            }
        }
    }
    assert!(then > 0 && otherwise > 0 && then + otherwise < records.len() as u64, "{then} {otherwise}");
    let got = |kind| counts[counter(&policy, kind, "is_big")];
    assert_eq!((got(CounterKind::Then), got(CounterKind::Else)), (then, otherwise));
}

#[test]
fn counters_accumulate_across_batches_and_survive_a_batch_that_traps() {
    let source = read(REFERENCE);
    let limits = Limits { interrupt: Interrupt::Fuel { per_record: 200_000 }, ..Limits::default() };
    let runtime = Runtime::new(limits).unwrap();
    let policy = runtime.load(&instrumented(&source).wasm).unwrap();
    let tenants = read("policies/examples/tenants.ndjson");
    let mut huge: Value = serde_json::from_str(tenants.lines().next().unwrap()).unwrap();
    let product = huge["products"][0].clone();
    huge["products"] = Value::Array(vec![product; 50_000]);
    let huge = huge.to_string();

    let mut evaluator = policy.evaluator().unwrap();
    let n = policy.metadata().coverage.as_ref().unwrap().len();
    assert_eq!(evaluator.coverage(), Some(vec![0; n]));
    let mut out = String::new();
    evaluator.evaluate_ndjson(&tenants, 1, &mut out).unwrap();
    let once = evaluator.coverage().unwrap();
    assert!(once.iter().sum::<u64>() > 0);
    evaluator.evaluate_ndjson(&tenants, 1, &mut out).unwrap();
    let twice: Vec<u64> = once.iter().map(|c| 2 * c).collect();
    assert_eq!(evaluator.coverage().unwrap(), twice);
    // A batch over its fuel traps: it adds nothing, and the next instance counts on.
    let trapped = evaluator.evaluate_ndjson(&huge, 1, &mut out);
    assert!(matches!(trapped, Err(EvalError::FuelExhausted(_))), "{trapped:?}");
    assert_eq!(evaluator.coverage().unwrap(), twice);
    evaluator.evaluate_ndjson(&tenants, 1, &mut out).unwrap();
    assert_eq!(evaluator.coverage().unwrap(), once.iter().map(|c| 3 * c).collect::<Vec<_>>());
    // Another evaluator has its own instance and counts.
    assert_eq!(policy.evaluator().unwrap().coverage(), Some(vec![0; n]));
}
