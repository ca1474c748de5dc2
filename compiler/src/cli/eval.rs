//! `dexpc eval POLICY [INPUT]`: stream NDJSON records through a policy.
//!
//! Input is read in batches of lines; workers decide batches in parallel and a writer puts
//! their output back in input order. Channels are bounded, so memory stays constant whatever
//! the input size. Every non-blank input line gets exactly one output line: the decision, or
//! an error object naming the line, the record's key when readable, and the failing path.

use super::{load_policy, CliError};
use crate::{EngineKind, ErrorFormat};
use dexp_compiler::ir::{interp, Program};
use dexp_runtime::json::{self, RecordError};
use dexp_runtime::schema::Ty;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};

/// Lines per batch handed to a worker.
const BATCH_LINES: usize = 2048;
/// The largest single input line accepted; longer lines are rejected, not buffered whole.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// A run of consecutive input lines.
pub struct Batch {
    /// 1-based number of the first line.
    pub first_line: u64,
    /// The raw lines, without their line endings; `Err` for a line over the size limit.
    pub lines: Vec<Result<Vec<u8>, usize>>,
}

/// How many records a batch decided and rejected.
#[derive(Default, Clone, Copy)]
pub struct Tally {
    /// Records decided.
    pub decided: u64,
    /// Records rejected (bad input or evaluation error).
    pub rejected: u64,
}

/// Something that turns a batch of lines into output lines.
pub trait Worker: Send {
    /// Appends one output line per non-blank input line of `batch` to `out`.
    fn process(&mut self, batch: &Batch, out: &mut String) -> Tally;
}

/// Runs the `eval` command.
pub fn run(
    policy: &Path,
    input: Option<&Path>,
    engine: EngineKind,
    jobs: Option<usize>,
    format: ErrorFormat,
) -> Result<ExitCode, CliError> {
    let Some(factory) = factory(policy, engine, format)? else { return Ok(ExitCode::from(1)) };
    let reader: Box<dyn Read + Send> = match input {
        None => Box::new(std::io::stdin()),
        Some(p) if p.as_os_str() == "-" => Box::new(std::io::stdin()),
        Some(p) => {
            Box::new(std::fs::File::open(p).map_err(|source| CliError::Io { path: p.display().to_string(), source })?)
        }
    };
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)).max(1);
    let stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout());
    let tally = stream(reader, stdout, jobs, &factory)?;
    eprintln!("{} record(s): {} decided, {} rejected", tally.decided + tally.rejected, tally.decided, tally.rejected);
    Ok(if tally.rejected == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Makes one worker per thread; all of them share the compiled policy.
pub type Factory = Box<dyn Fn() -> Result<Box<dyn Worker>, CliError> + Sync>;

/// Loads a policy for the chosen engine; `None` (diagnostics printed) when it does not compile.
pub fn factory(policy: &Path, engine: EngineKind, format: ErrorFormat) -> Result<Option<Factory>, CliError> {
    let Some(frontend) = load_policy(policy, format)? else { return Ok(None) };
    let program = Arc::new(frontend.program);
    Ok(Some(match engine {
        EngineKind::Interp => {
            Box::new(move || Ok(Box::new(InterpWorker { program: program.clone() }) as Box<dyn Worker>))
        }
    }))
}

/// One worker for a policy, for commands that evaluate on a single thread.
pub fn make_worker(
    policy: &Path,
    engine: EngineKind,
    format: ErrorFormat,
) -> Result<Option<Box<dyn Worker>>, CliError> {
    match factory(policy, engine, format)? {
        Some(f) => f().map(Some),
        None => Ok(None),
    }
}

/// Streams `input` through workers made by `factory`, writing output lines in input order.
pub fn stream<W: Write + Send>(
    input: Box<dyn Read + Send>,
    mut output: W,
    jobs: usize,
    factory: &(dyn Fn() -> Result<Box<dyn Worker>, CliError> + Sync),
) -> Result<Tally, CliError> {
    let io_err = |source| CliError::Io { path: "<output>".into(), source };
    let mut reader = BufReader::with_capacity(1 << 16, input);
    if jobs <= 1 {
        let mut worker = factory()?;
        let mut total = Tally::default();
        let mut out = String::new();
        let mut next_line = 1;
        while let Some(batch) = read_batch(&mut reader, &mut next_line)? {
            out.clear();
            let t = worker.process(&batch, &mut out);
            total.decided += t.decided;
            total.rejected += t.rejected;
            output.write_all(out.as_bytes()).map_err(io_err)?;
        }
        output.flush().map_err(io_err)?;
        return Ok(total);
    }
    let (batch_tx, batch_rx) = sync_channel::<(u64, Batch)>(jobs * 2);
    let (out_tx, out_rx) = sync_channel::<(u64, String, Tally)>(jobs * 2);
    let batch_rx = Arc::new(Mutex::new(batch_rx));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let batch_rx = batch_rx.clone();
            let out_tx = out_tx.clone();
            scope.spawn(move || {
                let Ok(mut worker) = factory() else { return };
                loop {
                    let next = batch_rx.lock().ok().and_then(|rx| rx.recv().ok());
                    let Some((index, batch)) = next else { break };
                    let mut out = String::new();
                    let tally = worker.process(&batch, &mut out);
                    if out_tx.send((index, out, tally)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(out_tx);
        let writer = scope.spawn(move || write_in_order(out_rx, &mut output));
        let mut next_line = 1;
        let mut index = 0u64;
        let mut read_error = None;
        loop {
            match read_batch(&mut reader, &mut next_line) {
                Ok(Some(batch)) => {
                    if batch_tx.send((index, batch)).is_err() {
                        break;
                    }
                    index += 1;
                }
                Ok(None) => break,
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            }
        }
        drop(batch_tx);
        let written = writer.join().map_err(|_| CliError::Other("the output writer stopped".into()))?;
        match read_error {
            Some(e) => Err(e),
            None => written.map_err(io_err),
        }
    })
}

fn write_in_order<W: Write>(rx: Receiver<(u64, String, Tally)>, output: &mut W) -> std::io::Result<Tally> {
    let mut pending: BTreeMap<u64, (String, Tally)> = BTreeMap::new();
    let mut next = 0u64;
    let mut total = Tally::default();
    for (index, text, tally) in rx {
        pending.insert(index, (text, tally));
        while let Some((text, tally)) = pending.remove(&next) {
            output.write_all(text.as_bytes())?;
            total.decided += tally.decided;
            total.rejected += tally.rejected;
            next += 1;
        }
    }
    output.flush()?;
    Ok(total)
}

/// Reads up to [`BATCH_LINES`] lines; `None` at the end of the input.
fn read_batch(reader: &mut impl BufRead, next_line: &mut u64) -> Result<Option<Batch>, CliError> {
    let mut batch = Batch { first_line: *next_line, lines: Vec::with_capacity(BATCH_LINES) };
    while batch.lines.len() < BATCH_LINES {
        match read_line(reader).map_err(|source| CliError::Io { path: "<input>".into(), source })? {
            Some(line) => batch.lines.push(line),
            None => break,
        }
    }
    *next_line += batch.lines.len() as u64;
    Ok(if batch.lines.is_empty() { None } else { Some(batch) })
}

/// Reads one line without its ending. A line over [`MAX_LINE_BYTES`] is skipped to its end
/// and returned as `Err(length)` so that memory stays bounded.
fn read_line(reader: &mut impl BufRead) -> std::io::Result<Option<Result<Vec<u8>, usize>>> {
    let mut line = Vec::new();
    let mut total = 0usize;
    let mut too_long = false;
    let mut saw_any = false;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        saw_any = true;
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (buf.get(..i).unwrap_or(&[]), Some(i + 1)),
            None => (buf, None),
        };
        total += chunk.len();
        if total > MAX_LINE_BYTES {
            too_long = true;
            line = Vec::new();
        } else {
            line.extend_from_slice(chunk);
        }
        let consumed = done.unwrap_or(buf.len());
        reader.consume(consumed);
        if done.is_some() {
            break;
        }
    }
    if !saw_any {
        return Ok(None);
    }
    if too_long {
        return Ok(Some(Err(total)));
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(Ok(line)))
}

/// The text of a line, or the error that rejects it; `None` for a blank line.
pub fn line_text(raw: &Result<Vec<u8>, usize>) -> Option<Result<&str, RecordError>> {
    match raw {
        Err(len) => Some(Err(RecordError {
            path: String::new(),
            message: format!("line of {len} bytes is longer than the limit of {MAX_LINE_BYTES} bytes"),
        })),
        Ok(bytes) => {
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return None;
            }
            Some(std::str::from_utf8(bytes).map_err(|e| RecordError {
                path: String::new(),
                message: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
            }))
        }
    }
}

/// Writes the error object for a rejected line, naming the record by its key when readable.
pub fn write_rejection(out: &mut String, program: &Program, line: u64, text: Option<&str>, error: &RecordError) {
    let key_name = program.schema.key_name();
    let key_value = match (key_name, text) {
        (Some(name), Some(text)) => json::probe_key(text, name),
        _ => None,
    };
    let key = key_name.zip(key_value.as_deref());
    json::write_error_line(out, line, key, error);
    out.push('\n');
}

/// Evaluates with the reference interpreter.
struct InterpWorker {
    program: Arc<Program>,
}

impl Worker for InterpWorker {
    fn process(&mut self, batch: &Batch, out: &mut String) -> Tally {
        let program = &*self.program;
        let output_ty = Ty::Record(program.schema.output);
        let mut tally = Tally::default();
        for (i, raw) in batch.lines.iter().enumerate() {
            let line = batch.first_line + i as u64;
            let text = match line_text(raw) {
                None => continue,
                Some(Err(e)) => {
                    write_rejection(out, program, line, None, &e);
                    tally.rejected += 1;
                    continue;
                }
                Some(Ok(text)) => text,
            };
            let result = json::decode_input(&program.schema, text).and_then(|record| {
                interp::evaluate(program, &record).map_err(|e| {
                    let site = program.sites.get(e.site as usize);
                    RecordError {
                        path: site.map(|s| s.path.clone()).unwrap_or_default(),
                        message: e.failure.message().to_string(),
                    }
                })
            });
            match result {
                Ok(decision) => {
                    json::write_value(out, &program.schema, &output_ty, &decision);
                    out.push('\n');
                    tally.decided += 1;
                }
                Err(e) => {
                    write_rejection(out, program, line, Some(text), &e);
                    tally.rejected += 1;
                }
            }
        }
        tally
    }
}
