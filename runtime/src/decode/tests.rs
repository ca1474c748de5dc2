//! The layout reader: JSON text identical to the reference writer, and hostile bytes refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::*;
use crate::abi::Shape;
use crate::schema::Schema;
use crate::testing::schema;

#[test]
fn strings_are_escaped_like_serde_json() {
    let mut all: String = (0u8..0x80).map(char::from).collect();
    all.push_str("é✓\u{7f}\u{2028}😀\"\\");
    for s in [all.as_str(), "", "plain", "\u{0}", "end\\", "\"start"] {
        let mut out = String::new();
        write_json_str(&mut out, s);
        assert_eq!(out, serde_json::to_string(s).unwrap());
    }
}

#[test]
fn ints_are_written_in_decimal() {
    for i in [0, 1, -1, 9, 10, -10, 1234567890, i64::MAX, i64::MIN, i64::MIN + 1] {
        let mut out = String::new();
        write_int(&mut out, i);
        assert_eq!(out, i.to_string());
    }
}

#[test]
fn dates_are_written_like_the_reference() {
    for d in [date::MIN_DAY, -1, 0, 1, 20_000, date::MAX_DAY] {
        let mut out = String::new();
        write_date(&mut out, d);
        assert_eq!(out, format!("\"{}\"", date::format(d)));
    }
}

fn shape() -> Shape {
    Shape::new(schema()).unwrap()
}

/// An output slot's record for the test schema, built by hand: id "ab", total -3, reasons
/// {c1, c3}, flag absent, mode passive, no items, big v299, when present.
fn output_bytes(shape: &Shape) -> (Vec<u8>, Vec<u8>) {
    let layout = shape.layout().record(3).unwrap();
    let f = &layout.fields;
    let mut rec = vec![0u8; layout.size as usize];
    let mut put = |field: usize, bytes: &[u8]| {
        let at = f[field].offset as usize;
        rec[at..at + bytes.len()].copy_from_slice(bytes);
    };
    put(0, &[2, 0, 0, 0, 2, 0, 0, 0]);
    put(1, &(-3i64).to_le_bytes());
    put(2, &0b1010u64.to_le_bytes());
    put(4, &[1]);
    put(6, &299u32.to_le_bytes());
    let mut when = vec![1, 0, 0, 0];
    when.extend_from_slice(&20_000i32.to_le_bytes());
    put(7, &when);
    (rec, b"xyab".to_vec())
}

#[test]
fn a_handmade_record_reads_back() {
    let shape = shape();
    let (rec, vars) = output_bytes(&shape);
    let region = Region { fixed: &rec, vars: &vars };
    let mut out = String::new();
    region.write_json(&shape, &Ty::Record(3), 0, &mut out).unwrap();
    assert_eq!(
        out,
        r#"{"id":"ab","total":-3,"reasons":["c1","c3"],"flag":null,"mode":"passive","items":[],"big":"v299","when":"2024-10-04"}"#
    );
    let value = region.value(&shape, &Ty::Record(3), 0).unwrap();
    let mut again = String::new();
    crate::json::write_value(&mut again, shape.schema(), &Ty::Record(3), &value);
    assert_eq!(again, out);
}

#[test]
fn hostile_bytes_are_refused() {
    let shape = shape();
    let layout = shape.layout().record(3).unwrap().clone();
    let at = |field: usize| layout.fields[field].offset as usize;
    let cases: Vec<(usize, Vec<u8>, &str)> = vec![
        (0, vec![0, 0, 0, 0, 9, 0, 0, 0], "outside"),
        (0, vec![0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0], "outside"),
        (2, 0b10_0000u64.to_le_bytes().to_vec(), "bit 5"),
        (3, vec![2], "tag is 2"),
        (3, vec![1, 5], "bool byte is 5"),
        (4, vec![3], "no variant 3"),
        (6, 300u32.to_le_bytes().to_vec(), "no variant 300"),
        (7, [1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f].to_vec(), "out of range"),
        (5, [0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff].to_vec(), "more elements"),
        (5, [0, 0, 0, 0, 1, 0, 0, 0].to_vec(), "outside"),
    ];
    for (field, bytes, message) in cases {
        let (mut rec, vars) = output_bytes(&shape);
        rec[at(field)..at(field) + bytes.len()].copy_from_slice(&bytes);
        let region = Region { fixed: &rec, vars: &vars };
        let mut out = String::new();
        let e = region.write_json(&shape, &Ty::Record(3), 0, &mut out).unwrap_err();
        assert!(e.0.contains(message), "{e} / {message}");
        let e = region.value(&shape, &Ty::Record(3), 0).unwrap_err();
        assert!(e.0.contains(message), "{e} / {message}");
    }
    let (rec, _) = output_bytes(&shape);
    let mut bad_utf8 = rec.clone();
    bad_utf8[at(0)..at(0) + 8].copy_from_slice(&[0, 0, 0, 0, 2, 0, 0, 0]);
    let region = Region { fixed: &bad_utf8, vars: &[0xc3, 0x28] };
    assert!(region.value(&shape, &Ty::Record(3), 0).is_err());
    let region = Region { fixed: &rec[..4], vars: b"xyab" };
    assert!(region.value(&shape, &Ty::Record(3), 0).is_err());
}

#[test]
fn self_referring_lists_are_bounded() {
    // A `Tree` whose `kids` list is the tree itself, over and over: the reader stops.
    let shape = shape();
    let tree = shape.layout().record(4).unwrap().clone();
    let kids = tree.fields[1].offset as usize;
    let mut vars = vec![0u8; tree.size as usize * 2];
    for copy in 0..2 {
        let base = copy * tree.size as usize + kids;
        vars[base..base + 8].copy_from_slice(&[0, 0, 0, 0, 2, 0, 0, 0]);
    }
    let region = Region { fixed: &vars, vars: &vars };
    let e = region.value(&shape, &Ty::Record(4), 0).unwrap_err();
    assert!(e.0.contains("deeper") || e.0.contains("more elements"), "{e}");
    let mut out = String::new();
    assert!(region.write_json(&shape, &Ty::Record(4), 0, &mut out).is_err());
}

#[test]
fn unknown_types_are_errors_not_panics() {
    let shape = Shape::new(Schema {
        enums: vec![],
        records: vec![crate::schema::RecordDef { name: "R".into(), fields: vec![] }],
        groups: vec![],
        input: 0,
        output: 0,
        key: None,
    })
    .unwrap();
    let region = Region { fixed: &[0; 16], vars: &[] };
    for ty in [Ty::Enum(3), Ty::Record(9), Ty::Codes(1), Ty::List(Box::new(Ty::Record(7)))] {
        assert!(region.value(&shape, &ty, 0).is_err(), "{ty:?}");
    }
    assert_eq!(region.value(&shape, &Ty::Record(0), 0).unwrap(), Value::Record(Arc::from([])));
}

/// A one-record input schema: `Mode` with `variants`, and the input's fields in `order`.
fn versioned(variants: &[&str], order: &[usize], day: Ty) -> Shape {
    use crate::schema::{EnumDef, FieldDef, RecordDef};
    let field = |name: &str, ty: Ty| FieldDef { name: name.into(), ty };
    let all = [
        field("mode", Ty::Enum(0)),
        field("day", day),
        field("tags", Ty::List(Box::new(Ty::String))),
        field("sub", Ty::Record(1)),
        field("opt", Ty::Optional(Box::new(Ty::Int))),
    ];
    let fields = order.iter().map(|&i| all[i].clone()).collect();
    Shape::new(Schema {
        enums: vec![EnumDef { name: "Mode".into(), variants: variants.iter().map(|v| (*v).into()).collect() }],
        records: vec![
            RecordDef { name: "In".into(), fields },
            RecordDef { name: "Sub".into(), fields: vec![field("x", Ty::Int), field("y", Ty::Bool)] },
            RecordDef { name: "Out".into(), fields: vec![field("ok", Ty::Bool)] },
        ],
        groups: vec![],
        input: 0,
        output: 2,
        key: None,
    })
    .unwrap()
}

#[test]
fn json_eq_compares_values_of_two_schemas_as_their_json() {
    use crate::encode::BatchEncoder;
    let old = std::sync::Arc::new(versioned(&["on", "off"], &[0, 1, 2, 3, 4], Ty::Date));
    // NEW declares the variants and the fields in another order, and `day` as a string.
    let new = std::sync::Arc::new(versioned(&["off", "on"], &[3, 4, 2, 0, 1], Ty::String));
    let base = r#"{"mode":"on","day":"2024-01-31","tags":["a","é"],"sub":{"x":1,"y":true},"opt":null}"#;
    let encode = |shape: &std::sync::Arc<Shape>, text: &str| {
        let mut batch = BatchEncoder::new(shape.clone());
        batch.push_json(text).unwrap();
        (batch.records().to_vec(), batch.vars().to_vec())
    };
    let input = |s: &Shape| Ty::Record(s.schema().input);
    let (a_fixed, a_vars) = encode(&old, base);
    let a = Region { fixed: &a_fixed, vars: &a_vars };
    let eq = |text: &str| {
        let (fixed, vars) = encode(&new, text);
        let b = Region { fixed: &fixed, vars: &vars };
        a.json_eq(&old, &input(&old), 0, &b, &new, &input(&new), 0).unwrap()
    };
    assert!(eq(base));
    for changed in [
        r#"{"mode":"off","day":"2024-01-31","tags":["a","é"],"sub":{"x":1,"y":true},"opt":null}"#,
        r#"{"mode":"on","day":"2024-02-01","tags":["a","é"],"sub":{"x":1,"y":true},"opt":null}"#,
        r#"{"mode":"on","day":"2024-01-31","tags":["a"],"sub":{"x":1,"y":true},"opt":null}"#,
        r#"{"mode":"on","day":"2024-01-31","tags":["é","a"],"sub":{"x":1,"y":true},"opt":null}"#,
        r#"{"mode":"on","day":"2024-01-31","tags":["a","é"],"sub":{"x":2,"y":true},"opt":null}"#,
        r#"{"mode":"on","day":"2024-01-31","tags":["a","é"],"sub":{"x":1,"y":false},"opt":null}"#,
        r#"{"mode":"on","day":"2024-01-31","tags":["a","é"],"sub":{"x":1,"y":true},"opt":0}"#,
    ] {
        assert!(!eq(changed), "{changed}");
    }
    // A record is never equal to one with another set of fields.
    let fewer = std::sync::Arc::new(versioned(&["on", "off"], &[0, 1, 2, 3], Ty::Date));
    let (fixed, vars) = encode(&fewer, r#"{"mode":"on","day":"2024-01-31","tags":["a","é"],"sub":{"x":1,"y":true}}"#);
    let b = Region { fixed: &fixed, vars: &vars };
    assert!(!a.json_eq(&old, &input(&old), 0, &b, &fewer, &input(&fewer), 0).unwrap());
    // Bytes that are not a value of their type are an error, as for `value`.
    let mut broken = a_fixed.clone();
    broken[old.layout().record(0).unwrap().fields[0].offset as usize] = 7; // `mode` has 2 variants
    let b = Region { fixed: &broken, vars: &a_vars };
    assert!(a.json_eq(&old, &input(&old), 0, &b, &old, &input(&old), 0).is_err());
}

/// A map of ints, as a guest would leave it: entries of 16 bytes (key, then the int at 8).
fn map_of_ints(keys: &[&str]) -> (Shape, Vec<u8>, Vec<u8>) {
    let schema: Schema = serde_json::from_str(
        r#"{"enums":[],"records":[{"name":"R","fields":[{"name":"m","ty":{"map":"int"}}]}],
            "groups":[],"input":0,"output":0,"key":null}"#,
    )
    .unwrap();
    let shape = Shape::new(schema).unwrap();
    let mut vars = Vec::new();
    let mut entries = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let at = vars.len() as u64;
        vars.extend_from_slice(key.as_bytes());
        entries.extend_from_slice(&(at | ((key.len() as u64) << 32)).to_le_bytes());
        entries.extend_from_slice(&(i as i64 * 10).to_le_bytes());
    }
    while vars.len() % 8 != 0 {
        vars.push(0);
    }
    let offset = vars.len() as u64;
    vars.extend_from_slice(&entries);
    let fixed = (offset | ((keys.len() as u64) << 32)).to_le_bytes().to_vec();
    (shape, fixed, vars)
}

#[test]
fn maps_are_written_in_layout_order_and_unsorted_keys_are_refused() {
    let (shape, fixed, vars) = map_of_ints(&["", "E3", "E5", "é"]);
    let region = Region { fixed: &fixed, vars: &vars };
    let mut out = String::new();
    region.write_json(&shape, &crate::schema::Ty::Record(0), 0, &mut out).unwrap();
    assert_eq!(out, r#"{"m":{"":0,"E3":10,"E5":20,"é":30}}"#);
    for keys in [&["b", "a"][..], &["a", "a"][..], &["ab", "a"][..]] {
        let (shape, fixed, vars) = map_of_ints(keys);
        let region = Region { fixed: &fixed, vars: &vars };
        let mut out = String::new();
        let err = region.write_json(&shape, &crate::schema::Ty::Record(0), 0, &mut out).unwrap_err();
        assert_eq!(err.0, "map keys are not in increasing order", "{keys:?}");
        let err = region.value(&shape, &crate::schema::Ty::Record(0), 0).unwrap_err();
        assert_eq!(err.0, "map keys are not in increasing order");
    }
}

#[test]
fn json_eq_compares_maps_entry_by_entry() {
    let ty = crate::schema::Ty::Record(0);
    let (shape, fixed, vars) = map_of_ints(&["E3", "E5"]);
    let a = Region { fixed: &fixed, vars: &vars };
    let eq = |keys: &[&str]| {
        let (other, fixed, vars) = map_of_ints(keys);
        let b = Region { fixed: &fixed, vars: &vars };
        a.json_eq(&shape, &ty, 0, &b, &other, &ty, 0).unwrap()
    };
    assert!(eq(&["E3", "E5"]));
    assert!(!eq(&["E3"]));
    assert!(!eq(&["E3", "E7"]));
    assert!(!eq(&["E3", "E5", "E7"]));
}
