//! Coverage measured on the compiled module: plain modules are byte-identical to the golden
//! hashes (an instrumented build changes nothing for them), instrumented modules carry their
//! counters as the ABI says, and `dexpc test --coverage` / `--min-coverage` report and fail
//! as documented.
//!
//! The golden hashes are those of the modules the code generator made for frozen copies of
//! the policies (`tests/golden/plain-modules/*.source`) before instrumented builds existed.
//! `BLESS=1` rewrites `tests/golden/plain-modules.sha256` after an intended change to the code
//! generator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dexp_runtime::abi::{CounterKind, Metadata, EXPORTS, EXPORT_COVERAGE, SECTION};
use sha2::Digest as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use wasmparser::{Parser, Payload, Validator, WasmFeatures};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap()
}

fn dexpc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dexpc")).args(args).current_dir(repo()).output().expect("dexpc runs")
}

const POLICIES: [&str; 3] =
    ["policies/defender_experts.dexp", "tests/policies/constructs.dexp", "tests/policies/failures.dexp"];

#[test]
fn plain_modules_are_byte_identical_to_the_golden_hashes() {
    let mut actual = String::new();
    for name in ["defender_experts", "constructs", "failures"] {
        let path = format!("tests/golden/plain-modules/{name}.source");
        let wasm = dexp_compiler::compile(&read(&path)).unwrap().wasm;
        let hex: String = sha2::Sha256::digest(&wasm).iter().map(|b| format!("{b:02x}")).collect();
        actual.push_str(&format!("{hex}  {path}\n"));
    }
    let golden = repo().join("tests/golden/plain-modules.sha256");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&golden, &actual).unwrap();
    }
    assert_eq!(actual, std::fs::read_to_string(&golden).unwrap(), "BLESS=1 rewrites the golden hashes");
}

/// The exports and the metadata of a module.
fn inspect(wasm: &[u8]) -> (Vec<String>, Metadata, u32) {
    Validator::new_with_features(WasmFeatures::WASM2).validate_all(wasm).unwrap();
    let (mut exports, mut metadata, mut globals) = (Vec::new(), None, Vec::new());
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.unwrap() {
            Payload::ImportSection(r) => assert_eq!(r.count(), 0),
            Payload::ExportSection(r) => exports.extend(r.into_iter().map(|e| e.unwrap().name.to_string())),
            Payload::GlobalSection(r) => globals.extend(r.into_iter().map(|g| g.unwrap().ty)),
            Payload::CustomSection(r) if r.name() == SECTION => metadata = Some(Metadata::decode(r.data()).unwrap()),
            _ => {}
        }
    }
    (exports, metadata.unwrap(), globals.len() as u32)
}

#[test]
fn plain_modules_have_no_counters_and_instrumented_ones_declare_theirs() {
    for path in POLICIES {
        let source = read(path);
        let (exports, metadata, globals) = inspect(&dexp_compiler::compile(&source).unwrap().wasm);
        assert_eq!(exports, EXPORTS.map(String::from), "{path}");
        assert_eq!(metadata.coverage, None, "{path}");
        let json = String::from_utf8(metadata.encode().unwrap()).unwrap();
        assert!(!json.contains(r#""coverage":"#), "{path}: {json}");

        let compiled = dexp_compiler::compile_instrumented(&source).unwrap();
        let (exports, instrumented, more_globals) = inspect(&compiled.wasm);
        let mut expected: Vec<String> = EXPORTS.map(String::from).to_vec();
        expected.push(EXPORT_COVERAGE.into());
        assert_eq!(exports, expected, "{path}");
        assert_eq!(more_globals, globals + 1, "{path}");
        let table = instrumented.coverage.clone().unwrap();
        // Everything but the table is the plain module's metadata.
        assert_eq!(Metadata { coverage: None, ..instrumented }, metadata, "{path}");
        // Two counters per rule, in group order.
        let rules: usize = compiled.program.groups.iter().map(|g| g.rules.len()).sum();
        assert_eq!(table.iter().filter(|c| c.kind.is_rule()).count(), 2 * rules, "{path}");
        for pair in table.iter().filter(|c| c.kind.is_rule()).collect::<Vec<_>>().chunks(2) {
            assert_eq!(pair[0].owner, pair[1].owner);
            assert!(matches!(
                (pair[0].kind, pair[1].kind),
                (CounterKind::RequirementHolds, CounterKind::RequirementFails)
                    | (CounterKind::AdvisoryHolds, CounterKind::AdvisoryFails)
            ));
        }
        // Two instrumented builds are byte-identical too.
        assert_eq!(dexp_compiler::compile_instrumented(&source).unwrap().wasm, compiled.wasm, "{path}");
    }
}

/// `line:col` of the first occurrence of `needle` in `source`, plus `skip` characters.
fn position(source: &str, needle: &str, skip: usize) -> String {
    let at = source.find(needle).unwrap_or_else(|| panic!("`{needle}` is in the policy")) + skip;
    let line = source[..at].matches('\n').count() + 1;
    let col = source[..at].rsplit('\n').next().unwrap().chars().count() + 1;
    format!("{line}:{col}")
}

#[test]
fn the_reference_policy_table_names_its_constructs_with_positions() {
    let source = read(POLICIES[0]);
    let compiled = dexp_compiler::compile_instrumented(&source).unwrap();
    let (_, metadata, _) = inspect(&compiled.wasm);
    let table = metadata.coverage.unwrap();
    let find = |kind, owner: &str| table.iter().find(|c| c.kind == kind && c.owner == owner).unwrap();
    let rule = find(CounterKind::RequirementHolds, "xdr.entra_p1_not_all_users");
    assert_eq!((rule.at.clone(), rule.branch.clone()), (position(&source, "entra_p1_not_all_users \"", 0), None));
    let region = find(CounterKind::Else, "output");
    let if_at = position(&source, "if eu_data_boundary", 0);
    let else_at = position(&source, "else us", 5);
    assert_eq!((region.at.clone(), region.branch.clone()), (if_at, Some(else_at)));
    let arms: Vec<String> =
        table.iter().filter(|c| c.kind == CounterKind::Arm).map(|c| c.branch.clone().unwrap()).collect();
    let expected: Vec<String> =
        ["active =>", "expired =>", "terminated =>"].iter().map(|arm| position(&source, arm, 0)).collect();
    assert_eq!(arms, expected);
    // `entry_coverage` has two `if`s (an `else if` chain): four branch counters.
    assert_eq!(table.iter().filter(|c| c.owner == "entry_coverage").count(), 4);
}

#[test]
fn test_coverage_reports_full_requirement_coverage_for_the_reference_policy() {
    let out = dexpc(&["test", "policies", "--coverage", "--min-coverage", "100"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("requirement coverage: 100.0% of 11 requirements and advisories"), "{stdout}");
    assert!(stdout.contains("requirements: 7 of 7 seen both holding and failing"), "{stdout}");
    assert!(stdout.contains("advisories: 4 of 4 seen both holding and failing"), "{stdout}");
    // The second reference policy is fully covered too.
    assert!(stdout
        .contains("coverage of policies/copilot_seats.dexp\n  requirements: 5 of 5 seen both holding and failing"));
    assert!(stdout.contains("requirement coverage: 100.0% of 10 requirements and advisories"), "{stdout}");
    let source = read(POLICIES[0]);
    let rule = format!(
        "covered  policies/defender_experts.dexp:{}: requirement `xdr.entra_p1_not_all_users`: held ",
        position(&source, "entra_p1_not_all_users \"", 0)
    );
    assert!(stdout.contains(&rule), "{stdout}");
    let arm = format!(
        "covered  policies/defender_experts.dexp:{}: arm 2 of `match` in `data_deleted_by`: taken ",
        position(&source, "expired =>", 0)
    );
    assert!(stdout.contains(&arm), "{stdout}");
    assert!(!stdout.contains("missed") && !stdout.contains("one way "), "{stdout}");
    assert!(stdout.trim_end().ends_with("passed, 0 failed"), "{stdout}");
}

#[test]
fn min_coverage_above_what_was_reached_fails_with_a_message() {
    let out = dexpc(&["test", "policies", "--min-coverage", "101"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "requirement coverage of policies/defender_experts.dexp is 100.0%, below the minimum of 101% (--min-coverage)"
        ),
        "{stderr}"
    );
    // The report is still printed: --min-coverage implies --coverage.
    assert!(String::from_utf8_lossy(&out.stdout).contains("coverage of policies/defender_experts.dexp"));
}

#[test]
fn coverage_needs_the_compiled_module() {
    let out = dexpc(&["test", "policies", "--coverage", "--engine", "interp"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("coverage is measured on the compiled module"));
}

/// A policy whose cases never make `small` fail, never see `upgrade` hold, never reach the
/// `else` of its `if`, and never evaluate the `extra` group (read only for basic plans).
const UNTESTED: &str = r#"policy untested version "1"

enum Plan { basic, premium }

record Input { id: string, seats: int, plan: Plan }
record Output { id: string, ok: bool, price: int, hints: codes(hints) }

input Input key id

requirements limits {
    small "at most 100 seats": seats <= 100
    named "the id must not be empty": id != ""
}

advisories hints {
    upgrade "a basic plan with many seats should upgrade": plan == basic and seats > 50
}

requirements extra {
    few "a basic plan has at most 10 seats": seats <= 10
}

output Output {
    id: id,
    ok: limits.ok and (plan == premium or extra.ok),
    price: if plan == premium then seats * 3 else seats * 2,
    hints: hints,
}
"#;

const UNTESTED_CASES: &str = r#"
case "a small premium tenant"
input { "id": "a", "seats": 10, "plan": "premium" }
expect { "ok": true, "price": 30 }

case "an unnamed premium tenant"
input { "id": "", "seats": 20, "plan": "premium" }
expect { "ok": false, "price": 60 }
"#;

#[test]
fn an_untested_requirement_is_listed_as_never_failing() {
    let dir = std::env::temp_dir().join(format!("dexp-coverage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("untested.dexp"), UNTESTED).unwrap();
    std::fs::write(dir.join("untested.cases"), UNTESTED_CASES).unwrap();
    let policy = dir.join("untested.dexp");
    let file = policy.display().to_string();

    let out = dexpc(&["test", dir.to_str().unwrap(), "--coverage"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    for line in [
        format!("one way  {file}:11:5: requirement `limits.small`: held 2, never failed"),
        format!("covered  {file}:12:5: requirement `limits.named`: held 1, failed 1"),
        format!("one way  {file}:16:5: advisory `hints.upgrade`: failed 2, never held"),
        format!("missed   {file}:20:5: requirement `extra.few`: never evaluated"),
        format!("covered  {file}:26:36: `then` of `if` in `output`: taken 2"),
        format!("missed   {file}:26:51: `else` of `if` in `output`: never taken"),
        "requirements: 1 of 3 seen both holding and failing, 1 only one way, 1 never evaluated (33.3%)".into(),
        "advisories: 0 of 1 seen both holding and failing, 1 only one way, 0 never evaluated (0.0%)".into(),
        "requirement coverage: 25.0% of 4 requirements and advisories".into(),
        "branches and match arms: 1 of 2 taken (50.0%)".into(),
    ] {
        assert!(stdout.contains(&line), "missing `{line}` in\n{stdout}");
    }

    let out = dexpc(&["test", dir.to_str().unwrap(), "--min-coverage", "50"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is 25.0%, below the minimum of 50%"));
    let out = dexpc(&["test", dir.to_str().unwrap(), "--min-coverage", "25"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}
