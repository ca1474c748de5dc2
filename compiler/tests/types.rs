//! `dexpc types --lang rust`: the generated types of the reference policy and of every test
//! policy are the committed files that `tests/direct.rs` compiles and checks (refresh with
//! `BLESS=1`), the same from the source and from the compiled module. They are laid out by
//! rustfmt with the workspace's `rustfmt.toml`, so `cargo fmt --check` checks them as well.
//!
//! `dexpc types --lang ts`: the declarations of the reference policy are the committed golden
//! text (refresh with `BLESS=1`), the same from the source and from the compiled module, and a
//! policy with optionals in both its input and its decision gets optional properties only on the
//! input side. The Node suite compiles a typed host against them with `tsc --noEmit`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "../../runtime/tests/support/policy.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn dexpc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dexpc")).args(args).current_dir(repo()).output().expect("dexpc runs")
}

/// Holds `actual` to the committed file at `path` (relative to the repository), or writes it
/// there under `BLESS=1`; `refresh` says what else to do after a refresh.
fn golden(actual: &str, path: &str, refresh: &str) {
    let golden = repo().join(path);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&golden, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_default();
    assert_eq!(actual, expected, "run with BLESS=1 to refresh {path}{refresh}");
}

fn types(policy: &str) -> String {
    let out = dexpc(&["types", "--lang", "ts", policy]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_reference_policy_has_its_golden_declarations() {
    golden(&types("policies/defender_experts.dexp"), "compiler/tests/types/defender_experts.ts", "");
}

/// `dexpc types --lang rust POLICY`.
fn rust_types(policy: &str) -> String {
    let out = dexpc(&["types", "--lang", "rust", policy]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The Rust types that the benches and `tests/direct.rs` compile are what the generator writes
/// today for the reference policy and every test policy (refresh with `BLESS=1`); those tests
/// hold them to the NDJSON path.
#[test]
fn the_generated_rust_types_are_the_committed_ones() {
    let mut pairs = vec![("policies/defender_experts.dexp".to_string(), "benches/generated.rs".to_string())];
    for entry in std::fs::read_dir(repo().join("tests/policies")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "dexp") {
            let name = path.file_stem().unwrap().to_str().unwrap().to_string();
            pairs.push((format!("tests/policies/{name}.dexp"), format!("tests/direct/{name}.rs")));
        }
    }
    for (policy, generated) in pairs {
        golden(&rust_types(&policy), &generated, " (and add it to tests/direct.rs)");
    }
}

/// The hand-written module of the runtime's hostile-module tests (`runtime/tests/support/
/// policy.rs`): `tests/direct.rs` drives it, and its broken variants, through the types
/// generated from the module's metadata (refresh with `BLESS=1`).
#[test]
fn the_hand_written_module_has_its_committed_rust_types() {
    let dir = std::env::temp_dir().join(format!("dexp-types-sum-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wasm = dir.join("sum.wasm");
    std::fs::write(&wasm, support::build(&support::Spec::default())).unwrap();
    golden(&rust_types(wasm.to_str().unwrap()), "tests/direct/sum_module.rs", "");
}

/// rustfmt lays the types out with the configuration of the folder they are written to.
#[test]
fn rust_types_take_the_rustfmt_configuration_of_their_folder() {
    let dir = std::env::temp_dir().join(format!("dexp-types-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("rustfmt.toml"), "hard_tabs = true\n").unwrap();
    let written = dir.join("policy_types.rs");
    let out = dexpc(&["types", "--lang", "rust", "policies/defender_experts.dexp", "-o", written.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&written).unwrap();
    assert!(text.contains("\n\tpub tenant_id: String,"), "{text}");
    assert!(!text.contains("\n    pub tenant_id"), "{text}");
}

/// `dexpc types --lang rust` of the reference policy with `RUSTFMT` set to `rustfmt`.
fn rust_types_with_rustfmt(rustfmt: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dexpc"))
        .args(["types", "--lang", "rust", "policies/defender_experts.dexp"])
        .env("RUSTFMT", rustfmt)
        .current_dir(repo())
        .output()
        .unwrap()
}

/// Without a rustfmt to run, the types are still written, as generated, with a warning that
/// says why; `--no-rustfmt` writes the same text without one.
#[test]
fn rust_types_are_written_as_generated_when_rustfmt_cannot_run() {
    let missing = rust_types_with_rustfmt("/nonexistent/rustfmt");
    assert!(missing.status.success());
    let warning = String::from_utf8_lossy(&missing.stderr);
    assert!(warning.contains("not laid out by rustfmt: cannot run /nonexistent/rustfmt"), "{warning}");
    let plain = dexpc(&["types", "--lang", "rust", "--no-rustfmt", "policies/defender_experts.dexp"]);
    assert!(plain.status.success());
    assert!(!String::from_utf8_lossy(&plain.stderr).contains("rustfmt"));
    assert_eq!(missing.stdout, plain.stdout);
    // A rustfmt that fails (here `false`, which reads nothing) is reported as failing.
    let failing = rust_types_with_rustfmt("false");
    assert!(failing.status.success());
    let warning = String::from_utf8_lossy(&failing.stderr);
    assert!(warning.contains("not laid out by rustfmt: rustfmt failed (exit status: 1)"), "{warning}");
    assert_eq!(failing.stdout, plain.stdout);
    // The default output is rustfmt's layout of that same text.
    assert_ne!(rust_types("policies/defender_experts.dexp").as_bytes(), plain.stdout.as_slice());
}

#[test]
fn rust_types_name_the_policy_and_its_fingerprint() {
    let text = rust_types("policies/defender_experts.dexp");
    // Variants in the policy's order, named in Rust's style and serialized with the policy's.
    assert!(text.contains("    #[serde(rename = \"gcc_high\")]\n    GccHigh,"), "{text}");
    assert!(text.contains("    pub ended_on: Option<dx::Date>,"), "{text}");
    assert!(text.contains("    pub reasons: Vec<XdrCode>,"), "{text}");
    assert!(text.contains("pub type PolicyInput = Tenant;"), "{text}");
    assert!(text.contains("pub const LAYOUT: u64 = 0x"), "{text}");
}

#[test]
fn a_module_gives_the_declarations_of_its_source() {
    let dir = std::env::temp_dir().join(format!("dexp-types-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wasm = dir.join("reference.wasm");
    let out = dexpc(&["compile", "policies/defender_experts.dexp", "-o", wasm.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(types(wasm.to_str().unwrap()), types("policies/defender_experts.dexp"));
    let written = dir.join("types.ts");
    let out = dexpc(&["types", "--lang", "ts", wasm.to_str().unwrap(), "-o", written.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&written).unwrap(), types("policies/defender_experts.dexp"));
    assert_eq!(rust_types(wasm.to_str().unwrap()), rust_types("policies/defender_experts.dexp"));
}

#[test]
fn enums_codes_optionals_and_ints_have_their_typescript_forms() {
    let text = types("policies/defender_experts.dexp");
    assert!(
        text.contains("export type Cloud = \"commercial\" | \"gcc\" | \"gcc_high\" | \"dod\" | \"china\";"),
        "{text}"
    );
    assert!(text.contains("  total: number | bigint;"), "{text}");
    // An optional input field is an optional property; dates are strings.
    assert!(text.contains("  ended_on?: string | null;"), "{text}");
    assert!(text.contains("  reasons: XdrCode[];"), "{text}");
    assert!(text.contains("export type PolicyInput = Tenant;"), "{text}");
    assert!(text.contains("export type PolicyDecision = Decision;"), "{text}");
}

#[test]
fn a_policy_that_does_not_compile_fails_with_its_diagnostics() {
    let dir = std::env::temp_dir().join(format!("dexp-types-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.dexp");
    std::fs::write(&bad, "policy p version \"1\"\nrecord R { x: nope }\n").unwrap();
    let out = dexpc(&["types", "--lang", "ts", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
}
