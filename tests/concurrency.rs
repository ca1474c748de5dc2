//! Concurrency: 16 threads sharing one loaded policy decide 100,000 records, 20 times, with
//! batch sizes and thread shares that change from round to round; every round's output is
//! byte-identical to one thread's. Records that fail to evaluate (overflow, dates out of
//! range) and records that cannot be read are mixed in, so failing slots are exercised
//! concurrently too.

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
