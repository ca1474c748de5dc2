//! The Arrow path against the NDJSON path on the reference policy: the golden corpus and the
//! contract examples, read into Arrow batches with arrow-json, evaluated with
//! `Evaluator::evaluate_arrow`, and compared field by field with the NDJSON decisions and
//! error objects; `Evaluator::evaluate_arrow_ndjson` must write the NDJSON path's bytes.
//!
//! A record whose JSON cannot be held by an Arrow batch of the policy's types (a syntax error,
//! `"many"` in an int column, an impossible date) has no Arrow counterpart and is left out; a
//! field missing from the JSON is a null in Arrow, which fails with the same path ("expected
//! date (YYYY-MM-DD), found null" where the JSON says "missing field").

// Test code: a failed expectation must stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use arrow_array::RecordBatch;
use arrow_schema::{Field, Schema, SchemaRef};
use dexp_runtime::arrow::{decision_schema, input_schema, ERROR_COLUMN};
use dexp_runtime::Policy;
use dexp_tests::records::Generator;
use dexp_tests::{compile, read};
use serde_json::Value;
use std::sync::Arc;

fn policy() -> Policy {
    let source = read("policies/defender_experts.dexp");
    let compiled = compile(&source, "defender_experts.dexp");
    Policy::load(&compiled.wasm).expect("the compiled policy loads")
}

/// The input schema with every field nullable, so that records with a missing field read.
fn loose(schema: &SchemaRef) -> SchemaRef {
    let fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone().with_nullable(true)).collect();
    Arc::new(Schema::new(fields))
}

fn read_batch(schema: &SchemaRef, lines: &[&str]) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let text = lines.join("\n");
    let mut reader =
        arrow_json::ReaderBuilder::new(schema.clone()).with_batch_size(lines.len().max(1)).build(text.as_bytes())?;
    reader.next().unwrap_or_else(|| Ok(RecordBatch::new_empty(schema.clone())))
}

/// The lines an Arrow batch of `schema` can hold, with their 0-based positions.
fn representable<'l>(schema: &SchemaRef, lines: &[&'l str]) -> Vec<(usize, &'l str)> {
    lines.iter().enumerate().filter(|(_, l)| read_batch(schema, &[l]).is_ok()).map(|(i, l)| (i, *l)).collect()
}

/// The decision batch as one JSON object per row, nulls written out.
fn rows(batch: &RecordBatch) -> Vec<serde_json::Map<String, Value>> {
    let mut writer = arrow_json::WriterBuilder::new()
        .with_explicit_nulls(true)
        .build::<_, arrow_json::writer::LineDelimited>(Vec::new());
    writer.write(batch).unwrap();
    writer.finish().unwrap();
    let text = String::from_utf8(writer.into_inner()).unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// `value` with every number as a double, so that `0.000000` and `0` compare equal.
fn by_value(value: &Value) -> Value {
    match value {
        Value::Number(n) => n.as_f64().map_or(Value::Null, |f| serde_json::json!(f)),
        Value::Array(items) => Value::Array(items.iter().map(by_value).collect()),
        Value::Object(fields) => Value::Object(fields.iter().map(|(k, v)| (k.clone(), by_value(v))).collect()),
        other => other.clone(),
    }
}

/// Evaluates `lines` both ways and compares every representable record; returns how many
/// were decided and rejected.
fn agree(policy: &Policy, lines: &[&str], batch_records: Option<usize>) -> (usize, usize) {
    let schema = input_schema(policy.schema()).unwrap();
    let loose = loose(&schema);
    let mut evaluator = policy.evaluator().unwrap();
    let mut out = String::new();
    evaluator.evaluate_ndjson(&lines.join("\n"), 1, &mut out).unwrap();
    let expected: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(expected.len(), lines.len());
    // arrow-json coerces some JSON an int column cannot hold (`1.5`, `"many"`): such records
    // have no Arrow counterpart either.
    let coerced = |i: usize| expected[i]["error"]["message"].as_str().is_some_and(|m| m.contains(" int"));
    let kept: Vec<(usize, &str)> = representable(&loose, lines).into_iter().filter(|(i, _)| !coerced(*i)).collect();
    let texts: Vec<&str> = kept.iter().map(|(_, l)| *l).collect();
    let input = read_batch(&loose, &texts).unwrap();
    let input = match batch_records {
        Some(n) => input.slice(0, n.min(input.num_rows())),
        None => input,
    };
    let key = policy.schema().key_name().unwrap_or("");
    let decisions = evaluator.evaluate_arrow(&input).unwrap();
    assert_eq!(decisions.schema(), decision_schema(policy.schema()).unwrap());
    assert_eq!(decisions.num_rows(), input.num_rows());
    let (mut decided, mut rejected) = (0, 0);
    for (row, mut got) in rows(&decisions).into_iter().enumerate() {
        let (line, _) = kept[row];
        let want = &expected[line];
        let error = got.remove(ERROR_COLUMN).unwrap();
        match want.get("error") {
            None => {
                assert_eq!(error, Value::Null, "line {} is decided", line + 1);
                // Arrow's decimals come back as JSON numbers with 6 fractional digits (`0.000000`
                // where the NDJSON path writes `0`): compare numbers by value here; the bytes
                // are compared exactly below, through evaluate_arrow_ndjson.
                assert_eq!(by_value(&Value::Object(got)), by_value(want), "decision of line {}", line + 1);
                decided += 1;
            }
            Some(want_error) => {
                rejected += 1;
                assert_eq!(error["path"], want_error["path"], "error path of line {}", line + 1);
                if want_error["message"] != "missing field" {
                    assert_eq!(error["message"], want_error["message"], "error of line {}", line + 1);
                } else {
                    assert!(error["message"].as_str().unwrap().ends_with("found null"), "{error}");
                }
                assert_eq!(got[key], *want.get(key).unwrap_or(&Value::Null), "key of line {}", line + 1);
                for (name, value) in &got {
                    if name != key {
                        assert_eq!(value, &Value::Null, "{name} of rejected line {}", line + 1);
                    }
                }
            }
        }
    }
    // The same rows as NDJSON lines straight from the slots: a decided row gives exactly the
    // bytes of evaluate_ndjson's line, a rejected row its error object, numbered by row.
    let mut ndjson = String::new();
    let summary = evaluator.evaluate_arrow_ndjson(&input, 1, &mut ndjson).unwrap();
    assert_eq!((summary.decided, summary.rejected), (decided, rejected));
    let got_lines: Vec<&str> = ndjson.lines().collect();
    let out_lines: Vec<&str> = out.lines().collect();
    assert_eq!(got_lines.len(), input.num_rows());
    for (row, got) in got_lines.iter().enumerate() {
        let (line, _) = kept[row];
        match expected[line].get("error") {
            None => assert_eq!(*got, out_lines[line], "line {}: the bytes evaluate_ndjson writes", line + 1),
            Some(want_error) => {
                let got: Value = serde_json::from_str(got).unwrap();
                assert_eq!(got["line"], row + 1, "rejected rows are numbered by row");
                assert_eq!(got["error"]["path"], want_error["path"], "error path of line {}", line + 1);
                assert_eq!(got.get(key), expected[line].get(key), "key of line {}", line + 1);
            }
        }
    }
    (decided, rejected)
}

#[test]
fn the_golden_corpus_decides_the_same_through_arrow() {
    let policy = policy();
    let text = read("tests/golden/corpus-tenants.ndjson");
    let lines: Vec<&str> = text.lines().collect();
    let (decided, rejected) = agree(&policy, &lines, None);
    assert!(decided > 2500, "{decided} decided");
    // Overflows while deciding, unknown enum names, missing (null) fields.
    assert!(rejected > 60, "{rejected} rejected");
}

#[test]
fn the_contract_examples_decide_the_same_through_arrow() {
    let policy = policy();
    for file in ["policies/examples/tenants.ndjson", "policies/examples/bad-tenants.ndjson"] {
        let text = read(file);
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let (decided, rejected) = agree(&policy, &lines, None);
        assert!(decided > 0, "{file}");
        if file.contains("bad") {
            assert!(rejected >= 2, "{file}: {rejected} rejected");
        }
    }
}

/// The reference policy on a runtime with `limits`.
fn reference_with(limits: dexp_runtime::Limits) -> Policy {
    let compiled = compile(&read("policies/defender_experts.dexp"), "defender_experts.dexp");
    dexp_runtime::Runtime::new(limits).unwrap().load(&compiled.wasm).unwrap()
}

#[test]
fn small_batches_and_slices_give_the_same_decisions() {
    // Runtime batches of 7 records: the decision columns grow across evaluations.
    let policy = reference_with(dexp_runtime::Limits { batch_records: 7, ..Default::default() });
    let text = read("tests/golden/corpus-tenants.ndjson");
    let lines: Vec<&str> = text.lines().take(400).collect();
    let (decided, rejected) = agree(&policy, &lines, Some(300));
    assert_eq!(decided + rejected, 300);
}

#[test]
fn batches_closed_by_bytes_give_the_same_decisions() {
    // Runtime batches of 3 KiB, about 15 reference tenants: a slice of 400 rows is split into
    // pieces by its bytes per row, and a piece that is still over (rows differ) again.
    let policy = reference_with(dexp_runtime::Limits { batch_bytes: 3 << 10, ..Default::default() });
    let text = read("tests/golden/corpus-tenants.ndjson");
    let lines: Vec<&str> = text.lines().take(500).collect();
    let (decided, rejected) = agree(&policy, &lines, Some(400));
    assert_eq!(decided + rejected, 400);
    assert!(decided > 300, "{decided} decided");
}

#[test]
fn an_empty_batch_gives_an_empty_decision_batch() {
    let policy = policy();
    let schema = input_schema(policy.schema()).unwrap();
    let decisions = policy.evaluator().unwrap().evaluate_arrow(&RecordBatch::new_empty(schema)).unwrap();
    assert_eq!(decisions.num_rows(), 0);
    assert_eq!(decisions.schema(), decision_schema(policy.schema()).unwrap());
}

#[test]
fn maps_decide_the_same_through_arrow() {
    // The maps test policy on generated records: map columns of ints, records, bools and
    // strings, maps inside lists and maps, keys out of order, keys given twice (rejected at the
    // second entry), non-ASCII and empty keys, and maps passed through to the decisions.
    let compiled = compile(&read("tests/policies/maps.dexp"), "maps.dexp");
    let policy = Policy::load(&compiled.wasm).unwrap();
    let schema = input_schema(policy.schema()).unwrap();
    assert!(matches!(schema.field_with_name("seats").unwrap().data_type(), arrow_schema::DataType::Map(_, false)));
    let lines = Generator::new(policy.schema(), 41).lines(3000);
    let texts: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (decided, rejected) = agree(&policy, &texts, None);
    assert!(decided > 300, "{decided} decided");
    assert!(rejected > 300, "{rejected} rejected");
    // Among the rejected: duplicate keys, found as the JSON reader finds them.
    let mut out = String::new();
    policy.evaluator().unwrap().evaluate_ndjson(&lines.join("\n"), 1, &mut out).unwrap();
    assert!(out.contains("duplicate key"), "the generator gives keys twice");
}

#[test]
fn decimals_decide_the_same_through_arrow() {
    // The decimals test policy on generated records: decimal columns (Decimal128(19, 6)) at the
    // range's ends and at rounding ties, optional, in lists, in maps, and in the decisions.
    let compiled = compile(&read("tests/policies/decimals.dexp"), "decimals.dexp");
    let policy = Policy::load(&compiled.wasm).unwrap();
    let schema = input_schema(policy.schema()).unwrap();
    assert_eq!(schema.field_with_name("price").unwrap().data_type(), &arrow_schema::DataType::Decimal128(19, 6));
    let lines = Generator::new(policy.schema(), 43).lines(3000);
    // arrow-json reads a JSON number into a decimal column by rounding or truncating what does
    // not fit: such records have no Arrow counterpart (the JSON path refuses them).
    let s = policy.schema();
    let exact: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .filter(|l| match dexp_runtime::json::decode_input(s, l) {
            Ok(_) => true,
            Err(e) => !e.message.contains("fractional digits") && !e.message.contains("decimal range"),
        })
        .collect();
    let (decided, rejected) = agree(&policy, &exact, None);
    assert!(decided > 300, "{decided} decided");
    assert!(rejected > 30, "{rejected} rejected");
}
