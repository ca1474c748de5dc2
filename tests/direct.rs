//! The direct codec against the NDJSON path: for the reference policy and every test policy,
//! the Rust types `dexpc types --lang rust` wrote for it (`benches/generated.rs`,
//! `tests/direct/*.rs`, held to the generator by `compiler/tests/types.rs`) decide generated
//! records exactly as `evaluate_ndjson` decides their JSON text: the same decisions (every
//! field, compared as the policy's values) and the same evaluation errors with their paths.
//! Records the layout refuses (a string or a list over its limit) get the JSON reader's error
//! and path and lose no other record; types generated for other policy types are refused. A
//! hostile or broken module gives `evaluate_direct` the typed error it gives the NDJSON path,
//! never a decision or a panic.

// Test code: a failed expectation must stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[allow(dead_code)]
#[path = "../benches/generated.rs"]
mod reference;

// The generated types of each test policy, named as the policy's file.
#[allow(dead_code)]
#[path = "direct/constructs.rs"]
mod constructs;
#[allow(dead_code)]
#[path = "direct/decimals.rs"]
mod decimals;
#[allow(dead_code)]
#[path = "direct/failures.rs"]
mod failures;
#[allow(dead_code)]
#[path = "direct/fused_passes.rs"]
mod fused_passes;
#[allow(dead_code)]
#[path = "direct/maps.rs"]
mod maps;
#[allow(dead_code)]
#[path = "direct/nested_and_distinct.rs"]
mod nested_and_distinct;
#[allow(dead_code)]
#[path = "direct/text_and_bindings.rs"]
mod text_and_bindings;

// The runtime's hand-written module and its broken variants, with the types generated from
// its metadata.
#[path = "../runtime/tests/support/policy.rs"]
mod hand;
#[allow(dead_code)]
#[path = "direct/sum_module.rs"]
mod sum_module;

use dexp_runtime::engine::{EvalError, Interrupt, Limits, Runtime};
use dexp_runtime::schema::{Schema, Ty, Value};
use dexp_runtime::typed::direct::{Input, Output};
use dexp_runtime::{date, decimal, json, Policy, RecordError};
use dexp_tests::records::Generator;
use dexp_tests::{compile, read};
use serde::de::DeserializeOwned;
use serde::Serialize;

fn load(path: &str, limits: Limits) -> Policy {
    let compiled = compile(&read(path), path);
    Runtime::new(limits).unwrap().load(&compiled.wasm).expect("the compiled policy loads")
}

/// `value` of type `ty` as the generated types' serde form: the policy's JSON, except that
/// decimals are their exact text as strings (a JSON number would pass through an `f64`).
fn serde_form(schema: &Schema, ty: &Ty, value: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match (ty, value) {
        (_, Value::Null) => J::Null,
        (Ty::Optional(inner), v) => serde_form(schema, inner, v),
        (_, Value::Bool(b)) => J::Bool(*b),
        (_, Value::Int(i)) => J::from(*i),
        (_, Value::Decimal(units)) => J::String(decimal::to_string(*units)),
        (_, Value::Date(day)) => J::String(date::format(*day)),
        (_, Value::Str(s)) => J::String(s.to_string()),
        (Ty::Enum(e), Value::Enum(i)) => J::String(schema.enums[*e as usize].variants[*i as usize].clone()),
        (Ty::List(elem), Value::List(items)) => J::Array(items.iter().map(|v| serde_form(schema, elem, v)).collect()),
        (Ty::Record(r), Value::Record(fields)) => {
            let def = &schema.records[*r as usize];
            J::Object(
                def.fields
                    .iter()
                    .zip(fields.iter())
                    .map(|(f, v)| (f.name.clone(), serde_form(schema, &f.ty, v)))
                    .collect(),
            )
        }
        (Ty::Codes(g), Value::Codes(bits)) => {
            let codes = &schema.groups[*g as usize].codes;
            J::Array(
                codes
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| bits >> i & 1 == 1)
                    .map(|(_, c)| J::String(c.code.clone()))
                    .collect(),
            )
        }
        (Ty::Map(inner), Value::Map(entries)) => {
            J::Object(entries.iter().map(|(k, v)| (k.to_string(), serde_form(schema, inner, v))).collect())
        }
        (ty, value) => panic!("{value:?} is not a value of {ty:?}"),
    }
}

/// Whether a map in `value` has a key twice.
fn repeats_a_key(value: &Value) -> bool {
    match value {
        Value::List(items) | Value::Record(items) => items.iter().any(repeats_a_key),
        Value::Map(entries) => {
            let keys: std::collections::BTreeSet<&str> = entries.iter().map(|(k, _)| &**k).collect();
            keys.len() != entries.len() || entries.iter().any(|(_, v)| repeats_a_key(v))
        }
        _ => false,
    }
}

/// What the JSON path gives for each text: the decision (read back as the policy's values)
/// in its serde form, or the record's error (from the JSON reader or the evaluation).
fn ndjson(policy: &Policy, texts: &[String]) -> Vec<Result<serde_json::Value, RecordError>> {
    let schema = policy.schema();
    let mut evaluator = policy.evaluator().unwrap();
    let mut batch = evaluator.encoder();
    let read: Vec<Result<(), RecordError>> = texts.iter().map(|t| batch.push_json(t)).collect();
    let decisions = evaluator.evaluate_encoded(&batch).unwrap();
    let output = Ty::Record(schema.output);
    let mut next = 0;
    read.into_iter()
        .map(|r| {
            r?;
            let decided = decisions.value(next).unwrap();
            next += 1;
            decided.map(|v| serde_form(schema, &output, &v))
        })
        .collect()
}

/// Decides `n` generated records of the policy at `path` with its generated types and through
/// their JSON text, checks every outcome is the same, and returns how many were decided.
fn agree<I: Input + DeserializeOwned, O: Output + Serialize>(path: &str, n: usize, seed: u64) -> usize {
    // Small batches, so that records cross batch boundaries and areas are reused.
    let policy = load(path, Limits { batch_records: 37, ..Limits::default() });
    let schema = policy.schema().clone();
    let input = Ty::Record(schema.input);
    let mut generator = Generator::new(&schema, seed);
    // A map given a key twice (which the generator writes, to test the JSON reader's refusal)
    // has no `BTreeMap`: such records cannot be host values and are left out.
    let values: Vec<Value> = (0..n).map(|_| generator.record()).filter(|v| !repeats_a_key(v)).collect();
    assert!(values.len() > n / 2, "{path}: {} of {n} records kept", values.len());
    let n = values.len();
    let texts: Vec<String> = values
        .iter()
        .map(|v| {
            let mut out = String::new();
            json::write_value(&mut out, &schema, &input, v);
            out
        })
        .collect();
    let inputs: Vec<I> =
        values.iter().map(|v| serde_json::from_value(serde_form(&schema, &input, v)).unwrap()).collect();
    let expected = ndjson(&policy, &texts);
    let actual: Vec<Result<O, RecordError>> = policy.evaluator().unwrap().evaluate_direct(&inputs).unwrap();
    assert_eq!(actual.len(), n);
    let mut decided = 0;
    for (i, (want, got)) in expected.iter().zip(&actual).enumerate() {
        match (want, got) {
            (Ok(want), Ok(got)) => {
                assert_eq!(&serde_json::to_value(got).unwrap(), want, "{path}: record {i}: {}", texts[i]);
                decided += 1;
            }
            (Err(want), Err(got)) => assert_eq!(got, want, "{path}: record {i}: {}", texts[i]),
            (want, got) => panic!("{path}: record {i}: NDJSON gave {want:?}, direct gave {:?}", got.as_ref().err()),
        }
    }
    decided
}

#[test]
fn the_reference_policy_agrees_with_ndjson() {
    let decided = agree::<reference::PolicyInput, reference::PolicyDecision>("policies/defender_experts.dexp", 3000, 1);
    assert!(decided > 1000, "{decided} decided");
}

#[test]
fn every_test_policy_agrees_with_ndjson() {
    // Every policy decides some records and fails others (overflow, division, date range):
    // both outcomes are compared.
    let counts = [
        agree::<constructs::PolicyInput, constructs::PolicyDecision>("tests/policies/constructs.dexp", 2000, 2),
        agree::<decimals::PolicyInput, decimals::PolicyDecision>("tests/policies/decimals.dexp", 2000, 3),
        agree::<failures::PolicyInput, failures::PolicyDecision>("tests/policies/failures.dexp", 2000, 4),
        agree::<fused_passes::PolicyInput, fused_passes::PolicyDecision>("tests/policies/fused_passes.dexp", 2000, 5),
        agree::<maps::PolicyInput, maps::PolicyDecision>("tests/policies/maps.dexp", 2000, 6),
        agree::<nested_and_distinct::PolicyInput, nested_and_distinct::PolicyDecision>(
            "tests/policies/nested_and_distinct.dexp",
            2000,
            7,
        ),
        agree::<text_and_bindings::PolicyInput, text_and_bindings::PolicyDecision>(
            "tests/policies/text_and_bindings.dexp",
            2000,
            8,
        ),
    ];
    assert!(counts.iter().all(|&c| c > 0), "{counts:?}");
}

/// The first tenant of the golden corpus that has servers and products, as the generated type.
fn tenant() -> reference::Tenant {
    let corpus = read("tests/golden/corpus-tenants.ndjson");
    let tenants = corpus.lines().filter_map(|l| serde_json::from_str::<reference::Tenant>(l).ok());
    tenants.into_iter().find(|t| !t.servers.is_empty() && !t.products.is_empty()).unwrap()
}

#[test]
fn records_over_the_limits_get_the_json_errors_and_lose_no_other_record() {
    let policy = load("policies/defender_experts.dexp", Limits::default());
    let good = tenant();
    let mut long_id = tenant();
    let server = long_id.servers[0].clone();
    long_id.servers = vec![server.clone(), server.clone()];
    long_id.servers[1].id = "x".repeat(json::MAX_STRING_BYTES + 1);
    let mut many = tenant();
    let entry = many.products.first().cloned().unwrap();
    many.products = vec![entry; json::MAX_LIST_ITEMS + 1];
    let inputs = vec![good.clone(), long_id.clone(), good.clone(), many.clone(), good.clone()];
    let texts: Vec<String> = inputs.iter().map(|t| serde_json::to_string(t).unwrap()).collect();
    let expected = ndjson(&policy, &texts);
    let actual: Vec<Result<reference::Decision, RecordError>> =
        policy.evaluator().unwrap().evaluate_direct(&inputs).unwrap();
    let errors: Vec<&RecordError> = actual.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].path, "servers[1].id");
    assert!(errors[0].message.contains("longer than the limit"), "{}", errors[0].message);
    assert_eq!(errors[1].path, "products");
    for (i, (want, got)) in expected.iter().zip(&actual).enumerate() {
        match (want, got) {
            (Ok(want), Ok(got)) => assert_eq!(&serde_json::to_value(got).unwrap(), want, "record {i}"),
            (Err(want), Err(got)) => assert_eq!(got, want, "record {i}"),
            _ => panic!("record {i}: {want:?} against {:?}", got.as_ref().err()),
        }
    }
}

#[test]
fn types_generated_for_other_policy_types_are_refused() {
    let maps = load("tests/policies/maps.dexp", Limits::default());
    let mut evaluator = maps.evaluator().unwrap();
    let result = evaluator.evaluate_direct::<reference::Tenant, reference::Decision>(&[tenant()]);
    match result {
        Err(EvalError::ForeignTypes(message)) => assert!(message.contains("dexpc types --lang rust"), "{message}"),
        other => panic!("expected ForeignTypes, got {:?}", other.map(|r| r.len())),
    }
    let mut batch = evaluator.encoder();
    let refused = batch.push_direct(&tenant()).unwrap_err();
    assert!(refused.message.contains("other policy types"), "{}", refused.message);
    assert!(batch.is_empty());
    // The same types fit the policy they were generated for, and a new version of it whose
    // types did not change: a rule edited, its fingerprint the same.
    let source = read("policies/defender_experts.dexp");
    let reference = load("policies/defender_experts.dexp", Limits::default());
    assert_eq!(reference.shape().fingerprint(), reference::LAYOUT);
    let edited = source.replacen("const quarterly_credits = 10", "const quarterly_credits = 11", 1);
    assert_ne!(edited, source);
    let compiled = compile(&edited, "edited.dexp");
    let edited = Runtime::new(Limits::default()).unwrap().load(&compiled.wasm).unwrap();
    assert_eq!(edited.shape().fingerprint(), reference::LAYOUT);
    assert_ne!(maps.shape().fingerprint(), reference::LAYOUT);
}

/// The hand-written module's records: one decided, one with a reason code, one whose sum
/// overflows (a failed record).
fn sum_inputs() -> Vec<sum_module::Input> {
    [("a", 1, 2), ("b", -5, 2), ("c", i64::MAX, 1)]
        .into_iter()
        .map(|(id, a, b)| sum_module::Input { id: id.into(), a, b })
        .collect()
}

#[test]
fn broken_modules_give_evaluate_direct_the_errors_they_give_ndjson() {
    let runtime = Runtime::new(Limits {
        interrupt: Interrupt::Deadline(std::time::Duration::from_millis(30)),
        memory_bytes: 8 << 20,
        ..Limits::default()
    })
    .unwrap();
    let inputs = sum_inputs();
    let lines: Vec<String> = inputs.iter().map(|i| serde_json::to_string(i).unwrap()).collect();

    // The module as written decides as the NDJSON path does.
    let good = runtime.load(&hand::build(&hand::Spec::default())).unwrap();
    let got = good.evaluator().unwrap().evaluate_direct::<_, sum_module::Output>(&inputs).unwrap();
    let want = ndjson(&good, &lines);
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], Ok(sum_module::Output { id: "a".into(), sum: 3, reasons: vec![] }));
    assert_eq!(
        got[1],
        Ok(sum_module::Output { id: "b".into(), sum: -3, reasons: vec![sum_module::RCode::NegativeSum] })
    );
    assert_eq!(got[2].as_ref().unwrap_err(), want[2].as_ref().unwrap_err());
    assert_eq!(got[2].as_ref().unwrap_err().path, "a + b");

    // Each broken module fails the batch with the NDJSON path's error: statuses and sites it
    // does not know, codes outside the group, a string outside the memory, a bad `var_end`,
    // slots never written, and the limits (deadline, memory, stack) and traps.
    let bodies = [
        hand::Body::Status(7, 0),
        hand::Body::Status(1, 3),
        hand::Body::Codes(1 << 2),
        hand::Body::IdOffset(1 << 30),
        hand::Body::VarEnd(0),
        hand::Body::VarEnd(-1),
        hand::Body::SkipSlots,
        hand::Body::LoopForever,
        hand::Body::GrowForever,
        hand::Body::Recurse,
        hand::Body::Unreachable,
    ];
    for body in bodies {
        let policy = runtime.load(&hand::build(&hand::Spec::body(body))).unwrap();
        let mut out = String::new();
        let text = lines.join("\n");
        let want = policy.evaluator().unwrap().evaluate_ndjson(&text, 1, &mut out).unwrap_err();
        let mut evaluator = policy.evaluator().unwrap();
        let got = evaluator.evaluate_direct::<_, sum_module::Output>(&inputs);
        match (&got, &want) {
            (Err(EvalError::Trap(_)), EvalError::Trap(_)) => {}
            (Err(got), want) => assert_eq!(got, want, "{body:?}"),
            (Ok(decided), _) => panic!("{body:?}: {} results instead of {want:?}", decided.len()),
        }
        // The evaluator recovers: the good module's records still decide on a new instance.
        if let Ok(mut fine) = good.evaluator() {
            assert_eq!(fine.evaluate_direct::<_, sum_module::Output>(&inputs).unwrap().len(), 3);
        }
    }
}

#[test]
fn mutated_modules_never_crash_evaluate_direct() {
    let runtime = Runtime::new(Limits {
        interrupt: Interrupt::Deadline(std::time::Duration::from_millis(30)),
        memory_bytes: 8 << 20,
        ..Limits::default()
    })
    .unwrap();
    let good = hand::build(&hand::Spec::default());
    // The module's code comes before its `dexp` section: mutate only the code, so that the
    // metadata (and the types' fingerprint) still fits.
    let code_len = hand::build(&hand::Spec { sections: vec![], ..hand::Spec::default() }).len();
    let inputs = sum_inputs();
    let mut state = 11u64;
    let mut below = |n: usize| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as usize) % n
    };
    let (mut ran, mut decided) = (0, 0);
    for _ in 0..300 {
        let mut bytes = good.clone();
        for _ in 0..1 + below(3) {
            let at = below(code_len);
            bytes[at] = below(256) as u8;
        }
        let Ok(policy) = runtime.load(&bytes) else { continue };
        let Ok(mut evaluator) = policy.evaluator() else { continue };
        ran += 1;
        // Whatever the code does, the batch ends in one result per record or a typed error.
        if let Ok(results) = evaluator.evaluate_direct::<_, sum_module::Output>(&inputs) {
            assert_eq!(results.len(), inputs.len());
            decided += 1;
        }
    }
    // Deterministic for the seed: some mutants load and run, and some of those still decide.
    assert!(ran > 5 && decided > 0, "{ran} ran, {decided} decided");
}
