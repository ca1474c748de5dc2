//! `runtime/metadata.schema.json` against the code, so that neither can drift: the `dexp`
//! section of every policy in the repository (`policies/`, `tests/policies/`, the golden
//! `tests/ui/` policies that compile, the conformance corpus), plain and instrumented, must
//! validate against the schema, and metadata with a wrong field must be refused both by the
//! schema and by the runtime's `Metadata::decode`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dexp_runtime::abi::{Metadata, SECTION};
use dexp_tests::root;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("runtime/metadata.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::draft202012::new(&schema).expect("the schema is a valid draft 2020-12 schema")
}

/// The raw bytes of a module's `dexp` section.
fn section(wasm: &[u8]) -> Vec<u8> {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::CustomSection(reader) = payload.unwrap() {
            if reader.name() == SECTION {
                return reader.data().to_vec();
            }
        }
    }
    panic!("no dexp section");
}

fn dexp_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            dexp_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "dexp") {
            out.push(path);
        }
    }
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn every_policy_in_the_repository_has_metadata_the_schema_accepts() {
    let validator = validator();
    let mut files = Vec::new();
    for dir in ["policies", "tests/policies", "tests/ui", "tests/conformance"] {
        dexp_files(&root().join(dir), &mut files);
    }
    let (mut plain, mut instrumented, mut with_key, mut with_coverage) = (0, 0, 0, 0);
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        let builds = [(false, dexp_compiler::compile(&source)), (true, dexp_compiler::compile_instrumented(&source))];
        for (is_instrumented, build) in builds {
            // Golden diagnostics policies are meant not to compile.
            let Ok(compiled) = build else { continue };
            let bytes = section(&compiled.wasm);
            let instance: Value = serde_json::from_slice(&bytes).expect("the section is JSON");
            let problems = errors(&validator, &instance);
            assert!(problems.is_empty(), "{} (instrumented: {is_instrumented}): {problems:#?}", file.display());
            Metadata::decode(&bytes).expect("the runtime accepts it too");
            with_key += usize::from(!instance["schema"]["key"].is_null());
            with_coverage += usize::from(instance.get("coverage").is_some());
            if is_instrumented {
                instrumented += 1;
            } else {
                plain += 1;
            }
        }
    }
    assert!(plain >= 10 && instrumented == plain, "{plain} plain and {instrumented} instrumented builds");
    assert!(with_key > 0 && with_key < plain + instrumented, "policies with and without a key");
    assert_eq!(with_coverage, instrumented, "exactly the instrumented builds have a coverage table");
}

/// The metadata of a small policy with every kind of type, as JSON.
fn sample() -> Value {
    let source = std::fs::read_to_string(root().join("tests/conformance/types/policy.dexp")).unwrap();
    let wasm = dexp_tests::compile(&source, "types").wasm;
    serde_json::from_slice(&section(&wasm)).unwrap()
}

#[test]
fn metadata_with_a_wrong_field_is_refused_by_the_schema_and_by_the_runtime() {
    let validator = validator();
    let good = sample();
    assert!(errors(&validator, &good).is_empty());
    type Edit = fn(&mut Value);
    let edits: [(&str, Edit); 13] = [
        ("no key field", |m| {
            m["schema"].as_object_mut().unwrap().remove("key");
        }),
        ("an unknown top-level field", |m| m["extra"] = json!(1)),
        ("an unknown field in a record", |m| m["schema"]["records"][0]["doc"] = json!("x")),
        ("an unknown field in a field layout", |m| m["layout"]["records"][0]["fields"][0]["pad"] = json!(0)),
        ("an unknown type", |m| m["schema"]["records"][0]["fields"][0]["ty"] = json!("float")),
        ("a type object with two keys", |m| {
            m["schema"]["records"][0]["fields"][0]["ty"] = json!({"enum": 0, "record": 0})
        }),
        ("another ABI version", |m| m["abi_version"] = json!(2)),
        ("an upper-case source hash", |m| m["source_hash"] = json!("ABC")),
        ("a missing layout", |m| {
            m.as_object_mut().unwrap().remove("layout");
        }),
        ("a negative index", |m| m["schema"]["input"] = json!(-1)),
        ("a group kind that does not exist", |m| m["schema"]["groups"][0]["kind"] = json!("hints")),
        ("a string where sites are", |m| m["sites"] = json!("none")),
        ("a counter with an unknown kind", |m| {
            m["coverage"] = json!([{"kind": "loop", "owner": "x", "at": "1:1"}]);
        }),
    ];
    for (what, edit) in edits {
        let mut bad = good.clone();
        edit(&mut bad);
        assert!(!errors(&validator, &bad).is_empty(), "the schema accepts metadata with {what}");
        let bytes = serde_json::to_vec(&bad).unwrap();
        assert!(Metadata::decode(&bytes).is_err(), "the runtime accepts metadata with {what}");
    }
}
