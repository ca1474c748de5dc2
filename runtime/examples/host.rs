//! A minimal host: loads a compiled dexp policy and decides the NDJSON records on stdin,
//! writing one decision (or error object) per record to stdout.
//!
//! `cargo run -p dexp-runtime --example host -- policy.wasm < records.ndjson`

use dexp_runtime::Policy;
use std::io::{BufRead, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: host POLICY.wasm < RECORDS.ndjson")?;
    let policy = Policy::load(&std::fs::read(path)?)?;
    let meta = policy.metadata();
    eprintln!(
        "{} {} ({} sites)",
        meta.policy,
        meta.version,
        meta.sites.len()
    );
    let mut evaluator = policy.evaluator()?;
    let mut lines = std::io::stdin().lock().lines();
    let mut stdout = std::io::stdout().lock();
    let (mut chunk, mut out, mut first_line) = (String::new(), String::new(), 1);
    loop {
        chunk.clear();
        let mut count = 0;
        while let Some(line) = lines.next().filter(|_| count < 4096) {
            chunk.push_str(&line?);
            chunk.push('\n');
            count += 1;
        }
        if count == 0 {
            return Ok(());
        }
        out.clear();
        let summary = evaluator.evaluate_ndjson(&chunk, first_line, &mut out)?;
        stdout.write_all(out.as_bytes())?;
        eprintln!(
            "lines {first_line}..: {} decided, {} rejected",
            summary.decided, summary.rejected
        );
        first_line += count;
    }
}
