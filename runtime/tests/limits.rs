//! The per-record input limits: string length, list length and JSON nesting. Each is a clean
//! error naming the field, and the JSON-to-layout encoder and the reference decoder agree on
//! every one of them (same path, same message), so both engines reject the same records.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dexp_runtime::abi::Shape;
use dexp_runtime::encode::BatchEncoder;
use dexp_runtime::json::{self, RecordError, MAX_JSON_DEPTH, MAX_LIST_ITEMS, MAX_STRING_BYTES};
use dexp_runtime::schema::{FieldDef, RecordDef, Schema, Ty};
use std::sync::Arc;

/// `In { id: string, tags: list of string, nodes: list of Node }`, `Node { kids: list of Node }`.
fn schema() -> Schema {
    let field = |name: &str, ty: Ty| FieldDef { name: name.into(), ty };
    Schema {
        enums: vec![],
        records: vec![
            RecordDef {
                name: "In".into(),
                fields: vec![
                    field("id", Ty::String),
                    field("tags", Ty::List(Box::new(Ty::String))),
                    field("nodes", Ty::List(Box::new(Ty::Record(1)))),
                ],
            },
            RecordDef { name: "Node".into(), fields: vec![field("kids", Ty::List(Box::new(Ty::Record(1))))] },
            RecordDef { name: "Out".into(), fields: vec![field("id", Ty::String)] },
        ],
        groups: vec![],
        input: 0,
        output: 2,
        key: Some(0),
    }
}

/// Decodes with both readers and checks they agree; returns the error, if any.
fn both(text: &str) -> Result<(), RecordError> {
    let schema = schema();
    let reference = json::decode_input(&schema, text).map(|_| ());
    let mut encoder = BatchEncoder::new(Arc::new(Shape::new(schema).unwrap()));
    let encoded = encoder.push_json(text);
    assert_eq!(reference, encoded, "the encoder and the reference decoder disagree");
    reference
}

#[test]
fn strings_up_to_the_limit_are_accepted_and_longer_ones_rejected() {
    let ok = format!(r#"{{"id":"{}","tags":[],"nodes":[]}}"#, "a".repeat(MAX_STRING_BYTES));
    assert_eq!(both(&ok), Ok(()));
    let long = format!(r#"{{"id":"x","tags":["b","{}"],"nodes":[]}}"#, "a".repeat(MAX_STRING_BYTES + 1));
    let e = both(&long).unwrap_err();
    assert_eq!(e.path, "tags[1]");
    assert!(e.message.contains("longer than the limit"), "{e}");
}

#[test]
fn lists_up_to_the_limit_are_accepted_and_longer_ones_rejected() {
    let list = |n: usize| vec!["\"t\""; n].join(",");
    let ok = format!(r#"{{"id":"x","tags":[{}],"nodes":[]}}"#, list(MAX_LIST_ITEMS));
    assert_eq!(both(&ok), Ok(()));
    let long = format!(r#"{{"id":"x","tags":[{}],"nodes":[]}}"#, list(MAX_LIST_ITEMS + 1));
    let e = both(&long).unwrap_err();
    assert_eq!(e.path, "tags");
    assert!(e.message.contains("more than the limit"), "{e}");
}

#[test]
fn deep_json_is_an_error_not_a_crash() {
    // Through the schema: nodes nested past the limit.
    let deep = |n: usize| format!(r#"{{"id":"x","tags":[],"nodes":[{}{}]}}"#, r#"{"kids":["#.repeat(n), "]}".repeat(n));
    assert_eq!(both(&deep(MAX_JSON_DEPTH / 2 - 2)), Ok(()));
    let e = both(&deep(MAX_JSON_DEPTH)).unwrap_err();
    assert!(e.message.contains("nested deeper"), "{e}");
    assert!(e.path.starts_with("nodes[0].kids[0]"), "{e}");
    // In a field the policy ignores, serde_json skips the value without recursing, so even
    // 100,000 levels are skipped safely; the line-length limit bounds the work.
    let ignored =
        format!(r#"{{"id":"x","tags":[],"nodes":[],"junk":{}1{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(both(&ignored), Ok(()));
    let broken = format!(r#"{{"id":"x","tags":[],"nodes":[],"junk":{}1}}"#, "[".repeat(100_000));
    assert!(both(&broken).unwrap_err().message.starts_with("invalid JSON"));
}
