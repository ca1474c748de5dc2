//! The Arrow encoder against the JSON reference decoder: the same values for the same records,
//! the same errors with the same paths, and the Arrow types accepted beyond the canonical ones.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::schema::data_type;
use super::*;
use crate::abi::Shape;
use crate::decode::Region;
use crate::json::{decode_input, list_too_long, string_too_long, RecordError, MAX_LIST_ITEMS, MAX_STRING_BYTES};
use crate::schema::{Ty, Value};
use crate::testing::{good_line, schema};
use arrow_array::builder::{ListBuilder, StringBuilder, StringDictionaryBuilder};
use arrow_array::types::{Int32Type, Int8Type};
use arrow_array::{
    ArrayRef, Date32Array, Int32Array, Int64Array, LargeStringArray, RecordBatch, StringArray, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema as ArrowSchema, SchemaRef};
use std::sync::Arc;

fn shape() -> Arc<Shape> {
    Arc::new(Shape::new(schema()).unwrap())
}

/// The test schema's input as Arrow, without the recursive `tree` field (it is optional), and
/// with every field nullable when `loose`, so that batches with nulls can be read from JSON.
fn arrow_input(loose: bool) -> SchemaRef {
    let s = schema();
    let input = s.record(s.input).unwrap();
    let fields: Vec<Field> = input
        .fields
        .iter()
        .filter(|f| f.name != "tree")
        .map(|f| {
            let dt = data_type(&s, &f.ty, &mut vec![s.input]).unwrap();
            let dt = if loose { loosen(&dt) } else { dt };
            Field::new(&f.name, dt, loose || matches!(f.ty, Ty::Optional(_)))
        })
        .collect();
    Arc::new(ArrowSchema::new(fields))
}

/// `dt` with every nested field nullable.
fn loosen(dt: &DataType) -> DataType {
    match dt {
        DataType::Struct(fields) => DataType::Struct(
            fields.iter().map(|f| Field::new(f.name(), loosen(f.data_type()), true)).collect::<Vec<_>>().into(),
        ),
        DataType::List(item) => DataType::List(Arc::new(Field::new(item.name(), loosen(item.data_type()), true))),
        // A map's keys are never null, in Arrow as in JSON; its values may be.
        DataType::Map(entries, sorted) => {
            let DataType::Struct(parts) = entries.data_type() else { return dt.clone() };
            let parts =
                vec![parts[0].as_ref().clone(), Field::new(parts[1].name(), loosen(parts[1].data_type()), true)];
            DataType::Map(Arc::new(Field::new(entries.name(), DataType::Struct(parts.into()), false)), *sorted)
        }
        other => other.clone(),
    }
}

/// Reads NDJSON `lines` into one batch of `schema`.
fn batch(schema: SchemaRef, lines: &[String]) -> RecordBatch {
    let text = lines.join("\n");
    let mut reader =
        arrow_json::ReaderBuilder::new(schema).with_batch_size(lines.len().max(1)).build(text.as_bytes()).unwrap();
    reader.next().unwrap().unwrap()
}

/// The JSON decoder's value of `line`, with `tree` absent (the Arrow batches have no `tree`).
fn json_value(line: &str) -> Result<Value, RecordError> {
    let s = schema();
    let tree = s.record(s.input).unwrap().fields.iter().position(|f| f.name == "tree").unwrap();
    decode_input(&s, line).map(|v| match v {
        Value::Record(fields) => {
            let mut fields = fields.to_vec();
            fields[tree] = Value::Null;
            Value::Record(fields.into())
        }
        other => other,
    })
}

/// The value of encoded record `i`.
fn encoded_value(enc: &ArrowEncoder, i: usize) -> Value {
    let shape = enc.shape();
    let region = Region { fixed: enc.records(), vars: enc.vars() };
    let at = i * shape.layout().input_size as usize;
    region.value(shape, &Ty::Record(shape.schema().input), at).unwrap()
}

#[test]
fn the_input_schema_has_the_declared_names_and_types() {
    let s = schema();
    // The test schema's `Tree` contains itself through a list: no Arrow type for it.
    let err = input_schema(&s).unwrap_err();
    assert!(err.0.contains("`Tree` contains itself"), "{err}");
    let arrow = arrow_input(false);
    let field = |name: &str| arrow.field_with_name(name).unwrap().clone();
    assert_eq!(field("n").data_type(), &DataType::Int64);
    assert!(!field("n").is_nullable());
    assert_eq!(field("when").data_type(), &DataType::Date32);
    assert_eq!(field("mode").data_type(), &DataType::Utf8);
    assert!(field("opt_n").is_nullable());
    let DataType::List(item) = field("items").data_type().clone() else { panic!("items is a list") };
    let DataType::Struct(children) = item.data_type() else { panic!("items hold structs") };
    let names: Vec<&str> = children.iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["name", "mode", "subs", "when"]);
}

#[test]
fn the_decision_schema_keeps_the_key_and_adds_the_error_column() {
    let mut s = schema();
    // The output repeats the key `id`: no separate key column.
    let arrow = decision_schema(&s).unwrap();
    let names: Vec<&str> = arrow.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["id", "total", "reasons", "flag", "mode", "items", "big", "when", "error"]);
    assert!(arrow.fields().iter().all(|f| f.is_nullable()), "rejected rows have nulls in every column");
    let reasons = arrow.field_with_name("reasons").unwrap();
    assert_eq!(reasons.data_type(), &DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, false))));
    // Without `id` in the output, the key comes first in its own column.
    let out = s.output as usize;
    s.records[out].fields.remove(0);
    let arrow = decision_schema(&s).unwrap();
    assert_eq!(arrow.field(0).name(), "id");
    assert_eq!(arrow.fields().last().unwrap().name(), ERROR_COLUMN);
}

#[test]
fn good_records_encode_to_the_values_the_json_decoder_reads() {
    let lines: Vec<String> = (0..300).map(good_line).collect();
    let batch = batch(arrow_input(false), &lines);
    let mut enc = ArrowEncoder::new(shape());
    enc.encode(&batch);
    assert!(enc.errors().is_empty(), "{:?}", enc.errors().iter().next());
    assert_eq!(enc.len(), 300);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(encoded_value(&enc, i), json_value(line).unwrap(), "record {i}");
    }
    // A slice of a batch encodes like the rows it holds, and the encoder can be reused.
    enc.encode(&batch.slice(17, 40));
    assert_eq!(enc.len(), 40);
    for i in 0..40 {
        assert_eq!(encoded_value(&enc, i), json_value(&lines[17 + i]).unwrap(), "sliced record {i}");
    }
}

/// Checks that each line is rejected by the Arrow encoder exactly as by the JSON decoder, and
/// that the good lines around it are still encoded.
fn same_errors_as_json(edits: &[(&str, &str)]) {
    same_errors_as_json_in(arrow_input(true), edits);
}

/// As [`same_errors_as_json`], with the batch read in `schema`.
fn same_errors_as_json_in(schema: SchemaRef, edits: &[(&str, &str)]) {
    let good = good_line(7);
    let mut lines = vec![good.clone()];
    for (from, to) in edits {
        assert!(good.contains(from), "{from} is in the good line");
        lines.push(good.replacen(from, to, 1));
        lines.push(good.clone());
    }
    let batch = in_schema(&batch(arrow_input(true), &lines), schema);
    let mut enc = ArrowEncoder::new(shape());
    enc.encode(&batch);
    for (row, line) in lines.iter().enumerate() {
        match json_value(line) {
            Ok(_) => assert!(!enc.errors().contains_key(&row), "row {row} is good: {:?}", enc.errors().get(&row)),
            Err(want) => assert_eq!(enc.errors().get(&row), Some(&want), "row {row}: {line}"),
        }
    }
    assert_eq!(enc.len(), edits.len() + 1, "every good row is encoded");
    assert_eq!(enc.rows(), (0..lines.len()).step_by(2).collect::<Vec<_>>());
    for (i, &row) in enc.rows().iter().enumerate() {
        assert_eq!(encoded_value(&enc, i), json_value(&lines[row]).unwrap());
    }
}

#[test]
fn nulls_in_required_fields_fail_with_their_path() {
    same_errors_as_json(&[
        (r#""n":"#, r#""n":null,"x":"#),
        (r#""mode":"passive""#, r#""mode":null"#),
        (r#""inner":{"a":7,"b":true"#, r#""inner":{"a":null,"b":true"#),
        (r#""inner":{"a":7,"b":true,"label":null}"#, r#""inner":null"#),
        (r#""name":"item-1""#, r#""name":null"#),
    ]);
}

#[test]
fn unknown_enum_names_fail_with_their_path() {
    same_errors_as_json(&[
        (r#""mode":"passive""#, r#""mode":"semi""#),
        (r#""big":"v259""#, r#""big":"v300""#),
        (r#""name":"item-2","mode":"off""#, r#""name":"item-2","mode":"sideways""#),
    ]);
}

#[test]
fn enum_columns_read_as_dictionaries_give_the_same_values_and_errors() {
    let hinted = Arc::new(enum_dictionaries(&schema(), &arrow_input(true)));
    let dictionary =
        |dt: &DataType| matches!(dt, DataType::Dictionary(k, v) if **k == DataType::Int32 && **v == DataType::Utf8);
    // Top-level and nested enums become dictionaries; strings, ints and the rest do not.
    assert!(dictionary(hinted.field_with_name("mode").unwrap().data_type()));
    assert_eq!(hinted.field_with_name("id").unwrap().data_type(), &DataType::Utf8);
    let DataType::List(item) = hinted.field_with_name("items").unwrap().data_type() else { panic!("a list") };
    let DataType::Struct(fields) = item.data_type() else { panic!("a struct") };
    assert!(dictionary(fields.find("mode").unwrap().1.data_type()));
    assert_eq!(fields.find("name").unwrap().1.data_type(), &DataType::Utf8);
    same_errors_as_json_in(
        hinted,
        &[
            (r#""mode":"passive""#, r#""mode":"semi""#),
            (r#""mode":"passive""#, r#""mode":null"#),
            (r#""big":"v259""#, r#""big":"v300""#),
            (r#""name":"item-2","mode":"off""#, r#""name":"item-2","mode":"sideways""#),
        ],
    );
}

#[test]
fn the_dictionary_schema_leaves_columns_the_policy_does_not_read_or_reads_otherwise() {
    let file =
        ArrowSchema::new(vec![Field::new("mode", DataType::Int64, false), Field::new("other", DataType::Utf8, true)]);
    assert_eq!(enum_dictionaries(&schema(), &file), file);
}

#[test]
fn bad_dates_fail_with_their_path() {
    let good = good_line(4);
    let mut lines = vec![good.clone(), good.clone(), good.clone()];
    lines[1] = lines[1].replacen(r#""opt_date":"1999-12-31""#, r#""opt_date":"2020-01-01""#, 1);
    let b = batch(arrow_input(true), &lines);
    // Replace `when` with day numbers, one out of range, and `opt_date` with dates as text.
    let when: ArrayRef = Arc::new(Date32Array::from(vec![0, 3_000_000, -800_000]));
    let texts: ArrayRef = Arc::new(StringArray::from(vec![Some("2024-02-29"), Some("2023-02-29"), None]));
    let b = replace(&b, "when", when);
    let b = replace(&b, "opt_date", texts);
    let mut enc = ArrowEncoder::new(shape());
    enc.encode(&b);
    let day = |d: i64| RecordError {
        path: "when".into(),
        message: format!("day {d} is not a valid date (days since 1970-01-01 between 0001-01-01 and 9999-12-31)"),
    };
    assert_eq!(enc.errors().get(&1), Some(&day(3_000_000)), "the first problem in declaration order");
    assert_eq!(enc.errors().get(&2), Some(&day(-800_000)));
    assert_eq!(enc.rows(), [0]);
    let Value::Record(fields) = encoded_value(&enc, 0) else { panic!("a record") };
    assert_eq!(fields[1], Value::Date(0));
    assert_eq!(fields[7], Value::Date(crate::date::from_civil(2024, 2, 29).unwrap()));
    // Text dates fail with the JSON message.
    let b = replace(&batch(arrow_input(true), &lines), "opt_date", Arc::new(StringArray::from(vec!["2023-02-29"; 3])));
    enc.encode(&b);
    let want = json_value(&good.replacen("1999-12-31", "2023-02-29", 1)).unwrap_err();
    assert_eq!(enc.errors().get(&0), Some(&want));
}

#[test]
fn missing_columns_fail_every_row_unless_optional() {
    let lines: Vec<String> = (0..3).map(good_line).collect();
    let b = batch(arrow_input(false), &lines);
    let mut enc = ArrowEncoder::new(shape());
    enc.encode(&b.project(&without(&b, &["opt_n", "opt_s", "codes"])).unwrap());
    assert!(enc.errors().is_empty(), "optional columns may be absent");
    let Value::Record(fields) = encoded_value(&enc, 1) else { panic!("a record") };
    assert_eq!(fields[6], Value::Null);
    enc.encode(&b.project(&without(&b, &["n", "flag"])).unwrap());
    assert_eq!(enc.len(), 0);
    for (row, line) in lines.iter().enumerate().take(3) {
        let want = json_value(&line.replacen("\"flag\":", "\"x\":", 1)).unwrap_err();
        assert_eq!(want.path, "flag");
        assert_eq!(enc.errors().get(&row), Some(&want), "the first missing field in declaration order");
    }
}

#[test]
fn columns_of_the_wrong_type_fail_with_their_path() {
    let lines: Vec<String> = (0..2).map(good_line).collect();
    let b = batch(arrow_input(false), &lines);
    let b = replace(&b, "n", Arc::new(StringArray::from(vec!["1", "2"])));
    let mut enc = ArrowEncoder::new(shape());
    enc.encode(&b);
    let want = RecordError { path: "n".into(), message: "expected int, found Arrow type Utf8".into() };
    assert_eq!(enc.errors().get(&0), Some(&want));
    assert_eq!(enc.errors().get(&1), Some(&want));
    let b = replace(&batch(arrow_input(false), &lines), "flag", Arc::new(Int64Array::from(vec![1, 0])));
    enc.encode(&b);
    assert_eq!(enc.errors().get(&1).unwrap().message, "expected bool, found Arrow type Int64");
}

#[test]
fn integers_of_other_widths_and_other_string_types_are_accepted_exactly() {
    let lines: Vec<String> = (0..3).map(good_line).collect();
    let b = batch(arrow_input(false), &lines);
    let b = replace(&b, "n", Arc::new(Int32Array::from(vec![-7, 0, i32::MAX])));
    let mut dict = StringDictionaryBuilder::<Int8Type>::new();
    for m in ["off", "active", "off"] {
        dict.append_value(m);
    }
    let b = replace(&b, "mode", Arc::new(dict.finish()));
    let b = replace(&b, "id", Arc::new(LargeStringArray::from(vec!["a", "", "ü"])));
    let mut enc = ArrowEncoder::new(shape());
    enc.encode(&b);
    assert!(enc.errors().is_empty(), "{:?}", enc.errors());
    let values: Vec<Value> = (0..3).map(|i| encoded_value(&enc, i)).collect();
    let field = |i: usize, f: usize| match &values[i] {
        Value::Record(fields) => fields[f].clone(),
        _ => panic!("a record"),
    };
    assert_eq!([field(0, 4), field(2, 4)], [Value::Int(-7), Value::Int(i64::from(i32::MAX))]);
    assert_eq!([field(0, 2), field(1, 2)], [Value::Enum(2), Value::Enum(0)]);
    assert_eq!([field(1, 0), field(2, 0)], [Value::Str("".into()), Value::Str("ü".into())]);
    // A UInt64 above the int range fails that row alone, with the JSON message.
    let b = replace(&batch(arrow_input(false), &lines), "n", Arc::new(UInt64Array::from(vec![1, u64::MAX, 3])));
    enc.encode(&b);
    assert_eq!(enc.rows(), [0, 2]);
    let want = RecordError { path: "n".into(), message: format!("{} does not fit in a 64-bit int", u64::MAX) };
    assert_eq!(enc.errors().get(&1), Some(&want));
}

#[test]
fn strings_and_lists_over_the_limits_fail_with_their_path() {
    let lines: Vec<String> = (0..2).map(good_line).collect();
    let b = batch(arrow_input(false), &lines);
    let long = "x".repeat(MAX_STRING_BYTES + 1);
    let b = replace(&b, "id", Arc::new(StringArray::from(vec!["fine", long.as_str()])));
    let mut tags = ListBuilder::new(StringBuilder::new());
    tags.values().append_value("one");
    tags.append(true);
    for _ in 0..=MAX_LIST_ITEMS {
        tags.values().append_value("t");
    }
    tags.append(true);
    let b2 = replace(&b, "tags", Arc::new(tags.finish()));
    let mut enc = ArrowEncoder::new(shape());
    enc.encode(&b);
    assert_eq!(enc.errors().get(&1), Some(&RecordError { path: "id".into(), message: string_too_long(long.len()) }));
    assert_eq!(enc.rows(), [0]);
    enc.encode(&replace(&b2, "id", Arc::new(StringArray::from(vec!["a", "b"]))));
    assert_eq!(enc.errors().get(&1), Some(&RecordError { path: "tags".into(), message: list_too_long() }));
    let Value::Record(fields) = encoded_value(&enc, 0) else { panic!("a record") };
    assert_eq!(fields[12], Value::List(vec![Value::Str("one".into())].into()));
}

#[test]
fn columns_the_policy_does_not_declare_are_not_read() {
    let lines: Vec<String> = (0..2).map(good_line).collect();
    let b = batch(arrow_input(false), &lines);
    // An extra column of a type no field could have, with nulls.
    let mut fields: Vec<Field> = b.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut columns = b.columns().to_vec();
    fields.push(Field::new("extra", DataType::Date32, true));
    columns.push(Arc::new(Date32Array::from(vec![None, Some(i32::MAX)])));
    let b = RecordBatch::try_new(Arc::new(ArrowSchema::new(fields)), columns).unwrap();
    let mut enc = ArrowEncoder::new(shape());
    enc.encode(&b);
    assert!(enc.errors().is_empty());
    assert_eq!(encoded_value(&enc, 1), json_value(&lines[1]).unwrap());
}

/// `batch` in `schema`, whose types differ at most by `Utf8` columns that are dictionaries there.
fn in_schema(batch: &RecordBatch, schema: SchemaRef) -> RecordBatch {
    let columns = batch.columns().iter().zip(schema.fields()).map(|(c, f)| as_type(c, f.data_type())).collect();
    RecordBatch::try_new(schema, columns).unwrap()
}

fn as_type(array: &ArrayRef, dt: &DataType) -> ArrayRef {
    use arrow_array::cast::AsArray;
    use arrow_array::Array;
    match dt {
        DataType::Dictionary(..) => {
            Arc::new(array.as_string::<i32>().iter().collect::<arrow_array::DictionaryArray<Int32Type>>())
        }
        DataType::Struct(fields) => {
            let s = array.as_struct();
            let children = s.columns().iter().zip(fields).map(|(c, f)| as_type(c, f.data_type())).collect();
            Arc::new(arrow_array::StructArray::new(fields.clone(), children, s.nulls().cloned()))
        }
        DataType::List(item) => {
            let l = array.as_list::<i32>();
            let values = as_type(l.values(), item.data_type());
            Arc::new(arrow_array::ListArray::new(item.clone(), l.offsets().clone(), values, l.nulls().cloned()))
        }
        _ => array.clone(),
    }
}

/// `batch` with column `name` replaced by `array` (its field made to match).
fn replace(batch: &RecordBatch, name: &str, array: ArrayRef) -> RecordBatch {
    let schema = batch.schema();
    let at = schema.index_of(name).unwrap();
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields[at] = Field::new(name, array.data_type().clone(), true);
    let mut columns = batch.columns().to_vec();
    columns[at] = array;
    RecordBatch::try_new(Arc::new(ArrowSchema::new(fields)), columns).unwrap()
}

/// The indices of `batch`'s columns other than `names`.
fn without(batch: &RecordBatch, names: &[&str]) -> Vec<usize> {
    let schema = batch.schema();
    (0..schema.fields().len()).filter(|&i| !names.contains(&schema.field(i).name().as_str())).collect()
}

/// A policy schema with maps: of ints at the top, of records, and inside a list.
fn map_schema() -> crate::schema::Schema {
    serde_json::from_str(
        r#"{"enums":[{"name":"Tier","variants":["basic","premium"]}],
            "records":[
              {"name":"Plan","fields":[{"name":"tier","ty":{"enum":0}},{"name":"seats","ty":"int"}]},
              {"name":"In","fields":[{"name":"id","ty":"string"},{"name":"seats","ty":{"map":"int"}},
                {"name":"plans","ty":{"map":{"record":0}}},{"name":"many","ty":{"list":{"map":{"optional":"int"}}}}]}],
            "groups":[],"input":1,"output":1,"key":0}"#,
    )
    .unwrap()
}

/// Encodes `lines` (read into Arrow by arrow-json, which keeps a map's keys in their order and
/// keeps keys given twice) and checks each row against the JSON decoder: the same value, or
/// the same error at the same path.
fn maps_agree_with_json(lines: &[String]) -> ArrowEncoder {
    let s = map_schema();
    let shape = Arc::new(Shape::new(s.clone()).unwrap());
    let fields: Vec<Field> =
        input_schema(&s).unwrap().fields().iter().map(|f| Field::new(f.name(), loosen(f.data_type()), true)).collect();
    let batch = batch(Arc::new(ArrowSchema::new(fields)), lines);
    let mut enc = ArrowEncoder::new(shape.clone());
    enc.encode(&batch);
    let mut kept = enc.rows().iter();
    for (row, line) in lines.iter().enumerate() {
        match decode_input(&s, line) {
            Ok(want) => {
                assert!(!enc.errors().contains_key(&row), "row {row}: {:?}", enc.errors().get(&row));
                let i = enc.rows().iter().position(|&r| r == row).unwrap();
                assert_eq!(kept.next(), Some(&row));
                let region = Region { fixed: enc.records(), vars: enc.vars() };
                let at = i * shape.layout().input_size as usize;
                assert_eq!(region.value(&shape, &Ty::Record(s.input), at).unwrap(), want, "row {row}: {line}");
            }
            Err(want) => assert_eq!(enc.errors().get(&row), Some(&want), "row {row}: {line}"),
        }
    }
    enc
}

#[test]
fn map_columns_encode_sorted_by_key_bytes_as_the_json_reader_does() {
    let lines: Vec<String> = [
        r#"{"id":"a","seats":{},"plans":{},"many":[]}"#,
        r#"{"id":"b","seats":{"E5":3,"E3":1,"":7,"é":2,"Z":9},"plans":{"z":{"tier":"premium","seats":2},"a":{"tier":"basic","seats":1}},"many":[{"b":null,"a":1},{},{"x":5}]}"#,
        r#"{"id":"c","seats":{"a":1,"b":2,"c":3},"plans":{"only":{"tier":"basic","seats":-1}},"many":[{"k":null}]}"#,
    ]
    .iter()
    .map(|l| l.to_string())
    .collect();
    let enc = maps_agree_with_json(&lines);
    assert_eq!(enc.len(), 3);
}

#[test]
fn bad_maps_fail_where_and_as_the_json_reader_fails() {
    let long_key = "k".repeat(MAX_STRING_BYTES + 1);
    let lines: Vec<String> = vec![
        // A key given twice: at its second entry, out of order or not.
        r#"{"id":"a","seats":{"b":1,"a":2,"b":3},"plans":{},"many":[]}"#.into(),
        r#"{"id":"b","seats":{"a":1,"a":2},"plans":{},"many":[]}"#.into(),
        // Two keys given twice: the one the reader meets first.
        r#"{"id":"c","seats":{"y":1,"x":1,"x":2,"y":3},"plans":{},"many":[]}"#.into(),
        // A bad value before a duplicate is met first; one after it is never read.
        r#"{"id":"d","seats":{},"plans":{"p":{"tier":"gold","seats":1},"p":{"tier":"basic","seats":1}},"many":[]}"#
            .into(),
        r#"{"id":"e","seats":{},"plans":{"p":{"tier":"basic","seats":1},"p":{"tier":"gold","seats":1}},"many":[]}"#
            .into(),
        // A null value where the value type is not optional, and inside a list of maps.
        r#"{"id":"f","seats":{"a":null},"plans":{},"many":[]}"#.into(),
        r#"{"id":"g","seats":{},"plans":{},"many":[{},{"q":1,"q":2}]}"#.into(),
        // A key over the string limit fails at the map, after the values before it.
        format!(r#"{{"id":"h","seats":{{"a":1,"{long_key}":2}},"plans":{{}},"many":[]}}"#),
        format!(
            r#"{{"id":"i","seats":{{}},"plans":{{"a":{{"tier":"x","seats":1}},"{long_key}":{{"tier":"basic","seats":1}}}},"many":[]}}"#
        ),
        r#"{"id":"j","seats":{"z":1,"y":2},"plans":{},"many":[]}"#.into(),
    ];
    let enc = maps_agree_with_json(&lines);
    assert_eq!(enc.errors()[&0], RecordError { path: r#"seats["b"]"#.into(), message: "duplicate key".into() });
    assert_eq!(enc.errors()[&2].path, r#"seats["x"]"#);
    assert_eq!(enc.errors()[&3].path, r#"plans["p"].tier"#);
    assert_eq!(enc.errors()[&4].path, r#"plans["p"]"#);
    assert_eq!(enc.errors()[&6].path, r#"many[1]["q"]"#);
    assert!(enc.errors()[&7].message.starts_with("key of"), "{:?}", enc.errors()[&7]);
    assert_eq!(enc.errors()[&8].path, r#"plans["a"].tier"#);
    assert_eq!(enc.rows(), &[9]);
}

#[test]
fn maps_over_the_entry_limit_fail_at_the_map() {
    let entries: Vec<String> = (0..=MAX_LIST_ITEMS).map(|i| format!(r#""k{i:06}":{i}"#)).collect();
    let lines = vec![
        format!(r#"{{"id":"a","seats":{{{}}},"plans":{{}},"many":[]}}"#, entries.join(",")),
        format!(r#"{{"id":"b","seats":{{{}}},"plans":{{}},"many":[]}}"#, entries[..MAX_LIST_ITEMS].join(",")),
    ];
    let enc = maps_agree_with_json(&lines);
    assert_eq!(enc.errors()[&0].path, "seats");
    assert_eq!(enc.rows(), &[1], "a map at the limit is read");
}

#[test]
fn map_values_that_are_enums_are_read_as_dictionaries() {
    let s = map_schema();
    let file = input_schema(&s).unwrap();
    let hinted = enum_dictionaries(&s, &file);
    let DataType::Map(entries, _) = hinted.field_with_name("plans").unwrap().data_type() else { panic!("a map") };
    let DataType::Struct(parts) = entries.data_type() else { panic!("entries are structs") };
    let DataType::Struct(plan) = parts[1].data_type() else { panic!("values are plans") };
    assert!(matches!(plan.find("tier").unwrap().1.data_type(), DataType::Dictionary(..)));
    assert_eq!(parts[0].data_type(), &DataType::Utf8, "keys stay strings");
}

/// A policy schema with decimals: required, optional, in a list.
fn decimal_schema() -> crate::schema::Schema {
    serde_json::from_str(
        r#"{"enums":[],"records":[{"name":"In","fields":[{"name":"id","ty":"string"},{"name":"price","ty":"decimal"},
            {"name":"discount","ty":{"optional":"decimal"}},{"name":"limits","ty":{"list":"decimal"}}]}],
            "groups":[],"input":0,"output":0,"key":0}"#,
    )
    .unwrap()
}

/// Encodes a batch with `price` given as `prices` and checks every row against the JSON
/// reader's outcome for the JSON number `texts[row]`.
fn decimal_column_agrees(prices: ArrayRef, texts: &[&str]) {
    let s = decimal_schema();
    let shape = Arc::new(Shape::new(s.clone()).unwrap());
    let n = prices.len();
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values((0..n).map(|i| format!("t{i}"))));
    let mut limits =
        ListBuilder::new(arrow_array::builder::Decimal128Builder::new().with_precision_and_scale(10, 2).unwrap());
    for i in 0..n {
        limits.values().append_value(i as i128 * 150);
        limits.append(true);
    }
    let limits: ArrayRef = Arc::new(limits.finish());
    let batch = RecordBatch::try_from_iter([("id", ids), ("price", prices), ("limits", limits)]).unwrap();
    let mut enc = ArrowEncoder::new(shape.clone());
    enc.encode(&batch);
    for (row, text) in texts.iter().enumerate() {
        let line = format!(
            r#"{{"id":"t{row}","price":{text},"limits":[{}]}}"#,
            if row == 0 { "0".into() } else { format!("{}.{:02}", row * 150 / 100, row * 150 % 100) }
        );
        match decode_input(&s, &line) {
            Ok(want) => {
                let i = enc
                    .rows()
                    .iter()
                    .position(|&r| r == row)
                    .unwrap_or_else(|| panic!("row {row} {text}: {:?}", enc.errors().get(&row)));
                let region = Region { fixed: enc.records(), vars: enc.vars() };
                let at = i * shape.layout().input_size as usize;
                assert_eq!(region.value(&shape, &Ty::Record(s.input), at).unwrap(), want, "row {row}: {text}");
            }
            Err(want) => {
                let got =
                    enc.errors().get(&row).unwrap_or_else(|| panic!("row {row} {text} is rejected by JSON: {want:?}"));
                assert_eq!(got.path, want.path, "row {row}: {text}");
                assert_eq!(got.message, want.message, "row {row}: {text}");
            }
        }
    }
}

#[test]
fn decimal_columns_of_any_scale_are_read_exactly_as_json_numbers() {
    use arrow_array::{Decimal128Array, Decimal256Array};
    use arrow_buffer::i256;
    // Scale 2, values as JSON writes them.
    let cents =
        Decimal128Array::from(vec![1999, -1, 0, 9_223_372_036_854_775_807]).with_precision_and_scale(38, 2).unwrap();
    decimal_column_agrees(Arc::new(cents), &["19.99", "-0.01", "0.00", "92233720368547758.07"]);
    // Scale 8: digits past the sixth fail unless they are zeros.
    let fine = Decimal128Array::from(vec![123_456_789, 100, 12_300, -922_337_203_685_477_580_800])
        .with_precision_and_scale(38, 8)
        .unwrap();
    decimal_column_agrees(Arc::new(fine), &["1.23456789", "0.00000100", "0.00012300", "-9223372036854.77580800"]);
    // Scale 6 at both ends of the range, and negative scale (hundreds).
    let exact =
        Decimal128Array::from(vec![i64::MAX as i128, i64::MIN as i128]).with_precision_and_scale(38, 6).unwrap();
    decimal_column_agrees(Arc::new(exact), &["9223372036854.775807", "-9223372036854.775808"]);
    let hundreds = Decimal128Array::from(vec![5, 100_000_000_000]).with_precision_and_scale(38, -2).unwrap();
    decimal_column_agrees(Arc::new(hundreds), &["500", "10000000000000"]);
    // Decimal256 and integer columns.
    let wide = Decimal256Array::from(vec![i256::from_i128(250), i256::MAX]).with_precision_and_scale(76, 1).unwrap();
    let max = wide.value_as_string(1);
    decimal_column_agrees(Arc::new(wide), &["25.0", &max]);
    let ints = Int64Array::from(vec![7, -3, i64::MAX]);
    decimal_column_agrees(Arc::new(ints), &["7", "-3", "9223372036854775807"]);
}

#[test]
fn decisions_hold_decimals_as_decimal128_of_scale_6() {
    let s = decimal_schema();
    let arrow = decision_schema(&s).unwrap();
    assert_eq!(arrow.field_with_name("price").unwrap().data_type(), &DataType::Decimal128(19, 6));
    assert_eq!(
        input_schema(&s).unwrap().field_with_name("discount").unwrap().data_type(),
        &DataType::Decimal128(19, 6)
    );
}

#[test]
fn an_over_large_slice_is_cut_into_pieces_of_about_the_byte_limit() {
    // A slice that fits, or a single row, is not cut.
    assert_eq!(rows_per_piece(1024, 200 << 10, 256 << 10), None);
    assert_eq!(rows_per_piece(1024, 256 << 10, 256 << 10), None);
    assert_eq!(rows_per_piece(1, 9 << 20, 256 << 10), None);
    // Pieces of about the limit at the slice's bytes per row: 1 KiB rows, 256 to a piece.
    assert_eq!(rows_per_piece(1024, 1 << 20, 256 << 10), Some(256));
    // Always smaller than the slice (at most half), and at least one row.
    assert_eq!(rows_per_piece(3, 300, 299), Some(1));
    assert_eq!(rows_per_piece(2, 2 << 20, 256 << 10), Some(1));
    assert_eq!(rows_per_piece(11, 9 << 20, 0), Some(1));
    // Sizes past 32 bits do not overflow.
    assert_eq!(rows_per_piece(usize::MAX, usize::MAX, usize::MAX / 4), Some(usize::MAX / 4));
}

#[test]
fn enum_columns_of_every_string_type_find_each_row_and_name_an_unknown_one() {
    let lines: Vec<String> = (0..5).map(good_line).collect();
    let rows = ["off", "off", "moon", "active", "passive"];
    let columns: [ArrayRef; 3] = [
        Arc::new(StringArray::from(rows.to_vec())),
        Arc::new(arrow_array::StringViewArray::from(rows.to_vec())),
        Arc::new(rows.iter().copied().collect::<arrow_array::DictionaryArray<Int32Type>>()),
    ];
    for column in columns {
        let kind = column.data_type().clone();
        let b = replace(&batch(arrow_input(false), &lines), "mode", column);
        let mut enc = ArrowEncoder::new(shape());
        enc.encode(&b);
        assert_eq!(enc.rows(), [0, 1, 3, 4], "{kind}");
        let want = RecordError {
            path: "mode".into(),
            message: "unknown value \"moon\", expected one of active, passive, off".into(),
        };
        assert_eq!(enc.errors().get(&2), Some(&want), "{kind}");
        let modes: Vec<Value> = (0..4)
            .map(|i| match encoded_value(&enc, i) {
                Value::Record(fields) => fields[2].clone(),
                _ => panic!("a record"),
            })
            .collect();
        assert_eq!(modes, [Value::Enum(2), Value::Enum(2), Value::Enum(0), Value::Enum(1)], "{kind}");
    }
}
