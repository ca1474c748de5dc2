//! The typed API against the NDJSON path: for every record of the golden corpus and of
//! generated records, `Evaluator::evaluate_typed` gives what `evaluate_ndjson` gives for the
//! record's JSON (the decision, or the error's path and message), for host structs
//! deserialized from the corpus and for `serde_json::Value` inputs; `Decisions::deserialize`
//! and `Decisions::view` read what `Decisions::write_json` and `Decisions::value` read.

// Test code: a failed expectation must stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

/// The reference policy's host types, shared with the benches.
#[path = "../benches/host.rs"]
mod host;

use dexp_runtime::engine::{Limits, Runtime};
use dexp_runtime::schema::{Schema, Ty, Value};
use dexp_runtime::typed::view::{DecisionView, FieldView};
use dexp_runtime::{Policy, RecordError};
use dexp_testkit::Rng;
use dexp_tests::records::Generator;
use dexp_tests::{compile, read, root};
use host::{Decision, Tenant};
use serde::de::DeserializeOwned;
use serde::Serialize;

fn load(source: &str, name: &str, limits: Limits) -> Policy {
    let compiled = compile(source, name);
    Runtime::new(limits).unwrap().load(&compiled.wasm).expect("the compiled policy loads")
}

fn reference_policy(limits: Limits) -> Policy {
    load(&read("policies/defender_experts.dexp"), "defender_experts.dexp", limits)
}

/// What the NDJSON path gives for each record's JSON text: the decision, or the error's path
/// and message.
fn ndjson<O: DeserializeOwned>(policy: &Policy, texts: &[String]) -> Vec<Result<O, RecordError>> {
    let mut out = String::new();
    policy.evaluator().unwrap().evaluate_ndjson(&texts.join("\n"), 1, &mut out).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), texts.len());
    lines
        .into_iter()
        .map(|line| {
            let tree: serde_json::Value = serde_json::from_str(line).unwrap();
            match (tree.get("line"), tree.get("error")) {
                (Some(_), Some(error)) => Err(RecordError {
                    path: error["path"].as_str().unwrap().into(),
                    message: error["message"].as_str().unwrap().into(),
                }),
                _ => Ok(serde_json::from_value(tree).unwrap()),
            }
        })
        .collect()
}

/// Evaluates `inputs` with the typed API and through the JSON text of each, and checks that
/// every record has the same outcome. Returns how many were decided and rejected.
fn agree<I: Serialize, O: DeserializeOwned + PartialEq + std::fmt::Debug>(
    policy: &Policy,
    inputs: &[I],
) -> (usize, usize) {
    let typed: Vec<Result<O, RecordError>> = policy.evaluator().unwrap().evaluate_typed(inputs).unwrap();
    let texts: Vec<String> = inputs.iter().map(|i| serde_json::to_string(i).unwrap()).collect();
    let want: Vec<Result<O, RecordError>> = ndjson(policy, &texts);
    assert_eq!(typed.len(), inputs.len());
    for (i, (got, want)) in typed.iter().zip(&want).enumerate() {
        assert_eq!(got, want, "record {i}: {}", texts[i]);
    }
    let decided = typed.iter().filter(|r| r.is_ok()).count();
    (decided, typed.len() - decided)
}

fn corpus() -> Vec<String> {
    read("tests/golden/corpus-tenants.ndjson").lines().map(str::to_owned).collect()
}

#[test]
fn golden_corpus_as_json_values_agrees_with_ndjson() {
    let policy = reference_policy(Limits::default());
    let lines = corpus();
    let values: Vec<serde_json::Value> = lines.iter().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert!(values.len() > 2900, "{} of {} lines are JSON", values.len(), lines.len());
    let (decided, rejected) = agree::<_, serde_json::Value>(&policy, &values);
    assert!(decided > 2500 && rejected > 50, "{decided} decided, {rejected} rejected");
    // The same outcomes as the corpus's recorded decisions, wherever the value's text is the
    // line's own meaning (every line that is JSON without a key given twice).
    let golden: Vec<serde_json::Value> =
        read("tests/golden/corpus-decisions.ndjson").lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let typed: Vec<Result<serde_json::Value, RecordError>> =
        policy.evaluator().unwrap().evaluate_typed(&values).unwrap();
    let mut same = 0;
    let mut k = 0;
    for (line, want) in lines.iter().zip(&golden) {
        if serde_json::from_str::<serde_json::Value>(line).is_err() {
            continue;
        }
        let got = &typed[k];
        k += 1;
        match got {
            Ok(decision) if decision == want => same += 1,
            Err(e) if want["error"]["message"] == e.message.as_str() && want["error"]["path"] == e.path.as_str() => {
                same += 1
            }
            _ => assert!(want["error"]["message"] == "duplicate field", "{line}: {got:?} / {want}"),
        }
    }
    assert!(same > 2900, "{same} agree with the recorded decisions");
}

#[test]
fn golden_corpus_as_host_structs_agrees_with_ndjson() {
    let lines = corpus();
    let tenants: Vec<Tenant> = lines.iter().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert!(tenants.len() > 2500, "{} tenants read", tenants.len());
    // The default batches, and small ones (by records, by bytes) so that records cross many
    // batch boundaries.
    let small =
        [Limits { batch_records: 7, ..Limits::default() }, Limits { batch_bytes: 2 << 10, ..Limits::default() }];
    for limits in [Limits::default()].into_iter().chain(small) {
        let policy = reference_policy(limits);
        let (decided, rejected) = agree::<_, Decision>(&policy, &tenants);
        assert!(decided > 2500 && rejected > 10, "{decided} decided, {rejected} rejected");
    }
}

#[test]
fn typed_batches_close_by_bytes_as_ndjson_batches_do() {
    // Three tenants with 900 KiB ids under a 2 MiB memory cap: batches closed at the default
    // 256 KiB hold one tenant each and all three are decided; one batch of all three (batches
    // closed at 8 MiB) cannot be loaded, and the call fails as a whole.
    let lines = corpus();
    let mut tenant = lines.iter().find_map(|l| serde_json::from_str::<Tenant>(l).ok()).unwrap();
    tenant.tenant_id = "x".repeat(900 << 10);
    let tenants = vec![tenant.clone(), tenant.clone(), tenant];
    let capped = reference_policy(Limits { memory_bytes: 2 << 20, ..Limits::default() });
    let results: Vec<Result<Decision, _>> = capped.evaluator().unwrap().evaluate_typed(&tenants).unwrap();
    assert_eq!(results.len(), 3);
    for result in &results {
        assert_eq!(result.as_ref().map(|d| d.tenant_id.len()), Ok(900 << 10));
    }
    let one_batch = reference_policy(Limits { memory_bytes: 2 << 20, batch_bytes: 8 << 20, ..Limits::default() });
    let refused = one_batch.evaluator().unwrap().evaluate_typed::<_, Decision>(&tenants);
    assert!(matches!(refused, Err(dexp_runtime::EvalError::MemoryLimit(_))), "{refused:?}");
}

/// A JSON value with one place replaced by something of another kind, so that generated
/// records also fail in every way the reader reports.
fn break_one(value: &mut serde_json::Value, rng: &mut Rng) {
    let wrong = || {
        [
            serde_json::Value::Null,
            serde_json::json!("text"),
            serde_json::json!(1.5),
            serde_json::json!(2.0),
            serde_json::json!(u64::MAX),
            serde_json::json!(-7),
            serde_json::json!(true),
            serde_json::json!([1, "x"]),
            serde_json::json!({"z": 1}),
            serde_json::json!("2024-02-30"),
        ]
    };
    match value {
        serde_json::Value::Object(map) if !map.is_empty() => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = &keys[rng.index(keys.len())];
            if rng.percent(30) {
                if rng.percent(20) {
                    map.remove(key);
                } else {
                    map[key] = wrong()[rng.index(10)].clone();
                }
                return;
            }
            break_one(map.get_mut(key).unwrap(), rng);
        }
        serde_json::Value::Array(items) if !items.is_empty() => {
            let i = rng.index(items.len());
            break_one(&mut items[i], rng);
        }
        other => *other = wrong()[rng.index(10)].clone(),
    }
}

fn test_policies() -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(root().join("tests/policies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "dexp"))
        .collect();
    files.sort();
    let mut policies: Vec<(String, String)> = files
        .into_iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    policies.push(("defender_experts.dexp".into(), read("policies/defender_experts.dexp")));
    policies
}

#[test]
fn generated_records_agree_with_ndjson_for_every_policy() {
    let policies = test_policies();
    assert!(policies.len() >= 3);
    for (name, source) in policies {
        let policy = load(&source, &name, Limits::default());
        let schema = policy.schema().clone();
        let mut generator = Generator::new(&schema, 0x7e9ed ^ name.len() as u64);
        let mut rng = Rng::new(0x5eed);
        let mut values: Vec<serde_json::Value> =
            generator.lines(1500).iter().map(|l| serde_json::from_str(l).unwrap()).collect();
        for value in values.iter_mut().skip(1).step_by(3) {
            break_one(value, &mut rng);
        }
        let (decided, rejected) = agree::<_, serde_json::Value>(&policy, &values);
        assert!(decided > 100 && rejected > 400, "{name}: {decided} decided, {rejected} rejected");
    }
}

#[test]
fn maps_agree_with_ndjson_and_read_back_through_the_view() {
    let source = "policy m version \"1\"\nrecord T { id: string, seats: map of string to int }\n\
                  record D { n: int, a: int, seats: map of string to int }\ninput T key id\n\
                  output D { n: len(seats), a: seats[\"a\"] ?? -1, seats: seats }\n";
    let policy = load(source, "m", Limits::default());
    #[derive(serde::Serialize)]
    struct T {
        id: &'static str,
        seats: std::collections::HashMap<&'static str, i64>,
    }
    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct D {
        n: i64,
        a: i64,
        seats: std::collections::BTreeMap<String, i64>,
    }
    let inputs: Vec<T> = (0..50)
        .map(|i| T {
            id: "t",
            seats: [("b", i), ("a", 1), ("é", 2), ("", 3)].into_iter().take(i as usize % 5).collect(),
        })
        .collect();
    let (decided, rejected) = agree::<_, D>(&policy, &inputs);
    assert_eq!((decided, rejected), (50, 0));
    let mut evaluator = policy.evaluator().unwrap();
    let mut batch = evaluator.encoder();
    batch.push_serialize(&inputs[4]).unwrap();
    let decisions = evaluator.evaluate_encoded(&batch).unwrap();
    let view = decisions.view(0).unwrap().unwrap();
    let seats = view.get("seats").unwrap().map().unwrap();
    let keys: Vec<&str> = seats.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["", "a", "b", "é"]);
    assert_eq!(seats.get("a").unwrap().int().unwrap(), 1);
    assert!(seats.get("c").is_none());
    assert_eq!(view.get("n").unwrap().int().unwrap(), 4);
}

/// Reads a whole decision value through the view.
fn walk(view: FieldView<'_>, ty: &Ty, schema: &Schema) -> Value {
    match ty {
        Ty::Bool => Value::Bool(view.bool().unwrap()),
        Ty::Int => Value::Int(view.int().unwrap()),
        Ty::Decimal => Value::Decimal(view.decimal().unwrap()),
        Ty::Date => Value::Date(view.date().unwrap()),
        Ty::String => Value::Str(view.str().unwrap().into()),
        Ty::Enum(_) => Value::Enum(view.variant_index().unwrap()),
        Ty::Codes(_) => {
            let codes = view.codes().unwrap();
            assert_eq!(codes.clone().count() as u32, codes.bits().count_ones());
            Value::Codes(codes.bits())
        }
        Ty::Optional(inner) => view.optional().unwrap().map_or(Value::Null, |v| walk(v, inner, schema)),
        Ty::List(elem) => Value::List(view.list().unwrap().iter().map(|v| walk(v, elem, schema)).collect()),
        Ty::Record(r) => record(&view.record().unwrap(), *r, schema),
        Ty::Map(value) => {
            let map = view.map().unwrap();
            Value::Map(map.iter().map(|(k, v)| (k.into(), walk(v, value, schema))).collect())
        }
        Ty::Entry(_) => panic!("no schema holds a map entry"),
    }
}

fn record(view: &DecisionView<'_>, r: u32, schema: &Schema) -> Value {
    let def = schema.record(r).unwrap();
    Value::Record(def.fields.iter().map(|f| walk(view.get(&f.name).unwrap(), &f.ty, schema)).collect())
}

#[test]
fn views_and_deserialized_decisions_read_what_the_decisions_hold() {
    let policy = reference_policy(Limits::default());
    let schema = policy.schema().clone();
    let mut evaluator = policy.evaluator().unwrap();
    let mut batch = evaluator.encoder();
    for line in corpus() {
        // Lines the reader rejects have no slot.
        let _ = batch.push_json(&line);
    }
    let decisions = evaluator.evaluate_encoded(&batch).unwrap();
    let (mut decided, mut failed) = (0, 0);
    for i in 0..decisions.len() {
        let value = decisions.value(i).unwrap();
        let view = decisions.view(i).unwrap();
        let typed = decisions.deserialize::<Decision>(i).unwrap();
        let mut json = String::new();
        let written = decisions.write_json(i, &mut json).unwrap();
        match (value, view, typed, written) {
            (Ok(value), Ok(view), Ok(typed), Ok(())) => {
                decided += 1;
                assert_eq!(record(&view, schema.output, &schema), value);
                assert_eq!(typed, serde_json::from_str::<Decision>(&json).unwrap());
                assert_eq!(view.get("tenant_id").unwrap().str().unwrap(), typed.tenant_id);
                let reasons: Vec<&str> =
                    view.get("xdr").unwrap().record().unwrap().get("reasons").unwrap().codes().unwrap().collect();
                assert_eq!(reasons, typed.xdr.reasons);
            }
            (Err(a), Err(b), Err(c), Err(d)) => {
                failed += 1;
                assert!(a == b && b == c && c == d, "{a:?} {b:?} {c:?} {d:?}");
            }
            other => panic!("record {i}: {other:?}"),
        }
    }
    assert!(decided > 2500 && failed > 10, "{decided} decided, {failed} failed");
}

#[test]
fn decimals_agree_with_ndjson() {
    // The typed serializer reads each number as the text serde_json writes for it, exactly, so
    // a decimal given as an int, a double or a `serde_json::Value` is accepted or refused as
    // that text is; a decided decimal deserializes as serde_json reads its canonical text.
    let source = "policy d version \"1\"\n\
                  record L { price: decimal, qty: int }\n\
                  record T { id: string, a: decimal, b: decimal?, lines: list of L }\n\
                  record D { id: string, a: decimal, b: decimal?, total: decimal, half: decimal }\n\
                  input T key id\n\
                  output D { id: id, a: a, b: b, total: sum l in lines: l.price, half: a / 2 }\n";
    let policy = load(source, "d", Limits::default());
    let schema = policy.schema().clone();
    let mut generator = Generator::new(&schema, 0xdec);
    let mut rng = Rng::new(0xdec1);
    let mut values: Vec<serde_json::Value> =
        generator.lines(1500).iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    for value in values.iter_mut().skip(1).step_by(3) {
        break_one(value, &mut rng);
    }
    let (decided, rejected) = agree::<_, serde_json::Value>(&policy, &values);
    assert!(decided > 100 && rejected > 400, "{decided} decided, {rejected} rejected");
    // Host structs: ints, doubles (their shortest text: 0.1 is 0.1) and a double too precise.
    #[derive(serde::Serialize)]
    struct Line {
        price: f64,
        qty: i64,
    }
    #[derive(serde::Serialize)]
    struct Tenant {
        id: &'static str,
        a: i64,
        b: Option<f64>,
        lines: Vec<Line>,
    }
    let tenants = [
        Tenant { id: "x", a: 3, b: Some(0.1), lines: vec![Line { price: 19.99, qty: 1 }] },
        Tenant { id: "y", a: -9_223_372_036_855, b: None, lines: vec![] },
        Tenant { id: "z", a: 1, b: Some(1e-7), lines: vec![] },
    ];
    let (decided, rejected) = agree::<_, serde_json::Value>(&policy, &tenants);
    assert_eq!((decided, rejected), (1, 2));
}
