//! The decision log (`--decision-log FILE`): one NDJSON entry per record decided or rejected,
//! written by a thread of its own so that logging never slows a request.
//!
//! Requests hand entries to a bounded channel with `try_send`; when the writer is behind and
//! the channel is full the entry is dropped and counted (`dexp_decision_log_dropped_total`)
//! instead of making the request wait. The writer formats entries, masks input fields and
//! flushes whenever the channel runs empty.
//!
//! An entry: `timestamp` (RFC 3339, UTC, milliseconds), `policy` (served name), `hash` (the
//! deciding version), `route` (`decide` or `batch`), `key` (the record's key when readable),
//! `outcome` (`decided` or `rejected`), `duration_us` (the evaluation call that decided it: the
//! record for `/decide`, its chunk for `/batch`), `input` (the record as sent, with masked
//! fields replaced by `"<masked>"`; `null` when it is not JSON, since unreadable text cannot be
//! masked), and `decision` (the decision as returned) or `error` (the error line, as
//! `dexpc eval` writes it).

use crate::cli::CliError;
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Entries the channel holds before new ones are dropped.
const CHANNEL_ENTRIES: usize = 16_384;
/// What a masked value becomes.
const MASKED: &str = "<masked>";

/// One record's entry, as a request hands it over.
pub struct Entry {
    /// When the record was decided.
    pub at: SystemTime,
    /// The served policy name.
    pub policy: Arc<str>,
    /// The deciding version's hash.
    pub hash: Arc<str>,
    /// `decide` or `batch`.
    pub route: &'static str,
    /// The input key field's name, for masking the key.
    pub key_name: Option<Arc<str>>,
    /// The record's key, when readable.
    pub key: Option<String>,
    /// The record's text.
    pub input: String,
    /// The output line (a decision or an error object).
    pub output: String,
    /// Whether the output is a decision.
    pub decided: bool,
    /// How long the evaluation call took.
    pub duration: Duration,
}

enum Message {
    Entry(Box<Entry>),
    Close,
}

/// The log's writer thread.
pub struct DecisionLog {
    sender: Sender,
    thread: std::thread::JoinHandle<()>,
}

/// A cheap handle that requests log through.
#[derive(Clone)]
pub struct Sender {
    tx: SyncSender<Message>,
    /// Entries written.
    pub written: Arc<AtomicU64>,
    /// Entries dropped.
    pub dropped: Arc<AtomicU64>,
}

impl Sender {
    /// Hands an entry to the writer, or drops and counts it if the writer is behind.
    pub fn log(&self, entry: Entry) {
        match self.tx.try_send(Message::Entry(Box::new(entry))) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl DecisionLog {
    /// Opens (appending to) `path` and starts the writer.
    pub fn open(path: &Path, masks: &[String]) -> Result<DecisionLog, CliError> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| CliError::Io { path: path.display().to_string(), source })?;
        let masks: Vec<Vec<String>> = masks
            .iter()
            .map(|m| m.split('.').map(str::to_owned).collect())
            .filter(|m: &Vec<String>| !m.is_empty())
            .collect();
        let (tx, rx) = sync_channel(CHANNEL_ENTRIES);
        let written = Arc::new(AtomicU64::new(0));
        let counter = written.clone();
        let thread = std::thread::Builder::new()
            .name("dexp-decision-log".into())
            .spawn(move || write_entries(&rx, std::io::BufWriter::with_capacity(1 << 16, file), &masks, &counter))
            .map_err(|e| CliError::Other(format!("cannot start the decision log writer: {e}")))?;
        Ok(DecisionLog { sender: Sender { tx, written, dropped: Arc::new(AtomicU64::new(0)) }, thread })
    }

    /// A handle for requests.
    pub fn sender(&self) -> Sender {
        self.sender.clone()
    }

    /// Writes what is queued, flushes and stops the writer.
    pub fn close(self) {
        let _ = self.sender.tx.send(Message::Close);
        let _ = self.thread.join();
    }
}

fn write_entries(rx: &Receiver<Message>, mut out: impl Write, masks: &[Vec<String>], written: &AtomicU64) {
    let mut line = String::new();
    loop {
        // Block only when nothing is queued, after flushing what was written.
        let message = match rx.try_recv() {
            Ok(m) => m,
            Err(_) => {
                if let Err(e) = out.flush() {
                    tracing::error!(error = %e, "cannot write the decision log");
                }
                match rx.recv() {
                    Ok(m) => m,
                    Err(_) => return,
                }
            }
        };
        let entry = match message {
            Message::Entry(entry) => entry,
            Message::Close => {
                let _ = out.flush();
                return;
            }
        };
        line.clear();
        format_entry(&mut line, &entry, masks);
        line.push('\n');
        match out.write_all(line.as_bytes()) {
            Ok(()) => {
                written.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => tracing::error!(error = %e, "cannot write the decision log"),
        }
    }
}

/// Formats one entry (without the line break).
pub fn format_entry(out: &mut String, entry: &Entry, masks: &[Vec<String>]) {
    let mut input: Value = serde_json::from_str(&entry.input).unwrap_or(Value::Null);
    for mask in masks {
        mask_path(&mut input, mask);
    }
    let key_masked = entry
        .key_name
        .as_deref()
        .is_some_and(|k| masks.iter().any(|m| m.len() == 1 && m.first().is_some_and(|f| f == k)));
    let key = match &entry.key {
        Some(_) if key_masked => Value::String(MASKED.into()),
        Some(key) => Value::String(key.clone()),
        None => Value::Null,
    };
    let output: Value = serde_json::from_str(&entry.output).unwrap_or(Value::Null);
    let mut object = serde_json::Map::new();
    object.insert("timestamp".into(), Value::String(rfc3339(entry.at)));
    object.insert("policy".into(), Value::String(entry.policy.to_string()));
    object.insert("hash".into(), Value::String(entry.hash.to_string()));
    object.insert("route".into(), Value::String(entry.route.into()));
    object.insert("key".into(), key);
    object.insert("outcome".into(), Value::String(if entry.decided { "decided" } else { "rejected" }.into()));
    object.insert("duration_us".into(), Value::from(u64::try_from(entry.duration.as_micros()).unwrap_or(u64::MAX)));
    object.insert("input".into(), input);
    object.insert(if entry.decided { "decision" } else { "error" }.into(), output);
    out.push_str(&Value::Object(object).to_string());
}

/// Replaces the value at `path` (through every element of lists) with [`MASKED`].
fn mask_path(value: &mut Value, path: &[String]) {
    let Some((first, rest)) = path.split_first() else { return };
    match value {
        Value::Array(items) => items.iter_mut().for_each(|item| mask_path(item, path)),
        Value::Object(map) => {
            if let Some(field) = map.get_mut(first.as_str()) {
                if rest.is_empty() {
                    *field = Value::String(MASKED.into());
                } else {
                    mask_path(field, rest);
                }
            }
        }
        _ => {}
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn rfc3339(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = i32::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}.{:03}Z",
        dexp_runtime::date::format(days),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn masks_nested_fields_through_lists_and_the_key() {
        let entry = Entry {
            at: UNIX_EPOCH + Duration::from_millis(86_400_000 + 3_723_004),
            policy: "p".into(),
            hash: "ab".into(),
            route: "decide",
            key_name: Some("id".into()),
            key: Some("t-1".into()),
            input: r#"{"id":"t-1","users":{"total":5,"x":1},"servers":[{"id":"a"},{"id":"b"}]}"#.into(),
            output: r#"{"ok":true}"#.into(),
            decided: true,
            duration: Duration::from_micros(12),
        };
        let masks = vec![
            vec!["users".to_string(), "total".to_string()],
            vec!["servers".into(), "id".into()],
            vec!["id".into()],
        ];
        let mut line = String::new();
        format_entry(&mut line, &entry, &masks);
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["timestamp"], "1970-01-02T01:02:03.004Z");
        assert_eq!(v["key"], MASKED);
        assert_eq!(v["input"]["id"], MASKED);
        assert_eq!(v["input"]["users"]["total"], MASKED);
        assert_eq!(v["input"]["users"]["x"], 1);
        assert_eq!(v["input"]["servers"][1]["id"], MASKED);
        assert_eq!(v["decision"]["ok"], true);
        assert_eq!(v["duration_us"], 12);
    }
}
