//! End-to-end tests of the `dexpc` binary: the contract examples through `dexpc eval`, exit
//! codes, and `dexpc check` on a broken copy of the reference policy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn dexpc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dexpc")).args(args).current_dir(repo()).output().expect("dexpc runs")
}

fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap()
}

const POLICY: &str = "policies/defender_experts.dexp";

#[test]
fn eval_reproduces_the_contract_decisions() {
    for jobs in ["1", "3"] {
        let out = dexpc(&["eval", POLICY, "policies/examples/tenants.ndjson", "--engine", "interp", "--jobs", jobs]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let actual = json_lines(&String::from_utf8(out.stdout).unwrap());
        let expected = json_lines(&read("policies/examples/decisions.ndjson"));
        assert_eq!(actual.len(), expected.len());
        for (i, (a, e)) in actual.iter().zip(&expected).enumerate() {
            assert_eq!(a, e, "line {}", i + 1);
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("17 decided, 0 rejected"), "{stderr}");
    }
}

#[test]
fn eval_rejects_bad_records_one_line_each_and_exits_1() {
    let out = dexpc(&["eval", POLICY, "policies/examples/bad-tenants.ndjson", "--engine", "interp"]);
    assert_eq!(out.status.code(), Some(1));
    let actual = json_lines(&String::from_utf8(out.stdout).unwrap());
    let expected = json_lines(&read("policies/examples/bad-decisions.ndjson"));
    assert_eq!(actual.len(), expected.len());
    for (a, e) in actual.iter().zip(&expected) {
        if e.get("error").is_some() {
            assert_eq!(a["line"], e["line"]);
            assert_eq!(a["error"]["path"], e["error"]["path"], "{a}");
            assert!(a["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
            assert!(a["tenant_id"].is_string(), "the key is reported when readable: {a}");
        } else {
            assert_eq!(a, e);
        }
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("6 decided, 6 rejected"), "{stderr}");
}

#[test]
fn eval_keeps_one_line_per_record_for_garbage_and_skips_blank_lines() {
    let dir = std::env::temp_dir().join(format!("dexpc-garbage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.ndjson");
    let good = read("policies/examples/tenants.ndjson").lines().next().unwrap().to_string();
    let lines = [good.as_str(), "not json", "", "{\"tenant_id\": \"t-9\", \"as_of\": 5}", "[1,2]", "{", good.as_str()];
    std::fs::write(&input, lines.join("\n")).unwrap();
    let out = dexpc(&["eval", POLICY, input.to_str().unwrap(), "--engine", "interp", "--jobs", "2"]);
    assert_eq!(out.status.code(), Some(1));
    let actual = json_lines(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(actual.len(), 6, "blank line 3 has no output");
    let lines_reported: Vec<_> = actual.iter().filter_map(|v| v.get("line").and_then(|l| l.as_u64())).collect();
    assert_eq!(lines_reported, vec![2, 4, 5, 6]);
    assert_eq!(actual[2]["tenant_id"], "t-9");
    assert_eq!(actual[2]["error"]["path"], "as_of");
    assert_eq!(actual[0], actual[5]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn check_accepts_the_reference_policy() {
    let out = dexpc(&["check", POLICY]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn check_points_at_the_broken_line_of_a_policy() {
    let dir = std::env::temp_dir().join(format!("dexpc-broken-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken =
        read(POLICY).replace("users.entra_p1_licensed >= users.total", "users.entra_p1_licenced >= users.total");
    let line = broken.lines().position(|l| l.contains("entra_p1_licenced")).unwrap() + 1;
    let path = dir.join("broken.dexp");
    std::fs::write(&path, broken).unwrap();
    let out = dexpc(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("dexp::check::unknown_field"), "{stderr}");
    assert!(stderr.contains(&format!("broken.dexp:{line}:")), "{stderr}");
    assert!(stderr.contains("did you mean `entra_p1_licensed`?"), "{stderr}");

    let out = dexpc(&["check", "--error-format", "json", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let diags = json_lines(&String::from_utf8_lossy(&out.stderr));
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0]["code"], "dexp::check::unknown_field");
    assert_eq!(diags[0]["line"], line);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn eval_refuses_a_broken_policy_without_reading_records() {
    let out = dexpc(&["eval", "tests/ui/check/unknown_name.dexp", "policies/examples/tenants.ndjson"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}
