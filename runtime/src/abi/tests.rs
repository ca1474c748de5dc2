//! Layout rules, placement and metadata checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::*;
use crate::schema::{FieldDef, RecordDef};
use crate::testing::schema;

#[test]
fn fields_are_packed_by_decreasing_alignment() {
    let layout = Layout::of(&schema()).unwrap();
    assert_eq!(layout.enums, vec![1, 4]);
    // Inner: a int @0, b bool @8, label string? (tag @12... no: align 4) -> a@0 label@8 b@20
    let inner = layout.record(1).unwrap();
    assert_eq!(inner.fields[0], FieldLayout { offset: 0, size: 8, align: 8 });
    assert_eq!(inner.fields[2], FieldLayout { offset: 8, size: 12, align: 4 });
    assert_eq!(inner.fields[1], FieldLayout { offset: 20, size: 1, align: 1 });
    assert_eq!((inner.size, inner.align), (24, 8));
    // Every record: fields inside it, aligned, not overlapping.
    for record in &layout.records {
        let mut spans: Vec<(u32, u32)> = record
            .fields
            .iter()
            .map(|f| {
                assert_eq!(f.offset % f.align, 0);
                assert!(f.offset + f.size <= record.size);
                (f.offset, f.offset + f.size)
            })
            .collect();
        spans.sort();
        for pair in spans.windows(2) {
            assert!(pair[0].1 <= pair[1].0, "{pair:?}");
        }
        assert_eq!(record.size % record.align, 0);
    }
    assert_eq!(layout.input_size, layout.records[0].size);
    assert_eq!(layout.slot.size % 8, 0);
    assert!(layout.slot.size >= 8 + layout.records[3].size);
    assert_eq!((layout.slot.status, layout.slot.site, layout.slot.record), (0, 4, 8));
}

#[test]
fn optional_values_follow_their_tag_at_their_alignment() {
    let layout = Layout::of(&schema()).unwrap();
    let opt = |t: Ty| Ty::Optional(Box::new(t));
    assert_eq!(layout.ty(&opt(Ty::Int)), Some(TyLayout { size: 16, align: 8 }));
    assert_eq!(layout.ty(&opt(Ty::Date)), Some(TyLayout { size: 8, align: 4 }));
    assert_eq!(layout.ty(&opt(Ty::Bool)), Some(TyLayout { size: 2, align: 1 }));
    assert_eq!(layout.ty(&opt(Ty::Enum(1))), Some(TyLayout { size: 8, align: 4 }));
    assert_eq!(layout.ty(&opt(opt(Ty::Int))), Some(TyLayout { size: 24, align: 8 }));
    assert_eq!(layout.optional_value_offset(&Ty::String), Some(4));
    assert_eq!(layout.ty(&Ty::Enum(7)), None);
}

#[test]
fn layouts_are_deterministic_and_refuse_bad_schemas() {
    let s = schema();
    assert_eq!(Layout::of(&s).unwrap(), Layout::of(&s.clone()).unwrap());
    let mut looped = schema();
    looped.records[1].fields.push(FieldDef { name: "me".into(), ty: Ty::Optional(Box::new(Ty::Record(1))) });
    assert!(matches!(Layout::of(&looped), Err(LayoutError::Recursive(_))));
    let mut dangling = schema();
    dangling.records[1].fields[0].ty = Ty::Enum(9);
    assert!(matches!(Layout::of(&dangling), Err(LayoutError::Dangling(_))));
    let mut huge = schema();
    huge.records.push(RecordDef {
        name: "Huge".into(),
        fields: (0..200_000).map(|i| FieldDef { name: format!("f{i}"), ty: Ty::Int }).collect(),
    });
    assert!(matches!(Layout::of(&huge), Err(LayoutError::TooLarge(_))));
}

#[test]
fn placement_orders_areas_and_checks_overflow() {
    let layout = Layout::of(&schema()).unwrap();
    let p = Placement::new(&layout, 1027, 10, 100).unwrap();
    assert_eq!(p.in_ptr, 1032);
    assert_eq!(p.out_ptr % 8, 0);
    assert!(p.out_ptr >= p.in_ptr + 10 * layout.input_size);
    assert!(p.var_ptr >= p.out_ptr + 10 * layout.slot.size);
    assert_eq!(p.var_ptr % 8, 0);
    assert_eq!(p.end(), u64::from(p.var_ptr) + 100);
    assert!(Placement::new(&layout, 0, u32::MAX / 8, 0).is_none());
    assert!(Placement::new(&layout, 0, 1, u32::MAX).is_none());
}

#[test]
fn metadata_round_trips_and_is_checked() {
    let meta = Metadata::new("p", "1.0", "00ff", schema(), vec!["a + b".into()]).unwrap();
    let bytes = meta.encode().unwrap();
    assert_eq!(Metadata::decode(&bytes).unwrap(), meta);
    assert_eq!(meta.shape().unwrap().layout(), &meta.layout);

    let mut other = meta.clone();
    other.abi_version = ABI_VERSION + 1;
    let e = Metadata::decode(&other.encode().unwrap()).unwrap_err();
    assert_eq!(e, MetadataError::AbiVersion { found: ABI_VERSION + 1, expected: ABI_VERSION });
    // Another version is refused even when the rest is not readable.
    let e = Metadata::decode(br#"{"abi_version":2,"whatever":[]}"#).unwrap_err();
    assert!(matches!(e, MetadataError::AbiVersion { found: 2, .. }));

    let mut moved = meta.clone();
    moved.layout.records[0].fields[0].offset += 8;
    let e = Metadata::decode(&moved.encode().unwrap()).unwrap_err();
    assert_eq!(e, MetadataError::LayoutMismatch);

    let mut bad_schema = meta.clone();
    bad_schema.schema.output = 99;
    assert!(matches!(Metadata::decode(&bad_schema.encode().unwrap()), Err(MetadataError::Schema(_))));
    let mut bad_hash = meta.clone();
    bad_hash.source_hash = "XYZ".into();
    assert_eq!(Metadata::decode(&bad_hash.encode().unwrap()), Err(MetadataError::SourceHash));
    assert!(matches!(Metadata::decode(b"not json"), Err(MetadataError::Json(_))));
    assert!(matches!(Metadata::decode(br#"{"abi_version":1}"#), Err(MetadataError::Json(_))));
}

#[test]
fn status_messages_cover_the_error_statuses() {
    assert_eq!(status_message(STATUS_DECIDED), None);
    for s in [STATUS_OVERFLOW, STATUS_DATE_RANGE, STATUS_DIVISION_BY_ZERO, STATUS_LIMIT] {
        assert!(status_message(s).is_some());
    }
    assert_eq!(status_message(99), None);
    assert_eq!(align_up(9, 8), Some(16));
    assert_eq!(align_up(u32::MAX, 8), None);
}

#[test]
fn same_input_compares_the_input_types_by_name_and_order_and_ignores_the_output() {
    use crate::schema::{EnumDef, FieldDef, RecordDef, Schema};
    let field = |name: &str, ty: Ty| FieldDef { name: name.into(), ty };
    let schema = |variants: &[&str], key: Option<u32>, out: &str| Schema {
        enums: vec![EnumDef { name: "Mode".into(), variants: variants.iter().map(|v| (*v).into()).collect() }],
        records: vec![
            RecordDef {
                name: "In".into(),
                fields: vec![field("id", Ty::String), field("modes", Ty::List(Box::new(Ty::Enum(0))))],
            },
            RecordDef { name: "Out".into(), fields: vec![field(out, Ty::Bool)] },
        ],
        groups: vec![],
        input: 0,
        output: 1,
        key,
    };
    let shape = |s: Schema| Shape::new(s).unwrap();
    let base = shape(schema(&["on", "off"], Some(0), "ok"));
    assert!(base.same_input(&base));
    assert!(base.same_input(&shape(schema(&["on", "off"], Some(0), "fine"))), "outputs may differ");
    assert!(!base.same_input(&shape(schema(&["off", "on"], Some(0), "ok"))), "variant order is the encoding");
    assert!(!base.same_input(&shape(schema(&["on", "off", "auto"], Some(0), "ok"))));
    assert!(!base.same_input(&shape(schema(&["on", "off"], None, "ok"))), "the key names error lines");
    let mut renamed = schema(&["on", "off"], Some(0), "ok");
    renamed.records[0].fields[1].name = "mode_list".into();
    assert!(!base.same_input(&shape(renamed)));
}
