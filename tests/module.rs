//! Properties of compiled modules: two compiles of the same source are byte-identical, every
//! module validates with wasmparser (WebAssembly 2.0 features), imports nothing, exports
//! exactly the ABI's names and carries one `dexp` section whose metadata names the policy's
//! sites; and the module instantiates in Node.js with an empty import object.

// Test code: a failed expectation must stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dexp_runtime::abi::{Metadata, EXPORTS, SECTION};
use dexp_tests::{compile, read, root};
use wasmparser::{Parser, Payload, Validator, WasmFeatures};

/// The reference policy and the test policies, by name.
fn policies() -> Vec<(String, String)> {
    let mut out = vec![("defender_experts.dexp".to_string(), read("policies/defender_experts.dexp"))];
    for name in [
        "constructs.dexp",
        "failures.dexp",
        "text_and_bindings.dexp",
        "nested_and_distinct.dexp",
        "maps.dexp",
        "decimals.dexp",
    ] {
        out.push((name.to_string(), read(&format!("tests/policies/{name}"))));
    }
    out
}

#[test]
fn two_compiles_are_byte_identical() {
    for (name, source) in policies() {
        let a = compile(&source, &name).wasm;
        let b = compile(&source, &name).wasm;
        assert_eq!(a, b, "{name}");
    }
}

#[test]
fn modules_validate_import_nothing_and_carry_their_metadata() {
    for (name, source) in policies() {
        let compiled = compile(&source, &name);
        let wasm = &compiled.wasm;
        Validator::new_with_features(WasmFeatures::WASM2).validate_all(wasm).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut exports = Vec::new();
        let mut sections = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.expect("a valid payload") {
                Payload::ImportSection(reader) => {
                    assert_eq!(reader.count(), 0, "{name} imports something");
                }
                Payload::ExportSection(reader) => {
                    for e in reader {
                        exports.push(e.expect("an export").name.to_string());
                    }
                }
                Payload::CustomSection(reader) if reader.name() == SECTION => {
                    sections.push(reader.data().to_vec());
                }
                _ => {}
            }
        }
        exports.sort();
        let mut expected: Vec<String> = EXPORTS.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(exports, expected, "{name}");
        assert_eq!(sections.len(), 1, "{name}: one dexp section");
        let metadata = Metadata::decode(&sections[0]).expect("valid metadata");
        assert_eq!(metadata.policy, compiled.program.name);
        assert_eq!(metadata.source_hash, dexp_compiler::source_hash(&source));
        assert_eq!(metadata.source_hash.len(), 64, "a SHA-256 in hex");
        let sites: Vec<String> = compiled.program.sites.iter().map(|s| s.path.clone()).collect();
        assert_eq!(metadata.sites, sites, "{name}");
    }
}

#[test]
fn a_different_source_gives_a_different_hash() {
    let source = read("policies/defender_experts.dexp");
    let edited = format!("{source}\n// an edit\n");
    assert_ne!(dexp_compiler::source_hash(&source), dexp_compiler::source_hash(&edited));
    assert_ne!(compile(&source, "a").wasm, compile(&edited, "b").wasm);
}

/// Instantiates every module in Node.js with an empty import object, checks the exports and
/// runs `dexp_eval` on an empty batch. Skipped, with a note on stderr, when `node` is not
/// installed.
#[test]
fn modules_instantiate_in_node_with_no_imports() {
    let node = std::process::Command::new("node").arg("--version").output();
    if !node.as_ref().is_ok_and(|o| o.status.success()) {
        eprintln!("NOTE: node is not installed; skipping the Node.js instantiation test");
        return;
    }
    let dir = root().join("target").join("dexp-node-test");
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    for (name, source) in policies() {
        let path = dir.join(name.replace(".dexp", ".wasm"));
        std::fs::write(&path, compile(&source, &name).wasm).expect("the module is written");
        let script = r#"
            const bytes = require('fs').readFileSync(process.argv[1]);
            WebAssembly.instantiate(bytes, {}).then(({ instance }) => {
                const e = instance.exports;
                if (!(e.memory instanceof WebAssembly.Memory)) throw new Error('no memory');
                const base = e.dexp_heap_base.value;
                if (typeof base !== 'number' || base <= 0) throw new Error('bad heap base');
                const end = e.dexp_eval(0, base, base, base, 0);
                if (end < 0) throw new Error('bad var_end ' + end);
                console.log('ok ' + Object.keys(e).sort().join(','));
            }).catch((err) => { console.error(err); process.exit(1); });
        "#;
        let out = std::process::Command::new("node").arg("-e").arg(script).arg(&path).output().expect("node runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}: node failed: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(stdout.trim(), "ok dexp_eval,dexp_heap_base,memory", "{name}");
    }
}
