//! Differential tests: the compiled Wasm module against the reference interpreter.
//!
//! For the reference policy and every policy under `tests/policies/` (which together use
//! every IR construct), seeded records generated from the policy's schema are evaluated by
//! the interpreter and by the module through `dexp-runtime`, and the outcomes (decision JSON,
//! or error path and message) must be identical record by record. The same records evaluated
//! on one thread and on several must give identical output too.
//!
//! The number of records per policy is 10,000 by default. The same comparison on a million
//! records per policy, in release mode:
//!
//! ```text
//! DEXP_DIFF_RECORDS=1000000 cargo test --release -p dexp-tests --test differential
//! ```
//!
//! `DEXP_DIFF_SEED` changes the seed (default 1).

use dexp_runtime::Policy;
use dexp_tests::records::Generator;
use dexp_tests::{assert_same, compile, interpret, read, root, run_wasm, run_wasm_threads};

fn records() -> usize {
    std::env::var("DEXP_DIFF_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn seed() -> u64 {
    std::env::var("DEXP_DIFF_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// Compares the two back ends on generated records of one policy; returns how many records
/// were decided and how many failed, so callers can check the mix.
fn differential(name: &str, source: &str) -> (usize, usize) {
    let compiled = compile(source, name);
    let program = &compiled.program;
    let policy = Policy::load(&compiled.wasm).expect("the compiled policy loads");
    let total = records();
    let mut generator = Generator::new(&program.schema, seed() ^ hash(name));
    let (mut decided, mut failed) = (0, 0);
    // In chunks, so that a million records need not be held at once.
    let chunk = 50_000;
    let mut done = 0;
    while done < total {
        let n = chunk.min(total - done);
        let lines = generator.lines(n);
        let expected: Vec<String> = lines.iter().map(|l| interpret(program, l)).collect();
        let actual = run_wasm(&policy, &lines, 1000);
        assert_same(name, &lines, &expected, &actual);
        decided += expected.iter().filter(|o| !o.starts_with("error: ")).count();
        failed += expected.iter().filter(|o| o.starts_with("error: ")).count();
        done += n;
    }
    (decided, failed)
}

fn hash(name: &str) -> u64 {
    name.bytes()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

fn test_policies() -> Vec<(String, String)> {
    let dir = root().join("tests/policies");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/policies exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "dexp"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let source = std::fs::read_to_string(&p).expect("a readable policy");
            (name, source)
        })
        .collect()
}

#[test]
fn reference_policy_matches_the_interpreter() {
    let (decided, failed) = differential(
        "defender_experts.dexp",
        &read("policies/defender_experts.dexp"),
    );
    assert!(decided > 0, "some records are decided");
    assert!(failed > 0, "some records overflow");
}

#[test]
fn test_policies_match_the_interpreter() {
    let policies = test_policies();
    assert!(policies.len() >= 2, "the test policies are present");
    for (name, source) in policies {
        let (decided, failed) = differential(&name, &source);
        assert!(decided > 0, "{name}: some records are decided");
        assert!(failed > 0, "{name}: some records fail");
    }
}

#[test]
fn one_thread_and_several_threads_give_the_same_output() {
    let source = read("policies/defender_experts.dexp");
    let compiled = compile(&source, "defender_experts.dexp");
    let policy = Policy::load(&compiled.wasm).expect("the compiled policy loads");
    let lines = Generator::new(&compiled.program.schema, seed()).lines(records().min(20_000));
    let one = run_wasm(&policy, &lines, 512);
    let many = run_wasm_threads(&policy, &lines, 97, 4);
    assert_same("threads", &lines, &one, &many);
}
