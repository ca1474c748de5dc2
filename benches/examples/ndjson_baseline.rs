//! The baseline of the `dexpc eval` speed goal as a program: reads NDJSON (a file, or standard
//! input), parses each line into a `serde_json::Value` and writes `{"tenant_id":...,"ok":true}`
//! per line, on one thread, with the same buffer sizes as `dexpc eval`. Timed against
//! `dexpc eval --jobs 1` on the same file (see `benches/README.md`).

use dexp_benches::baseline_line;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ndjson_baseline: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let input: Box<dyn Read> = match std::env::args().nth(1) {
        Some(path) if path != "-" => Box::new(std::fs::File::open(path)?),
        _ => Box::new(std::io::stdin().lock()),
    };
    let mut reader = BufReader::with_capacity(1 << 16, input);
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let (mut line, mut out) = (String::new(), Vec::with_capacity(1 << 16));
    while reader.read_line(&mut line)? > 0 {
        let text = line.trim_end_matches(['\n', '\r']);
        if !text.trim().is_empty() {
            baseline_line(text, &mut out)?;
        }
        line.clear();
        if out.len() >= 1 << 15 {
            stdout.write_all(&out)?;
            out.clear();
        }
    }
    stdout.write_all(&out)?;
    stdout.flush()?;
    Ok(())
}
