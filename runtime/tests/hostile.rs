//! Hostile and broken modules: each is refused at load with a typed error, or stopped during a
//! batch with a typed error; none crashes the host or yields a decision.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

#[path = "support/policy.rs"]
mod policy;

use dexp_runtime::abi::{MetadataError, ABI_VERSION};
use dexp_runtime::engine::{Interrupt, Limits, Runtime};
use dexp_runtime::{EvalError, LoadError, Policy};
use policy::{build, expected, metadata, metadata_with_version, Body, Spec};
use std::time::Duration;
use wasm_encoder::{ExportKind, MemoryType};

fn load(spec: &Spec) -> Result<Policy, LoadError> {
    Policy::load(&build(spec))
}

fn refused(spec: Spec) -> LoadError {
    load(&spec).unwrap_err()
}

fn exports(list: &[(&'static str, ExportKind, u32)]) -> Spec {
    Spec { exports: list.to_vec(), ..Spec::default() }
}

const MEMORY: (&str, ExportKind, u32) = ("memory", ExportKind::Memory, 0);
const HEAP: (&str, ExportKind, u32) = ("dexp_heap_base", ExportKind::Global, 0);
const EVAL: (&str, ExportKind, u32) = ("dexp_eval", ExportKind::Func, 0);

#[test]
fn the_reference_module_loads() {
    let policy = load(&Spec::default()).unwrap();
    let mut out = String::new();
    policy.evaluator().unwrap().evaluate_ndjson(r#"{"id":"a","a":1,"b":2}"#, 1, &mut out).unwrap();
    assert_eq!(out, expected("a", 1, 2).unwrap() + "\n");
}

#[test]
fn imports_are_refused() {
    let e = refused(Spec { import: true, ..Spec::default() });
    assert_eq!(e, LoadError::Import { module: "env".into(), name: "now".into() });
}

#[test]
fn start_functions_are_refused() {
    assert_eq!(refused(Spec { start: true, ..Spec::default() }), LoadError::StartFunction);
}

#[test]
fn invalid_bytes_are_refused() {
    for bytes in [&b""[..], b"\0asm", b"\0asm\x01\0\0\0\x01", b"not wasm at all"] {
        assert!(matches!(Policy::load(bytes), Err(LoadError::Invalid(_))), "{bytes:?}");
    }
    let mut truncated = build(&Spec::default());
    truncated.truncate(truncated.len() / 2);
    assert!(matches!(Policy::load(&truncated), Err(LoadError::Invalid(_))));
}

#[test]
fn metadata_must_be_there_once_with_this_abi_version() {
    assert_eq!(refused(Spec { sections: vec![], ..Spec::default() }), LoadError::MissingMetadata);
    let twice = vec![metadata().encode().unwrap(); 2];
    assert_eq!(refused(Spec { sections: twice, ..Spec::default() }), LoadError::DuplicateMetadata);
    let other = Spec { sections: vec![metadata_with_version(ABI_VERSION + 1)], ..Spec::default() };
    assert_eq!(
        refused(other),
        LoadError::Metadata(MetadataError::AbiVersion { found: ABI_VERSION + 1, expected: ABI_VERSION })
    );
    let garbage = Spec { sections: vec![b"{\"abi_version\":1,".to_vec()], ..Spec::default() };
    assert!(matches!(refused(garbage), LoadError::Metadata(MetadataError::Json(_))));
    let mut moved = metadata();
    moved.layout.slot.size += 8;
    let moved = Spec { sections: vec![moved.encode().unwrap()], ..Spec::default() };
    assert_eq!(refused(moved), LoadError::Metadata(MetadataError::LayoutMismatch));
    let mut dangling = metadata();
    dangling.schema.key = Some(9);
    let dangling = Spec { sections: vec![dangling.encode().unwrap()], ..Spec::default() };
    assert!(matches!(refused(dangling), LoadError::Metadata(MetadataError::Schema(_))));
    // Every object of the metadata is closed (docs/abi.md): an unknown field is refused, at the
    // top and inside the schema, and so is a schema without its `key`.
    let text = String::from_utf8(metadata().encode().unwrap()).unwrap();
    for (from, to) in [
        ("{\"abi_version\":1,", "{\"abi_version\":1,\"extra\":0,"),
        ("\"enums\":[", "\"doc\":\"x\",\"enums\":["),
        (",\"key\":0", ""),
    ] {
        assert!(text.contains(from), "{text}");
        let edited = Spec { sections: vec![text.replacen(from, to, 1).into_bytes()], ..Spec::default() };
        assert!(matches!(refused(edited), LoadError::Metadata(MetadataError::Json(_))), "{from} -> {to}");
    }
}

#[test]
fn exports_must_match_exactly() {
    assert_eq!(refused(exports(&[MEMORY, HEAP])), LoadError::MissingExport("dexp_eval".into()));
    assert_eq!(
        refused(exports(&[MEMORY, HEAP, ("eval", ExportKind::Func, 0)])),
        LoadError::UnexpectedExport("eval".into())
    );
    assert_eq!(
        refused(exports(&[MEMORY, HEAP, EVAL, ("debug", ExportKind::Func, 1)])),
        LoadError::UnexpectedExport("debug".into())
    );
    assert_eq!(refused(exports(&[HEAP, EVAL])), LoadError::MissingExport("memory".into()));
    let wrong = |spec| match refused(spec) {
        LoadError::WrongExport { name, found, .. } => (name, found),
        other => panic!("{other:?}"),
    };
    let (name, found) = wrong(exports(&[MEMORY, HEAP, ("dexp_eval", ExportKind::Func, 2)]));
    assert_eq!(name, "dexp_eval");
    assert!(found.contains("function"), "{found}");
    let (name, _) = wrong(exports(&[MEMORY, HEAP, ("dexp_eval", ExportKind::Func, 1)]));
    assert_eq!(name, "dexp_eval");
    let (name, _) = wrong(exports(&[MEMORY, HEAP, ("dexp_eval", ExportKind::Global, 0)]));
    assert_eq!(name, "dexp_eval");
    let (name, found) = wrong(exports(&[MEMORY, ("dexp_heap_base", ExportKind::Global, 1), EVAL]));
    assert_eq!((name.as_str(), found.as_str()), ("dexp_heap_base", "a mutable i32 global"));
    let (name, _) = wrong(exports(&[MEMORY, ("dexp_heap_base", ExportKind::Func, 0), EVAL]));
    assert_eq!(name, "dexp_heap_base");
    let (name, _) = wrong(exports(&[("memory", ExportKind::Func, 0), HEAP, EVAL]));
    assert_eq!(name, "memory");
}

#[test]
fn memories_must_be_plain_and_within_the_cap() {
    let memory = |minimum, memory64| Spec {
        memory: MemoryType { minimum, maximum: None, memory64, shared: false, page_size_log2: None },
        ..Spec::default()
    };
    // 64-bit memories are beyond WebAssembly 2.0.
    assert!(matches!(refused(memory(1, true)), LoadError::Invalid(_)));
    // 8192 pages are 512 MiB, twice the default cap.
    assert!(matches!(refused(memory(8192, false)), LoadError::Memory(_)));
    // The compiler declares no maximum (the host caps memory); a declared one is accepted.
    let bounded = Spec {
        memory: MemoryType { minimum: 1, maximum: Some(16), memory64: false, shared: false, page_size_log2: None },
        ..Spec::default()
    };
    assert!(load(&bounded).is_ok());
    let oversized = vec![0u8; dexp_runtime::engine::MAX_MODULE_BYTES + 1];
    assert!(matches!(Policy::load(&oversized), Err(LoadError::TooLarge(_))));
}

fn short_deadline() -> Runtime {
    Runtime::new(Limits {
        interrupt: Interrupt::Deadline(Duration::from_millis(30)),
        memory_bytes: 8 << 20,
        ..Limits::default()
    })
    .unwrap()
}

/// Runs one batch of `lines` and expects `want` with nothing written to the output.
fn fails_with(policy: &Policy, lines: &str, want: &EvalError) {
    let mut ev = policy.evaluator().unwrap();
    let mut out = String::from("before");
    let e = ev.evaluate_ndjson(lines, 1, &mut out).unwrap_err();
    assert_eq!(&e, want);
    assert_eq!(out, "before");
}

const ONE: &str = r#"{"id":"a","a":1,"b":2}"#;

#[test]
fn endless_loops_hit_the_deadline_and_the_evaluator_recovers() {
    let runtime = short_deadline();
    let deadline = EvalError::DeadlineExceeded(Duration::from_millis(30));
    let forever = runtime.load(&build(&Spec::body(Body::LoopForever))).unwrap();
    fails_with(&forever, ONE, &deadline);

    // A record that loops fails its batch; the same evaluator then runs the next batch on a
    // fresh instance.
    let policy = runtime.load(&build(&Spec::body(Body::LoopWhen42))).unwrap();
    let mut ev = policy.evaluator().unwrap();
    let mut out = String::new();
    let poison = format!("{ONE}\n{}", r#"{"id":"b","a":42,"b":0}"#);
    assert_eq!(ev.evaluate_ndjson(&poison, 1, &mut out).unwrap_err(), deadline);
    assert_eq!(out, "");
    ev.evaluate_ndjson(ONE, 1, &mut out).unwrap();
    assert_eq!(out, expected("a", 1, 2).unwrap() + "\n");
    // And a good policy on the same runtime is unaffected.
    let good = runtime.load(&build(&Spec::default())).unwrap();
    let mut out = String::new();
    good.evaluator().unwrap().evaluate_ndjson(ONE, 1, &mut out).unwrap();
    assert_eq!(out, expected("a", 1, 2).unwrap() + "\n");
}

#[test]
fn endless_loops_run_out_of_fuel() {
    let runtime =
        Runtime::new(Limits { interrupt: Interrupt::Fuel { per_record: 100_000 }, ..Limits::default() }).unwrap();
    let forever = runtime.load(&build(&Spec::body(Body::LoopForever))).unwrap();
    fails_with(&forever, ONE, &EvalError::FuelExhausted(100_000));
    let policy = runtime.load(&build(&Spec::body(Body::LoopWhen42))).unwrap();
    let mut ev = policy.evaluator().unwrap();
    let mut out = String::new();
    let e = ev.evaluate_ndjson(r#"{"id":"b","a":42,"b":0}"#, 1, &mut out).unwrap_err();
    assert_eq!(e, EvalError::FuelExhausted(100_000));
    ev.evaluate_ndjson(ONE, 1, &mut out).unwrap();
    assert_eq!(out, expected("a", 1, 2).unwrap() + "\n");
}

#[test]
fn growing_memory_past_the_cap_is_stopped() {
    let runtime = short_deadline();
    let grower = runtime.load(&build(&Spec::body(Body::GrowForever))).unwrap();
    fails_with(&grower, ONE, &EvalError::MemoryLimit(8 << 20));
    // A batch that does not fit under the cap is refused before the guest runs. Each string
    // stays under the per-string limit; together (batches closed at 8 MiB, not the default
    // 256 KiB) they exceed a 2 MiB cap.
    let small = Runtime::new(Limits { memory_bytes: 2 << 20, batch_bytes: 8 << 20, ..Limits::default() }).unwrap();
    let good = small.load(&build(&Spec::default())).unwrap();
    let long = "x".repeat(900 << 10);
    let line = format!(r#"{{"id":"{long}","a":1,"b":2}}"#);
    let lines = [line.as_str(), line.as_str(), line.as_str()].join("\n");
    fails_with(&good, &lines, &EvalError::MemoryLimit(2 << 20));
}

#[test]
fn stack_exhaustion_is_a_typed_error() {
    let runtime = short_deadline();
    let recurse = runtime.load(&build(&Spec::body(Body::Recurse))).unwrap();
    fails_with(&recurse, ONE, &EvalError::StackOverflow);
    let trap = runtime.load(&build(&Spec::body(Body::Unreachable))).unwrap();
    let mut out = String::new();
    let e = trap.evaluator().unwrap().evaluate_ndjson(ONE, 1, &mut out).unwrap_err();
    assert!(matches!(e, EvalError::Trap(_)), "{e:?}");
}

#[test]
fn invalid_decisions_are_never_reported_as_decisions() {
    let runtime = short_deadline();
    let cases = [
        (Body::Status(7, 0), "unknown status 7"),
        (Body::Status(1, 3), "unknown error site 3"),
        (Body::Codes(1 << 2), "bit 2"),
        (Body::IdOffset(1 << 30), "outside"),
        (Body::VarEnd(0), "var_end"),
        (Body::VarEnd(-1), "var_end"),
        (Body::SkipSlots, "unknown status 4294967295"),
    ];
    for (body, message) in cases {
        let policy = runtime.load(&build(&Spec::body(body))).unwrap();
        let mut out = String::new();
        let e = policy.evaluator().unwrap().evaluate_ndjson(ONE, 1, &mut out).unwrap_err();
        match e {
            EvalError::BadDecision { message: m, .. } => {
                assert!(m.contains(message), "{body:?}: {m}")
            }
            other => panic!("{body:?}: {other:?}"),
        }
        assert_eq!(out, "");
    }
}

/// A seeded generator, so that failures reproduce.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

#[test]
fn mutated_modules_never_crash_the_host() {
    let runtime = short_deadline();
    let good = build(&Spec::default());
    // The module's code and tables come before its `dexp` section: half the mutations hit them.
    let code_len = build(&Spec { sections: vec![], ..Spec::default() }).len();
    let mut rng = Rng(7);
    let (mut loaded, mut refused) = (0, 0);
    for round in 0..400 {
        let mut bytes = good.clone();
        let span = if round % 2 == 0 { code_len } else { bytes.len() };
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(span);
            bytes[at] = rng.below(256) as u8;
        }
        match runtime.load(&bytes) {
            Ok(policy) => {
                loaded += 1;
                // Whatever it does, a batch ends in decisions or a typed error.
                if let Ok(mut ev) = policy.evaluator() {
                    let mut out = String::new();
                    let lines = format!("{ONE}\n{}", r#"{"id":"","a":-1,"b":1}"#);
                    if ev.evaluate_ndjson(&lines, 1, &mut out).is_ok() {
                        assert_eq!(out.lines().count(), 2);
                    }
                }
            }
            Err(_) => refused += 1,
        }
    }
    // Deterministic for the seed: both outcomes occur.
    assert!(refused > 100 && loaded > 5, "{loaded} loaded, {refused} refused");
}
