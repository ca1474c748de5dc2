//! The typed codec against the JSON codec: a value serialized into the layout gives the bytes
//! and errors of its JSON text; a decision deserialized from the layout gives what serde_json
//! gives for its JSON; the view reads what `Region::value` reads, and both refuse the same
//! hostile bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use crate::abi::Shape;
use crate::decode::{DecodeError, Region};
use crate::encode::BatchEncoder;
use crate::json::RecordError;
use crate::schema::{Ty, Value};
use crate::testing::{bad_lines, good_line, schema, Rng};
use crate::typed::de::{from_region, SlotError};
use crate::typed::view::{DecisionView, FieldView, ViewError};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;
use std::sync::Arc;

fn encoder() -> BatchEncoder {
    BatchEncoder::new(Arc::new(Shape::new(schema()).unwrap()))
}

/// The JSON path's outcome for `value`: its JSON text pushed, or serde_json's own refusal.
fn push_as_json<T: Serialize + ?Sized>(enc: &mut BatchEncoder, value: &T) -> Result<(), RecordError> {
    match serde_json::to_string(value) {
        Ok(text) => enc.push_json(&text),
        Err(e) => Err(RecordError { path: String::new(), message: format!("cannot be written as JSON: {e}") }),
    }
}

/// Pushes `value` through both paths into two batches that hold the same records, and checks
/// that the outcome and every byte of both areas agree.
fn agree<T: Serialize + ?Sized>(
    json: &mut BatchEncoder,
    typed: &mut BatchEncoder,
    value: &T,
) -> Result<(), RecordError> {
    let want = push_as_json(json, value);
    let got = typed.push_serialize(value);
    assert_eq!(got, want, "{}", serde_json::to_string(value).unwrap_or_default());
    assert_eq!(typed.len(), json.len());
    assert_eq!(typed.records(), json.records());
    assert_eq!(typed.vars(), json.vars());
    got
}

fn err(path: &str, message: &str) -> Result<(), RecordError> {
    Err(RecordError { path: path.into(), message: message.into() })
}

#[test]
fn json_values_serialize_to_the_bytes_of_their_text() {
    let (mut json, mut typed) = (encoder(), encoder());
    let mut lines: Vec<String> = (0..200).map(good_line).collect();
    lines.extend(bad_lines());
    // Mutations of good lines: a byte changed to another JSON-ish byte.
    let mut rng = Rng(7);
    for i in 0..400 {
        let mut bytes = good_line(i).into_bytes();
        let at = rng.next() as usize % bytes.len();
        bytes[at] = b"0123456789-.e\"{}[],:tfn "[rng.next() as usize % 24];
        lines.extend(String::from_utf8(bytes).ok());
    }
    let (mut accepted, mut rejected) = (0, 0);
    for line in &lines {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        match agree(&mut json, &mut typed, &value) {
            Ok(()) => accepted += 1,
            Err(_) => rejected += 1,
        }
    }
    assert!(accepted >= 200 && rejected >= 100, "{accepted} accepted, {rejected} rejected");
}

#[derive(Serialize, Clone, Copy, Debug)]
#[serde(rename_all = "snake_case")]
enum Mode {
    Active,
    Passive,
    Off,
    Semi,
}

#[derive(Serialize, Clone)]
struct Inner {
    a: i64,
    b: bool,
    label: Option<String>,
}

#[derive(Serialize, Clone)]
struct Item {
    name: &'static str,
    mode: Mode,
    subs: Vec<Inner>,
    when: Option<&'static str>,
}

#[derive(Serialize, Clone)]
struct Tree {
    v: i32,
    kids: Vec<Tree>,
}

/// The test schema's input record as a host type, with the int and date fields generic so
/// that every width and representation can be tried.
#[derive(Serialize, Clone)]
struct Input<N, W> {
    id: String,
    when: W,
    mode: Mode,
    flag: bool,
    n: N,
    big: String,
    opt_n: Option<u8>,
    opt_date: Option<String>,
    opt_s: Option<char>,
    inner: Inner,
    opt_inner: Option<Inner>,
    items: Vec<Item>,
    tags: Vec<String>,
    grid: Vec<Vec<i16>>,
    tree: Option<Tree>,
    undeclared: Failing,
}

/// A value whose `Serialize` fails: serde_json refuses the whole record.
#[derive(Clone)]
struct Failing;

impl Serialize for Failing {
    fn serialize<S: Serializer>(&self, _s: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("boom"))
    }
}

fn input<N, W>(n: N, when: W) -> Input<N, W> {
    let inner = Inner { a: -4, b: true, label: Some("l\u{e9}".into()) };
    Input {
        id: "rec ✓".into(),
        when,
        mode: Mode::Passive,
        flag: true,
        n,
        big: "v299".into(),
        opt_n: Some(200),
        opt_date: None,
        opt_s: Some('ß'),
        inner: inner.clone(),
        opt_inner: None,
        items: vec![
            Item { name: "a", mode: Mode::Off, subs: vec![inner.clone(), inner], when: Some("2024-02-29") },
            Item { name: "", mode: Mode::Active, subs: vec![], when: None },
        ],
        tags: vec!["x".into(), String::new(), "y\"".into()],
        grid: vec![vec![], vec![1, -2], vec![i16::MIN]],
        tree: Some(Tree { v: 1, kids: vec![Tree { v: 2, kids: vec![] }, Tree { v: i32::MAX, kids: vec![] }] }),
        undeclared: Failing,
    }
}

/// `input` without its undeclared field, which serde_json cannot write, as a JSON tree (`None`
/// when the tree cannot hold one of its numbers).
fn json_safe<N: Serialize, W: Serialize>(value: &Input<N, W>) -> Option<serde_json::Value> {
    serde_json::to_value(WithoutUndeclared(value)).ok()
}

/// Serializes an `Input` with its `undeclared` field left out.
struct WithoutUndeclared<'a, N, W>(&'a Input<N, W>);

impl<N: Serialize, W: Serialize> Serialize for WithoutUndeclared<'_, N, W> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let i = self.0;
        let mut st = s.serialize_struct("Input", 15)?;
        st.serialize_field("id", &i.id)?;
        st.serialize_field("when", &i.when)?;
        st.serialize_field("mode", &i.mode)?;
        st.serialize_field("flag", &i.flag)?;
        st.serialize_field("n", &i.n)?;
        st.serialize_field("big", &i.big)?;
        st.serialize_field("opt_n", &i.opt_n)?;
        st.serialize_field("opt_date", &i.opt_date)?;
        st.serialize_field("opt_s", &i.opt_s)?;
        st.serialize_field("inner", &i.inner)?;
        st.serialize_field("opt_inner", &i.opt_inner)?;
        st.serialize_field("items", &i.items)?;
        st.serialize_field("tags", &i.tags)?;
        st.serialize_field("grid", &i.grid)?;
        st.serialize_field("tree", &i.tree)?;
        st.end()
    }
}

/// Serializes `input(n, when)` and checks it against the JSON of the same record (without the
/// undeclared field, which is never serialized): same bytes, same error.
fn check<N: Serialize + Clone, W: Serialize + Clone>(n: N, when: W) -> Result<(), RecordError> {
    let value = input(n, when);
    let (mut json, mut typed) = (encoder(), encoder());
    let want = json.push_json(&serde_json::to_string(&WithoutUndeclared(&value)).unwrap());
    let got = typed.push_serialize(&value);
    assert_eq!(got, want);
    assert_eq!((typed.records(), typed.vars()), (json.records(), json.vars()));
    // The same record as a JSON tree serializes like the tree's text (which differs from the
    // struct's text only for an f32, widened without its shortest digits by `to_value`).
    if let Some(tree) = json_safe(&value) {
        let (mut json, mut typed) = (encoder(), encoder());
        agree(&mut json, &mut typed, &tree).ok();
    }
    got
}

#[test]
fn host_structs_serialize_like_their_json_one_error_at_a_time() {
    assert_eq!(check(-5i64, "2025-01-31"), Ok(()));
    for n in [i64::MIN, i64::MAX, 0] {
        assert_eq!(check(n, "2025-01-31"), Ok(()));
    }
    // Every int width, and integers beyond 64 bits.
    assert_eq!(check(-5i8, "0001-01-01"), Ok(()));
    assert_eq!(check(-500i16, "9999-12-31"), Ok(()));
    assert_eq!(check(70_000u32, "2024-02-29"), Ok(()));
    assert_eq!(check(i64::MAX as u64, "2024-02-29"), Ok(()));
    assert_eq!(check(-7i128, "2024-02-29"), Ok(()));
    assert_eq!(check(u64::MAX, "2025-01-31"), err("n", "18446744073709551615 does not fit in a 64-bit int"));
    assert_eq!(
        check(u128::from(u64::MAX), "2025-01-31"),
        err("n", "18446744073709551615 does not fit in a 64-bit int")
    );
    assert_eq!(check(-(1i128 << 70), "2025-01-31"), err("n", "number is outside the 64-bit int range"));
    assert_eq!(check(u128::MAX, "2025-01-31"), err("n", "number is outside the 64-bit int range"));
    // Floats are read as the doubles serde_json writes.
    assert_eq!(check(1.5f64, "2025-01-31"), err("n", "expected int, found number 1.5"));
    assert_eq!(check(2.0f64, "2025-01-31"), err("n", "expected an int written without a fraction or exponent"));
    assert_eq!(check(0.1f32, "2025-01-31"), err("n", "expected int, found number 0.1"));
    assert_eq!(check(1e300f64, "2025-01-31"), err("n", "number is outside the 64-bit int range"));
    assert_eq!(check(f64::NAN, "2025-01-31"), err("n", "expected int, found null"));
    // Wrong types, null for a non-optional, a list for an int.
    assert_eq!(check("5", "2025-01-31"), err("n", "expected int, found string"));
    assert_eq!(check(None::<i64>, "2025-01-31"), err("n", "expected int, found null"));
    assert_eq!(check(Some(3i64), "2025-01-31"), Ok(()));
    assert_eq!(check([1i64], "2025-01-31"), err("n", "expected int, found list"));
    assert_eq!(check(true, "2025-01-31"), err("n", "expected int, found true"));
    assert_eq!(check((), "2025-01-31"), err("n", "expected int, found null"));
    // Dates.
    let bad_date = "\"2026-02-30\" is not a valid date (YYYY-MM-DD between 0001-01-01 and 9999-12-31)";
    assert_eq!(check(1i64, "2026-02-30"), err("when", bad_date));
    assert_eq!(check(1i64, 20_000i32), err("when", "expected date (YYYY-MM-DD), found number 20000"));
    assert_eq!(
        check(1i64, 'x'),
        err("when", "\"x\" is not a valid date (YYYY-MM-DD between 0001-01-01 and 9999-12-31)")
    );
}

#[test]
fn enums_lists_maps_and_variants_serialize_like_their_json() {
    let (mut json, mut typed) = (encoder(), encoder());
    let base = json_safe(&input(1i64, "2025-01-31")).unwrap();
    let with = |field: &str, value: serde_json::Value| {
        let mut record = base.clone();
        record[field] = value;
        record
    };
    // An enum variant the schema does not declare.
    let mut semi = input(1i64, "2025-01-31");
    semi.items[1].mode = Mode::Semi;
    let semi = serde_json::to_value(WithoutUndeclared(&semi)).unwrap();
    let unknown = "unknown value \"semi\", expected one of active, passive, off";
    assert_eq!(agree(&mut json, &mut typed, &semi), err("items[1].mode", unknown));
    // A missing field is reported after the record, the first in declaration order.
    let mut missing = base.clone();
    missing.as_object_mut().unwrap().remove("flag");
    missing.as_object_mut().unwrap().remove("mode");
    assert_eq!(agree(&mut json, &mut typed, &missing), err("mode", "missing field"));
    assert_eq!(
        agree(&mut json, &mut typed, &with("tags", serde_json::json!(["a", 2]))),
        err("tags[1]", "expected string, found number 2")
    );
    // A tuple is a list, not a record.
    assert_eq!(agree(&mut json, &mut typed, &("x", 1)), err("", "expected object, found list"));
    assert_eq!(agree(&mut json, &mut typed, &Some(7u8)), err("", "expected object, found number 7"));
    // Bytes are a list of numbers.
    struct Bytes(&'static [u8]);
    impl Serialize for Bytes {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }
    #[derive(Serialize)]
    struct Tagged {
        tags: Bytes,
    }
    assert_eq!(
        agree(&mut json, &mut typed, &Tagged { tags: Bytes(b"hi") }),
        err("tags[0]", "expected string, found number 104")
    );
    // Map keys are matched as serde_json writes them; one it refuses fails the record.
    let mut numbered = BTreeMap::new();
    numbered.insert(1, 2);
    assert_eq!(agree(&mut json, &mut typed, &numbered), err("id", "missing field"));
    let mut pairs = BTreeMap::new();
    pairs.insert((1, 2), 3);
    assert_eq!(agree(&mut json, &mut typed, &pairs), err("", "cannot be written as JSON: key must be a string"));
    let mut nan_key: Vec<(f64, i32)> = vec![(f64::NAN, 1)];
    struct Keys<'a>(&'a mut Vec<(f64, i32)>);
    impl Serialize for Keys<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(k, v)| (*k, *v)))
        }
    }
    assert_eq!(
        agree(&mut json, &mut typed, &Keys(&mut nan_key)),
        err("", "cannot be written as JSON: float key must be finite (got NaN or +/-inf)")
    );
    // A key given twice.
    struct Twice;
    impl Serialize for Twice {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map([("id", "a"), ("id", "b")])
        }
    }
    assert_eq!(agree(&mut json, &mut typed, &Twice), err("id", "duplicate field"));
    // Variants: a unit variant is its name, the others one-key objects.
    #[derive(Serialize)]
    #[allow(non_camel_case_types)]
    enum Variant {
        inner { a: i64, b: bool },
        grid(Vec<i32>, Vec<i32>),
        tree(i64),
        other(i64, i64),
        nothing { x: i64 },
    }
    let missing_id = err("id", "missing field");
    for (v, want) in [
        (Variant::inner { a: 1, b: true }, missing_id.clone()),
        (Variant::grid(vec![1], vec![]), missing_id.clone()),
        (Variant::tree(3), err("tree", "expected object or null, found number 3")),
        (Variant::other(1, 2), missing_id.clone()),
        (Variant::nothing { x: 1 }, missing_id),
    ] {
        assert_eq!(agree(&mut json, &mut typed, &v), want);
    }
    #[derive(Serialize)]
    struct WithVariant {
        inner: Variant,
    }
    let v = WithVariant { inner: Variant::grid(vec![], vec![]) };
    assert_eq!(agree(&mut json, &mut typed, &v), err("inner.a", "missing field"));
    let v = WithVariant { inner: Variant::inner { a: 1, b: false } };
    assert_eq!(agree(&mut json, &mut typed, &v), err("inner.a", "missing field"));
    // Limits: a string over 1 MiB, a list over 65,536 elements.
    let long = "x".repeat(crate::json::MAX_STRING_BYTES + 1);
    let message = crate::json::string_too_long(long.len());
    assert_eq!(agree(&mut json, &mut typed, &with("id", long.into())), err("id", &message));
    let many = vec![""; crate::json::MAX_LIST_ITEMS + 1];
    let message = crate::json::list_too_long();
    assert_eq!(agree(&mut json, &mut typed, &with("tags", serde_json::json!(many))), err("tags", &message));
    // Good records between the failures are still there, byte for byte.
    assert_eq!(agree(&mut json, &mut typed, &base), Ok(()));
    assert_eq!(typed.len(), 1);
}

#[test]
fn undeclared_fields_are_not_serialized() {
    // serde_json cannot write `Failing`, but the typed path never asks it to.
    let mut typed = encoder();
    assert_eq!(typed.push_serialize(&input(1i64, "2025-01-31")), Ok(()));
    // A failing value in a declared field fails the record as serde_json fails it.
    #[derive(Serialize)]
    struct Declared {
        id: Failing,
    }
    assert_eq!(typed.push_serialize(&Declared { id: Failing }), err("", "cannot be written as JSON: boom"));
    assert_eq!(typed.len(), 1);
}

/// An output record of the test schema, built by hand: id "ab", total -3, reasons {c1, c3},
/// flag absent, mode passive, two items (the second with one sub), big v299, when present.
fn output_bytes(shape: &Shape) -> (Vec<u8>, Vec<u8>) {
    let layout = shape.layout().record(3).unwrap();
    let item = shape.layout().record(2).unwrap();
    let inner = shape.layout().record(1).unwrap();
    let f = &layout.fields;
    let mut rec = vec![0u8; layout.size as usize];
    let put = |buf: &mut Vec<u8>, at: usize, bytes: &[u8]| buf[at..at + bytes.len()].copy_from_slice(bytes);
    let pair = |offset: u32, len: u32| ((u64::from(len) << 32) | u64::from(offset)).to_le_bytes();
    // The variable area: "xyab", then two items, then one inner record.
    let mut vars = b"xyab".to_vec();
    let items_at = 8usize;
    let subs_at = items_at + 2 * item.size as usize;
    vars.resize(subs_at + inner.size as usize, 0);
    for (k, name) in [(0usize, (0u32, 2u32)), (1, (2, 2))] {
        let base = items_at + k * item.size as usize;
        put(&mut vars, base + item.fields[0].offset as usize, &pair(name.0, name.1));
        put(&mut vars, base + item.fields[1].offset as usize, &[k as u8 * 2]);
        if k == 1 {
            put(&mut vars, base + item.fields[2].offset as usize, &pair(subs_at as u32, 1));
            let when = base + item.fields[3].offset as usize;
            put(&mut vars, when, &[1, 0, 0, 0]);
            put(&mut vars, when + 4, &(-1i32).to_le_bytes());
        }
    }
    put(&mut vars, subs_at + inner.fields[0].offset as usize, &i64::MIN.to_le_bytes());
    put(&mut vars, subs_at + inner.fields[1].offset as usize, &[1]);
    put(&mut rec, f[0].offset as usize, &pair(2, 2));
    put(&mut rec, f[1].offset as usize, &(-3i64).to_le_bytes());
    put(&mut rec, f[2].offset as usize, &0b1010u64.to_le_bytes());
    put(&mut rec, f[4].offset as usize, &[1]);
    put(&mut rec, f[5].offset as usize, &pair(items_at as u32, 2));
    put(&mut rec, f[6].offset as usize, &299u32.to_le_bytes());
    put(&mut rec, f[7].offset as usize, &[1, 0, 0, 0]);
    put(&mut rec, f[7].offset as usize + 4, &20_000i32.to_le_bytes());
    (rec, vars)
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ModeOut {
    Active,
    Passive,
    Off,
}

#[derive(Debug, PartialEq, Deserialize)]
struct InnerOut {
    a: i64,
    b: bool,
    label: Option<String>,
}

#[derive(Debug, PartialEq, Deserialize)]
struct ItemOut {
    name: String,
    mode: ModeOut,
    subs: Vec<InnerOut>,
    when: Option<String>,
}

/// The test schema's output record as a host type.
#[derive(Debug, PartialEq, Deserialize)]
struct Output {
    id: String,
    total: i64,
    reasons: Vec<String>,
    flag: Option<bool>,
    mode: ModeOut,
    items: Vec<ItemOut>,
    big: String,
    when: Option<String>,
}

/// Part of the output, borrowing its strings from the decision and the schema.
#[derive(Debug, PartialEq, Deserialize)]
struct Borrowed<'a> {
    id: &'a str,
    reasons: Vec<&'a str>,
    big: &'a str,
    #[serde(borrow)]
    items: Vec<BorrowedItem<'a>>,
}

#[derive(Debug, PartialEq, Deserialize)]
struct BorrowedItem<'a> {
    name: &'a str,
}

/// The value's JSON as the reference writes it, or the reference's refusal.
fn reference(region: &Region<'_>, shape: &Shape, ty: &Ty) -> Result<String, DecodeError> {
    let mut out = String::new();
    region.write_json(shape, ty, 0, &mut out).map(|()| out)
}

#[test]
fn decisions_deserialize_like_their_json() {
    let shape = Shape::new(schema()).unwrap();
    let (rec, vars) = output_bytes(&shape);
    let region = Region { fixed: &rec, vars: &vars };
    let ty = Ty::Record(3);
    let json = reference(&region, &shape, &ty).unwrap();
    assert!(json.contains(r#""when":"1969-12-31""#), "{json}");
    let want: Output = serde_json::from_str(&json).unwrap();
    assert_eq!(from_region::<Output>(region, &shape, &ty, 0).unwrap(), want);
    assert_eq!(want.reasons, ["c1", "c3"]);
    let tree: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(from_region::<serde_json::Value>(region, &shape, &ty, 0).unwrap(), tree);
    let borrowed: Borrowed<'_> = from_region(region, &shape, &ty, 0).unwrap();
    assert_eq!(borrowed, serde_json::from_str::<Borrowed<'_>>(&json).unwrap());
    // The input records of the good lines, which use every input type, as JSON trees.
    let mut enc = encoder();
    for i in 0..100 {
        enc.push_json(&good_line(i)).unwrap();
    }
    let size = shape.layout().input_size as usize;
    for i in 0..100 {
        let region = Region { fixed: &enc.records()[i * size..], vars: enc.vars() };
        let ty = Ty::Record(0);
        let json: serde_json::Value = serde_json::from_str(&reference(&region, &shape, &ty).unwrap()).unwrap();
        assert_eq!(from_region::<serde_json::Value>(region, &shape, &ty, 0).unwrap(), json);
    }
}

#[test]
fn decisions_that_do_not_fit_the_host_type_name_the_field() {
    let shape = Shape::new(schema()).unwrap();
    let (rec, vars) = output_bytes(&shape);
    let region = Region { fixed: &rec, vars: &vars };
    let ty = Ty::Record(3);
    let json = reference(&region, &shape, &ty).unwrap();
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct WrongTotal {
        total: String,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct WrongSub {
        items: Vec<WrongSubItem>,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct WrongSubItem {
        subs: Vec<(i64, bool)>,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Missing {
        nope: i64,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Narrow {
        total: u8,
    }
    // An enum read from a value that is not a string names the field too.
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct EnumTotal {
        total: ModeOut,
    }
    assert!(serde_json::from_str::<EnumTotal>(&json).is_err());
    match from_region::<EnumTotal>(region, &shape, &ty, 0) {
        Err(SlotError::Fit { path, message }) => {
            assert_eq!((path.as_str(), message.as_str()), ("total", "invalid type: integer, expected enum ModeOut"));
        }
        other => panic!("{other:?}"),
    }
    let mode: ModeOut = from_region::<Output>(region, &shape, &ty, 0).unwrap().mode;
    assert_eq!(mode, ModeOut::Passive);
    type Outcomes = (Result<(), SlotError>, Result<(), serde_json::Error>, &'static str);
    let cases: [Outcomes; 5] = [
        (
            from_region::<WrongTotal>(region, &shape, &ty, 0).map(drop),
            serde_json::from_str::<WrongTotal>(&json).map(drop),
            "total",
        ),
        (
            from_region::<WrongSub>(region, &shape, &ty, 0).map(drop),
            serde_json::from_str::<WrongSub>(&json).map(drop),
            "items[1].subs[0]",
        ),
        (
            from_region::<Missing>(region, &shape, &ty, 0).map(drop),
            serde_json::from_str::<Missing>(&json).map(drop),
            "",
        ),
        (
            from_region::<Narrow>(region, &shape, &ty, 0).map(drop),
            serde_json::from_str::<Narrow>(&json).map(drop),
            "total",
        ),
        (from_region::<(i64,)>(region, &shape, &ty, 0).map(drop), serde_json::from_str::<(i64,)>(&json).map(drop), ""),
    ];
    for (got, want, path) in cases {
        let want = want.unwrap_err().to_string();
        match got {
            Err(SlotError::Fit { path: p, message }) => {
                assert_eq!(p, path);
                assert!(want.starts_with(&message), "{message} / {want}");
            }
            other => panic!("{other:?}, expected a misfit like {want}"),
        }
    }
}

/// Reads a whole value through the view, with the reference reader's limits.
fn walk(view: FieldView<'_>, ty: &Ty, shape: &Shape, depth: usize, budget: &mut usize) -> Result<Value, ViewError> {
    let deeper = |depth: usize| {
        if depth + 1 > crate::decode::MAX_DEPTH {
            Err(ViewError::Bad(DecodeError("deep".into())))
        } else {
            Ok(depth + 1)
        }
    };
    Ok(match ty {
        Ty::Bool => Value::Bool(view.bool()?),
        Ty::Int => Value::Int(view.int()?),
        Ty::Decimal => Value::Decimal(view.decimal()?),
        Ty::Date => Value::Date(view.date()?),
        Ty::String => Value::Str(view.str()?.into()),
        Ty::Enum(_) => {
            let name = view.str()?;
            let index = view.variant_index()?;
            let def = shape.schema().enum_def(match ty {
                Ty::Enum(e) => *e,
                _ => unreachable!(),
            });
            assert_eq!(def.unwrap().variants[index as usize], name);
            Value::Enum(index)
        }
        Ty::Codes(g) => {
            let codes = view.codes()?;
            let names: Vec<&str> = codes.clone().collect();
            let group = shape.schema().group(*g).unwrap();
            let want: Vec<&str> = (0..group.codes.len())
                .filter(|i| codes.bits() & (1 << i) != 0)
                .map(|i| group.codes[i].code.as_str())
                .collect();
            assert_eq!(names, want);
            assert!(names.iter().all(|n| codes.contains(n)));
            Value::Codes(codes.bits())
        }
        Ty::Map(value) => {
            let map = view.map()?;
            if map.len() > *budget {
                return Err(ViewError::Bad(DecodeError("budget".into())));
            }
            *budget -= map.len();
            let depth = deeper(depth)?;
            assert_eq!(map.iter().count(), map.len());
            assert!(map.entry(map.len()).is_none());
            let mut entries = Vec::new();
            for (key, v) in map.iter() {
                // Every key is found by its lookup, at its own entry.
                let found = map.get(key).unwrap();
                assert_eq!(format!("{found:?}"), format!("{v:?}"));
                assert!(map.contains_key(key));
                entries.push((Arc::from(key), walk(v, value, shape, depth, budget)?));
            }
            assert!(map.get("\u{10ffff} no such key").is_none());
            Value::Map(entries.into())
        }
        Ty::Entry(_) => return Err(ViewError::Type { expected: "no entry", found: "map entry" }),
        Ty::Optional(inner) => match view.optional()? {
            Some(v) => {
                assert!(!view.is_null()?);
                walk(v, inner, shape, depth, budget)?
            }
            None => {
                assert!(view.is_null()?);
                Value::Null
            }
        },
        Ty::List(elem) => {
            let list = view.list()?;
            if list.len() > *budget {
                return Err(ViewError::Bad(DecodeError("budget".into())));
            }
            *budget -= list.len();
            let depth = deeper(depth)?;
            assert_eq!(list.iter().count(), list.len());
            assert!(list.get(list.len()).is_none());
            let items = list.iter().map(|v| walk(v, elem, shape, depth, budget)).collect::<Result<Vec<_>, _>>()?;
            Value::List(items.into())
        }
        Ty::Record(r) => {
            let record = view.record()?;
            let depth = deeper(depth)?;
            record_value(&record, *r, shape, depth, budget)?
        }
    })
}

fn record_value(
    record: &DecisionView<'_>,
    r: u32,
    shape: &Shape,
    depth: usize,
    budget: &mut usize,
) -> Result<Value, ViewError> {
    let def = shape.schema().record(r).unwrap();
    assert_eq!(record.type_name(), def.name);
    let mut fields = Vec::new();
    for (i, field) in def.fields.iter().enumerate() {
        let view = record.get(&field.name)?;
        fields.push(walk(view, &field.ty, shape, depth, budget)?);
        assert_eq!(record.fields().nth(i).map(|(name, _)| name), Some(field.name.as_str()));
    }
    assert!(matches!(record.get("no such field"), Err(ViewError::NoField(_))));
    Ok(Value::Record(fields.into()))
}

fn view_value(region: Region<'_>, shape: &Shape, r: u32) -> Result<Value, ViewError> {
    let view = DecisionView::new(region, shape, r, 0);
    let mut budget = region.vars.len().saturating_add(1 << 20);
    record_value(&view, r, shape, 1, &mut budget)
}

#[test]
fn the_view_reads_what_the_reference_reads() {
    let shape = Shape::new(schema()).unwrap();
    let (rec, vars) = output_bytes(&shape);
    let region = Region { fixed: &rec, vars: &vars };
    assert_eq!(view_value(region, &shape, 3).unwrap(), region.value(&shape, &Ty::Record(3), 0).unwrap());
    let view = DecisionView::new(region, &shape, 3, 0);
    assert_eq!(view.get("id").unwrap().str().unwrap(), "ab");
    assert_eq!(view.get("reasons").unwrap().codes().unwrap().collect::<Vec<_>>(), ["c1", "c3"]);
    assert_eq!(view.get("mode").unwrap().str().unwrap(), "passive");
    assert_eq!(view.get("when").unwrap().date().unwrap(), 20_000);
    let wrong = view.get("total").unwrap().bool().unwrap_err();
    assert_eq!(wrong, ViewError::Type { expected: "bool", found: "int" });
    let null = view.get("flag").unwrap().bool().unwrap_err();
    assert_eq!(null, ViewError::Type { expected: "bool", found: "null" });
    let items = view.get("items").unwrap().list().unwrap();
    let sub = items.get(1).unwrap().record().unwrap().get("subs").unwrap().list().unwrap();
    assert_eq!(sub.get(0).unwrap().record().unwrap().get("a").unwrap().int().unwrap(), i64::MIN);
    let mut enc = encoder();
    for i in 0..100 {
        enc.push_json(&good_line(i)).unwrap();
    }
    let size = shape.layout().input_size as usize;
    for i in 0..100 {
        let region = Region { fixed: &enc.records()[i * size..(i + 1) * size], vars: enc.vars() };
        assert_eq!(view_value(region, &shape, 0).unwrap(), region.value(&shape, &Ty::Record(0), 0).unwrap());
    }
}

#[test]
fn hostile_bytes_are_refused_by_every_typed_reader() {
    let shape = Shape::new(schema()).unwrap();
    let (rec, vars) = output_bytes(&shape);
    let mut enc = encoder();
    enc.push_json(&good_line(5)).unwrap();
    let inputs = (enc.records().to_vec(), enc.vars().to_vec());
    let mut rng = Rng(11);
    let (mut refused, mut read) = (0, 0);
    for round in 0..3000 {
        let (r, (mut fixed, mut vars)) =
            if round % 2 == 0 { (3, (rec.clone(), vars.clone())) } else { (0, inputs.clone()) };
        for _ in 0..1 + rng.next() % 3 {
            let in_vars = rng.next() % 2 == 0 && !vars.is_empty();
            let buf = if in_vars { &mut vars } else { &mut fixed };
            let at = rng.next() as usize % buf.len();
            buf[at] = [0, 1, 2, 0x7f, 0xff, rng.next() as u8][rng.next() as usize % 6];
        }
        let region = Region { fixed: &fixed, vars: &vars };
        let ty = Ty::Record(r);
        let want = region.value(&shape, &ty, 0);
        let json = reference(&region, &shape, &ty);
        assert_eq!(want.is_ok(), json.is_ok());
        let tree = from_region::<serde_json::Value>(region, &shape, &ty, 0);
        let ignored = from_region::<serde::de::IgnoredAny>(region, &shape, &ty, 0);
        let viewed = view_value(region, &shape, r);
        match (&want, &json) {
            (Ok(value), Ok(json)) => {
                read += 1;
                assert_eq!(tree.unwrap(), serde_json::from_str::<serde_json::Value>(json).unwrap());
                assert!(ignored.is_ok());
                assert_eq!(&viewed.unwrap(), value);
                if r == 3 {
                    assert_eq!(
                        from_region::<Output>(region, &shape, &ty, 0).unwrap(),
                        serde_json::from_str::<Output>(json).unwrap()
                    );
                }
            }
            _ => {
                refused += 1;
                assert!(matches!(tree, Err(SlotError::Bad(_))), "{tree:?}");
                assert!(matches!(ignored, Err(SlotError::Bad(_))), "{ignored:?}");
                assert!(matches!(viewed, Err(ViewError::Bad(_))), "{viewed:?}");
                // A host type that reads only `id` still sees the bad byte elsewhere.
                #[derive(Debug, Deserialize)]
                #[allow(dead_code)]
                struct OnlyId {
                    id: String,
                }
                let only = from_region::<OnlyId>(region, &shape, &ty, 0);
                assert!(matches!(only, Err(SlotError::Bad(_))), "{only:?}");
            }
        }
    }
    assert!(refused > 300 && read > 300, "{refused} refused, {read} read");
}

/// A record of the test schema with its `inner` and `mode` of any host type.
#[derive(Serialize)]
struct Rec<I, M> {
    id: &'static str,
    when: &'static str,
    mode: M,
    flag: bool,
    n: i64,
    big: &'static str,
    inner: I,
    items: Vec<Item>,
    tags: Vec<String>,
    grid: Vec<Vec<i64>>,
}

fn rec<I, M>(inner: I, mode: M) -> Rec<I, M> {
    let item = Item { name: "i", mode: Mode::Off, subs: vec![], when: None };
    let (tags, grid) = (vec!["t".into()], vec![vec![1]]);
    Rec { id: "r", when: "2025-01-31", mode, flag: true, n: 1, big: "v299", inner, items: vec![item], tags, grid }
}

#[test]
fn learned_names_never_change_what_is_written() {
    // The same field names at other addresses and in another order, an enum whose variants
    // are declared in another order than the policy's, two shapes in turn on one thread, and a
    // record serialized inside another's serialization: each time the bytes and errors of the
    // value's JSON.
    #[derive(Serialize)]
    struct InnerRev {
        label: Option<String>,
        b: bool,
        a: i64,
    }
    #[derive(Serialize, Clone, Copy)]
    #[serde(rename_all = "snake_case")]
    enum ModeRev {
        Off,
        Passive,
        Active,
    }
    let (mut json, mut typed) = (encoder(), encoder());
    let (mut map_json, mut map_typed) = (maps::encoder(), maps::encoder());
    let inner = Inner { a: 1, b: true, label: None };
    for round in 0..6 {
        assert_eq!(agree(&mut json, &mut typed, &rec(inner.clone(), Mode::Passive)), Ok(()));
        let rev = InnerRev { label: Some("x".into()), b: round % 2 == 0, a: round };
        assert_eq!(
            agree(&mut json, &mut typed, &rec(rev, [ModeRev::Off, ModeRev::Active][round as usize % 2])),
            Ok(())
        );
        assert_eq!(
            agree(&mut json, &mut typed, &rec(inner.clone(), Mode::Semi)),
            err("mode", "unknown value \"semi\", expected one of active, passive, off")
        );
        let missing = InnerRev { label: None, b: true, a: 2 };
        assert_eq!(
            agree(&mut json, &mut typed, &(rec(missing, ModeRev::Passive), 1)),
            err("", "expected object, found list")
        );
        assert_eq!(agree(&mut map_json, &mut map_typed, &maps::tenant()), Ok(()));
    }
    // A `Serialize` implementation that pushes a record of another shape while it is itself
    // being serialized.
    struct Nested<'a>(&'a std::cell::RefCell<BatchEncoder>);
    impl Serialize for Nested<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.0.borrow_mut().push_serialize(&maps::tenant()).map_err(serde::ser::Error::custom)?;
            s.serialize_str("nested")
        }
    }
    let other = std::cell::RefCell::new(maps::encoder());
    #[derive(Serialize)]
    struct WithNested<'a> {
        id: Nested<'a>,
    }
    let got = typed.push_serialize(&WithNested { id: Nested(&other) });
    assert_eq!(got, err("when", "missing field"));
    assert_eq!(other.borrow().len(), 1);
    let mut again = maps::encoder();
    again.push_serialize(&maps::tenant()).unwrap();
    assert_eq!((other.borrow().records(), other.borrow().vars()), (again.records(), again.vars()));
    assert_eq!(agree(&mut json, &mut typed, &rec(inner, Mode::Active)), Ok(()));
}

#[path = "tests/maps.rs"]
mod maps;

/// The nesting limit applies to every value, scalars included, at exactly the depth where the
/// JSON reader applies it: a scalar field, a list's scalar element and an empty list each sit
/// one step either side of the limit, and both paths agree on the outcome, error and path.
#[test]
fn the_nesting_limit_falls_where_the_json_reader_puts_it() {
    use crate::schema::{FieldDef, RecordDef, Schema};
    let field = |name: &str, ty: Ty| FieldDef { name: name.into(), ty };
    let opt = |ty: Ty| Ty::Optional(Box::new(ty));
    let list = |ty: Ty| Ty::List(Box::new(ty));
    // Input { t: Node }; Node { v, sub?, kids, w? }; Sub { x }. A node at level L holds its
    // fields at path length 2 + 2L and `sub.x`, `kids[i]` and `w[i]` at 3 + 2L.
    let schema = Schema {
        enums: vec![],
        records: vec![
            RecordDef { name: "Input".into(), fields: vec![field("t", Ty::Record(1))] },
            RecordDef {
                name: "Node".into(),
                fields: vec![
                    field("v", Ty::Int),
                    field("sub", opt(Ty::Record(2))),
                    field("kids", list(Ty::Record(1))),
                    field("w", opt(list(Ty::Int))),
                ],
            },
            RecordDef { name: "Sub".into(), fields: vec![field("x", Ty::Int)] },
        ],
        groups: vec![],
        input: 0,
        output: 0,
        key: None,
    };
    let shape = Arc::new(Shape::new(schema).unwrap());
    let (mut json, mut typed) = (BatchEncoder::new(shape.clone()), BatchEncoder::new(shape));
    let leaves = [
        serde_json::json!({"v": 1, "kids": []}),
        serde_json::json!({"v": 1, "sub": {"x": 2}, "kids": []}),
        serde_json::json!({"v": 1, "kids": [], "w": [3, 4]}),
    ];
    let (mut accepted, mut refused) = (0, 0);
    for levels in 28..=34 {
        for leaf in &leaves {
            let mut node = leaf.clone();
            for _ in 0..levels {
                node = serde_json::json!({"v": 0, "kids": [node]});
            }
            match agree(&mut json, &mut typed, &serde_json::json!({ "t": node })) {
                Ok(()) => accepted += 1,
                Err(e) => {
                    assert_eq!(e.message, "nested deeper than 64 levels");
                    refused += 1;
                }
            }
        }
    }
    // Both sides of the limit were reached.
    assert!(accepted > 0 && refused > 0, "{accepted} accepted, {refused} refused");
}
