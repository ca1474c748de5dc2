//! Times two compiled modules of the same policy, and the hand-written reference policy, on
//! the same pre-encoded batches, interleaved: for comparing code generator changes on a
//! machine whose speed drifts from one second to the next (a criterion run of one build, then
//! of the other, mostly measures the drift). Each round times every contender once, in
//! rotating order, on the same batches (one untimed run, then eight timed); the medians and
//! minima over the rounds are printed, with the ratios to the hand-written policy (bench (b))
//! measured in the same rounds.
//!
//! ```text
//! cargo run --release -p dexp-benches --example ab_modules -- OLD.wasm NEW.wasm [N] [ROUNDS] [DISTINCT]
//! ```
//!
//! `N` is the batch size (default 1024), `ROUNDS` the number of rounds (default 400).
//! `DISTINCT` (default 1) is how many different batches of `N` tenants the runs cycle
//! through. With 1, every run decides the same records, as criterion's bench (a) does, and a
//! processor can learn the outcome of every branch of a small batch by heart; with more (16,
//! say), each run meets records it has not just seen, as a real stream of batches does.
//! Before each timed run its batch is loaded (modules) or read once (hand-written), untimed,
//! so every contender starts with the batch in the caches. Both modules must decide every
//! generated tenant identically (checked first, decision by decision); the hand-written
//! policy is timed when the modules are builds of the reference policy,
//! `policies/defender_experts.dexp`.

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

/// Runs timed in one sample (after one untimed run).
const REPS: usize = 8;

/// What a contender runs.
enum Runner<'a> {
    /// A compiled module, through the runtime's evaluator.
    Module(Box<Evaluator>),
    /// The hand-written policy, writing its decision slots into `out`.
    Hand(&'a Handwritten, Vec<u8>),
}

/// One timed contender.
struct Contender<'a> {
    name: String,
    runner: Runner<'a>,
    times: Vec<Duration>,
}

impl Contender<'_> {
    /// Makes batch `b` ready, untimed: loaded into the module's memory, or read once by the
    /// hand-written policy, so that every contender starts with it in the caches.
    fn prepare(&mut self, b: &BatchEncoder) {
        match &mut self.runner {
            Runner::Module(e) => {
                let _ = e.load(b);
            }
            Runner::Hand(..) => {
                black_box(b.records().iter().chain(b.vars()).fold(0u8, |s, x| s.wrapping_add(*x)));
            }
        }
    }

    /// Decides the prepared batch `b`.
    fn run(&mut self, b: &BatchEncoder) -> usize {
        match &mut self.runner {
            Runner::Module(e) => e.run().map(|d| d.len()).unwrap_or(0),
            Runner::Hand(hand, out) => hand.evaluate_batch(black_box(b.records()), black_box(b.vars()), out),
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [old, new, rest @ ..] = args.as_slice() else {
        return Err("usage: ab_modules OLD.wasm NEW.wasm [N] [ROUNDS] [DISTINCT]".into());
    };
    let n: usize = rest.first().map(|s| s.parse()).transpose()?.unwrap_or(1024).max(1);
    let rounds: usize = rest.get(1).map(|s| s.parse()).transpose()?.unwrap_or(400);
    let distinct: usize = rest.get(2).map(|s| s.parse()).transpose()?.unwrap_or(1).max(1);
    let policies = [Policy::load(&std::fs::read(old)?)?, Policy::load(&std::fs::read(new)?)?];
    let lines = TenantGen::new(DEFAULT_SEED).lines(n * distinct);
    let mut batches = Vec::with_capacity(distinct);
    for chunk in lines.chunks(n) {
        let mut batch = BatchEncoder::new(policies[0].shape().clone());
        for line in chunk {
            batch.push_json(line).map_err(|e| format!("a generated tenant does not encode: {e}"))?;
        }
        batches.push(batch);
    }
    let mut evaluators = vec![policies[0].evaluator()?, policies[1].evaluator()?];
    for batch in &batches {
        same_decisions(&mut evaluators, batch)?;
    }
    let hand = Handwritten::new(policies[1].shape(), &policies[1].metadata().sites).ok();
    let mut contenders = Vec::new();
    for (name, e) in [format!("old {old}"), format!("new {new}")].into_iter().zip(evaluators) {
        contenders.push(Contender { name, runner: Runner::Module(Box::new(e)), times: Vec::new() });
    }
    if let Some(hand) = &hand {
        let out = vec![0u8; n * hand.slot_size()];
        contenders.push(Contender {
            name: "hand-written (b)".into(),
            runner: Runner::Hand(hand, out),
            times: Vec::new(),
        });
    }
    let batch = |i: usize| batches.get(i % batches.len()).ok_or("no batch");
    // Warm up: caches, branch predictors, the CPU's clock.
    for c in &mut contenders {
        for i in 0..50 {
            c.prepare(batch(i)?);
            black_box(c.run(batch(i)?));
        }
    }
    let k = contenders.len();
    let mut next = 0;
    for round in 0..rounds {
        for j in 0..k {
            let Some(c) = contenders.get_mut((round + j) % k) else { continue };
            // One untimed run brings the contender's code back into the caches.
            c.prepare(batch(next)?);
            black_box(c.run(batch(next)?));
            let mut total = Duration::ZERO;
            for rep in 1..=REPS {
                let b = batch(next + rep)?;
                c.prepare(b);
                let start = Instant::now();
                black_box(c.run(b));
                total += start.elapsed();
            }
            c.times.push(total / REPS as u32);
        }
        next += REPS + 1;
    }
    println!("batches of {n} tenants ({distinct} different), {rounds} interleaved rounds; time per batch");
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

/// Checks that both evaluators decide every record of `batch` the same way.
fn same_decisions(evaluators: &mut [Evaluator], batch: &BatchEncoder) -> Result<(), Box<dyn std::error::Error>> {
    let mut outputs = Vec::new();
    for e in evaluators.iter_mut() {
        let decisions = e.evaluate_encoded(batch)?;
        let mut lines = Vec::with_capacity(batch.len());
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
