//! The instrumented-module extension of the ABI at load time: the `dexp_coverage` export is
//! accepted only together with a coverage table in the metadata, and only as an immutable
//! constant `i32` global whose counters fit below `dexp_heap_base`; plain modules are
//! unaffected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

#[path = "support/policy.rs"]
mod policy;

use dexp_runtime::abi::{Counter, CounterKind, Metadata};
use dexp_runtime::{LoadError, Policy};
use policy::{build, metadata, Spec, HEAP_BASE};
use wasm_encoder::ExportKind;

const MEMORY: (&str, ExportKind, u32) = ("memory", ExportKind::Memory, 0);
const HEAP: (&str, ExportKind, u32) = ("dexp_heap_base", ExportKind::Global, 0);
const EVAL: (&str, ExportKind, u32) = ("dexp_eval", ExportKind::Func, 0);
/// `dexp_coverage` on global 0, whose value is the heap base: room for no counter at all.
const COVERAGE_AT_HEAP_BASE: (&str, ExportKind, u32) = ("dexp_coverage", ExportKind::Global, 0);

/// The sum policy's metadata with a coverage table of `n` counters.
fn metadata_with_counters(n: usize) -> Metadata {
    let mut m = metadata();
    let counter = |i: usize| Counter {
        kind: if i % 2 == 0 { CounterKind::AdvisoryHolds } else { CounterKind::AdvisoryFails },
        owner: "R.negative_sum".into(),
        at: "1:1".into(),
        branch: None,
    };
    m.coverage = Some((0..n).map(counter).collect());
    m
}

fn spec(metadata: &Metadata, exports: &[(&'static str, ExportKind, u32)]) -> Spec {
    Spec { sections: vec![metadata.encode().unwrap()], exports: exports.to_vec(), ..Spec::default() }
}

fn refused(spec: &Spec) -> LoadError {
    Policy::load(&build(spec)).unwrap_err()
}

#[test]
fn a_plain_module_has_no_coverage_table_in_its_metadata() {
    let json = String::from_utf8(metadata().encode().unwrap()).unwrap();
    assert!(!json.contains(r#""coverage":"#), "{json}");
    let policy = Policy::load(&build(&Spec::default())).unwrap();
    assert_eq!(policy.metadata().coverage, None);
    assert_eq!(policy.evaluator().unwrap().coverage(), None);
}

#[test]
fn the_table_round_trips_through_the_section() {
    let m = metadata_with_counters(3);
    let decoded = Metadata::decode(&m.encode().unwrap()).unwrap();
    assert_eq!(decoded, m);
    let json = String::from_utf8(m.encode().unwrap()).unwrap();
    assert!(json.contains(r#""coverage":[{"kind":"advisory_holds","owner":"R.negative_sum","at":"1:1"}"#), "{json}");
}

#[test]
fn the_export_and_the_table_come_together() {
    let with_export = [MEMORY, HEAP, EVAL, COVERAGE_AT_HEAP_BASE];
    let e = refused(&spec(&metadata(), &with_export));
    assert!(matches!(&e, LoadError::Coverage(m) if m.contains("no coverage table")), "{e:?}");
    let e = refused(&spec(&metadata_with_counters(0), &[MEMORY, HEAP, EVAL]));
    assert!(matches!(&e, LoadError::Coverage(m) if m.contains("does not export `dexp_coverage`")), "{e:?}");
    // Together, with counters that fit (none here), the module loads and evaluates.
    let policy = Policy::load(&build(&spec(&metadata_with_counters(0), &with_export))).unwrap();
    let mut evaluator = policy.evaluator().unwrap();
    let mut out = String::new();
    evaluator.evaluate_ndjson(r#"{"id":"a","a":1,"b":2}"#, 1, &mut out).unwrap();
    assert_eq!(evaluator.coverage(), Some(vec![]));
}

#[test]
fn counters_must_lie_below_the_heap_base() {
    let e = refused(&spec(&metadata_with_counters(1), &[MEMORY, HEAP, EVAL, COVERAGE_AT_HEAP_BASE]));
    let expected =
        format!("1 counters at address {HEAP_BASE} do not fit 8-aligned below `dexp_heap_base` ({HEAP_BASE})");
    assert_eq!(e, LoadError::Coverage(expected));
}

#[test]
fn the_export_must_be_an_immutable_constant_global() {
    // Global 1 is mutable; function 0 is `dexp_eval`.
    for export in [("dexp_coverage", ExportKind::Global, 1), ("dexp_coverage", ExportKind::Func, 0)] {
        match refused(&spec(&metadata_with_counters(0), &[MEMORY, HEAP, EVAL, export])) {
            LoadError::WrongExport { name, .. } => assert_eq!(name, "dexp_coverage"),
            other => panic!("{other:?}"),
        }
    }
}
