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
    for (engine, jobs) in [("wasm", "1"), ("wasm", "3"), ("interp", "1"), ("interp", "3")] {
        let out = dexpc(&["eval", POLICY, "policies/examples/tenants.ndjson", "--engine", engine, "--jobs", jobs]);
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
fn the_second_reference_policy_bills_its_example_enterprises() {
    // copilot_seats.dexp: distinct users across organizations, text tests on account names;
    // two example records are malformed and rejected with their paths.
    let expected = read("policies/examples/copilot_bills.ndjson");
    for engine in ["wasm", "interp"] {
        let out = dexpc(&[
            "eval",
            "policies/copilot_seats.dexp",
            "policies/examples/copilot_enterprises.ndjson",
            "--engine",
            engine,
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8(out.stdout).unwrap(), expected, "--engine {engine}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("6 record(s): 4 decided, 2 rejected"));
    }
}

#[test]
fn eval_rejects_bad_records_one_line_each_and_exits_1() {
    for engine in ["wasm", "interp"] {
        eval_rejects_bad_records(engine);
    }
}

fn eval_rejects_bad_records(engine: &str) {
    let out = dexpc(&["eval", POLICY, "policies/examples/bad-tenants.ndjson", "--engine", engine]);
    assert_eq!(out.status.code(), Some(1));
    // The example file is exactly what `dexpc eval` writes, byte for byte (docs/abi.md).
    let expected = read("policies/examples/bad-decisions.ndjson");
    let actual = String::from_utf8(out.stdout).unwrap();
    for (i, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
        assert_eq!(a, e, "line {} of bad-decisions.ndjson", i + 1);
    }
    assert_eq!(actual, expected);
    let errors = json_lines(&actual).iter().filter(|v| v.get("error").is_some()).count();
    assert_eq!(errors, 6);
    assert!(json_lines(&actual).iter().all(|v| v.get("error").is_none() || v["tenant_id"].is_string()));
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
    let mut outputs = Vec::new();
    for engine in ["wasm", "interp"] {
        let out = dexpc(&["eval", POLICY, input.to_str().unwrap(), "--engine", engine, "--jobs", "2"]);
        assert_eq!(out.status.code(), Some(1));
        let actual = json_lines(&String::from_utf8(out.stdout).unwrap());
        assert_eq!(actual.len(), 6, "blank line 3 has no output");
        let lines_reported: Vec<_> = actual.iter().filter_map(|v| v.get("line").and_then(|l| l.as_u64())).collect();
        assert_eq!(lines_reported, vec![2, 4, 5, 6]);
        assert_eq!(actual[2]["tenant_id"], "t-9");
        assert_eq!(actual[2]["error"]["path"], "as_of");
        assert_eq!(actual[0], actual[5]);
        outputs.push(actual);
    }
    assert_eq!(outputs[0], outputs[1], "both engines give the same lines");
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

#[test]
fn compile_writes_a_module_that_eval_and_inspect_accept() {
    let dir = std::env::temp_dir().join(format!("dexpc-compile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wasm = dir.join("policy.wasm");
    let out = dexpc(&["compile", POLICY, "-o", wasm.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let first = std::fs::read(&wasm).unwrap();
    assert!(dexpc(&["compile", POLICY, "-o", wasm.to_str().unwrap()]).status.success());
    assert_eq!(first, std::fs::read(&wasm).unwrap(), "two compiles are byte-identical");

    let out = dexpc(&["eval", wasm.to_str().unwrap(), "policies/examples/tenants.ndjson"]);
    assert!(out.status.success());
    assert_eq!(
        json_lines(&String::from_utf8(out.stdout).unwrap()),
        json_lines(&read("policies/examples/decisions.ndjson"))
    );

    let out = dexpc(&["inspect", wasm.to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("policy      defender_experts 1.0.0"), "{text}");
    assert!(text.contains("bit 3  cloud_not_supported"), "{text}");
    let out = dexpc(&["inspect", "--json", wasm.to_str().unwrap()]);
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(meta["abi_version"], 1);

    std::fs::write(&wasm, b"\0asm not really").unwrap();
    let out = dexpc(&["inspect", wasm.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a loadable dexp module"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn compile_refuses_a_broken_policy_and_writes_nothing() {
    let dir = std::env::temp_dir().join(format!("dexpc-nocompile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wasm = dir.join("x.wasm");
    let out = dexpc(&[
        "compile",
        "tests/ui/check/type_mismatch.dexp",
        "-o",
        wasm.to_str().unwrap(),
        "--error-format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!wasm.exists());
    let diags = json_lines(&String::from_utf8_lossy(&out.stderr));
    assert_eq!(diags[0]["code"], "dexp::check::type_mismatch");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_policy_cases_pass_on_both_engines() {
    for engine in ["wasm", "interp"] {
        let out = dexpc(&["test", "policies", "--engine", engine]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
        let last = stdout.lines().last().unwrap();
        let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
        assert!(passed >= 30, "{last}");
        assert_eq!(last, format!("{passed} passed, 0 failed"));
    }
}

#[test]
fn a_wrong_expectation_prints_a_diff_and_exits_1() {
    let dir = std::env::temp_dir().join(format!("dexpc-cases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(repo().join(POLICY), dir.join("p.dexp")).unwrap();
    let cases = read("policies/defender_experts.cases").replace(
        "expect { \"xdr\": { \"eligible\": false, \"reasons\": [\"cloud_not_supported\"] } }",
        "expect { \"xdr\": { \"eligible\": true, \"reasons\": [] } }",
    );
    std::fs::write(dir.join("p.cases"), cases).unwrap();
    let out = dexpc(&["test", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("FAIL"), "{stdout}");
    assert!(stdout.contains("xdr.eligible\n      expected: true\n      actual:   false"), "{stdout}");
    assert!(stdout.contains("xdr.reasons\n      expected: []\n      actual:   [\"cloud_not_supported\"]"), "{stdout}");
    assert!(stdout.trim_end().ends_with("4 failed"), "{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_broken_cases_file_is_a_diagnostic_with_a_location() {
    let dir = std::env::temp_dir().join(format!("dexpc-badcases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(repo().join(POLICY), dir.join("p.dexp")).unwrap();
    std::fs::write(dir.join("p.cases"), "case \"x\"\ninput nothing\nexpect {}\n").unwrap();
    let out = dexpc(&["test", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("dexp::test::case_file"), "{stderr}");
    assert!(stderr.contains("p.cases:2:7"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn explain_says_why_each_requirement_failed() {
    let out = dexpc(&["eval", "--explain", POLICY, "policies/examples/tenants.ndjson"]);
    assert!(out.status.success());
    let lines = json_lines(&String::from_utf8(out.stdout).unwrap());
    let decisions = json_lines(&read("policies/examples/decisions.ndjson"));
    for (line, decision) in lines.iter().zip(&decisions) {
        let explained: Vec<&str> =
            line["explain"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
        let mut failed: Vec<&str> =
            decision["xdr"]["reasons"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        failed.extend(decision["servers_addon"]["reasons"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()));
        assert_eq!(explained, failed, "every failed requirement, and only those, is explained");
        let mut without = line.clone();
        without.as_object_mut().unwrap().remove("explain");
        assert_eq!(&without, decision, "the decision itself is unchanged");
    }
    let first = &lines[0]["explain"][0];
    assert_eq!(first["code"], "cloud_not_supported");
    assert_eq!(first["because"], "cloud = \"gcc\" != \"commercial\"");
    assert_eq!(first["condition"], "cloud == commercial");
}

/// `dexpc eval --explain` on the contract's tenants, byte for byte against
/// `tests/golden/explain-tenants.ndjson` (`BLESS=1` rewrites it after an intended change).
#[test]
fn explain_output_matches_its_golden_file() {
    let out = dexpc(&["eval", "--explain", "--jobs", "2", POLICY, "policies/examples/tenants.ndjson"]);
    assert!(out.status.success());
    let actual = String::from_utf8(out.stdout).unwrap();
    let golden = repo().join("tests/golden/explain-tenants.ndjson");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&golden, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_default();
    assert!(actual == expected, "explain output changed (BLESS=1 rewrites the golden file):\n{actual}");
}

/// The corpus in `tests/golden/` (generated by `tests/golden/make_corpus.py`): 3000 seeded
/// tenants with malformed lines and overflowing values mixed in, and the decisions of an
/// independent Python implementation of the contract. Every decision must agree.
#[test]
fn the_corpus_agrees_with_an_independent_implementation_of_the_contract() {
    let out = dexpc(&["eval", POLICY, "tests/golden/corpus-tenants.ndjson"]);
    assert_eq!(out.status.code(), Some(1), "the corpus has rejected lines");
    let actual = json_lines(&String::from_utf8(out.stdout).unwrap());
    let expected: Vec<serde_json::Value> = serde_json::from_str(&read("tests/golden/corpus-expected.json")).unwrap();
    assert_eq!(actual.len(), expected.len());
    for (i, (a, e)) in actual.iter().zip(&expected).enumerate() {
        match e.get("line") {
            Some(line) => {
                assert_eq!(&a["line"], line, "record {} should be rejected: {a}", i + 1);
                if let Some(path) = e.get("path").filter(|p| !p.is_null()) {
                    assert_eq!(&a["error"]["path"], path, "line {}", i + 1);
                }
                if e.get("overflow").is_some() {
                    assert_eq!(a["error"]["message"], "integer overflow", "line {}", i + 1);
                }
            }
            None => assert_eq!(a, e, "line {}", i + 1),
        }
    }
}

/// The same corpus, byte for byte against `tests/golden/corpus-decisions.ndjson`, on both
/// engines and with one and several threads: a change anywhere (policy, compiler, runtime,
/// a dependency) that alters any output byte fails here. `BLESS=1` rewrites the file.
#[test]
fn determinism_corpus_matches_byte_for_byte() {
    let golden = repo().join("tests/golden/corpus-decisions.ndjson");
    let mut first = None;
    for (engine, jobs) in [("wasm", "1"), ("wasm", "2"), ("interp", "2")] {
        let out = dexpc(&["eval", POLICY, "tests/golden/corpus-tenants.ndjson", "--engine", engine, "--jobs", jobs]);
        let stdout = out.stdout;
        if first.is_none() && std::env::var_os("BLESS").is_some() {
            std::fs::write(&golden, &stdout).unwrap();
        }
        let expected = std::fs::read(&golden).unwrap_or_default();
        assert!(stdout == expected, "{engine} with {jobs} job(s) differs from {}", golden.display());
        first.get_or_insert(stdout);
    }
}

/// 100,000 records with faults at known positions: each faulty line gets an error object
/// with its own line number, and every other line gets exactly the decision it gets when the
/// clean records are evaluated alone.
#[test]
fn malformed_records_at_scale_are_rejected_exactly_where_they_are() {
    const TOTAL: usize = 100_000;
    let clean_pool: Vec<String> = read("tests/golden/corpus-tenants.ndjson")
        .lines()
        // Valid, shorter records keep the 100,000-line file small enough for a debug build.
        .filter(|l| l.len() < 900 && l.ends_with('}') && !l.contains("\"moon\"") && !l.contains("2026-02-30"))
        .map(str::to_string)
        .collect();
    let huge = format!(r#"{{"tenant_id":"{}","as_of":"2026-01-01"}}"#, "x".repeat(2 << 20));
    let deep = format!(r#"{{"tenant_id":"deep","products":{}{}}}"#, "[".repeat(5000), "]".repeat(5000));
    let faults: Vec<(Vec<u8>, &str)> = vec![
        (br#"{"tenant_id":"t-missing"}"#.to_vec(), "missing field"),
        (br#"{"tenant_id":"t-type","as_of":20260101}"#.to_vec(), "wrong type"),
        (huge.into_bytes(), "huge string"),
        (deep.into_bytes(), "deep nesting"),
        (b"{\"tenant_id\":\"bad \xff\xfe utf8\"}".to_vec(), "invalid UTF-8"),
        (br#"{"tenant_id":"t-nan","users":{"total":NaN}}"#.to_vec(), "NaN"),
        (br#"{"tenant_id":"t-inf","users":{"total":1e400}}"#.to_vec(), "1e400"),
        (br#"{"tenant_id":"t-trunc","as_of":"2026-"#.to_vec(), "truncated"),
        (b"[1, 2, 3]".to_vec(), "not an object"),
    ];
    let dir = std::env::temp_dir().join(format!("dexpc-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (mut faulty, mut clean) = (Vec::new(), Vec::new());
    let mut fault_lines = Vec::new();
    for i in 0..TOTAL {
        if i % 97 == 13 {
            let (bytes, _) = &faults[(i / 97) % faults.len()];
            faulty.extend_from_slice(bytes);
            fault_lines.push(i as u64 + 1);
        } else {
            let line = &clean_pool[i % clean_pool.len()];
            faulty.extend_from_slice(line.as_bytes());
            clean.extend_from_slice(line.as_bytes());
            clean.push(b'\n');
        }
        faulty.push(b'\n');
    }
    std::fs::write(dir.join("faulty.ndjson"), &faulty).unwrap();
    std::fs::write(dir.join("clean.ndjson"), &clean).unwrap();
    let run = |file: &str| {
        let out = dexpc(&["eval", POLICY, dir.join(file).to_str().unwrap(), "--jobs", "2"]);
        String::from_utf8(out.stdout).unwrap()
    };
    let faulty_out = run("faulty.ndjson");
    let clean_out = run("clean.ndjson");
    let faulty_lines: Vec<&str> = faulty_out.lines().collect();
    assert_eq!(faulty_lines.len(), TOTAL, "one output line per input line");
    let mut clean_lines = clean_out.lines();
    let mut seen_faults = Vec::new();
    for (i, line) in faulty_lines.iter().enumerate() {
        let number = i as u64 + 1;
        if fault_lines.binary_search(&number).is_ok() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["line"], number, "{line}");
            assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
            seen_faults.push(number);
        } else {
            let expected = clean_lines.next().unwrap();
            // A clean record may itself be rejected (the corpus has overflows): compare without
            // the line number, which differs between the two files.
            if line.starts_with("{\"line\":") {
                let (a, b): (serde_json::Value, serde_json::Value) =
                    (serde_json::from_str(line).unwrap(), serde_json::from_str(expected).unwrap());
                assert_eq!(a["error"], b["error"], "line {number}");
            } else {
                assert_eq!(*line, expected, "line {number}");
            }
        }
    }
    assert_eq!(seen_faults, fault_lines);
    std::fs::remove_dir_all(&dir).ok();
}

/// A record that exhausts its fuel is rejected alone: the batch it was in is retried record
/// by record, and its neighbours get exactly the decisions they get without it.
#[test]
fn a_record_over_its_budget_does_not_change_its_neighbours() {
    let tenants: Vec<String> = read("policies/examples/tenants.ndjson").lines().map(str::to_string).collect();
    let mut huge: serde_json::Value = serde_json::from_str(&tenants[1]).unwrap();
    huge["tenant_id"] = "huge".into();
    let server = |i: usize| {
        serde_json::json!({"id": format!("s{i}"), "cloud": "azure", "mde_server_license": i % 2 == 0,
            "servers_plan": "p1", "endpoint_protection": true})
    };
    huge["servers"] = (0..65_536).map(server).collect();
    let dir = std::env::temp_dir().join(format!("dexpc-fuel-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut with = tenants.clone();
    with.insert(10, huge.to_string());
    std::fs::write(dir.join("with.ndjson"), with.join("\n")).unwrap();
    std::fs::write(dir.join("without.ndjson"), tenants.join("\n")).unwrap();
    let run = |file: &str| dexpc(&["eval", "--fuel", "5000", POLICY, dir.join(file).to_str().unwrap()]);
    let with_out = run("with.ndjson");
    assert_eq!(with_out.status.code(), Some(1));
    let mut lines = json_lines(&String::from_utf8(with_out.stdout).unwrap());
    let rejected = lines.remove(10);
    assert_eq!(rejected["line"], 11);
    assert_eq!(rejected["tenant_id"], "huge");
    assert!(rejected["error"]["message"].as_str().unwrap().contains("fuel"), "{rejected}");
    let without = run("without.ndjson");
    assert!(without.status.success());
    assert_eq!(lines, json_lines(&String::from_utf8(without.stdout).unwrap()));
    std::fs::remove_dir_all(&dir).ok();
}

/// With `--error-format json`, each failed case is one JSON object with its file, line and
/// report, and the run still ends with the `N passed, M failed` line.
#[test]
fn failed_cases_can_be_reported_as_json() {
    let dir = std::env::temp_dir().join(format!("dexpc-jsoncases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(repo().join(POLICY), dir.join("p.dexp")).unwrap();
    let cases = read("policies/defender_experts.cases").replace(
        "expect { \"xdr\": { \"eligible\": false, \"reasons\": [\"cloud_not_supported\"] } }",
        "expect { \"billable_seats\": 1 }",
    );
    std::fs::write(dir.join("p.cases"), &cases).unwrap();
    let out = dexpc(&["test", "--error-format", "json", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let failures: Vec<serde_json::Value> =
        stdout.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(failures.len(), 4, "{stdout}");
    let first = &failures[0];
    assert_eq!(first["kind"], "case_failed");
    assert_eq!(first["case"], "X4: GCC is not supported");
    let line = cases.lines().position(|l| l.contains("X4: GCC is not supported")).unwrap() + 1;
    assert_eq!(first["line"], line);
    assert!(first["message"].as_str().unwrap().contains("billable_seats"), "{first}");
    assert_eq!(first["actual"]["billable_seats"], 1201);
    assert!(stdout.trim_end().ends_with("42 passed, 4 failed"), "{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}

/// Rejected records pass through `--explain` unchanged; decided ones get their explanation.
#[test]
fn explain_leaves_rejected_records_alone() {
    let plain = dexpc(&["eval", POLICY, "policies/examples/bad-tenants.ndjson"]);
    let explained = dexpc(&["eval", "--explain", POLICY, "policies/examples/bad-tenants.ndjson"]);
    assert_eq!(explained.status.code(), Some(1));
    let (plain, explained) = (
        json_lines(&String::from_utf8(plain.stdout).unwrap()),
        json_lines(&String::from_utf8(explained.stdout).unwrap()),
    );
    assert_eq!(plain.len(), explained.len());
    for (p, e) in plain.iter().zip(&explained) {
        if p.get("error").is_some() {
            assert_eq!(p, e, "a rejection is not explained");
        } else {
            assert!(e["explain"].is_array(), "{e}");
            let mut without = e.clone();
            without.as_object_mut().unwrap().remove("explain");
            assert_eq!(&without, p);
        }
    }
}

#[test]
fn eval_stops_when_its_output_is_closed_early() {
    // Like `dexpc eval POLICY BIG | head -c 100`: once the output fails, the reader must stop
    // too rather than wait forever for room in the full queue of batches (it did).
    use std::io::{Read, Write};
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_dexpc"))
        .args(["eval", "--jobs", "2", POLICY, "-"])
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let corpus = std::fs::read(repo().join("tests/golden/corpus-tenants.ndjson")).unwrap();
    let feeder = std::thread::spawn(move || {
        // 60,000 records, many more than the queues hold; stops when dexpc stops reading.
        for _ in 0..20 {
            if stdin.write_all(&corpus).is_err() {
                break;
            }
        }
    });
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 100];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2), "a closed output is an error");
    feeder.join().unwrap();
}

/// A contract written with decimals: an invoice from unit prices, quantities, a discount and
/// VAT, with the decisions stated in the contract's words, exactly, on both engines; records
/// whose amounts are not exact decimals are rejected at their path.
#[test]
fn an_invoice_with_decimals_is_decided_exactly() {
    let dir = std::env::temp_dir().join(format!("dexpc-decimals-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("invoice.dexp");
    std::fs::write(
        &policy,
        r#"policy invoice version "1"
record Line { sku: string, unit_price: decimal, qty: int }
record Order { id: string, lines: list of Line, discount: decimal?, credit_limit: int }
record Invoice { id: string, net: decimal, vat: decimal, gross: decimal, per_line: decimal, reasons: codes(billing) }
input Order key id
const vat_rate = 0.2
let net = (sum l in lines: l.unit_price * l.qty) - (discount ?? 0)
let vat = net * vat_rate
requirements billing {
    within_credit "the gross amount must not exceed the credit limit": net + vat <= credit_limit
    positive "the net amount must be positive": net > 0
}
output Invoice {
    id: id,
    net: net,
    vat: vat,
    gross: net + vat,
    per_line: if len(lines) > 0 then net / len(lines) else 0,
    reasons: billing,
}
"#,
    )
    .unwrap();
    let records = dir.join("orders.ndjson");
    std::fs::write(
        &records,
        concat!(
            r#"{"id":"a","lines":[{"sku":"E5","unit_price":19.99,"qty":3},{"sku":"E3","unit_price":0.1,"qty":7}],"discount":null,"credit_limit":100}"#,
            "\n",
            r#"{"id":"b","lines":[{"sku":"E5","unit_price":1e1,"qty":1}],"discount":10.000,"credit_limit":0}"#,
            "\n",
            r#"{"id":"c","lines":[{"sku":"E5","unit_price":0.0000001,"qty":1}],"credit_limit":0}"#,
            "\n",
            r#"{"id":"d","lines":[{"sku":"E5","unit_price":3.333333,"qty":1},{"sku":"E1","unit_price":0,"qty":2}],"credit_limit":3}"#,
            "\n",
        ),
    )
    .unwrap();
    let expected = concat!(
        r#"{"id":"a","net":60.67,"vat":12.134,"gross":72.804,"per_line":30.335,"reasons":[]}"#,
        "\n",
        r#"{"id":"b","net":0,"vat":0,"gross":0,"per_line":0,"reasons":["positive"]}"#,
        "\n",
        r#"{"line":3,"id":"c","error":{"path":"lines[0].unit_price","message":"0.0000001 has more than 6 fractional digits; decimals are never rounded on input"}}"#,
        "\n",
        r#"{"id":"d","net":3.333333,"vat":0.666667,"gross":4,"per_line":1.666667,"reasons":["within_credit"]}"#,
        "\n",
    );
    for engine in ["wasm", "interp"] {
        let out = dexpc(&["eval", "--engine", engine, policy.to_str().unwrap(), records.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "a rejected record makes eval exit 1");
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected, "{engine}");
    }
    // An explanation shows the decimals it read, exactly, and a suggestion that holds.
    let out = dexpc(&["eval", "--explain", policy.to_str().unwrap(), records.to_str().unwrap()]);
    let last = String::from_utf8_lossy(&out.stdout).lines().last().unwrap().to_string();
    assert!(last.contains(r#""values":{"net":3.333333,"vat":0.666667,"credit_limit":3}"#), "{last}");
    assert!(last.contains(r#"{"set":"credit_limit","from":3,"to":4}"#), "{last}");
    std::fs::remove_dir_all(&dir).ok();
}
