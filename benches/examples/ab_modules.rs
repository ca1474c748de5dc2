//! Times two compiled modules of the same policy, and the hand-written reference policy, on
//! the same pre-encoded batch, interleaved: for comparing code generator changes on a machine
//! whose speed drifts from one second to the next (a criterion run of one build, then of the
//! other, mostly measures the drift). Each round times every contender once, in rotating
//! order, on the same batch (one untimed run, then eight timed back to back); the medians and minima over the rounds are printed, with the
//! ratios to the hand-written policy (bench (b)) measured in the same rounds.
//!
//! ```text
//! cargo run --release -p dexp-benches --example ab_modules -- OLD.wasm NEW.wasm [N] [ROUNDS]
//! ```
//!
//! `N` is the batch size (default 1024), `ROUNDS` the number of rounds (default 400). Both
//! modules must decide the generated tenants identically (checked first, decision by
//! decision); the hand-written policy is timed when the modules are builds of the reference
//! policy, `policies/defender_experts.dexp`.

use dexp_benches::{Handwritten, TenantGen, DEFAULT_SEED};
use dexp_runtime::encode::BatchEncoder;
use dexp_runtime::{Evaluator, Policy};
use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ab_modules: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs timed together in one sample (after one untimed run).
const REPS: u32 = 8;

/// One timed contender: its name and a closure running one batch.
struct Contender<'a> {
    name: String,
    run: Box<dyn FnMut() -> usize + 'a>,
    times: Vec<Duration>,
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [old, new, rest @ ..] = args.as_slice() else {
        return Err("usage: ab_modules OLD.wasm NEW.wasm [N] [ROUNDS]".into());
    };
    let n: usize = rest.first().map(|s| s.parse()).transpose()?.unwrap_or(1024);
    let rounds: usize = rest.get(1).map(|s| s.parse()).transpose()?.unwrap_or(400);
    let policies = [Policy::load(&std::fs::read(old)?)?, Policy::load(&std::fs::read(new)?)?];
    let mut batch = BatchEncoder::new(policies[0].shape().clone());
    for line in TenantGen::new(DEFAULT_SEED).lines(n) {
        batch.push_json(&line).map_err(|e| format!("a generated tenant does not encode: {e}"))?;
    }
    let mut evaluators: Vec<Evaluator> = Vec::new();
    for p in &policies {
        let mut e = p.evaluator()?;
        e.load(&batch)?;
        evaluators.push(e);
    }
    same_decisions(&mut evaluators, n)?;

    let hand = Handwritten::new(policies[1].shape(), &policies[1].metadata().sites).ok();
    let mut out = vec![0u8; n * hand.as_ref().map_or(0, Handwritten::slot_size)];
    let [mut a, mut b] = <[Evaluator; 2]>::try_from(evaluators).map_err(|_| "two evaluators")?;
    let mut contenders = vec![
        Contender {
            name: format!("old {old}"),
            run: Box::new(move || a.run().map(|d| d.len()).unwrap_or(0)),
            times: Vec::new(),
        },
        Contender {
            name: format!("new {new}"),
            run: Box::new(move || b.run().map(|d| d.len()).unwrap_or(0)),
            times: Vec::new(),
        },
    ];
    if let Some(hand) = &hand {
        let (records, vars, out) = (batch.records(), batch.vars(), &mut out);
        contenders.push(Contender {
            name: "hand-written (b)".into(),
            run: Box::new(move || hand.evaluate_batch(black_box(records), black_box(vars), out)),
            times: Vec::new(),
        });
    }
    // Warm up: caches, branch predictors, the CPU's clock.
    for c in &mut contenders {
        for _ in 0..50 {
            black_box((c.run)());
        }
    }
    let k = contenders.len();
    for round in 0..rounds {
        for j in 0..k {
            let Some(c) = contenders.get_mut((round + j) % k) else { continue };
            // One untimed run brings the contender's data back into the caches, so that
            // the timed ones measure it warm, as criterion does.
            black_box((c.run)());
            let start = Instant::now();
            for _ in 0..REPS {
                black_box((c.run)());
            }
            c.times.push(start.elapsed() / REPS);
        }
    }
    println!("batch of {n} tenants, {rounds} interleaved rounds; time per batch");
    let floor = contenders.get(2).map(|c| median(&c.times));
    for c in &contenders {
        let med = median(&c.times);
        let min = c.times.iter().min().copied().unwrap_or_default();
        let ratio = floor.map(|f| format!("  {:.2}x (b)", med.as_secs_f64() / f.as_secs_f64())).unwrap_or_default();
        println!("{:<40} median {:>10.2?}  min {:>10.2?}{ratio}", c.name, med, min);
    }
    if let [old, new, ..] = contenders.as_slice() {
        let (o, w) = (median(&old.times), median(&new.times));
        println!("new/old (medians): {:.3}", w.as_secs_f64() / o.as_secs_f64());
    }
    Ok(())
}

/// Checks that both evaluators decide every record of the loaded batch the same way.
fn same_decisions(evaluators: &mut [Evaluator], n: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut outputs = Vec::new();
    for e in evaluators.iter_mut() {
        let decisions = e.run()?;
        let mut lines = Vec::with_capacity(n);
        for i in 0..decisions.len() {
            let mut line = String::new();
            if let Err(err) = decisions.write_json(i, &mut line)? {
                line = format!("error: {err}");
            }
            lines.push(line);
        }
        outputs.push(lines);
    }
    match outputs.as_slice() {
        [a, b] if a == b => Ok(()),
        [a, b] => {
            let i = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
            Err(format!("the modules decide record {i} differently").into())
        }
        _ => Err("two evaluators".into()),
    }
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}
