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
use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};

/// Bytes of input a batch gathers before it is cut at the end of a line: enough lines (about a
/// thousand tenants) that handing a batch to a worker costs nothing next to deciding it, few
/// enough that the batches of a large file share out evenly between workers.
const BATCH_BYTES: usize = 1 << 20;
/// The largest single input line accepted; longer lines are rejected, not buffered whole.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// A run of consecutive input lines, held as one block of text and where each line lies in
/// it: the reader fills the block with one read and never copies a line on its own, and the
/// worker hands the lines to the evaluator where they lie.
pub struct Batch {
    /// 1-based number of the first line.
    pub first_line: u64,
    text: Vec<u8>,
    spans: Vec<Span>,
}

impl Default for Batch {
    /// An empty batch starting at line 0.
    fn default() -> Batch {
        Batch::new(0)
    }
}

/// Where a line of a [`Batch`] lies in its text, or the length of a line over the size limit
/// (whose bytes were dropped).
#[derive(Clone, Copy)]
enum Span {
    Text { start: usize, end: usize },
    Overlong(usize),
}

/// One input line as read: its bytes without the line ending, or `Err(length)` for a line over
/// [`MAX_LINE_BYTES`].
pub type RawLine<'a> = Result<&'a [u8], usize>;

impl Batch {
    /// An empty batch whose first line will be number `first_line`.
    pub fn new(first_line: u64) -> Batch {
        Batch { first_line, text: Vec::new(), spans: Vec::new() }
    }

    /// Empties the batch for reuse, keeping its capacity; its first line will be `first_line`.
    pub fn reset(&mut self, first_line: u64) {
        self.first_line = first_line;
        self.text.clear();
        self.spans.clear();
    }

    /// Bytes the batch holds allocated, for its text and its line positions.
    pub fn capacity_bytes(&self) -> usize {
        self.text.capacity() + self.spans.capacity() * std::mem::size_of::<Span>()
    }

    /// Appends a line of these bytes, as they are (a line ending is the caller's to remove).
    pub fn push_line(&mut self, bytes: &[u8]) {
        let start = self.text.len();
        self.text.extend_from_slice(bytes);
        self.spans.push(Span::Text { start, end: self.text.len() });
    }

    /// Appends a line of `len` bytes that was over [`MAX_LINE_BYTES`] and so not kept.
    pub fn push_overlong(&mut self, len: usize) {
        self.spans.push(Span::Overlong(len));
    }

    /// How many lines the batch holds.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether the batch holds no line.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// How many bytes its lines hold.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// Each line with its 1-based number.
    pub fn lines(&self) -> impl Iterator<Item = (u64, RawLine<'_>)> + '_ {
        self.spans.iter().zip(self.first_line..).map(|(span, number)| {
            let raw = match *span {
                Span::Text { start, end } => Ok(self.text.get(start..end).unwrap_or_default()),
                Span::Overlong(len) => Err(len),
            };
            (number, raw)
        })
    }
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
///
/// With more than one job, one thread reads batches, `jobs` workers decide them, and another
/// thread writes their output in order. Batch texts and output buffers go back to the threads
/// that fill them, so a long run reuses the same few buffers instead of asking the allocator
/// (and the kernel) for fresh ones per batch.
pub fn stream<W: Write + Send>(
    input: Box<dyn Read + Send>,
    mut output: W,
    jobs: usize,
    factory: &(dyn Fn() -> Result<Box<dyn Worker>, CliError> + Sync),
) -> Result<Tally, CliError> {
    let io_err = |source| CliError::Io { path: "<output>".into(), source };
    let read_err = |source| CliError::Io { path: "<input>".into(), source };
    let mut reader = LineBlocks::new(input);
    if jobs <= 1 {
        let mut worker = factory()?;
        let mut total = Tally::default();
        let mut out = String::new();
        while let Some(batch) = reader.next_batch().map_err(read_err)? {
            out.clear();
            let t = worker.process(&batch, &mut out);
            keep_text(&reader.spare, batch);
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
    let spare_out: Arc<Mutex<Vec<String>>> = Arc::default();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let batch_rx = batch_rx.clone();
            let out_tx = out_tx.clone();
            let (spare_in, spare_out) = (reader.spare.clone(), spare_out.clone());
            scope.spawn(move || {
                let Ok(mut worker) = factory() else { return };
                loop {
                    let next = batch_rx.lock().ok().and_then(|rx| rx.recv().ok());
                    let Some((index, batch)) = next else { break };
                    let mut out = spare_out.lock().ok().and_then(|mut spare| spare.pop()).unwrap_or_default();
                    let tally = worker.process(&batch, &mut out);
                    keep_text(&spare_in, batch);
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
        let writer = scope.spawn(move || write_in_order(out_rx, &mut output, &spare_out));
        let mut index = 0u64;
        let mut read_error = None;
        loop {
            match reader.next_batch() {
                Ok(Some(batch)) => {
                    if batch_tx.send((index, batch)).is_err() {
                        break;
                    }
                    index += 1;
                }
                Ok(None) => break,
                Err(e) => {
                    read_error = Some(read_err(e));
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

/// Writes the workers' output in input order; each written buffer goes back to `spare`,
/// emptied, for a worker's next batch.
fn write_in_order<W: Write>(
    rx: Receiver<(u64, String, Tally)>,
    output: &mut W,
    spare: &Mutex<Vec<String>>,
) -> std::io::Result<Tally> {
    let mut pending: BTreeMap<u64, (String, Tally)> = BTreeMap::new();
    let mut next = 0u64;
    let mut total = Tally::default();
    for (index, text, tally) in rx {
        pending.insert(index, (text, tally));
        while let Some((mut text, tally)) = pending.remove(&next) {
            output.write_all(text.as_bytes())?;
            total.decided += tally.decided;
            total.rejected += tally.rejected;
            next += 1;
            text.clear();
            if let Ok(mut spare) = spare.lock() {
                if spare.len() < SPARE_TEXTS && text.capacity() <= 4 * BATCH_BYTES {
                    spare.push(text);
                }
            }
        }
    }
    output.flush()?;
    Ok(total)
}

/// Cuts an input into [`Batch`]es: reads blocks of about [`BATCH_BYTES`] straight into a
/// batch's text, finds the lines in them, and carries a line cut by the end of a block over to
/// the next batch. A line over the size limit is counted to its end and not kept, so memory
/// stays bounded by a batch plus one line of the limit.
struct LineBlocks<R> {
    input: R,
    /// The start of a line that the last batch's block cut off.
    carry: Vec<u8>,
    eof: bool,
    next_line: u64,
    /// Bytes a batch gathers before it is cut ([`BATCH_BYTES`], smaller in tests).
    target: usize,
    /// The longest line kept ([`MAX_LINE_BYTES`], smaller in tests).
    limit: usize,
    /// Texts of batches already decided, to be filled again.
    spare: Arc<Mutex<Vec<Vec<u8>>>>,
}

/// How many emptied batch texts are kept for reuse.
const SPARE_TEXTS: usize = 16;

impl<R: Read> LineBlocks<R> {
    fn new(input: R) -> LineBlocks<R> {
        LineBlocks {
            input,
            carry: Vec::new(),
            eof: false,
            next_line: 1,
            target: BATCH_BYTES,
            limit: MAX_LINE_BYTES,
            spare: Arc::default(),
        }
    }

    /// The next batch of lines; `None` at the end of the input.
    fn next_batch(&mut self) -> std::io::Result<Option<Batch>> {
        let mut text = self.spare.lock().ok().and_then(|mut spare| spare.pop()).unwrap_or_default();
        text.append(&mut self.carry);
        let mut spans = Vec::with_capacity(self.target / 512);
        // `start` is where the open (not yet ended) line starts; `scanned` how far the text has
        // been searched for line ends.
        let (mut start, mut scanned) = (0, 0);
        loop {
            for i in memchr::memchr_iter(b'\n', text.get(scanned..).unwrap_or_default()) {
                let end = scanned + i;
                // A long line can end in the block that takes it past the limit.
                spans.push(if end - start > self.limit {
                    Span::Overlong(end - start)
                } else {
                    line_span(&text, start, end)
                });
                start = end + 1;
            }
            scanned = text.len();
            if text.len() - start > self.limit {
                let len = self.skip_overlong(text.len() - start)?;
                text.truncate(start);
                spans.push(Span::Overlong(len));
                break;
            }
            if self.eof {
                if start < text.len() {
                    spans.push(line_span(&text, start, text.len()));
                    start = text.len();
                }
                break;
            }
            if start > 0 && text.len() >= self.target {
                break;
            }
            let want = self.target.saturating_sub(text.len()).max(64 << 10);
            if (&mut self.input).take(want as u64).read_to_end(&mut text)? == 0 {
                self.eof = true;
            }
        }
        self.carry.extend_from_slice(text.get(start..).unwrap_or_default());
        text.truncate(start);
        if spans.is_empty() {
            return Ok(None);
        }
        let batch = Batch { first_line: self.next_line, text, spans };
        self.next_line += batch.len() as u64;
        Ok(Some(batch))
    }

    /// Reads past the rest of a line over the limit, of which `seen` bytes were read; returns
    /// its whole length and keeps what follows its end for the next batch.
    fn skip_overlong(&mut self, mut seen: usize) -> std::io::Result<usize> {
        let mut chunk = Vec::with_capacity(64 << 10);
        loop {
            chunk.clear();
            if (&mut self.input).take(64 << 10).read_to_end(&mut chunk)? == 0 {
                self.eof = true;
                return Ok(seen);
            }
            match memchr::memchr(b'\n', &chunk) {
                Some(i) => {
                    self.carry.extend_from_slice(chunk.get(i + 1..).unwrap_or_default());
                    return Ok(seen + i);
                }
                None => seen += chunk.len(),
            }
        }
    }
}

/// Keeps a decided batch's text for a later batch.
fn keep_text(spare: &Mutex<Vec<Vec<u8>>>, batch: Batch) {
    let mut text = batch.text;
    text.clear();
    if let Ok(mut spare) = spare.lock() {
        // A text grown by a very long line is let go rather than kept at that size.
        if spare.len() < SPARE_TEXTS && text.capacity() <= 4 * BATCH_BYTES {
            spare.push(text);
        }
    }
}

/// The line of `text[start..end]`, without a `\r` that ends it.
fn line_span(text: &[u8], start: usize, end: usize) -> Span {
    let end = if end > start && text.get(end - 1) == Some(&b'\r') { end - 1 } else { end };
    Span::Text { start, end }
}

/// The text of a line, or the error that rejects it; `None` for a blank line.
pub fn line_text(raw: RawLine<'_>) -> Option<Result<&str, RecordError>> {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    /// A reader that gives at most `step` bytes a call, as a pipe may.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        step: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    /// Every line the reader cuts, numbered, as owned values.
    fn cut(data: &[u8], step: usize, target: usize, limit: usize) -> Vec<(u64, Result<Vec<u8>, usize>)> {
        let mut blocks = LineBlocks::new(Trickle { data: data.to_vec(), at: 0, step });
        blocks.target = target;
        blocks.limit = limit;
        let mut lines = Vec::new();
        while let Some(batch) = blocks.next_batch().unwrap() {
            assert!(!batch.is_empty());
            lines.extend(batch.lines().map(|(n, raw)| (n, raw.map(<[u8]>::to_vec))));
            keep_text(&blocks.spare, batch);
        }
        lines
    }

    /// What `dexpc eval` has always read: a line per `\n`, the last one even without it, one
    /// `\r` before the end dropped, a line over the limit (its `\r` counted) reported by length.
    fn expected(data: &[u8], limit: usize) -> Vec<(u64, Result<Vec<u8>, usize>)> {
        let mut pieces: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
        if data.is_empty() || data.ends_with(b"\n") {
            pieces.pop();
        }
        (1..)
            .zip(pieces)
            .map(|(n, piece)| match piece.len() > limit {
                true => (n, Err(piece.len())),
                false => (n, Ok(piece.strip_suffix(b"\r").unwrap_or(piece).to_vec())),
            })
            .collect()
    }

    #[test]
    fn lines_are_cut_as_a_line_reader_cuts_them_whatever_the_reads_and_blocks() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for round in 0..400 {
            let len = next(120) as usize;
            let data: Vec<u8> = (0..len).map(|_| [b'a', b'b', b'\n', b'\r', b' '][next(5) as usize]).collect();
            let (step, target, limit) = (1 + next(9) as usize, 1 + next(40) as usize, 1 + next(30) as usize);
            assert_eq!(
                cut(&data, step, target, limit),
                expected(&data, limit),
                "round {round}: {:?} read {step} at a time, blocks of {target}, limit {limit}",
                String::from_utf8_lossy(&data)
            );
        }
    }

    #[test]
    fn edges_of_the_input() {
        assert!(cut(b"", 4, 16, 100).is_empty());
        assert_eq!(cut(b"\n", 4, 16, 100), vec![(1, Ok(vec![]))]);
        assert_eq!(
            cut(b"a\r\n\r\nb", 1, 1, 100),
            vec![(1, Ok(b"a".to_vec())), (2, Ok(vec![])), (3, Ok(b"b".to_vec()))]
        );
        // A line of exactly the limit is kept; one byte more is not, and the next line is read.
        assert_eq!(cut(b"0123456789\n", 3, 4, 10), vec![(1, Ok(b"0123456789".to_vec()))]);
        assert_eq!(cut(b"0123456789x\nok", 3, 4, 10), vec![(1, Err(11)), (2, Ok(b"ok".to_vec()))]);
        // An overlong last line without a line end.
        assert_eq!(cut(b"ok\n0123456789xyz", 64, 4, 10), vec![(1, Ok(b"ok".to_vec())), (2, Err(13))]);
    }

    #[test]
    fn an_overlong_line_is_counted_without_being_kept() {
        let mut data = vec![b'x'; 1 << 20];
        data.extend_from_slice(b"\n{}\n");
        let mut blocks = LineBlocks::new(Trickle { data, at: 0, step: 1 << 16 });
        blocks.limit = 1000;
        let batch = blocks.next_batch().unwrap().unwrap();
        assert_eq!(
            batch.lines().map(|(n, raw)| (n, raw.map(<[u8]>::to_vec))).collect::<Vec<_>>(),
            vec![(1, Err(1 << 20))]
        );
        assert!(batch.text_len() < 2000 + (64 << 10), "the line's bytes were kept: {}", batch.text_len());
        let next = blocks.next_batch().unwrap().unwrap();
        assert_eq!(
            next.lines().map(|(n, raw)| (n, raw.map(<[u8]>::to_vec))).collect::<Vec<_>>(),
            vec![(2, Ok(b"{}".to_vec()))]
        );
        assert!(blocks.next_batch().unwrap().is_none());
    }
}
