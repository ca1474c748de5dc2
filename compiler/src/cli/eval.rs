//! `dexpc eval POLICY [INPUT]`: stream NDJSON records through a policy.
//!
//! Input is read in batches of lines; workers decide batches in parallel and a writer puts
//! their output back in input order. Channels are bounded, so memory stays constant whatever
//! the input size. Every non-blank input line gets exactly one output line: the decision, or
//! an error object naming the line, the record's key when readable, and the failing path.

use super::workers::{Options, Worker};
use super::CliError;
use dexp_runtime::json::RecordError;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
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

/// Runs the `eval` command.
pub fn run(
    policy: &Path,
    input: Option<&Path>,
    output: Option<&Path>,
    options: Options,
    jobs: Option<usize>,
) -> Result<ExitCode, CliError> {
    let Some(loaded) = super::workers::load(policy, options)? else { return Ok(ExitCode::from(1)) };
    let (reader, progress) = open_input(input)?;
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)).max(1);
    let sink: Box<dyn Write + Send> = match output.filter(|p| p.as_os_str() != "-") {
        Some(p) => {
            Box::new(std::fs::File::create(p).map_err(|source| CliError::Io { path: p.display().to_string(), source })?)
        }
        None => Box::new(std::io::stdout()),
    };
    let tally = stream(reader, std::io::BufWriter::with_capacity(1 << 16, sink), jobs, &loaded.factory)?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    eprintln!("{} record(s): {} decided, {} rejected", tally.decided + tally.rejected, tally.decided, tally.rejected);
    Ok(if tally.rejected == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Opens the input (a file, or standard input for `None` or `-`), with a progress bar over it
/// when a person watches standard error and the input has a known size.
pub fn open_input(input: Option<&Path>) -> Result<(Box<dyn Read + Send>, Option<indicatif::ProgressBar>), CliError> {
    let (reader, size): (Box<dyn Read + Send>, Option<u64>) = match input {
        None => (Box::new(std::io::stdin()), None),
        Some(p) if p.as_os_str() == "-" => (Box::new(std::io::stdin()), None),
        Some(p) => {
            let file =
                std::fs::File::open(p).map_err(|source| CliError::Io { path: p.display().to_string(), source })?;
            let size = file.metadata().ok().map(|m| m.len());
            (Box::new(file), size)
        }
    };
    // A progress bar only when a person watches and the input has a known size.
    let progress = size.filter(|_| std::io::stderr().is_terminal()).map(progress_bar);
    let reader: Box<dyn Read + Send> = match &progress {
        Some(bar) => Box::new(bar.wrap_read(reader)),
        None => reader,
    };
    Ok((reader, progress))
}

fn progress_bar(bytes: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(bytes);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
    {
        bar.set_style(style);
    }
    bar
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
                // Each batch's output goes to the writer; the next one starts at the size the
                // last one reached rather than growing from nothing.
                let mut capacity = 0;
                loop {
                    let next = batch_rx.lock().ok().and_then(|rx| rx.recv().ok());
                    let Some((index, batch)) = next else { break };
                    let mut out = String::with_capacity(capacity);
                    let tally = worker.process(&batch, &mut out);
                    capacity = capacity.max(out.len());
                    if out_tx.send((index, out, tally)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(out_tx);
        // Only the workers hold the queue of batches: when they stop (the output failed), reading
        // stops too instead of waiting forever for room in the queue.
        drop(batch_rx);
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
        let (chunk, done) = match memchr::memchr(b'\n', buf) {
            Some(i) => (buf.get(..i).unwrap_or(&[]), Some(i + 1)),
            None => (buf, None),
        };
        total += chunk.len();
        if total > MAX_LINE_BYTES {
            too_long = true;
            line = Vec::new();
        } else if line.is_empty() {
            // Most lines are whole in the buffer: one allocation of their exact size, not a
            // vector grown by doubling.
            line = chunk.to_vec();
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
            if dexp_runtime::json::is_blank(bytes) {
                return None;
            }
            // SIMD validation first; std's, which says where the text stops being UTF-8, only
            // for a line that is not.
            Some(match simdutf8::basic::from_utf8(bytes) {
                Ok(text) => Ok(text),
                Err(_) => std::str::from_utf8(bytes).map_err(|e| dexp_runtime::json::invalid_utf8(e.valid_up_to())),
            })
        }
    }
}
