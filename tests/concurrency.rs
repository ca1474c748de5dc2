//! Concurrency: 16 threads sharing one loaded policy decide 100,000 records, 20 times, with
//! batch sizes and thread shares that change from round to round; every round's output is
//! byte-identical to one thread's. Records that fail to evaluate (overflow, dates out of
//! range) and records that cannot be read are mixed in, so failing slots are exercised
//! concurrently too. A second test mixes in records that trap (they run out of fuel) and
//! checks that their batches are retried record by record with the same result on every
//! thread.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dexp_tests::records::Generator;
use dexp_tests::{compile, read, run_wasm};

const RECORDS: usize = 100_000;
const THREADS: usize = 16;
const ROUNDS: usize = 20;

#[test]
fn sixteen_threads_twenty_rounds_match_one_thread() {
    let compiled = compile(&read("policies/defender_experts.dexp"), "defender_experts");
    let policy = dexp_runtime::Policy::load(&compiled.wasm).unwrap();
    let mut generator = Generator::new(&compiled.program.schema, 0x5eed_c0c0);
    let mut lines = generator.lines(RECORDS);
    // Unreadable records at known places.
    for (i, line) in lines.iter_mut().enumerate().filter(|(i, _)| i % 1009 == 3) {
        *line = if i % 2 == 0 { line.chars().take(40).collect() } else { "{\"tenant_id\": 7}".to_string() };
    }
    let baseline = run_wasm(&policy, &lines, 1024);
    let failures =
        baseline.iter().filter(|o| o.contains("integer overflow") || o.contains("date out of range")).count();
    let unreadable = baseline.iter().filter(|o| o.starts_with("bad input")).count();
    assert!(
        failures > 0 && unreadable > 0,
        "failing records must be mixed in: {failures} failures, {unreadable} unreadable"
    );

    for round in 0..ROUNDS {
        let batch = [1, 7, 64, 333, 1024][round % 5];
        // Uneven shares: thread t takes every THREADS-th chunk of a round-dependent size.
        let chunk = 97 + round * 131;
        let chunks: Vec<(usize, &[String])> = lines.chunks(chunk).enumerate().collect();
        let outputs: Vec<(usize, Vec<String>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..THREADS)
                .map(|t| {
                    let mine: Vec<(usize, &[String])> =
                        chunks.iter().copied().filter(|(i, _)| i % THREADS == t).collect();
                    let policy = &policy;
                    scope.spawn(move || {
                        mine.into_iter().map(|(i, part)| (i, run_wasm(policy, part, batch))).collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        let mut ordered = outputs;
        ordered.sort_by_key(|(i, _)| *i);
        let joined: Vec<String> = ordered.into_iter().flat_map(|(_, o)| o).collect();
        assert_eq!(joined.len(), RECORDS, "round {round}");
        let first_difference = joined.iter().zip(&baseline).position(|(a, b)| a != b);
        assert_eq!(first_difference, None, "round {round} (batch {batch}) differs from one thread");
    }
}

/// Runs NDJSON lines in batches of `batch` on one evaluator; a batch that traps (here: runs out
/// of fuel) is retried line by line and a line that traps alone is reported as trapped, the way
/// `dexpc eval` does it.
fn run_with_traps(policy: &dexp_runtime::Policy, lines: &[String], first: usize, batch: usize) -> Vec<String> {
    let mut evaluator = policy.evaluator().unwrap();
    let mut out = Vec::with_capacity(lines.len());
    for (c, chunk) in lines.chunks(batch).enumerate() {
        let first_line = (first + c * batch + 1) as u64;
        let mut text = String::new();
        match evaluator.evaluate_ndjson(&chunk.join("\n"), first_line, &mut text) {
            Ok(_) => out.extend(text.lines().map(str::to_string)),
            Err(_) => {
                for (i, line) in chunk.iter().enumerate() {
                    let mut one = String::new();
                    match evaluator.evaluate_ndjson(line, first_line + i as u64, &mut one) {
                        Ok(_) => out.push(one.trim_end().to_string()),
                        Err(e) => out.push(format!("trapped: {e}")),
                    }
                }
            }
        }
    }
    out
}

/// Records whose evaluation traps (they run out of fuel) are mixed in: every round, sixteen
/// threads give exactly one thread's output, traps included, and the trapped records' batch
/// neighbours keep their decisions.
#[test]
fn trapping_records_mixed_in_do_not_disturb_sixteen_threads() {
    use dexp_runtime::{Interrupt, Limits, Runtime};
    const BATCH: usize = 64;
    let compiled = compile(&read("policies/defender_experts.dexp"), "defender_experts");
    let runtime =
        Runtime::new(Limits { interrupt: Interrupt::Fuel { per_record: 20_000 }, ..Limits::default() }).unwrap();
    let policy = runtime.load(&compiled.wasm).unwrap();
    let mut lines: Vec<String> = read("policies/examples/tenants.ndjson").lines().map(str::to_string).collect();
    lines = lines.iter().cycle().take(20_000).cloned().collect();
    let mut huge: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    huge["servers"] = (0..65_536)
        .map(|i| serde_json::json!({"id": format!("s{i}"), "cloud": "gcp", "mde_server_license": true, "servers_plan": "p2", "endpoint_protection": false}))
        .collect();
    let huge = huge.to_string();
    for i in (777..20_000).step_by(3_001) {
        lines[i] = huge.clone();
    }
    let baseline = run_with_traps(&policy, &lines, 0, BATCH);
    let trapped = baseline.iter().filter(|l| l.starts_with("trapped")).count();
    assert_eq!(trapped, 7, "each huge record traps, alone");
    let clean = run_with_traps(&policy, &lines[..BATCH], 0, BATCH);
    assert_eq!(clean, baseline[..BATCH], "a batch without traps is decided in one call");
    for round in 0..5 {
        let chunks: Vec<(usize, &[String])> = lines.chunks(BATCH * (round + 1)).enumerate().collect();
        let size = BATCH * (round + 1);
        let mut outputs: Vec<(usize, Vec<String>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..THREADS)
                .map(|t| {
                    let mine: Vec<(usize, &[String])> =
                        chunks.iter().copied().filter(|(i, _)| i % THREADS == t).collect();
                    let policy = &policy;
                    scope.spawn(move || {
                        mine.into_iter()
                            .map(|(i, part)| (i, run_with_traps(policy, part, i * size, BATCH)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        outputs.sort_by_key(|(i, _)| *i);
        let joined: Vec<String> = outputs.into_iter().flat_map(|(_, o)| o).collect();
        assert!(joined == baseline, "round {round} differs from one thread");
    }
}
