//! End-to-end tests of `dexpc diff` and of the suggestions in `dexpc eval --explain` and
//! `dexpc test`: golden reports (`BLESS=1` rewrites them), a policy against itself, the counts
//! against two separate `dexpc eval` runs, `.wasm` against `.dexp`, and the CI exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn dexpc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dexpc")).args(args).current_dir(repo()).output().expect("dexpc runs")
}

const OLD: &str = "policies/defender_experts.dexp";
const NEW: &str = "policies/examples/defender_experts_v2.dexp";
const CORPUS: &str = "tests/golden/corpus-tenants.ndjson";

fn report(args: &[&str]) -> Value {
    let out = dexpc(&[&["diff", "--format", "json"], args].concat());
    assert!(out.status.code().is_some_and(|c| c < 2), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn golden(name: &str, actual: &str) {
    let path = repo().join("tests/golden").join(name);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(actual == expected, "{name} changed (BLESS=1 rewrites it):\n{actual}");
}

#[test]
fn a_policy_against_itself_changes_nothing() {
    let out = dexpc(&["diff", "--fail-on-change", "--jobs", "3", OLD, OLD, CORPUS]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let r = report(&[OLD, OLD, CORPUS]);
    assert_eq!(r["interface"]["changes"], serde_json::json!([]));
    assert_eq!(r["interface"]["input_compatible"], true);
    assert_eq!(r["behaviour"]["records"], 3000);
    assert_eq!(r["behaviour"]["changed"]["count"], 0);
    assert_eq!(r["behaviour"]["fields"], serde_json::json!([]));
    assert_eq!(r["behaviour"]["rejected_by_old_only"]["count"], 0);
    assert!(r["behaviour"]["both_rejected"].as_u64().unwrap() > 0, "the corpus has bad records");
}

/// Decision fields as `path -> JSON text`, reason-code lists as one entry per code.
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                flatten(&if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") }, x, out);
            }
        }
        Value::Array(items) if prefix.ends_with("reasons") || prefix == "advisories" => {
            for code in items {
                out.insert(format!("{prefix} {}", code.as_str().unwrap()), "listed".into());
            }
        }
        _ => {
            out.insert(prefix.to_string(), v.to_string());
        }
    }
}

#[test]
fn the_counts_agree_with_evaluating_both_versions_separately() {
    let eval = |policy: &str| -> Vec<Value> {
        let out = dexpc(&["eval", policy, CORPUS]);
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    };
    let (old, new) = (eval(OLD), eval(NEW));
    assert_eq!(old.len(), new.len());
    let (mut changed, mut old_only, mut new_only, mut both) = (0u64, 0u64, 0u64, 0u64);
    let mut transitions: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    let is_error = |v: &Value| v.get("error").is_some();
    for (a, b) in old.iter().zip(&new) {
        match (is_error(a), is_error(b)) {
            (true, true) => both += 1,
            (true, false) => (old_only, changed) = (old_only + 1, changed + 1),
            (false, true) => (new_only, changed) = (new_only + 1, changed + 1),
            (false, false) => {
                let (mut x, mut y) = (BTreeMap::new(), BTreeMap::new());
                flatten("", a, &mut x);
                flatten("", b, &mut y);
                let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                let mut any = false;
                for k in keys {
                    let none = "not listed".to_string();
                    let (from, to) = (x.get(k).unwrap_or(&none), y.get(k).unwrap_or(&none));
                    if from != to {
                        any = true;
                        *transitions.entry((k.clone(), from.clone(), to.clone())).or_default() += 1;
                    }
                }
                changed += u64::from(any);
            }
        }
    }
    let r = report(&[OLD, NEW, CORPUS]);
    let b = &r["behaviour"];
    assert_eq!(b["records"], old.len() as u64);
    assert_eq!(b["changed"]["count"], changed);
    assert_eq!(b["both_rejected"], both);
    assert_eq!(b["rejected_by_old_only"]["count"], old_only);
    assert_eq!(b["rejected_by_new_only"]["count"], new_only);
    let mut reported: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    for f in b["fields"].as_array().unwrap() {
        for t in f["transitions"].as_array().unwrap() {
            let key = (
                f["field"].as_str().unwrap().to_string(),
                t["from"].as_str().unwrap().to_string(),
                t["to"].as_str().unwrap().to_string(),
            );
            reported.insert(key, t["count"].as_u64().unwrap());
        }
    }
    for c in b["codes"].as_array().unwrap() {
        let key = format!("{} {}", c["field"].as_str().unwrap(), c["code"].as_str().unwrap());
        let (from, to) = if c["change"] == "added" { ("not listed", "listed") } else { ("listed", "not listed") };
        reported.insert((key, from.into(), to.into()), c["count"].as_u64().unwrap());
    }
    assert_eq!(reported, transitions);
    assert!(changed > 0 && transitions.contains_key(&("xdr.eligible".into(), "true".into(), "false".into())));
}

#[test]
fn the_reports_match_their_golden_files() {
    let table = dexpc(&["diff", OLD, NEW, "policies/examples/tenants.ndjson"]);
    assert_eq!(table.status.code(), Some(0));
    golden("diff-v2-tenants.txt", &String::from_utf8(table.stdout).unwrap());
    let json = dexpc(&["diff", "--format", "json", OLD, NEW, CORPUS]);
    golden("diff-v2-corpus.json", &String::from_utf8(json.stdout).unwrap());
}

#[test]
fn a_compiled_module_diffs_like_its_source() {
    let dir = std::env::temp_dir().join(format!("dexpc-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wasm = dir.join("new.wasm");
    assert!(dexpc(&["compile", NEW, "-o", wasm.to_str().unwrap()]).status.success());
    let from_source = report(&[OLD, NEW, CORPUS]);
    let from_module = report(&[OLD, wasm.to_str().unwrap(), CORPUS]);
    assert_eq!(from_source, from_module);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn ci_limits_set_the_exit_code() {
    let code = |args: &[&str]| dexpc(&[&["diff", OLD, NEW, CORPUS], args].concat()).status.code();
    assert_eq!(code(&[]), Some(0));
    assert_eq!(code(&["--fail-on-change"]), Some(1));
    assert_eq!(code(&["--max-changed", "10"]), Some(1));
    assert_eq!(code(&["--max-changed", "100000"]), Some(0));
    assert_eq!(code(&["--max-changed-percent", "1"]), Some(1));
    assert_eq!(code(&["--max-changed-percent", "99"]), Some(0));
    let interface_only = dexpc(&["diff", "--fail-on-change", OLD, NEW]);
    assert_eq!(interface_only.status.code(), Some(1), "a new reason code is a change");
    assert_eq!(dexpc(&["diff", OLD, "no-such.dexp"]).status.code(), Some(2));
    assert_eq!(dexpc(&["diff", OLD, NEW, "no-such.ndjson"]).status.code(), Some(2));
}

#[test]
fn explain_suggests_a_verified_change_for_each_failed_requirement() {
    let out = dexpc(&["eval", "--explain", OLD, "policies/examples/tenants.ndjson"]);
    let lines: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let first = &lines[0]["explain"][0];
    assert_eq!(first["code"], "cloud_not_supported");
    assert_eq!(first["suggest"][0]["summary"], "cloud gcc → commercial");
    assert_eq!(first["suggest"][0]["edits"][0], serde_json::json!({"set": "cloud", "from": "gcc", "to": "commercial"}));
    for line in &lines {
        for e in line["explain"].as_array().unwrap() {
            assert!(!e["suggest"].as_array().unwrap().is_empty() || e["no_suggestion"].is_string(), "{e}");
        }
    }
}

#[test]
fn a_failing_case_says_what_would_make_it_pass() {
    let dir = std::env::temp_dir().join(format!("dexpc-hints-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(repo().join(OLD), dir.join("p.dexp")).unwrap();
    let cases = std::fs::read_to_string(repo().join("policies/defender_experts.cases")).unwrap().replace(
        "expect { \"xdr\": { \"eligible\": false, \"reasons\": [\"cloud_not_supported\"] } }",
        "expect { \"xdr\": { \"eligible\": true, \"reasons\": [] } }",
    );
    std::fs::write(dir.join("p.cases"), cases).unwrap();
    let out = dexpc(&["test", dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("to make `xdr.cloud_not_supported` hold: cloud "), "{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}
