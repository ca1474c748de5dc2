//! Maps through the typed codec: host maps (in any entry order, with keys of every kind
//! serde_json writes, keys given twice) serialize to the bytes and errors of their JSON, and
//! the view's map accessor reads what the reference reader reads and refuses hostile bytes.

use super::{agree, err, reference, view_value, Mode};
use crate::abi::Shape;
use crate::decode::Region;
use crate::encode::BatchEncoder;
use crate::schema::{Ty, Value};
use crate::testing::Rng;
use crate::typed::de::{from_region, SlotError};
use crate::typed::view::{DecisionView, ViewError};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A schema whose input has maps of every kind: of ints, of records, of maps, an optional map
/// and a list of maps.
fn map_schema() -> crate::schema::Schema {
    use crate::schema::{EnumDef, FieldDef, RecordDef, Schema};
    let field = |name: &str, ty: Ty| FieldDef { name: name.into(), ty };
    let map = |ty: Ty| Ty::Map(Box::new(ty));
    Schema {
        enums: vec![EnumDef { name: "Mode".into(), variants: vec!["active".into(), "passive".into(), "off".into()] }],
        records: vec![
            RecordDef {
                name: "Tenant".into(),
                fields: vec![
                    field("id", Ty::String),
                    field("seats", map(Ty::Int)),
                    field("plans", map(Ty::Record(1))),
                    field("nested", map(map(Ty::Int))),
                    field("labels", Ty::Optional(Box::new(map(Ty::String)))),
                    field("many", Ty::List(Box::new(map(Ty::Bool)))),
                ],
            },
            RecordDef {
                name: "Plan".into(),
                fields: vec![
                    field("tier", Ty::Enum(0)),
                    field("n", Ty::Int),
                    field("tags", Ty::List(Box::new(Ty::String))),
                ],
            },
        ],
        groups: vec![],
        input: 0,
        output: 0,
        key: Some(0),
    }
}

pub(super) fn encoder() -> BatchEncoder {
    BatchEncoder::new(Arc::new(Shape::new(map_schema()).unwrap()))
}

/// A map as a host's entries in their own order, keys possibly repeated: what a `HashMap`, a
/// `BTreeMap` or a hand-written `Serialize` gives serde.
#[derive(Clone, Debug)]
pub(super) struct Entries<K, V>(Vec<(K, V)>);

impl<K: Serialize, V: Serialize> Serialize for Entries<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

#[derive(Serialize, Clone, Debug)]
pub(super) struct PlanIn {
    tier: Mode,
    n: i64,
    tags: Vec<String>,
}

#[derive(Serialize, Clone, Debug)]
pub(super) struct TenantIn<S, P, M> {
    id: String,
    seats: S,
    plans: P,
    nested: Entries<String, Entries<String, i64>>,
    labels: Option<Entries<String, String>>,
    many: Vec<M>,
}

pub(super) type Tenant = TenantIn<Entries<String, i64>, Entries<String, PlanIn>, Entries<String, bool>>;

/// `tenant()` with other seats, plans and elements of `many`.
fn tenant_with<S, P, M>(seats: S, plans: P, many: Vec<M>) -> TenantIn<S, P, M> {
    let t = tenant();
    TenantIn { id: t.id, seats, plans, nested: t.nested, labels: t.labels, many }
}

fn plan(n: i64) -> PlanIn {
    PlanIn { tier: Mode::Off, n, tags: vec![format!("t{n}"), String::new()] }
}

pub(super) fn tenant() -> Tenant {
    let e = |pairs: &[(&str, i64)]| Entries(pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect());
    TenantIn {
        id: "t".into(),
        seats: e(&[("b", 2), ("a", 1), ("", 0), ("é", 3), ("ab", 4)]),
        plans: Entries(vec![("p2".into(), plan(2)), ("p1".into(), plan(1))]),
        nested: Entries(vec![("x".into(), e(&[("z", 1), ("y", 2)])), ("w".into(), e(&[]))]),
        labels: Some(Entries(vec![("k".into(), "v".into())])),
        many: vec![Entries(vec![]), Entries(vec![("q".into(), true), ("p".into(), false)])],
    }
}

#[test]
fn maps_serialize_to_the_bytes_of_their_json() {
    let (mut json, mut typed) = (encoder(), encoder());
    // Keys out of order, the empty key, non-ASCII keys, maps of records, of maps, in lists.
    let base = tenant();
    assert_eq!(agree(&mut json, &mut typed, &base), Ok(()));
    // The same maps as `BTreeMap`s (sorted already) and `HashMap`s (any order).
    let sorted = tenant_with(
        base.seats.0.iter().cloned().collect::<BTreeMap<_, _>>(),
        base.plans.0.iter().cloned().collect::<std::collections::HashMap<_, _>>(),
        base.many.clone(),
    );
    assert_eq!(agree(&mut json, &mut typed, &sorted), Ok(()));
    // A struct, a newtype variant, a struct variant and a tuple variant as maps.
    #[derive(Serialize)]
    struct Seats {
        a: i64,
        zz: i64,
        #[serde(skip_serializing_if = "Option::is_none")]
        none: Option<i64>,
    }
    #[derive(Serialize)]
    #[allow(non_camel_case_types)]
    enum Shaped {
        one(i64),
        many { a: i64, b: i64 },
        seq(Vec<bool>, bool),
        text(&'static str),
    }
    let plans = || base.plans.clone();
    let seats = Seats { a: 1, zz: -2, none: None };
    assert_eq!(agree(&mut json, &mut typed, &tenant_with(seats, plans(), base.many.clone())), Ok(()));
    let shaped = |seats: Shaped| tenant_with(seats, plans(), base.many.clone());
    assert_eq!(agree(&mut json, &mut typed, &shaped(Shaped::one(5))), Ok(()));
    assert_eq!(
        agree(&mut json, &mut typed, &shaped(Shaped::text("x"))),
        err("seats[\"text\"]", "expected int, found string")
    );
    let text = tenant_with("x", plans(), base.many.clone());
    assert_eq!(agree(&mut json, &mut typed, &text), err("seats", "expected object, found string"));
    assert_eq!(
        agree(&mut json, &mut typed, &shaped(Shaped::many { a: 1, b: 2 })),
        err("seats[\"many\"]", "expected int, found object")
    );
    assert_eq!(
        agree(&mut json, &mut typed, &shaped(Shaped::seq(vec![], true))),
        err("seats[\"seq\"]", "expected int, found list")
    );
    // Variants as maps inside a list, and a struct variant whose fields are the entries.
    #[derive(Serialize)]
    #[allow(non_camel_case_types)]
    enum Flags {
        on { x: bool, y: bool },
        seq(Vec<bool>, bool),
    }
    let flags = |many: Vec<Flags>| tenant_with(base.seats.clone(), plans(), many);
    assert_eq!(
        agree(&mut json, &mut typed, &flags(vec![Flags::on { x: true, y: false }])),
        err("many[0][\"on\"]", "expected bool, found object")
    );
    assert_eq!(
        agree(&mut json, &mut typed, &flags(vec![Flags::seq(vec![true], false)])),
        err("many[0][\"seq\"]", "expected bool, found list")
    );
    #[derive(Serialize)]
    struct On {
        x: bool,
        y: bool,
    }
    let on = tenant_with(base.seats.clone(), plans(), vec![On { x: true, y: false }, On { x: false, y: true }]);
    assert_eq!(agree(&mut json, &mut typed, &on), Ok(()));
    // Keys as serde_json writes them: numbers, bools and chars are their text.
    let keyed = |seats| tenant_with(seats, plans(), base.many.clone());
    assert_eq!(agree(&mut json, &mut typed, &keyed(Entries(vec![(10u8, 1i64), (2, 2), (255, 3)]))), Ok(()));
    let bools = tenant_with(Entries(vec![(true, 1i64), (false, 2)]), plans(), base.many.clone());
    assert_eq!(agree(&mut json, &mut typed, &bools), Ok(()));
    let chars = tenant_with(Entries(vec![('b', 1i64), ('a', 2)]), plans(), base.many.clone());
    assert_eq!(agree(&mut json, &mut typed, &chars), Ok(()));
    let floats = tenant_with(Entries(vec![(1.5f64, 1i64), (0.25, 2)]), plans(), base.many.clone());
    assert_eq!(agree(&mut json, &mut typed, &floats), Ok(()));
    let pairs = tenant_with(Entries(vec![((1, 2), 1i64)]), plans(), base.many.clone());
    assert_eq!(agree(&mut json, &mut typed, &pairs), err("", "cannot be written as JSON: key must be a string"));
    assert_eq!(typed.len(), 9);
}

#[test]
fn map_errors_have_the_json_readers_paths_and_order() {
    let (mut json, mut typed) = (encoder(), encoder());
    let seats = |pairs: Vec<(&str, serde_json::Value)>| {
        let t = tenant();
        tenant_with(Entries(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Vec<_>>()), t.plans, t.many)
    };
    // A key given twice: next to itself (sorted input), and after keys out of order; the
    // value of the second is never read, an error in an earlier value wins.
    let dup = "duplicate key";
    assert_eq!(
        agree(&mut json, &mut typed, &seats(vec![("a", serde_json::json!(1)), ("a", serde_json::json!("x"))])),
        err("seats[\"a\"]", dup)
    );
    assert_eq!(
        agree(
            &mut json,
            &mut typed,
            &seats(vec![
                ("b", serde_json::json!(1)),
                ("a", serde_json::json!(2)),
                ("c", serde_json::json!(3)),
                ("b", serde_json::json!("x"))
            ])
        ),
        err("seats[\"b\"]", dup)
    );
    assert_eq!(
        agree(
            &mut json,
            &mut typed,
            &seats(vec![("b", serde_json::json!(1)), ("a", serde_json::json!("x")), ("b", serde_json::json!(3))])
        ),
        err("seats[\"a\"]", "expected int, found string")
    );
    assert_eq!(
        agree(&mut json, &mut typed, &seats(vec![("", serde_json::json!(1)), ("", serde_json::json!(2))])),
        err("seats[\"\"]", dup)
    );
    // Keys that need escaping in the path.
    assert_eq!(
        agree(&mut json, &mut typed, &seats(vec![("q\"u\\o", serde_json::json!(null))])),
        err("seats[\"q\\\"u\\\\o\"]", "expected int, found null")
    );
    // Errors inside nested values, and a missing field of a record in a map.
    let mut nested = tenant();
    nested.nested.0[0].1 .0.push(("y".into(), 9));
    assert_eq!(agree(&mut json, &mut typed, &nested), err("nested[\"x\"][\"y\"]", dup));
    let mut plans = serde_json::to_value(tenant()).unwrap();
    plans["plans"]["p1"].as_object_mut().unwrap().remove("n");
    assert_eq!(agree(&mut json, &mut typed, &plans), err("plans[\"p1\"].n", "missing field"));
    plans["plans"] = serde_json::json!({"p": {"tier": "gold", "n": 1, "tags": []}});
    assert_eq!(
        agree(&mut json, &mut typed, &plans),
        err("plans[\"p\"].tier", "unknown value \"gold\", expected one of active, passive, off")
    );
    // Limits: a key over 1 MiB fails at the map; more than 65,536 entries.
    let long = "k".repeat(crate::json::MAX_STRING_BYTES + 1);
    assert_eq!(
        agree(&mut json, &mut typed, &seats(vec![("a", serde_json::json!(1)), (&long, serde_json::json!(1))])),
        err("seats", &crate::json::key_too_long(long.len()))
    );
    let keys: Vec<String> = (0..=crate::json::MAX_LIST_ITEMS).map(|i| format!("{i:06}")).collect();
    let huge = seats(keys.iter().map(|k| (k.as_str(), serde_json::json!(1))).collect());
    assert_eq!(agree(&mut json, &mut typed, &huge), err("seats", &crate::json::map_too_long()));
    // Not a map at all, and a map where a record is expected.
    assert_eq!(
        agree(&mut json, &mut typed, &seats(vec![("a", serde_json::json!({"b": 1}))])),
        err("seats[\"a\"]", "expected int, found object")
    );
    let mut listed = serde_json::to_value(tenant()).unwrap();
    listed["seats"] = serde_json::json!([1]);
    assert_eq!(agree(&mut json, &mut typed, &listed), err("seats", "expected object, found list"));
    // The batch holds only the good records, byte for byte.
    assert_eq!(agree(&mut json, &mut typed, &tenant()), Ok(()));
    assert_eq!(typed.len(), 1);
}

#[test]
fn generated_maps_serialize_like_their_json() {
    // Random maps with keys from a small pool (so keys repeat and come in any order), values
    // sometimes of the wrong type, through the host's own entry order.
    let (mut json, mut typed) = (encoder(), encoder());
    let pool = ["", "a", "b", "ab", "é", "z\"", "long key with spaces", "0", "10", "9"];
    let mut rng = Rng(0x3a95);
    let mut pick = |n: u64| rng.next() % n;
    let (mut accepted, mut rejected) = (0, 0);
    for _ in 0..3000 {
        let entries = |pick: &mut dyn FnMut(u64) -> u64| -> Vec<(String, serde_json::Value)> {
            let n = pick(6);
            (0..n)
                .map(|_| {
                    let key = pool[pick(pool.len() as u64) as usize].to_string();
                    let value = if pick(40) == 0 { serde_json::json!("x") } else { serde_json::json!(pick(100)) };
                    (key, value)
                })
                .collect()
        };
        let seats = Entries(entries(&mut pick));
        let plans = Entries(entries(&mut pick).into_iter().map(|(k, v)| (k, plan(v.as_i64().unwrap_or(-1)))).collect());
        let many = (0..pick(3))
            .map(|_| Entries(entries(&mut pick).into_iter().map(|(k, v)| (k, v.is_string())).collect()))
            .collect();
        let mut value = tenant_with(seats, plans, many);
        value.nested = Entries(
            entries(&mut pick)
                .into_iter()
                .map(|(k, _)| (k, Entries(vec![("n".to_string(), 1i64), (String::new(), 2)])))
                .collect(),
        );
        value.labels = if pick(2) == 0 { None } else { Some(Entries(vec![("k".into(), "v".into())])) };
        match agree(&mut json, &mut typed, &value) {
            Ok(()) => accepted += 1,
            Err(_) => rejected += 1,
        }
    }
    assert!(accepted > 300 && rejected > 300, "{accepted} accepted, {rejected} rejected");
}

#[test]
fn the_view_reads_maps_as_the_reference_reads_them() {
    let shape = Shape::new(map_schema()).unwrap();
    let mut enc = encoder();
    let mut rng = Rng(0x51de);
    let pool = ["", "a", "b", "ab", "\u{e9}", "z\"", "0", "10", "9"];
    for i in 0..300 {
        let keys: Vec<&str> = (0..rng.next() % 6).map(|_| pool[rng.next() as usize % pool.len()]).collect();
        let seats: BTreeMap<&str, u64> = keys.iter().map(|k| (*k, rng.next() % 50)).collect();
        let value = tenant_with(seats, tenant().plans, tenant().many);
        enc.push_serialize(&value).unwrap();
        assert_eq!(enc.len(), i + 1);
    }
    let size = shape.layout().input_size as usize;
    let ty = Ty::Record(0);
    for i in 0..enc.len() {
        let region = Region { fixed: &enc.records()[i * size..(i + 1) * size], vars: enc.vars() };
        let want = region.value(&shape, &ty, 0).unwrap();
        assert_eq!(view_value(region, &shape, 0).unwrap(), want);
        // Lookups of keys that are absent, before, between and after the present ones.
        let seats = DecisionView::new(region, &shape, 0, 0).get("seats").unwrap().map().unwrap();
        let Value::Record(fields) = &want else { panic!() };
        let Value::Map(entries) = &fields[1] else { panic!() };
        for probe in pool.iter().chain(&["aa", "zz", "\u{0}"]) {
            let expected = entries.iter().find(|(k, _)| &**k == *probe).map(|(_, v)| v.clone());
            let got = seats.get(probe).map(|v| Value::Int(v.int().unwrap()));
            assert_eq!(got, expected, "{probe}");
        }
        // A map is not another type, and another type is not a map.
        let id = DecisionView::new(region, &shape, 0, 0).get("id").unwrap();
        assert_eq!(id.map().unwrap_err(), ViewError::Type { expected: "map", found: "string" });
        if let Some(v) = seats.get("a") {
            assert_eq!(v.str().unwrap_err(), ViewError::Type { expected: "string", found: "int" });
        }
    }
}

#[test]
fn hostile_map_bytes_are_refused_by_the_view_and_the_deserializer() {
    let shape = Shape::new(map_schema()).unwrap();
    let mut enc = encoder();
    enc.push_serialize(&tenant()).unwrap();
    let (fixed, vars) = (enc.records().to_vec(), enc.vars().to_vec());
    let ty = Ty::Record(0);
    let mut rng = Rng(0xbad);
    let (mut refused, mut read) = (0, 0);
    for _ in 0..3000 {
        let (mut fixed, mut vars) = (fixed.clone(), vars.clone());
        for _ in 0..1 + rng.next() % 3 {
            let buf = if rng.next() % 2 == 0 { &mut vars } else { &mut fixed };
            let at = rng.next() as usize % buf.len();
            buf[at] = [0, 1, 2, 0x7f, 0xff, rng.next() as u8][rng.next() as usize % 6];
        }
        let region = Region { fixed: &fixed, vars: &vars };
        let want = region.value(&shape, &ty, 0);
        let viewed = view_value(region, &shape, 0);
        let tree = from_region::<serde_json::Value>(region, &shape, &ty, 0);
        match &want {
            Ok(value) => {
                read += 1;
                assert_eq!(&viewed.unwrap(), value);
                let json = reference(&region, &shape, &ty).unwrap();
                assert_eq!(tree.unwrap(), serde_json::from_str::<serde_json::Value>(&json).unwrap());
            }
            Err(_) => {
                refused += 1;
                assert!(matches!(viewed, Err(ViewError::Bad(_))), "{viewed:?}");
                assert!(matches!(tree, Err(SlotError::Bad(_))), "{tree:?}");
            }
        }
    }
    assert!(refused > 300 && read > 300, "{refused} refused, {read} read");
}
