//! The engines behind `dexpc eval` and `dexpc test`: the compiled module on wasmtime (the
//! default), the reference interpreter, and the explaining wrapper around either.
//!
//! A policy is loaded once ([`load`]) and shared; each thread gets its own [`Worker`] from the
//! returned factory. Every worker turns a batch of input lines into exactly one output line per
//! non-blank input line, in order.

use super::eval::{line_text, Batch, Tally};
use super::{load_policy, print_diagnostics, read_source, CliError};
use crate::{EngineKind, ErrorFormat};
use dexp_compiler::ir::{explain, interp, Program};
use dexp_runtime::engine::{Evaluator, Interrupt, Limits, Policy, Runtime};
use dexp_runtime::json::{self, RecordError};
use dexp_runtime::schema::Ty;
use std::path::Path;
use std::sync::Arc;

/// Something that turns a batch of lines into output lines.
pub trait Worker: Send {
    /// Appends one output line per non-blank input line of `batch` to `out`.
    fn process(&mut self, batch: &Batch, out: &mut String) -> Tally;
}

/// Makes one worker per thread; all of them share the loaded policy.
pub type Factory = Box<dyn Fn() -> Result<Box<dyn Worker>, CliError> + Sync>;

/// What evaluation needs to know about the policy being run.
pub struct Loaded {
    /// Makes workers.
    pub factory: Factory,
}

/// Options of an evaluation.
#[derive(Clone, Copy)]
pub struct Options {
    /// The back end.
    pub engine: EngineKind,
    /// Add explanations of failed requirements to each decision.
    pub explain: bool,
    /// How to print the policy's diagnostics.
    pub format: ErrorFormat,
    /// Stop a record after this much fuel (about one unit per Wasm instruction) instead of
    /// using the default per-batch deadline.
    pub fuel_per_record: Option<u64>,
    /// The per-batch deadline in milliseconds, instead of the runtime's default.
    pub deadline_ms: Option<u64>,
}

impl Options {
    /// Options with the runtime's default limits.
    pub fn new(engine: EngineKind, explain: bool, format: ErrorFormat) -> Options {
        Options { engine, explain, format, fuel_per_record: None, deadline_ms: None }
    }

    /// The wasmtime runtime with these options' limits.
    pub fn runtime(&self) -> Result<Runtime, CliError> {
        let mut limits = Limits::default();
        if let Some(ms) = self.deadline_ms {
            limits.interrupt = Interrupt::Deadline(std::time::Duration::from_millis(ms));
        }
        if let Some(per_record) = self.fuel_per_record {
            limits.interrupt = Interrupt::Fuel { per_record };
        }
        Runtime::new(limits).map_err(|e| CliError::Other(format!("cannot start the runtime: {e}")))
    }
}

/// Loads a `.dexp` (compiled here) or a `.wasm` (loaded as untrusted) policy. `None` when it
/// does not compile; its diagnostics have been printed.
pub fn load(path: &Path, options: Options) -> Result<Option<Loaded>, CliError> {
    let is_wasm = path.extension().is_some_and(|e| e == "wasm");
    if is_wasm {
        if options.engine == EngineKind::Interp || options.explain {
            return Err(CliError::Other(format!(
                "{}: the interpreter and --explain need the policy's .dexp source",
                path.display()
            )));
        }
        let bytes = std::fs::read(path).map_err(|source| CliError::Io { path: path.display().to_string(), source })?;
        let policy = options
            .runtime()?
            .load(&bytes)
            .map_err(|e| CliError::Other(format!("{}: cannot load the module: {e}", path.display())))?;
        return Ok(Some(Loaded { factory: wasm_factory(policy, None) }));
    }
    let program = match options.engine {
        EngineKind::Interp => match load_policy(path, options.format)? {
            Some(frontend) => Arc::new(frontend.program),
            None => return Ok(None),
        },
        EngineKind::Wasm => {
            let source = read_source(path)?;
            match dexp_compiler::compile(&source) {
                Ok(compiled) => {
                    print_diagnostics(&compiled.warnings, path, &source, options.format);
                    let policy = options.runtime()?.load(&compiled.wasm).map_err(|e| {
                        CliError::Other(format!("{}: the compiled module was refused: {e}", path.display()))
                    })?;
                    let program = Arc::new(compiled.program);
                    let explain = options.explain.then(|| program.clone());
                    return Ok(Some(Loaded { factory: wasm_factory(policy, explain) }));
                }
                Err(diagnostics) => {
                    print_diagnostics(&diagnostics, path, &source, options.format);
                    return Ok(None);
                }
            }
        }
    };
    let explain = options.explain.then(|| program.clone());
    let factory: Factory = Box::new(move || {
        let inner: Box<dyn Worker> = Box::new(InterpWorker { program: program.clone() });
        Ok(with_explanations(inner, explain.clone()))
    });
    Ok(Some(Loaded { factory }))
}

/// Makes workers that run `policy` on wasmtime, explaining decisions with `explain` if given.
pub fn wasm_factory(policy: Policy, explain: Option<Arc<Program>>) -> Factory {
    Box::new(move || wasm_worker(&policy, explain.clone()))
}

/// One worker over the compiled module, explaining each decision with `explain` when given
/// (what `dexpc eval`, `dexpc diff` and `dexpc serve` all run).
pub fn wasm_worker(policy: &Policy, explain: Option<Arc<Program>>) -> Result<Box<dyn Worker>, CliError> {
    let evaluator =
        policy.evaluator().map_err(|e| CliError::Other(format!("cannot start an evaluator for the policy: {e}")))?;
    let inner: Box<dyn Worker> = Box::new(WasmWorker { evaluator });
    Ok(with_explanations(inner, explain))
}

fn with_explanations(inner: Box<dyn Worker>, program: Option<Arc<Program>>) -> Box<dyn Worker> {
    match program {
        Some(program) => Box::new(ExplainWorker { inner, program, scratch: String::new() }),
        None => inner,
    }
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
        for (line, raw) in batch.lines() {
            let text = match line_text(raw) {
                None => continue,
                Some(Err(e)) => {
                    json::write_rejection_line(out, &program.schema, line, None, &e);
                    tally.rejected += 1;
                    continue;
                }
                Some(Ok(text)) => text,
            };
            let result = json::decode_input(&program.schema, text).and_then(|record| {
                interp::evaluate(program, &record).map_err(|e| RecordError {
                    path: program.sites.get(e.site as usize).map(|s| s.path.clone()).unwrap_or_default(),
                    message: e.failure.message().to_string(),
                })
            });
            match result {
                Ok(decision) => {
                    json::write_value(out, &program.schema, &output_ty, &decision);
                    out.push('\n');
                    tally.decided += 1;
                }
                Err(e) => {
                    json::write_rejection_line(out, &program.schema, line, Some(text), &e);
                    tally.rejected += 1;
                }
            }
        }
        tally
    }
}

/// Evaluates with the compiled module, a batch per call into the guest.
struct WasmWorker {
    evaluator: Evaluator,
}

impl WasmWorker {
    /// Evaluates `lines` (line numbers and the texts of non-blank lines). If the batch as a
    /// whole fails (a deadline, a trap), each record is tried alone, so that one bad record
    /// cannot take its neighbours' decisions with it.
    fn flush(&mut self, lines: &[(u64, &str)], out: &mut String, tally: &mut Tally) {
        if lines.is_empty() {
            return;
        }
        match self.evaluator.evaluate_lines(lines.iter().copied(), out) {
            Ok(summary) => {
                tally.decided += summary.decided as u64;
                tally.rejected += summary.rejected as u64;
            }
            Err(_) => {
                for &(number, line) in lines {
                    match self.evaluator.evaluate_lines([(number, line)], out) {
                        Ok(summary) => {
                            tally.decided += summary.decided as u64;
                            tally.rejected += summary.rejected as u64;
                        }
                        Err(e) => {
                            let message = format!("stopped by the runtime's limits: {e}");
                            let error = RecordError { path: String::new(), message };
                            let schema = self.evaluator.policy().schema();
                            json::write_rejection_line(out, schema, number, Some(line), &error);
                            tally.rejected += 1;
                        }
                    }
                }
            }
        }
    }
}

impl Worker for WasmWorker {
    fn process(&mut self, batch: &Batch, out: &mut String) -> Tally {
        let mut tally = Tally::default();
        // The lines are handed to the evaluator where they lie in the batch, not copied.
        let mut segment: Vec<(u64, &str)> = Vec::with_capacity(batch.len());
        for (line, raw) in batch.lines() {
            match line_text(raw) {
                Some(Err(e)) => {
                    // A line the guest cannot take (invalid UTF-8, too long): flush what came
                    // before it, then reject it here, keeping the order.
                    self.flush(&segment, out, &mut tally);
                    segment.clear();
                    json::write_rejection_line(out, self.evaluator.policy().schema(), line, None, &e);
                    tally.rejected += 1;
                }
                Some(Ok(text)) => segment.push((line, text)),
                None => {}
            }
        }
        self.flush(&segment, out, &mut tally);
        tally
    }
}

/// Adds `"explain": [...]` to every decision of the inner worker.
struct ExplainWorker {
    inner: Box<dyn Worker>,
    program: Arc<Program>,
    scratch: String,
}

impl Worker for ExplainWorker {
    fn process(&mut self, batch: &Batch, out: &mut String) -> Tally {
        self.scratch.clear();
        let tally = self.inner.process(batch, &mut self.scratch);
        // Output lines correspond, in order, to the non-blank input lines.
        let inputs = batch.lines().filter_map(|(_, raw)| line_text(raw));
        for (line, input) in self.scratch.lines().zip(inputs) {
            // A line is a decision exactly when its record reads and evaluates; asking the
            // interpreter (the spec) keeps that right even for an output with a `line` field.
            let record = match input {
                Ok(text) => json::decode_input(&self.program.schema, text)
                    .ok()
                    .filter(|record| interp::evaluate(&self.program, record).is_ok()),
                Err(_) => None,
            };
            match (record, line.strip_suffix('}')) {
                (Some(record), Some(open)) => {
                    out.push_str(open);
                    out.push_str(",\"explain\":");
                    explain::write_json(out, &self.program.schema, &explain::explain(&self.program, &record));
                    out.push_str("}\n");
                }
                _ => {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        tally
    }
}
