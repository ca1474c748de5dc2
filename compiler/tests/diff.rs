//! End-to-end tests of `dexpc diff` and of the suggestions in `dexpc eval --explain` and
//! `dexpc test`: golden reports (`BLESS=1` rewrites them), a policy against itself, the counts
//! against two separate `dexpc eval` runs, `.wasm` against `.dexp`, the CI exit codes, and
//! Parquet and Arrow IPC corpora (the same report as the same records in NDJSON, bad rows
//! rejected by both sides, unreadable files).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "support/columnar.rs"]
mod support;

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
fn a_new_version_that_reads_other_input_types_gets_its_own_encoding() {
    // NEW with `Mode`'s variants declared in another order: another input encoding, the same
    // behaviour. Deciding OLD's encoding with it would read `active` as `off`.
    let source = std::fs::read_to_string(repo().join(NEW)).unwrap();
    let reordered = source.replace("enum Mode { active, passive, off }", "enum Mode { off, passive, active }");
    assert_ne!(source, reordered);
    let dir = std::env::temp_dir().join(format!("dexpc-diff-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("new.dexp");
    std::fs::write(&path, reordered).unwrap();
    let expected = report(&[OLD, NEW, CORPUS]);
    let actual = report(&[OLD, path.to_str().unwrap(), CORPUS]);
    assert_eq!(actual["behaviour"], expected["behaviour"]);
    assert!(expected["behaviour"]["changed"]["count"].as_u64().unwrap() > 0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_batch_over_its_fuel_is_retried_record_by_record_on_both_sides() {
    // One record sums 60,000 ints, far over 5,000 units of fuel; its four neighbours are
    // cheap. The batch fails as a whole; retried alone, the neighbours are decided by both
    // versions (and change), and only the heavy record is rejected, by both.
    let dir = std::env::temp_dir().join(format!("dexpc-diff-fuel-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = |total: &str| {
        format!(
            "policy heavy version \"1\"\nrecord R {{ id: string, xs: list of int }}\n\
             record D {{ id: string, total: int }}\ninput R key id\n\
             output D {{ id: id, total: {total} }}\n"
        )
    };
    let (old, new) = (dir.join("old.dexp"), dir.join("new.dexp"));
    std::fs::write(&old, policy("sum x in xs: x")).unwrap();
    std::fs::write(&new, policy("(sum x in xs: x) + 1")).unwrap();
    let heavy = format!("{{\"id\":\"heavy\",\"xs\":[{}]}}", vec!["1"; 60_000].join(","));
    let lines: Vec<String> = (0..4).map(|i| format!("{{\"id\":\"light-{i}\",\"xs\":[{i}]}}")).chain([heavy]).collect();
    let ndjson = dir.join("corpus.ndjson");
    std::fs::write(&ndjson, lines.join("\n") + "\n").unwrap();
    let parquet = dir.join("corpus.parquet");
    let schema = support::input_schema(old.to_str().unwrap());
    support::write_parquet(&parquet, &support::batches(&schema, &lines));
    for corpus in [&ndjson, &parquet] {
        let args = [old.to_str().unwrap(), new.to_str().unwrap(), corpus.to_str().unwrap(), "--fuel", "5000"];
        let r = report(&args);
        let b = &r["behaviour"];
        assert_eq!(b["records"], 5, "{}", corpus.display());
        assert_eq!(b["both_rejected"], 1, "{}", corpus.display());
        assert_eq!(b["changed"]["count"], 4, "{}", corpus.display());
        assert_eq!(b["rejected_by_old_only"]["count"], 0, "{}", corpus.display());
        assert_eq!(b["rejected_by_new_only"]["count"], 0, "{}", corpus.display());
        assert_eq!(b["fields"][0]["field"], "total", "{}", corpus.display());
        assert_eq!(b["fields"][0]["changed"], 4, "{}", corpus.display());
        // With enough fuel, the heavy record is decided too.
        let enough = report(&[old.to_str().unwrap(), new.to_str().unwrap(), corpus.to_str().unwrap()]);
        assert_eq!(enough["behaviour"]["changed"]["count"], 5, "{}", corpus.display());
    }
    std::fs::remove_dir_all(&dir).ok();
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

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dexpc-diff-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The golden corpus's records that have an Arrow form, as NDJSON and as Parquet files in `dir`.
fn corpus_in_both_forms(dir: &Path) -> (PathBuf, PathBuf, usize) {
    let schema = support::input_schema(OLD);
    let text = std::fs::read_to_string(repo().join(CORPUS)).unwrap();
    let lines: Vec<String> =
        support::representable(OLD, &schema, &text).into_iter().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() > 2900, "{} representable records", lines.len());
    let ndjson = dir.join("tenants.ndjson");
    std::fs::write(&ndjson, lines.join("\n") + "\n").unwrap();
    let parquet = dir.join("tenants.parquet");
    support::write_parquet(&parquet, &support::batches(&schema, &lines));
    (ndjson, parquet, lines.len())
}

fn text(out: &Output) -> String {
    assert!(out.status.code().is_some_and(|c| c < 2), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn a_parquet_corpus_reports_as_the_same_records_in_ndjson() {
    let dir = scratch("parquet");
    let (ndjson, parquet, n) = corpus_in_both_forms(&dir);
    let (ndjson, parquet) = (ndjson.to_str().unwrap(), parquet.to_str().unwrap());
    let want = report(&[OLD, NEW, ndjson]);
    assert_eq!(want["behaviour"]["records"], n as u64);
    assert!(want["behaviour"]["changed"]["count"].as_u64().unwrap() > 1000);
    assert!(want["behaviour"]["both_rejected"].as_u64().unwrap() > 0, "the corpus has bad records");
    let examples = want["behaviour"].to_string();
    assert!(!examples.contains("\"line "), "every example has a key, so the forms name it alike");
    for jobs in ["1", "3"] {
        assert_eq!(report(&["--jobs", jobs, OLD, NEW, parquet]), want, "--jobs {jobs}");
    }
    let table = |corpus: &str| text(&dexpc(&["diff", OLD, NEW, corpus]));
    assert_eq!(table(parquet), table(ndjson));

    // The same records as an Arrow IPC file, and a compiled module on one side.
    let arrow = dir.join("tenants.arrow");
    let schema = support::input_schema(OLD);
    let lines: Vec<String> = std::fs::read_to_string(ndjson).unwrap().lines().map(str::to_owned).collect();
    support::write_arrow(&arrow, &support::batches(&schema, &lines));
    let wasm = dir.join("new.wasm");
    assert!(dexpc(&["compile", NEW, "-o", wasm.to_str().unwrap()]).status.success());
    assert_eq!(report(&[OLD, wasm.to_str().unwrap(), arrow.to_str().unwrap()]), want);

    // Without a key, examples are named by their line in NDJSON and by their row in Parquet.
    let keyless = |path: &str| {
        let source = std::fs::read_to_string(repo().join(path)).unwrap();
        assert!(source.contains("input Tenant key tenant_id"));
        let copy = dir.join(Path::new(path).file_name().unwrap());
        std::fs::write(&copy, source.replace("input Tenant key tenant_id", "input Tenant")).unwrap();
        copy.to_str().unwrap().to_owned()
    };
    let (old, new) = (keyless(OLD), keyless(NEW));
    let by_line = report(&[&old, &new, ndjson]).to_string();
    let by_row = report(&[&old, &new, parquet]).to_string();
    assert!(by_line.contains("\"line 1\""), "{by_line}");
    assert_eq!(by_row, by_line.replace("\"line ", "\"row "));

    // The CI limits see the same counts.
    let code = |corpus: &str, limit: &str| dexpc(&["diff", "--max-changed", limit, OLD, NEW, corpus]).status.code();
    for limit in ["10", "100000"] {
        assert_eq!(code(parquet, limit), code(ndjson, limit), "--max-changed {limit}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_policy_against_itself_on_parquet_changes_nothing() {
    let dir = scratch("itself");
    let (_, parquet, n) = corpus_in_both_forms(&dir);
    let parquet = parquet.to_str().unwrap();
    let out = dexpc(&["diff", "--fail-on-change", OLD, OLD, parquet]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let r = report(&[OLD, OLD, parquet]);
    assert_eq!(r["behaviour"]["records"], n as u64);
    assert_eq!(r["behaviour"]["changed"]["count"], 0);
    assert_eq!(r["behaviour"]["fields"], serde_json::json!([]));
    assert_eq!(r["behaviour"]["codes"], serde_json::json!([]));
    assert!(r["behaviour"]["both_rejected"].as_u64().unwrap() > 0, "the corpus has bad records");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn wide_parquet_rows_are_decided_in_pieces_and_report_as_in_ndjson() {
    // The batch-bytes conformance corpus: records whose layout takes up to 900 KiB each, so
    // every slice of them is over the 256 KiB batch limit and is decided in pieces (and a piece
    // still over it, cut again); the report must be the NDJSON one. (Its bad records put
    // strings in int columns, which have no Arrow form: they are left out of both files.)
    let dir = scratch("wide");
    let policy = "tests/conformance/batch-bytes/policy.dexp";
    let schema = support::input_schema(policy);
    let text = std::fs::read_to_string(repo().join("tests/conformance/batch-bytes/input.ndjson")).unwrap();
    let lines: Vec<String> =
        support::representable(policy, &schema, &text).into_iter().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 9, "{} representable records", lines.len());
    let (ndjson, parquet) = (dir.join("wide.ndjson"), dir.join("wide.parquet"));
    std::fs::write(&ndjson, lines.join("\n") + "\n").unwrap();
    support::write_parquet(&parquet, &support::batches(&schema, &lines));
    let want = report(&[policy, policy, ndjson.to_str().unwrap()]);
    assert_eq!(want["behaviour"]["records"], lines.len() as u64);
    assert_eq!(want["behaviour"]["changed"]["count"], 0);
    for jobs in ["1", "2"] {
        assert_eq!(report(&["--jobs", jobs, policy, policy, parquet.to_str().unwrap()]), want, "--jobs {jobs}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_rows_in_a_parquet_corpus_are_rejected_by_both_sides() {
    use arrow_array::{Array, ArrayRef, Date32Array, Int64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use std::sync::Arc;
    let dir = scratch("bad");
    let schema = support::input_schema(OLD);
    let text = std::fs::read_to_string(repo().join("policies/examples/tenants.ndjson")).unwrap();
    let lines: Vec<String> = text.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect();
    let good = support::batches(&schema, &lines).remove(0);
    let n = good.num_rows();

    // Row 2: a date out of range; row 5: an unknown cloud; row 7: no `as_of` at all.
    let as_of = schema.index_of("as_of").unwrap();
    let cloud = schema.index_of("cloud").unwrap();
    let dates = good.column(as_of).as_any().downcast_ref::<Date32Array>().unwrap();
    let dates: Date32Array = (0..n)
        .map(|i| match i {
            1 => Some(100_000_000),
            6 => None,
            _ => Some(dates.value(i)),
        })
        .collect();
    let clouds = good.column(cloud).as_any().downcast_ref::<StringArray>().unwrap();
    let clouds: StringArray = (0..n).map(|i| Some(if i == 4 { "moon" } else { clouds.value(i) })).collect();
    let mut columns: Vec<ArrayRef> = good.columns().to_vec();
    columns[as_of] = Arc::new(dates);
    columns[cloud] = Arc::new(clouds);
    let bad = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let bad_parquet = dir.join("bad.parquet");
    support::write_parquet(&bad_parquet, std::slice::from_ref(&bad));
    let r = report(&[OLD, NEW, bad_parquet.to_str().unwrap()]);
    let b = &r["behaviour"];
    assert_eq!(b["records"], n as u64);
    assert_eq!(b["both_rejected"], 3, "{b}");
    assert_eq!(b["rejected_by_old_only"]["count"], 0);
    assert_eq!(b["rejected_by_new_only"]["count"], 0);
    for bad_row in [1, 4, 6] {
        let key = serde_json::from_str::<Value>(&lines[bad_row]).unwrap()["tenant_id"].clone();
        assert!(!b["changed"]["examples"].as_array().unwrap().contains(&key), "row {} is not a change", bad_row + 1);
    }

    // A column of the wrong type rejects every row on both sides; the run still reports.
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields[as_of] = Field::new("as_of", DataType::Int64, true);
    let mut columns = good.columns().to_vec();
    columns[as_of] = Arc::new(Int64Array::from(vec![20_000; n]));
    let wrong = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
    let wrong_parquet = dir.join("wrong.parquet");
    support::write_parquet(&wrong_parquet, std::slice::from_ref(&wrong));
    let out = dexpc(&["diff", "--fail-on-change", OLD, OLD, wrong_parquet.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "rejected by both is no change");
    let r = report(&[OLD, NEW, wrong_parquet.to_str().unwrap()]);
    assert_eq!(r["behaviour"]["records"], n as u64);
    assert_eq!(r["behaviour"]["both_rejected"], n as u64);
    assert_eq!(r["behaviour"]["changed"]["count"], 0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_unreadable_columnar_corpus_is_an_error_naming_it() {
    let dir = scratch("unreadable");
    let (_, parquet, _) = corpus_in_both_forms(&dir);
    let bytes = std::fs::read(&parquet).unwrap();
    let not_parquet = dir.join("not.parquet");
    std::fs::write(&not_parquet, b"{\"tenant_id\": \"t\"}\n").unwrap();
    let truncated = dir.join("truncated.parquet");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let not_arrow = dir.join("not.arrow");
    std::fs::write(&not_arrow, b"ARROW1 but not really").unwrap();
    let missing = dir.join("missing.parquet");
    for file in [&not_parquet, &truncated, &not_arrow, &missing] {
        let out = dexpc(&["diff", OLD, NEW, file.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", file.display());
        assert!(stderr.starts_with("error: ") && stderr.contains(file.to_str().unwrap()), "{stderr}");
        assert!(out.stdout.is_empty(), "no report for {}", file.display());
    }

    // Damaged pages inside a file whose footer is intact: an error or rejected rows, never a
    // crash, whatever byte is hit.
    for at in (4..bytes.len() - 8).step_by(bytes.len() / 23) {
        let mut damaged = bytes.clone();
        for b in &mut damaged[at..(at + 64).min(bytes.len() - 8)] {
            *b ^= 0x5a;
        }
        let file = dir.join("damaged.parquet");
        std::fs::write(&file, &damaged).unwrap();
        let out = dexpc(&["diff", OLD, NEW, file.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.code().is_some_and(|c| c <= 2) && !stderr.contains("panicked"), "byte {at}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
