//! The decision contract's examples through the compiled module: the reference policy is
//! compiled to Wasm, loaded with `dexp-runtime`, and must reproduce
//! `policies/examples/decisions.ndjson` from `tenants.ndjson` exactly (compared as JSON
//! values), and give exactly the bytes of `bad-decisions.ndjson` for `bad-tenants.ndjson`.

// Test code: a failed expectation must stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dexp_runtime::Policy;
use dexp_tests::{compile, read};
use serde_json::Value;

fn policy() -> Policy {
    let source = read("policies/defender_experts.dexp");
    let compiled = compile(&source, "defender_experts.dexp");
    Policy::load(&compiled.wasm).expect("the compiled policy loads")
}

fn evaluate(policy: &Policy, input: &str) -> Vec<Value> {
    let mut evaluator = policy.evaluator().expect("an evaluator");
    let mut out = String::new();
    evaluator.evaluate_ndjson(input, 1, &mut out).expect("the batch runs");
    out.lines().map(|l| serde_json::from_str(l).expect("each output line is JSON")).collect()
}

fn expected(path: &str) -> Vec<Value> {
    read(path)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("each expected line is JSON"))
        .collect()
}

#[test]
fn tenants_give_exactly_the_contract_decisions() {
    let policy = policy();
    let actual = evaluate(&policy, &read("policies/examples/tenants.ndjson"));
    let expected = expected("policies/examples/decisions.ndjson");
    assert_eq!(actual.len(), expected.len(), "one decision per tenant");
    for (i, (a, e)) in actual.iter().zip(&expected).enumerate() {
        assert_eq!(a, e, "tenant on line {}", i + 1);
    }
}

#[test]
fn bad_tenants_give_exactly_the_bad_decisions_file() {
    let policy = policy();
    let mut evaluator = policy.evaluator().expect("an evaluator");
    let mut out = String::new();
    let input = read("policies/examples/bad-tenants.ndjson");
    let summary = evaluator.evaluate_ndjson_bytes(input.as_bytes(), 1, &mut out).expect("the batch runs");
    assert_eq!(out, read("policies/examples/bad-decisions.ndjson"), "byte for byte");
    assert_eq!((summary.decided, summary.rejected), (6, 6));
}
