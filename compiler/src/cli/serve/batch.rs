//! `POST /v1/policies/{name}/batch`: NDJSON in, NDJSON out, streamed, with exactly the lines
//! `dexpc eval` writes for the same input (the same workers make them).
//!
//! The body is split into lines as `dexpc eval` splits a file (`\n`, an optional `\r` before
//! it, a last line without one; lines over 16 MiB are rejected without being buffered). Line
//! numbers in error objects count the body's lines from 1, blank lines included, or from
//! `?first_line=N` for a client that sends a file in several requests. Lines are gathered into
//! chunks (up to 2048 lines or 1 MiB, or fewer when no more input is waiting and nothing is
//! being evaluated), which run on blocking threads, up to one per core at once, with one more
//! gathered ahead, and are written back in order as each completes. Memory is bounded by those chunks and a small
//! channel to the connection, whatever the body's size. The whole body is decided by the
//! version that was current when the request arrived.
//!
//! A body that fails while streaming (the client goes away, a chunked body grows past
//! `--max-batch-bytes`) ends the response early: the connection is closed without the final
//! chunk, so the client sees an incomplete response rather than a short but valid one.
//! Clients must read the response while they send (as curl and most HTTP libraries do): the
//! server does not buffer a whole response. The response's head is sent once the body's first
//! bytes have arrived, so a client that sends `Expect: 100-continue` gets `100 Continue` first.

use super::decision_log::{Entry, Sender};
use super::error::{ApiError, Code};
use super::limits;
use super::routes::{check_explain, lookup, parse_query, with_hash, Query};
use super::state::{App, Slot, Version};
use crate::cli::eval::{line_text, Batch, Tally, MAX_LINE_BYTES};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body::{Body as _, Frame};
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::{mpsc, OwnedSemaphorePermit};
use tokio::task::JoinHandle;

/// The most lines in one chunk.
const CHUNK_LINES: usize = 2048;
/// The bytes after which a chunk is closed: about a `dexpc eval` batch, so that the last
/// chunks of a body, decided while a core may wait, are short.
const CHUNK_BYTES: usize = 1 << 20;

/// What one evaluation call produced.
pub struct Evaluated {
    /// One output line per non-blank input line.
    pub out: String,
    /// Records decided and rejected.
    pub tally: Tally,
    /// How long the workers took.
    pub duration: Duration,
}

/// Runs a chunk through a pooled worker of `version`, appending its lines to `out` (an empty
/// buffer, perhaps with capacity from [`Buffers`]).
pub fn evaluate(version: &Version, batch: &Batch, explain: bool, mut out: String) -> Result<Evaluated, ApiError> {
    let mut worker = version.take_worker(explain).map_err(|e| ApiError::new(Code::Internal, e.to_string()))?;
    let started = Instant::now();
    let tally = worker.process(batch, &mut out);
    let duration = started.elapsed();
    version.give_back(worker, explain);
    Ok(Evaluated { out, tally, duration })
}

/// Buffers of `/batch` chunks kept for reuse: the output text of each chunk, given back once the
/// connection has written it, and the input lines of each chunk, given back once they are
/// decided. Either is about a megabyte: allocating it fresh for every chunk costs page faults,
/// the zeroing of new pages and the copies of a growing buffer, often more than the copying of
/// the lines itself.
pub struct Buffers<T>(Mutex<Vec<T>>);

impl<T> Default for Buffers<T> {
    fn default() -> Self {
        Buffers(Mutex::new(Vec::new()))
    }
}

/// Buffers kept for reuse, at most.
const KEPT_BUFFERS: usize = 16;
/// The largest buffer kept for reuse.
const KEPT_BUFFER_BYTES: usize = 16 << 20;

/// A buffer [`Buffers`] can keep: it can be emptied and tells how much it holds allocated.
pub trait Reusable: Default {
    /// Empties it, keeping its allocation.
    fn empty(&mut self);
    /// Bytes it holds allocated.
    fn allocated(&self) -> usize;
}

impl Reusable for String {
    fn empty(&mut self) {
        self.clear();
    }
    fn allocated(&self) -> usize {
        self.capacity()
    }
}

impl Reusable for Batch {
    fn empty(&mut self) {
        self.reset(0);
    }
    fn allocated(&self) -> usize {
        self.capacity_bytes()
    }
}

impl<T: Reusable> Buffers<T> {
    /// An empty buffer, with the allocation of an earlier one when there is one.
    fn take(&self) -> T {
        self.0.lock().ok().and_then(|mut kept| kept.pop()).unwrap_or_default()
    }

    /// Keeps `buffer` for reuse, unless enough are kept or it is too large.
    fn give_back(&self, mut buffer: T) {
        if buffer.allocated() > KEPT_BUFFER_BYTES {
            return;
        }
        buffer.empty();
        if let Ok(mut kept) = self.0.lock() {
            if kept.len() < KEPT_BUFFERS {
                kept.push(buffer);
            }
        }
    }
}

/// A chunk's output on its way to the client; its buffer returns to [`Buffers`] when the
/// connection drops it.
struct Sent {
    text: String,
    app: Arc<App>,
}

impl AsRef<[u8]> for Sent {
    fn as_ref(&self) -> &[u8] {
        self.text.as_bytes()
    }
}

impl Drop for Sent {
    fn drop(&mut self) {
        self.app.outputs.give_back(std::mem::take(&mut self.text));
    }
}

/// The handler.
pub async fn handle(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let (slot, version) = match lookup(&app, &name) {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let admitted = async {
        limits::content_type(&headers, true)?;
        let query = parse_query(&uri, true)?;
        check_explain(&query, &version, &slot.name)?;
        limits::declared_length(&headers, app.config.max_batch_bytes)?;
        let permit = limits::evaluation_slot(&app).await?;
        Ok::<_, ApiError>((query, permit))
    };
    let (query, permit) = match admitted.await {
        Ok(admitted) => admitted,
        Err(e) => return e.with_version(&slot.name, &version.hash).into_response(),
    };
    let (tx, rx) = mpsc::channel(4);
    let mut reader = LineReader::new(body, query.first_line, app.clone());
    // Wait for the body's first bytes before answering: reading the body is what makes hyper
    // send `100 Continue` to a client that asked for it (curl does for bodies over 1 MiB), and
    // once the response's head is out such a client would wait a second before sending.
    reader.prime().await;
    let mut response = Body::new(ChannelBody { rx }).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"));
    let response = with_hash(response, &version);
    tokio::spawn(stream(Job { app, slot, version, query, permit, started }, reader, tx));
    response
}

/// One admitted batch request.
struct Job {
    app: Arc<App>,
    slot: Arc<Slot>,
    version: Arc<Version>,
    query: Query,
    /// The evaluation slot the request was admitted with, held to the end.
    permit: OwnedSemaphorePermit,
    started: Instant,
}

type Chunk = JoinHandle<Result<Evaluated, ApiError>>;

/// Reads chunks, evaluates up to `batch_jobs` at once and sends their output in order. One
/// chunk is read ahead while that many are being evaluated, so that a core freed by a chunk
/// starts the next one at once instead of waiting for its lines to be gathered.
async fn stream(job: Job, mut reader: LineReader, tx: mpsc::Sender<Result<Bytes, std::io::Error>>) {
    let jobs = job.app.config.batch_jobs.max(1);
    let mut inflight: VecDeque<Chunk> = VecDeque::new();
    let mut ready: Option<Batch> = None;
    let mut ended = false;
    let mut failure: Option<String> = None;
    let mut total = Tally::default();
    loop {
        if failure.is_some() {
            ready = None;
        }
        if let Some(batch) = ready.take() {
            // The admission permit covers one chunk; more run at once only on free slots.
            let extra = if inflight.is_empty() {
                Some(None)
            } else if inflight.len() < jobs {
                job.app.evaluations.clone().try_acquire_owned().ok().map(Some)
            } else {
                None
            };
            match extra {
                Some(extra) => inflight.push_back(spawn_chunk(&job, batch, extra)),
                None => ready = Some(batch),
            }
        }
        let idle = inflight.is_empty();
        let read_more = ready.is_none() && !ended && failure.is_none();
        if idle && !read_more {
            break;
        }
        tokio::select! {
            biased;
            joined = front(&mut inflight), if !idle => {
                inflight.pop_front();
                match joined {
                    Ok(Ok(done)) => {
                        total.decided += done.tally.decided;
                        total.rejected += done.tally.rejected;
                        let sent = Sent { text: done.out, app: job.app.clone() };
                        if tx.send(Ok(Bytes::from_owner(sent))).await.is_err() {
                            failure = Some("the client went away".into());
                            break;
                        }
                    }
                    Ok(Err(e)) => {
                        failure = Some(e.message);
                        break;
                    }
                    Err(e) => {
                        failure = Some(format!("an evaluation stopped: {e}"));
                        break;
                    }
                }
            }
            read = reader.next_chunk(idle), if read_more => match read {
                Ok(Some(batch)) => ready = Some(batch),
                Ok(None) => ended = true,
                Err(e) => failure = Some(e),
            },
        }
    }
    job.slot.metrics.count(total.decided, total.rejected);
    if let Some(reason) = failure {
        tracing::warn!(policy = %job.slot.name, reason = %reason, "batch ended early");
        let _ = tx.send(Err(std::io::Error::other(reason))).await;
    }
    job.slot.metrics.batch_latency.observe(job.started.elapsed());
    drop(job.permit);
}

/// Waits for the oldest chunk.
async fn front(inflight: &mut VecDeque<Chunk>) -> Result<Result<Evaluated, ApiError>, tokio::task::JoinError> {
    match inflight.front_mut() {
        Some(chunk) => chunk.await,
        None => std::future::pending().await,
    }
}

fn spawn_chunk(job: &Job, batch: Batch, extra: Option<OwnedSemaphorePermit>) -> Chunk {
    let version = job.version.clone();
    let explain = job.query.explain;
    let log = job.app.log.clone().map(|log| (log, Arc::<str>::from(job.slot.name.as_str())));
    let out = job.app.outputs.take();
    let app = job.app.clone();
    tokio::task::spawn_blocking(move || {
        let done = evaluate(&version, &batch, explain, out);
        drop(extra);
        if let (Ok(done), Some((log, policy))) = (&done, log) {
            log_chunk(&log, policy, &version, &batch, done);
        }
        app.inputs.give_back(batch);
        done
    })
}

/// Hands one decision-log entry per record of a chunk to the log.
fn log_chunk(log: &Sender, policy: Arc<str>, version: &Version, batch: &Batch, done: &Evaluated) {
    let hash: Arc<str> = Arc::from(version.hash.as_str());
    let key_name: Option<Arc<str>> = version.key_name.as_deref().map(Arc::from);
    let at = SystemTime::now();
    let mut outputs = done.out.lines();
    for (_, raw) in batch.lines() {
        let Some(text) = line_text(raw) else { continue };
        let Some(output) = outputs.next() else { break };
        let input = text.map(str::to_owned).unwrap_or_default();
        let decided = done.tally.rejected == 0 || !is_error_line(output, key_name.as_deref());
        let key = key_name.as_deref().and_then(|k| dexp_runtime::json::probe_key(&input, k));
        log.log(Entry {
            at,
            policy: policy.clone(),
            hash: hash.clone(),
            route: "batch",
            key_name: key_name.clone(),
            key,
            input,
            output: output.to_string(),
            decided,
            duration: done.duration,
        });
    }
}

/// True for the error object `dexpc eval` writes: `line`, the key (optional) and `error` with
/// `path` and `message`, nothing else.
fn is_error_line(output: &str, key_name: Option<&str>) -> bool {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(output) else {
        return false;
    };
    let error_ok = map.get("error").and_then(|e| e.as_object()).is_some_and(|e| {
        e.len() == 2 && e.get("path").is_some_and(|p| p.is_string()) && e.get("message").is_some_and(|m| m.is_string())
    });
    error_ok
        && map.get("line").is_some_and(serde_json::Value::is_u64)
        && map.keys().all(|k| k == "line" || k == "error" || Some(k.as_str()) == key_name)
}

/// Splits a request body into chunks of lines, as `dexpc eval` splits a file.
struct LineReader {
    body: Body,
    /// Received bytes not yet split.
    rest: Bytes,
    /// The current line so far.
    carry: Vec<u8>,
    /// The length of the current line once it is over [`MAX_LINE_BYTES`] (its bytes are dropped).
    overlong: Option<usize>,
    /// Lines of the chunk being gathered (kept here, so a cancelled read loses nothing).
    pending: Batch,
    next_line: u64,
    received: u64,
    limit: u64,
    eof: bool,
    /// The server's state, whose kept input buffers the chunks are gathered in.
    app: Arc<App>,
    /// The first frame, read by [`Self::prime`] and not yet used.
    primed: Option<Option<Result<Frame<Bytes>, axum::Error>>>,
}

impl LineReader {
    fn new(body: Body, first_line: u64, app: Arc<App>) -> LineReader {
        LineReader {
            body,
            rest: Bytes::new(),
            carry: Vec::new(),
            overlong: None,
            pending: app.inputs.take(),
            next_line: first_line,
            received: 0,
            limit: app.config.max_batch_bytes,
            eof: false,
            app,
            primed: None,
        }
    }

    /// The next chunk; `None` at the end of the body. With `eager`, returns the lines already
    /// received rather than wait for more.
    async fn next_chunk(&mut self, eager: bool) -> Result<Option<Batch>, String> {
        loop {
            self.split();
            if self.pending.len() >= CHUNK_LINES || self.pending.text_len() >= CHUNK_BYTES {
                return Ok(Some(self.take()));
            }
            if self.eof {
                if !self.carry.is_empty() || self.overlong.is_some() {
                    self.finish_line();
                }
                return Ok(if self.pending.is_empty() { None } else { Some(self.take()) });
            }
            let give_back = eager && !self.pending.is_empty();
            let body = &mut self.body;
            let frame = match self.primed.take() {
                Some(frame) => Some(frame),
                None => {
                    std::future::poll_fn(|cx: &mut Context<'_>| match Pin::new(&mut *body).poll_frame(cx) {
                        Poll::Ready(frame) => Poll::Ready(Some(frame)),
                        Poll::Pending if give_back => Poll::Ready(None),
                        Poll::Pending => Poll::Pending,
                    })
                    .await
                }
            };
            match frame {
                None => return Ok(Some(self.take())),
                Some(None) => self.eof = true,
                Some(Some(Err(e))) => return Err(format!("cannot read the body: {e}")),
                Some(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        self.received += data.len() as u64;
                        if self.received > self.limit {
                            return Err(format!("the body is longer than the limit of {} bytes", self.limit));
                        }
                        self.rest = data;
                    }
                }
            }
        }
    }

    /// Waits for the body's first frame (kept for [`Self::next_chunk`]), its end or its error.
    async fn prime(&mut self) {
        let body = &mut self.body;
        let frame = std::future::poll_fn(|cx: &mut Context<'_>| Pin::new(&mut *body).poll_frame(cx)).await;
        self.primed = Some(frame);
    }

    /// Moves complete lines from `rest` into the chunk, until it is full.
    fn split(&mut self) {
        while self.pending.len() < CHUNK_LINES && self.pending.text_len() < CHUNK_BYTES && !self.rest.is_empty() {
            match memchr::memchr(b'\n', &self.rest) {
                Some(i) => {
                    let part = self.rest.split_to(i + 1);
                    let line = part.get(..i).unwrap_or(&[]);
                    if self.carry.is_empty() && self.overlong.is_none() && line.len() <= MAX_LINE_BYTES {
                        // A line whole in one frame goes straight into the chunk.
                        self.pending.push_line(line.strip_suffix(b"\r").unwrap_or(line));
                    } else {
                        self.append(line);
                        self.finish_line();
                    }
                }
                None => {
                    let part = std::mem::take(&mut self.rest);
                    self.append(&part);
                }
            }
        }
    }

    fn append(&mut self, bytes: &[u8]) {
        match &mut self.overlong {
            Some(len) => *len += bytes.len(),
            None if self.carry.len() + bytes.len() > MAX_LINE_BYTES => {
                self.overlong = Some(self.carry.len() + bytes.len());
                self.carry = Vec::new();
            }
            None => self.carry.extend_from_slice(bytes),
        }
    }

    fn finish_line(&mut self) {
        match self.overlong.take() {
            Some(len) => self.pending.push_overlong(len),
            None => {
                let line = self.carry.strip_suffix(b"\r").unwrap_or(&self.carry);
                self.pending.push_line(line);
                self.carry.clear();
            }
        }
    }

    fn take(&mut self) -> Batch {
        let mut batch = std::mem::replace(&mut self.pending, self.app.inputs.take());
        batch.first_line = self.next_line;
        self.next_line += batch.len() as u64;
        batch
    }
}

/// The response body: chunks from the streaming task; an error ends the response early.
struct ChannelBody {
    rx: mpsc::Receiver<Result<Bytes, std::io::Error>>,
}

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.rx.poll_recv(cx).map(|item| item.map(|chunk| chunk.map(Frame::data)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::{Buffers, KEPT_BUFFERS, KEPT_BUFFER_BYTES};
    use crate::cli::eval::Batch;

    #[test]
    fn input_batches_come_back_empty_with_their_capacity() {
        let batches = Buffers::<Batch>::default();
        let mut used = batches.take();
        used.reset(7);
        used.push_line(b"{}");
        used.push_overlong(20 << 20);
        let capacity = used.capacity_bytes();
        batches.give_back(used);
        let again = batches.take();
        assert!(again.is_empty());
        assert_eq!(again.text_len(), 0);
        assert_eq!(again.capacity_bytes(), capacity);
    }

    #[test]
    fn buffers_come_back_empty_with_their_capacity_and_are_bounded() {
        let buffers = Buffers::<String>::default();
        let mut used = buffers.take();
        used.push_str(&"x".repeat(1000));
        let capacity = used.capacity();
        buffers.give_back(used);
        let again = buffers.take();
        assert!(again.is_empty());
        assert_eq!(again.capacity(), capacity);
        // Too large to keep.
        buffers.give_back(String::with_capacity(KEPT_BUFFER_BYTES + 1));
        assert_eq!(buffers.take().capacity(), 0);
        // At most KEPT_BUFFERS are kept.
        for _ in 0..KEPT_BUFFERS + 3 {
            buffers.give_back(String::with_capacity(8));
        }
        assert_eq!(buffers.0.lock().unwrap().len(), KEPT_BUFFERS);
    }
}
