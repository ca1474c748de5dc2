//! A minimal host: decides the NDJSON records on stdin with a compiled dexp policy.
//! `cargo run -p dexp-runtime --example host -- policy.wasm < records.ndjson`

use dexp_runtime::Policy;
use std::io::{BufRead, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: host POLICY.wasm < RECORDS.ndjson")?;
    let policy = Policy::load(&std::fs::read(path)?)?;
    eprintln!("{} {}", policy.metadata().policy, policy.metadata().version);
    // One evaluator per thread; this host uses one.
    let mut evaluator = policy.evaluator()?;
    let mut lines = std::io::stdin().lock().lines();
    let mut stdout = std::io::stdout().lock();
    let (mut chunk, mut out, mut first_line) = (String::new(), String::new(), 1);
    loop {
        chunk.clear();
        let mut count = 0;
        while count < 4096 {
            let Some(line) = lines.next() else { break };
            chunk.push_str(&line?);
            chunk.push('\n');
            count += 1;
        }
        if count == 0 {
            return Ok(());
        }
        out.clear();
        evaluator.evaluate_ndjson(&chunk, first_line, &mut out)?;
        stdout.write_all(out.as_bytes())?;
        first_line += count;
    }
}
