//! Loading policy modules into wasmtime and evaluating batches of records against them.
//!
//! A [`Runtime`] owns one wasmtime `Engine` configured with the [`Limits`]; [`Runtime::load`]
//! (or [`Policy::load`], on a process-wide runtime with the default limits) checks an untrusted
//! module and compiles it once into a [`Policy`], which is cheap to clone and shared by all
//! threads. Each worker thread makes its own [`Evaluator`] (its own wasmtime `Store` and
//! reusable buffers) from the policy.
//!
//! # What a module must pass before it is compiled
//!
//! wasmparser validation with WebAssembly 2.0 features; no imports at all; no start function;
//! exactly the exports of [`crate::abi`] with exactly their types (plus `dexp_coverage` for an
//! instrumented module whose metadata has a coverage table, with its counters below
//! `dexp_heap_base`); one 32-bit, non-shared memory whose initial size is within the memory
//! cap; exactly one `dexp` custom section whose [`Metadata`] has this runtime's ABI version, a
//! consistent schema and the layout derived from it. Modules are only ever compiled from their
//! bytes, never deserialized.
//!
//! # Limits
//!
//! Always on, with the defaults of [`Limits::default`]: a deadline per batch (an epoch
//! deadline, 1 second, checked by a ticker thread every [`EPOCH_TICK`]) or a fuel budget per
//! record; a cap on each instance's linear memory (256 MiB); a cap on the guest's stack
//! (512 KiB). Running out is an [`EvalError`] for the batch, never a decision; the evaluator
//! starts a fresh instance for its next batch.

mod evaluator;
mod validate;

pub use evaluator::{Decisions, Evaluator, Summary};

use crate::abi::{Metadata, MetadataError, Shape, EXPORT_COVERAGE};
use crate::schema::Schema;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;
use wasmtime::{Config, Engine, InstancePre, Linker, Module, OptLevel};

/// How often the epoch ticker of a [`Runtime`] with a deadline advances the engine's epoch:
/// the granularity of deadlines.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// The largest module, in bytes, a runtime accepts.
pub const MAX_MODULE_BYTES: usize = 64 << 20;

/// How the guest is stopped when a batch runs too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    /// Stop a batch that runs longer than this (wasmtime epoch interruption: the cheapest
    /// check, but when it fires depends on the machine).
    Deadline(Duration),
    /// Stop a batch that consumes more than this much fuel per record (deterministic, at a
    /// cost in speed).
    Fuel {
        /// Fuel units allowed per record of the batch (about one per Wasm instruction).
        per_record: u64,
    },
}

/// The resource limits of a [`Runtime`], applied to every batch and instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// When to stop a batch. Default: a deadline of 1 second.
    pub interrupt: Interrupt,
    /// The most bytes an instance's linear memory may hold. Default: 256 MiB.
    pub memory_bytes: usize,
    /// The most bytes of native stack the guest may use. Default: 512 KiB.
    pub max_wasm_stack: usize,
    /// The most records the NDJSON and typed APIs put in one batch. Default: 1024.
    pub batch_records: usize,
    /// The encoded bytes (input and variable areas) after which the NDJSON, typed and Arrow
    /// APIs close a batch. Default: 256 KiB, so that a batch's input, strings and decision
    /// slots stay within a core's L2 cache: past it the module runs several times slower per
    /// record (bench (a), `eval/a_wasm/N`, across N). A reference tenant encodes to about 200
    /// bytes, so its batches are closed by `batch_records` first.
    pub batch_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            interrupt: Interrupt::Deadline(Duration::from_secs(1)),
            memory_bytes: 256 << 20,
            max_wasm_stack: 512 << 10,
            batch_records: 1024,
            batch_bytes: 256 << 10,
        }
    }
}

/// Why a module was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The wasmtime engine could not be configured.
    #[error("cannot start the engine: {0}")]
    Engine(String),
    /// The module is larger than [`MAX_MODULE_BYTES`].
    #[error("the module has {0} bytes, more than the {MAX_MODULE_BYTES} allowed")]
    TooLarge(usize),
    /// The bytes are not a valid WebAssembly 2.0 module.
    #[error("the module is not valid WebAssembly: {0}")]
    Invalid(String),
    /// The module imports something; policy modules import nothing.
    #[error("the module imports `{module}.{name}`, but a policy may import nothing")]
    Import {
        /// The import's module name.
        module: String,
        /// The import's field name.
        name: String,
    },
    /// The module has a start function, which would run code outside any batch.
    #[error("the module has a start function")]
    StartFunction,
    /// A required export is missing.
    #[error("the module does not export `{0}`")]
    MissingExport(String),
    /// An export is not of the kind or type the ABI requires.
    #[error("the export `{name}` is {found}, but the ABI requires {expected}")]
    WrongExport {
        /// The export's name.
        name: String,
        /// What the ABI requires.
        expected: String,
        /// What the module has.
        found: String,
    },
    /// The module exports something the ABI does not define.
    #[error("the module exports `{0}`, which the ABI does not define")]
    UnexpectedExport(String),
    /// The module's memory does not fit the ABI or the memory cap.
    #[error("the module's memory is not usable: {0}")]
    Memory(String),
    /// The module has no `dexp` custom section.
    #[error("the module has no `dexp` section")]
    MissingMetadata,
    /// The module has more than one `dexp` custom section.
    #[error("the module has more than one `dexp` section")]
    DuplicateMetadata,
    /// The `dexp` section cannot be used (bad JSON, another ABI version, bad schema or layout).
    #[error("{0}")]
    Metadata(#[from] MetadataError),
    /// wasmtime could not compile or prepare the module.
    #[error("the module cannot be compiled: {0}")]
    Compile(String),
    /// The coverage counters of an instrumented module are not declared consistently: the
    /// `dexp_coverage` export without a coverage table, the table without the export, or
    /// counters that do not lie below `dexp_heap_base`.
    #[error("the module's coverage counters are not usable: {0}")]
    Coverage(String),
}

/// Why a batch produced no decisions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The batch ran past the runtime's deadline.
    #[error("the batch ran longer than the deadline of {0:?}")]
    DeadlineExceeded(Duration),
    /// The batch used up its fuel.
    #[error("the batch used up its fuel of {0} units")]
    FuelExhausted(u64),
    /// The batch needed more memory than the cap, or the guest tried to grow past it.
    #[error("the batch needs more than the memory cap of {0} bytes")]
    MemoryLimit(usize),
    /// The guest exhausted its stack.
    #[error("the policy exhausted its stack")]
    StackOverflow,
    /// The guest trapped for another reason (a bug in the module).
    #[error("the policy trapped: {0}")]
    Trap(String),
    /// The batch's addresses do not fit in a 32-bit memory.
    #[error("the batch is too large for a 32-bit memory")]
    BatchTooLarge,
    /// The batch was encoded for a policy whose input types differ from this policy's.
    #[error("the batch was encoded for another policy's schema")]
    ForeignBatch,
    /// Host types generated from a policy (`dexpc types --lang rust`) were used with a policy
    /// whose types or layout differ.
    #[error("{0}")]
    ForeignTypes(String),
    /// No batch was loaded before running.
    #[error("no batch is loaded")]
    NothingLoaded,
    /// The guest wrote something that is not a decision.
    #[error("the policy wrote an invalid decision for record {record}: {message}")]
    BadDecision {
        /// The record's index in the batch.
        record: usize,
        /// What is wrong.
        message: String,
    },
    /// The module could not be instantiated.
    #[error("the policy cannot be instantiated: {0}")]
    Instantiate(String),
    /// The policy's decisions have no Arrow form, or their Arrow columns cannot be built.
    #[error("the decisions cannot be written as Arrow: {0}")]
    Arrow(String),
}

impl EvalError {
    /// Whether the error stopped a batch for a reason one of its records may have caused (a
    /// deadline, fuel, the memory cap, a trap, the batch's size), so that trying each record
    /// alone would decide the others; errors of the module or the host are not.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            EvalError::DeadlineExceeded(_)
                | EvalError::FuelExhausted(_)
                | EvalError::MemoryLimit(_)
                | EvalError::StackOverflow
                | EvalError::Trap(_)
                | EvalError::BatchTooLarge
        )
    }
}

/// A wasmtime engine with its limits, shared by the policies loaded through it.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RuntimeInner>,
}

struct RuntimeInner {
    engine: Engine,
    limits: Limits,
    /// Modules this runtime compiled, by their exact bytes: loading the same policy again
    /// (a host reloading it, or many tenants sharing it) skips Cranelift. Only modules compiled
    /// here from bytes that passed every check are kept; nothing is ever deserialized.
    compiled: Mutex<Vec<(Arc<[u8]>, Module)>>,
}

/// How many compiled modules a runtime keeps for reloads.
pub const COMPILED_CACHE_ENTRIES: usize = 32;

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime").field("limits", &self.inner.limits).finish_non_exhaustive()
    }
}

impl Runtime {
    /// An engine with `limits`. With a deadline it starts a ticker thread, which ends once the
    /// runtime and every policy loaded through it are gone.
    pub fn new(limits: Limits) -> Result<Runtime, LoadError> {
        let mut config = Config::new();
        config.cranelift_opt_level(OptLevel::Speed);
        config.max_wasm_stack(limits.max_wasm_stack);
        match limits.interrupt {
            Interrupt::Deadline(_) => config.epoch_interruption(true),
            Interrupt::Fuel { .. } => config.consume_fuel(true),
        };
        let engine = Engine::new(&config).map_err(|e| LoadError::Engine(e.to_string()))?;
        let inner = Arc::new(RuntimeInner { engine, limits, compiled: Mutex::new(Vec::new()) });
        if let Interrupt::Deadline(_) = inner.limits.interrupt {
            let weak = Arc::downgrade(&inner);
            std::thread::Builder::new()
                .name("dexp-epoch".into())
                .spawn(move || tick(&weak))
                .map_err(|e| LoadError::Engine(e.to_string()))?;
        }
        Ok(Runtime { inner })
    }

    /// The process-wide runtime with [`Limits::default`], made on first use.
    pub fn shared() -> Result<Runtime, LoadError> {
        static SHARED: OnceLock<Result<Runtime, LoadError>> = OnceLock::new();
        SHARED.get_or_init(|| Runtime::new(Limits::default())).clone()
    }

    /// The limits every batch runs under.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// How many compiled modules this runtime keeps for reloading the same bytes (at most
    /// [`COMPILED_CACHE_ENTRIES`]).
    pub fn compiled_modules(&self) -> usize {
        self.inner.compiled.lock().map(|c| c.len()).unwrap_or(0)
    }

    /// Checks and compiles a policy module. See the [module documentation](self) for what is
    /// checked.
    pub fn load(&self, bytes: &[u8]) -> Result<Policy, LoadError> {
        if bytes.len() > MAX_MODULE_BYTES {
            return Err(LoadError::TooLarge(bytes.len()));
        }
        let checked = validate::check_module(bytes)?;
        let metadata = Metadata::decode(checked.metadata)?;
        check_coverage(checked.coverage, metadata.coverage.as_deref())?;
        let shape = Arc::new(metadata.shape()?);
        let initial = checked.memory_pages.saturating_mul(1 << 16);
        if initial > self.inner.limits.memory_bytes as u64 {
            return Err(LoadError::Memory(format!(
                "it starts at {initial} bytes, more than the cap of {} bytes",
                self.inner.limits.memory_bytes
            )));
        }
        let engine = &self.inner.engine;
        let module = self.compile(bytes)?;
        let pre = Linker::new(engine).instantiate_pre(&module).map_err(|e| LoadError::Compile(format!("{e:#}")))?;
        Ok(Policy { inner: Arc::new(PolicyInner { runtime: self.clone(), pre, metadata, shape }) })
    }
}

impl Runtime {
    /// The compiled module for `bytes`, from the cache when these exact bytes were compiled
    /// before. A poisoned cache lock only disables the cache.
    fn compile(&self, bytes: &[u8]) -> Result<Module, LoadError> {
        if let Ok(cache) = self.inner.compiled.lock() {
            if let Some((_, module)) = cache.iter().find(|(b, _)| **b == *bytes) {
                return Ok(module.clone());
            }
        }
        let module =
            Module::from_binary(&self.inner.engine, bytes).map_err(|e| LoadError::Compile(format!("{e:#}")))?;
        if let Ok(mut cache) = self.inner.compiled.lock() {
            if cache.len() >= COMPILED_CACHE_ENTRIES {
                cache.remove(0);
            }
            cache.push((Arc::from(bytes), module.clone()));
        }
        Ok(module)
    }
}

/// An instrumented module's counters: the export and the table come together, and `count`
/// counters from the exported address, 8-aligned, end at or below `dexp_heap_base`.
fn check_coverage(export: Option<(u32, u32)>, table: Option<&[crate::abi::Counter]>) -> Result<(), LoadError> {
    let (address, heap_base, count) = match (export, table) {
        (None, None) => return Ok(()),
        (Some((address, heap_base)), Some(table)) => (address, heap_base, table.len()),
        (Some(_), None) => {
            return Err(LoadError::Coverage(format!(
                "it exports `{EXPORT_COVERAGE}` but its metadata has no coverage table"
            )))
        }
        (None, Some(_)) => {
            return Err(LoadError::Coverage(format!(
                "its metadata has a coverage table but it does not export `{EXPORT_COVERAGE}`"
            )))
        }
    };
    let end = (count as u64).checked_mul(8).and_then(|bytes| bytes.checked_add(u64::from(address)));
    if address % 8 != 0 || end.is_none_or(|end| end > u64::from(heap_base)) {
        return Err(LoadError::Coverage(format!(
            "{count} counters at address {address} do not fit 8-aligned below `dexp_heap_base` ({heap_base})"
        )));
    }
    Ok(())
}

/// Advances the engine's epoch every tick while the runtime lives.
fn tick(runtime: &Weak<RuntimeInner>) {
    loop {
        std::thread::sleep(EPOCH_TICK);
        match runtime.upgrade() {
            Some(inner) => inner.engine.increment_epoch(),
            None => return,
        }
    }
}

/// A checked and compiled policy: cheap to clone, shared by all threads.
#[derive(Clone)]
pub struct Policy {
    inner: Arc<PolicyInner>,
}

struct PolicyInner {
    runtime: Runtime,
    pre: InstancePre<evaluator::StoreState>,
    metadata: Metadata,
    shape: Arc<Shape>,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("policy", &self.inner.metadata.policy)
            .field("version", &self.inner.metadata.version)
            .finish_non_exhaustive()
    }
}

impl Policy {
    /// Checks and compiles a policy module on the [shared](Runtime::shared) runtime.
    pub fn load(bytes: &[u8]) -> Result<Policy, LoadError> {
        Runtime::shared()?.load(bytes)
    }

    /// What the module says about itself.
    pub fn metadata(&self) -> &Metadata {
        &self.inner.metadata
    }

    /// The policy's input and output types.
    pub fn schema(&self) -> &Schema {
        self.inner.shape.schema()
    }

    /// The schema with its layout, for building batches with
    /// [`BatchEncoder`](crate::encode::BatchEncoder).
    pub fn shape(&self) -> &Arc<Shape> {
        &self.inner.shape
    }

    /// The runtime the policy was loaded into.
    pub fn runtime(&self) -> &Runtime {
        &self.inner.runtime
    }

    /// A new evaluator, for one worker thread.
    pub fn evaluator(&self) -> Result<Evaluator, EvalError> {
        Evaluator::new(self.clone())
    }
}
