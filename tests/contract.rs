//! The decision contract's examples through the compiled module: the reference policy is
//! compiled to Wasm, loaded with `dexp-runtime`, and must reproduce
//! `policies/examples/decisions.ndjson` from `tenants.ndjson` exactly (compared as JSON
//! values), and give `bad-decisions.ndjson`'s lines, decisions and error paths for
//! `bad-tenants.ndjson`.

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
fn bad_tenants_give_the_contract_lines_decisions_and_error_paths() {
    let policy = policy();
    let actual = evaluate(&policy, &read("policies/examples/bad-tenants.ndjson"));
    let expected = expected("policies/examples/bad-decisions.ndjson");
    assert_eq!(actual.len(), expected.len(), "one line per input line");
    let mut errors = 0;
    for (i, (a, e)) in actual.iter().zip(&expected).enumerate() {
        match e.get("error") {
            Some(error) => {
                errors += 1;
                assert_eq!(a.get("line"), e.get("line"), "line number of entry {i}");
                let path = |v: &Value| v.get("error").and_then(|x| x.get("path")).cloned();
                assert_eq!(path(a), error.get("path").cloned(), "error path of entry {i}");
            }
            None => assert_eq!(a, e, "decision of entry {i}"),
        }
    }
    assert!(errors > 0, "the bad examples include rejected records");
}
