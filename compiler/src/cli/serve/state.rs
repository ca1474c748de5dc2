//! What the server shares between requests: the configuration, one [`Slot`] per served policy
//! holding its current [`Version`], the evaluation slots, the metrics and the decision log.
//!
//! A request takes the slot's current version once (`load_full`, an `Arc`) and decides with it
//! to the end, so a reload that swaps the slot meanwhile never changes a decision in flight;
//! the old version (and its workers) is freed when its last request ends.

use super::batch::Buffers;
use super::decision_log::DecisionLog;
use super::metrics::{Metrics, PolicyMetrics};
use super::{auth, ServeArgs};
use crate::cli::workers::{wasm_worker, Worker};
use crate::cli::CliError;
use arc_swap::ArcSwapOption;
use axum::http::HeaderValue;
use dexp_compiler::ir::Program;
use dexp_runtime::engine::{Interrupt, Limits, Policy, Runtime};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// The server's settings, fixed at start.
pub struct Config {
    /// `(name, path)` of each served policy.
    pub policies: Vec<(String, PathBuf)>,
    /// The largest `/decide` body.
    pub max_body_bytes: usize,
    /// The largest declared `/batch` body.
    pub max_batch_bytes: u64,
    /// Evaluations at once.
    pub max_concurrent: usize,
    /// How long a request waits for an evaluation slot.
    pub queue_timeout: Duration,
    /// How often files are polled; zero for never.
    pub watch_interval: Duration,
    /// The SHA-256 of the bearer token, when one is required.
    pub token: Option<auth::Token>,
    /// The runtime's limits.
    pub limits: Limits,
    /// Chunks of one `/batch` evaluated at once, at most.
    pub batch_jobs: usize,
}

impl Config {
    /// Checks the command-line options.
    pub fn from_args(args: &ServeArgs, cores: usize) -> Result<Config, CliError> {
        let mut policies: Vec<(String, PathBuf)> = Vec::new();
        for spec in &args.policies {
            let (name, path) = match spec.split_once('=') {
                Some((name, path)) => (name.to_string(), PathBuf::from(path)),
                None => {
                    let path = PathBuf::from(spec);
                    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                    (stem, path)
                }
            };
            let valid = !name.is_empty()
                && name.len() <= 128
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
            if !valid {
                return Err(CliError::Other(format!(
                    "`{name}` cannot be a policy name: use letters, digits, `_`, `-` and `.` (write NAME=PATH)"
                )));
            }
            if policies.iter().any(|(n, _)| *n == name) {
                return Err(CliError::Other(format!("two policies are named `{name}`: write NAME=PATH for one")));
            }
            policies.push((name, path));
        }
        let interrupt = match args.fuel {
            Some(per_record) => Interrupt::Fuel { per_record },
            None => Interrupt::Deadline(Duration::from_millis(args.deadline_ms.max(1))),
        };
        let limits = Limits { interrupt, ..Limits::default() };
        let token = match &args.token_file {
            Some(path) => Some(auth::Token::read(path)?),
            None => None,
        };
        let max_concurrent = args.max_concurrent.unwrap_or(cores * 2).max(1);
        Ok(Config {
            policies,
            max_body_bytes: args.max_body_bytes,
            max_batch_bytes: args.max_batch_bytes,
            max_concurrent,
            queue_timeout: Duration::from_millis(args.queue_timeout_ms),
            watch_interval: Duration::from_millis(args.watch_interval_ms),
            token,
            limits,
            batch_jobs: cores.clamp(1, max_concurrent),
        })
    }
}

/// The whole server state, shared by every request.
pub struct App {
    /// The settings.
    pub config: Config,
    /// The wasmtime runtime every version is loaded into.
    pub runtime: Runtime,
    slots: Vec<Arc<Slot>>,
    by_name: BTreeMap<String, usize>,
    /// Evaluation slots: each running evaluation holds a permit.
    pub evaluations: Arc<tokio::sync::Semaphore>,
    /// Counters and histograms.
    pub metrics: Metrics,
    decision_log: Mutex<Option<DecisionLog>>,
    /// A sender to the decision log, for requests (cheap to use).
    pub log: Option<super::decision_log::Sender>,
    /// Output buffers of `/batch` chunks, reused.
    pub outputs: Buffers<String>,
    /// Input buffers of `/batch` chunks, reused.
    pub inputs: Buffers<crate::cli::eval::Batch>,
}

impl App {
    /// The state for `config`, with no version loaded yet.
    pub fn new(config: Config, log: Option<DecisionLog>) -> Result<App, CliError> {
        let runtime = Runtime::new(config.limits.clone())
            .map_err(|e| CliError::Other(format!("cannot start the runtime: {e}")))?;
        let metrics = Metrics::default();
        let slots: Vec<Arc<Slot>> = config
            .policies
            .iter()
            .map(|(name, path)| {
                Arc::new(Slot {
                    name: name.clone(),
                    path: path.clone(),
                    current: ArcSwapOption::empty(),
                    watch: tokio::sync::Mutex::new(WatchState::default()),
                    metrics: metrics.policy(name),
                })
            })
            .collect();
        let by_name = slots.iter().enumerate().map(|(i, s)| (s.name.clone(), i)).collect();
        let evaluations = Arc::new(tokio::sync::Semaphore::new(config.max_concurrent));
        let sender = log.as_ref().map(DecisionLog::sender);
        Ok(App {
            config,
            runtime,
            slots,
            by_name,
            evaluations,
            metrics,
            decision_log: Mutex::new(log),
            log: sender,
            outputs: Buffers::default(),
            inputs: Buffers::default(),
        })
    }

    /// Every served policy, in command-line order.
    pub fn slots(&self) -> &[Arc<Slot>] {
        &self.slots
    }

    /// The policy served under `name`.
    pub fn slot(&self, name: &str) -> Option<&Arc<Slot>> {
        self.by_name.get(name).and_then(|&i| self.slots.get(i))
    }

    /// True once every policy has a version.
    pub fn ready(&self) -> bool {
        self.slots.iter().all(|s| s.current.load().is_some())
    }

    /// Flushes and closes the decision log (at shutdown).
    pub fn close_decision_log(&self) {
        let log = self.decision_log.lock().ok().and_then(|mut l| l.take());
        if let Some(log) = log {
            log.close();
        }
    }
}

/// One served policy: its file and the version that answers now.
pub struct Slot {
    /// The name it is served under.
    pub name: String,
    /// Its file.
    pub path: PathBuf,
    /// The version answering requests; `None` until one loads.
    pub current: ArcSwapOption<Version>,
    /// What the watcher last saw; the lock also serialises reloads of this policy.
    pub watch: tokio::sync::Mutex<WatchState>,
    /// This policy's metrics.
    pub metrics: Arc<PolicyMetrics>,
}

/// What the reloader knows about a policy file.
#[derive(Default)]
pub struct WatchState {
    /// Modification time, size and inode when last read.
    pub stamp: Option<(Option<SystemTime>, u64, u64)>,
    /// The SHA-256 of the contents last tried, and the error if they were refused.
    pub tried: Option<([u8; 32], Option<String>)>,
}

/// One loaded version of a policy: immutable, shared by the requests that started on it.
pub struct Version {
    /// The policy name the source declares.
    pub policy: String,
    /// The version the source declares.
    pub version: String,
    /// The source hash from the module's metadata: names the version in every response.
    pub hash: String,
    /// The hash as the value of the `dexp-policy-hash` header, made once (`None` only if the
    /// hash could not be a header value, which a hex digest always can).
    pub hash_header: Option<HeaderValue>,
    /// When this version started serving.
    pub loaded_at: SystemTime,
    /// The compiled policy.
    pub compiled: Policy,
    /// The checked program, for explanations (only for `.dexp` sources).
    pub program: Option<Arc<Program>>,
    /// The input and output types as JSON, for `GET /v1/policies/{name}`.
    pub schema: serde_json::Value,
    /// The name of the input's key field.
    pub key_name: Option<String>,
    plain: Mutex<Vec<Box<dyn Worker>>>,
    explaining: Mutex<Vec<Box<dyn Worker>>>,
}

/// Idle workers a version keeps per kind; more are made when needed and dropped after.
const POOLED_WORKERS: usize = 64;

impl Version {
    /// A version of a loaded policy.
    pub fn new(compiled: Policy, program: Option<Arc<Program>>) -> Version {
        let metadata = compiled.metadata();
        let schema = serde_json::to_value(compiled.schema()).unwrap_or(serde_json::Value::Null);
        Version {
            policy: metadata.policy.clone(),
            version: metadata.version.clone(),
            hash: metadata.source_hash.clone(),
            hash_header: HeaderValue::from_str(&metadata.source_hash).ok(),
            loaded_at: SystemTime::now(),
            key_name: compiled.schema().key_name().map(str::to_owned),
            schema,
            compiled,
            program,
            plain: Mutex::new(Vec::new()),
            explaining: Mutex::new(Vec::new()),
        }
    }

    /// A worker from the pool (or a new one), explaining decisions when `explain`. Callers
    /// give it back with [`Self::give_back`].
    pub fn take_worker(&self, explain: bool) -> Result<Box<dyn Worker>, CliError> {
        let pool = if explain { &self.explaining } else { &self.plain };
        if let Some(worker) = pool.lock().ok().and_then(|mut p| p.pop()) {
            return Ok(worker);
        }
        let program = if explain { self.program.clone() } else { None };
        wasm_worker(&self.compiled, program)
    }

    /// Returns a worker to the pool.
    pub fn give_back(&self, worker: Box<dyn Worker>, explain: bool) {
        let pool = if explain { &self.explaining } else { &self.plain };
        if let Ok(mut pool) = pool.lock() {
            if pool.len() < POOLED_WORKERS {
                pool.push(worker);
            }
        }
    }
}
