//! Writes generated tenant records as NDJSON to standard output, for timing `dexpc eval`:
//! `cargo run --release -p dexp-benches --example gen_tenants -- N [SEED] > tenants.ndjson`.
//! The same seed gives the same file everywhere; the default seed is the benches' seed.

use dexp_benches::{TenantGen, DEFAULT_SEED};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(n), seed) = (args.first().and_then(|n| n.parse::<usize>().ok()), args.get(1)) else {
        eprintln!("usage: gen_tenants N [SEED]");
        return ExitCode::from(2);
    };
    let seed = match seed.map(|s| s.parse::<u64>()) {
        None => DEFAULT_SEED,
        Some(Ok(seed)) => seed,
        Some(Err(e)) => {
            eprintln!("bad seed: {e}");
            return ExitCode::from(2);
        }
    };
    let mut generator = TenantGen::new(seed);
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut line = String::with_capacity(4096);
    for _ in 0..n {
        line.clear();
        generator.write_tenant(&mut line);
        line.push('\n');
        if let Err(e) = out.write_all(line.as_bytes()) {
            eprintln!("cannot write: {e}");
            return ExitCode::FAILURE;
        }
    }
    match out.flush() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cannot write: {e}");
            ExitCode::FAILURE
        }
    }
}
