//! End to end through wasmtime with a hand-built policy module: load, NDJSON, pre-encoded
//! batches, the typed API, evaluation errors, and many threads sharing one policy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

#[path = "support/policy.rs"]
mod policy;

use dexp_runtime::engine::{Interrupt, Limits, Runtime};
use dexp_runtime::schema::Value;
use dexp_runtime::{EvalError, Policy, RecordError};
use policy::{build, expected, Spec};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

fn sum_policy() -> Policy {
    Policy::load(&build(&Spec::default())).unwrap()
}

fn line(id: &str, a: i64, b: i64) -> String {
    format!(r#"{{"b":{b},"id":{},"a":{a},"ignored":[1,{{}}]}}"#, serde_json::to_string(id).unwrap())
}

#[test]
fn ndjson_lines_get_decisions_and_errors_in_order() {
    let policy = sum_policy();
    assert_eq!(policy.metadata().policy, "sum");
    let mut ev = policy.evaluator().unwrap();
    let input = [
        line("t-1", 2, 3),
        String::new(),
        line("t-\"2\" ✓", -7, 2),
        r#"{"id":"t-3","a":1}"#.into(),
        "   \r".into(),
        line("t-4", i64::MAX, 1),
        "not json".into(),
        line("t-6", -4, 4),
    ]
    .join("\n");
    let mut out = String::from("kept\n");
    let summary = ev.evaluate_ndjson(&input, 10, &mut out).unwrap();
    let want = [
        "kept".to_string(),
        expected("t-1", 2, 3).unwrap(),
        expected("t-\"2\" ✓", -7, 2).unwrap(),
        r#"{"line":13,"id":"t-3","error":{"path":"b","message":"missing field"}}"#.into(),
        r#"{"line":15,"id":"t-4","error":{"path":"a + b","message":"integer overflow"}}"#.into(),
        r#"{"line":16,"error":{"path":"","message":"invalid JSON: expected ident at line 1 column 2"}}"#.into(),
        expected("t-6", -4, 4).unwrap(),
    ];
    assert_eq!(out, want.join("\n") + "\n");
    assert_eq!((summary.decided, summary.rejected), (3, 3));
    // The same lines given apart, with their numbers, as `dexpc eval` gives them: the same
    // output, and the numbers are the ones given (here not consecutive).
    let lines: Vec<(u64, &str)> =
        input.split('\n').enumerate().map(|(i, l)| (10 + i as u64, l.trim_end_matches('\r'))).collect();
    let mut apart = String::from("kept\n");
    let summary = ev.evaluate_lines(lines.iter().copied(), &mut apart).unwrap();
    assert_eq!((apart.as_str(), summary.decided, summary.rejected), (out.as_str(), 3, 3));
    let mut renumbered = String::new();
    ev.evaluate_lines([(100, r#"{"id":"t-3","a":1}"#), (7, "")], &mut renumbered).unwrap();
    assert_eq!(renumbered, "{\"line\":100,\"id\":\"t-3\",\"error\":{\"path\":\"b\",\"message\":\"missing field\"}}\n");
    // Nothing is left over for the next call.
    let mut again = String::new();
    ev.evaluate_ndjson("", 1, &mut again).unwrap();
    assert_eq!(again, "");
}

#[test]
fn batches_split_at_the_record_limit_keep_their_order() {
    let limits = Limits { batch_records: 7, ..Limits::default() };
    let policy = Runtime::new(limits).unwrap().load(&build(&Spec::default())).unwrap();
    let mut ev = policy.evaluator().unwrap();
    let lines: Vec<String> =
        (0..100).map(|i| if i % 9 == 4 { "[]".into() } else { line(&format!("r{i}"), i, -50) }).collect();
    let mut out = String::new();
    ev.evaluate_ndjson(&lines.join("\n"), 1, &mut out).unwrap();
    let got: Vec<&str> = out.lines().collect();
    assert_eq!(got.len(), 100);
    for (i, got) in got.iter().enumerate() {
        if i % 9 == 4 {
            assert!(got.starts_with(&format!("{{\"line\":{},", i + 1)), "{got}");
        } else {
            assert_eq!(*got, expected(&format!("r{i}"), i as i64, -50).unwrap());
        }
    }
}

#[test]
fn pre_encoded_batches_run_and_rerun() {
    let policy = sum_policy();
    let mut ev = policy.evaluator().unwrap();
    let mut batch = ev.encoder();
    for i in 0..50i64 {
        batch.push_json(&line(&format!("k{i}"), i * 1000, -i * 1001)).unwrap();
    }
    batch.push_json(&line("min", i64::MIN, -1)).unwrap();
    let decisions = ev.evaluate_encoded(&batch).unwrap();
    assert_eq!(decisions.len(), 51);
    let summary = decisions.summary().unwrap();
    assert_eq!((summary.decided, summary.rejected), (50, 1));
    let v = decisions.value(3).unwrap().unwrap();
    assert_eq!(v, Value::Record(Arc::from([Value::Str("k3".into()), Value::Int(-3), Value::Codes(1)])));
    assert_eq!(
        decisions.value(0).unwrap().unwrap(),
        Value::Record(Arc::from([Value::Str("k0".into()), Value::Int(0), Value::Codes(2)]))
    );
    let err = decisions.value(50).unwrap().unwrap_err();
    assert_eq!(err, RecordError { path: "a + b".into(), message: "integer overflow".into() });
    assert!(matches!(decisions.value(51), Err(EvalError::BadDecision { record: 51, .. })));
    // The loaded batch can run again with the same result.
    let again = ev.run().unwrap();
    let mut a = String::new();
    again.write_json(7, &mut a).unwrap().unwrap();
    assert_eq!(a, expected("k7", 7000, -7007).unwrap());
    // A batch for another schema is refused.
    let other = dexp_runtime::encode::BatchEncoder::new(Arc::new(
        dexp_runtime::abi::Shape::new({
            let mut s = policy::schema();
            s.records[0].fields.swap(1, 2);
            s
        })
        .unwrap(),
    ));
    assert_eq!(ev.load(&other).unwrap_err(), EvalError::ForeignBatch);
    assert!(matches!(ev.run(), Err(EvalError::NothingLoaded)));
    // A batch for a schema that reads the same input types and decides another output (a
    // second version of the policy) is accepted and decided as our own.
    let mut same_input = dexp_runtime::encode::BatchEncoder::new(Arc::new(
        dexp_runtime::abi::Shape::new({
            let mut s = policy::schema();
            s.records[1].fields.pop();
            s.records[1].name = "Other".into();
            s
        })
        .unwrap(),
    ));
    same_input.push_json(r#"{"id":"k7","a":7000,"b":-7007}"#).unwrap();
    let mut b = String::new();
    ev.evaluate_encoded(&same_input).unwrap().write_json(0, &mut b).unwrap().unwrap();
    assert_eq!(b, expected("k7", 7000, -7007).unwrap());
    // An empty batch is fine.
    batch.clear();
    assert!(ev.evaluate_encoded(&batch).unwrap().is_empty());
}

#[derive(Serialize)]
struct In<'a> {
    id: &'a str,
    a: i64,
    b: i64,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Out {
    id: String,
    sum: i64,
    reasons: Vec<String>,
}

#[test]
fn typed_api_round_trips_host_structs() {
    let mut ev = sum_policy().evaluator().unwrap();
    let inputs = [In { id: "x", a: 1, b: -3 }, In { id: "y", a: i64::MIN, b: -1 }, In { id: "z", a: 5, b: 5 }];
    let got: Vec<Result<Out, RecordError>> = ev.evaluate_typed(&inputs).unwrap();
    assert_eq!(got[0], Ok(Out { id: "x".into(), sum: -2, reasons: vec!["negative_sum".into()] }));
    assert_eq!(got[1].as_ref().unwrap_err().message, "integer overflow");
    assert_eq!(got[2], Ok(Out { id: "z".into(), sum: 10, reasons: vec![] }));
    // Host types that do not fit the schema or the decision are errors per record.
    let bad: Vec<Result<Out, RecordError>> = ev.evaluate_typed(&[("x", 1)]).unwrap();
    assert_eq!(bad[0].as_ref().unwrap_err().message, "expected object, found list");
    let wrong: Vec<Result<(i64,), RecordError>> = ev.evaluate_typed(&inputs[..1]).unwrap();
    assert!(wrong[0].as_ref().unwrap_err().message.starts_with("the decision does not fit"));
}

#[test]
fn threads_share_one_policy_and_agree() {
    let policy = sum_policy();
    let input: String = (0..3000)
        .map(|i: i64| {
            let b = if i % 10 == 0 { i64::MAX - i } else { i * 31 - 7 };
            line(&format!("t{i}"), i.wrapping_mul(0x5851_F42D_4C95_7F2D), b)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut single = String::new();
    policy.evaluator().unwrap().evaluate_ndjson(&input, 1, &mut single).unwrap();
    assert_eq!(single.lines().count(), 3000);
    assert!(single.contains("integer overflow"));
    let outputs: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let policy = policy.clone();
                let input = &input;
                scope.spawn(move || {
                    let mut ev = policy.evaluator().unwrap();
                    let mut out = String::new();
                    for _ in 0..3 {
                        out.clear();
                        ev.evaluate_ndjson(input, 1, &mut out).unwrap();
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for out in outputs {
        assert_eq!(out, single);
    }
}

#[test]
fn fuel_limited_runtime_decides_too() {
    let limits = Limits { interrupt: Interrupt::Fuel { per_record: 10_000 }, ..Limits::default() };
    let policy = Runtime::new(limits).unwrap().load(&build(&Spec::default())).unwrap();
    let mut out = String::new();
    policy.evaluator().unwrap().evaluate_ndjson(&line("f", 40, 2), 1, &mut out).unwrap();
    assert_eq!(out, expected("f", 40, 2).unwrap() + "\n");
}

fn assert_send_sync<T: Send + Sync + Clone>() {}
fn assert_send<T: Send>() {}

#[test]
fn policy_is_shareable_and_evaluator_movable() {
    assert_send_sync::<Policy>();
    assert_send::<dexp_runtime::Evaluator>();
}

/// Loading the same bytes again reuses the module this runtime compiled (no second Cranelift
/// run), still checks them, and gives a policy that decides like the first; the cache keeps
/// at most `COMPILED_CACHE_ENTRIES` modules.
#[test]
fn reloading_the_same_bytes_reuses_the_compiled_module() {
    use dexp_runtime::engine::COMPILED_CACHE_ENTRIES;
    use wasm_encoder::MemoryType;
    let runtime = Runtime::new(Limits::default()).unwrap();
    let bytes = build(&Spec::default());
    let first = runtime.load(&bytes).unwrap();
    let again = runtime.load(&bytes).unwrap();
    assert_eq!(runtime.compiled_modules(), 1);
    let mut out = (String::new(), String::new());
    first.evaluator().unwrap().evaluate_ndjson(&line("a", 1, 2), 1, &mut out.0).unwrap();
    again.evaluator().unwrap().evaluate_ndjson(&line("a", 1, 2), 1, &mut out.1).unwrap();
    assert_eq!(out.0, out.1);
    // Changed bytes are a different module, checked and compiled on their own.
    for pages in 2..(COMPILED_CACHE_ENTRIES as u64 + 6) {
        let memory = MemoryType { minimum: pages, maximum: None, memory64: false, shared: false, page_size_log2: None };
        runtime.load(&build(&Spec { memory, ..Spec::default() })).unwrap();
    }
    assert_eq!(runtime.compiled_modules(), COMPILED_CACHE_ENTRIES);
    // A module that fails the checks is refused whether or not a similar one was cached.
    let mut broken = bytes.clone();
    broken.truncate(bytes.len() - 3);
    assert!(runtime.load(&broken).is_err());
}
