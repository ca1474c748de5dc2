//! `dexpc diff OLD NEW [CORPUS]`: what a policy change does, to hosts, consumers and tenants.
//!
//! Both versions are loaded as compiled modules (a `.dexp` is compiled first, a `.wasm` is
//! loaded as untrusted), so the interface diff reads only their metadata ([`interface`]) and
//! the behaviour diff replays the corpus through both with `eval`'s streaming machinery: one
//! reader, workers on every core, each running a batch through OLD and then NEW, and the same
//! progress bar. An NDJSON corpus goes through `eval`'s line workers ([`behaviour`]); a Parquet
//! or Arrow IPC corpus (chosen by its extension, as `eval` chooses) through `eval`'s columnar
//! reader and `evaluate_arrow` ([`columnar`]). Both count with the same [`behaviour::Counter`],
//! so the same records give the same report in either form (examples without a key are named
//! `line N` in NDJSON and `row N` in a columnar file).
//!
//! Exit codes: 0 when no limit was exceeded, 1 when `--fail-on-change`, `--max-changed` or
//! `--max-changed-percent` was exceeded, 2 when a policy or the corpus cannot be read.

pub mod behaviour;
pub mod columnar;
pub mod interface;

use super::columnar::Format;
use super::eval::{open_input, stream};
use super::workers::Worker;
use super::{print_diagnostics, read_source, CliError};
use crate::ErrorFormat;
use behaviour::{Bucket, Counter, DiffWorker, Stats, Transition, Versions};
use clap::ValueEnum;
use dexp_runtime::abi::Metadata;
use dexp_runtime::engine::{Interrupt, Limits, Policy, Runtime};
use interface::InterfaceDiff;
use serde_json::json;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

/// How the report is printed.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned tables, for people.
    Table,
    /// One JSON object, for CI and tools.
    Json,
}

/// The command's arguments, as `dexpc diff` parses them.
#[derive(clap::Args)]
pub struct DiffArgs {
    /// The old version: a `.dexp` source or a compiled `.wasm` module.
    pub old: PathBuf,
    /// The new version: a `.dexp` source or a compiled `.wasm` module.
    pub new: PathBuf,
    /// Records to replay through both versions: NDJSON (`-` reads standard input), or a Parquet
    /// (`.parquet`) or Arrow IPC (`.arrow`) file, chosen by the extension as `eval` chooses.
    pub corpus: Option<PathBuf>,
    /// How to print the report.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Exit 1 when anything changed: an interface change or a changed record.
    #[arg(long)]
    pub fail_on_change: bool,
    /// Exit 1 when more than N records changed.
    #[arg(long, value_name = "N")]
    pub max_changed: Option<u64>,
    /// Exit 1 when more than P percent of the records changed.
    #[arg(long, value_name = "P")]
    pub max_changed_percent: Option<f64>,
    /// How to print diagnostics if a policy does not compile.
    #[arg(long, value_enum, default_value = "human")]
    pub error_format: ErrorFormat,
    /// Give each batch this much fuel per record (about one unit per Wasm instruction) instead
    /// of a deadline, as `dexpc eval --fuel` does: a batch over budget is retried record by
    /// record, and a record over its own budget is that version's rejection.
    #[arg(long, value_name = "UNITS")]
    pub fuel: Option<u64>,
    /// The per-batch deadline in milliseconds (default 1000), as for `dexpc eval`.
    #[arg(long, value_name = "MS")]
    pub deadline_ms: Option<u64>,
}

/// Transitions shown per field in the table (JSON has them all).
const TABLE_TRANSITIONS: usize = 10;

/// Runs the `diff` command.
pub fn run(args: &DiffArgs) -> Result<ExitCode, CliError> {
    let mut limits = Limits::default();
    if let Some(ms) = args.deadline_ms {
        limits.interrupt = Interrupt::Deadline(std::time::Duration::from_millis(ms));
    }
    if let Some(per_record) = args.fuel {
        limits.interrupt = Interrupt::Fuel { per_record };
    }
    let runtime = Runtime::new(limits).map_err(|e| CliError::Other(format!("cannot start the runtime: {e}")))?;
    let old = load(&runtime, &args.old, args.error_format)?;
    let new = load(&runtime, &args.new, args.error_format)?;
    let interface = interface::diff(&old.metadata().schema, &new.metadata().schema);
    let behaviour = match &args.corpus {
        Some(corpus) => Some(replay(&old, &new, corpus, args.jobs)?),
        None => None,
    };
    let exceeded = limits_exceeded(args, &interface, behaviour.as_ref());
    let report = Report {
        old: old.metadata(),
        new: new.metadata(),
        interface: &interface,
        behaviour: behaviour.as_ref(),
        exceeded: &exceeded,
    };
    let text = match args.format {
        ReportFormat::Table => report.table(),
        ReportFormat::Json => report.json(),
    };
    print!("{text}");
    Ok(if exceeded.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Loads one side as a checked module; a policy that does not compile is a load error.
fn load(runtime: &Runtime, path: &Path, format: ErrorFormat) -> Result<Policy, CliError> {
    let bytes = if path.extension().is_some_and(|e| e == "wasm") {
        std::fs::read(path).map_err(|source| CliError::Io { path: path.display().to_string(), source })?
    } else {
        let source = read_source(path)?;
        match dexp_compiler::compile(&source) {
            Ok(compiled) => compiled.wasm,
            Err(diagnostics) => {
                print_diagnostics(&diagnostics, path, &source, format);
                return Err(CliError::Other(format!("{}: the policy does not compile", path.display())));
            }
        }
    };
    runtime.load(&bytes).map_err(|e| CliError::Other(format!("{}: cannot load the module: {e}", path.display())))
}

/// Replays a corpus through both versions on all cores.
fn replay(old: &Policy, new: &Policy, corpus: &Path, jobs: Option<usize>) -> Result<Stats, CliError> {
    let versions = Arc::new(Versions::new(old.schema().clone(), new.schema().clone()));
    let sink = Arc::new(Mutex::new(Stats::default()));
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)).max(1);
    let format = if corpus.as_os_str() == "-" { Format::Ndjson } else { Format::of(corpus) };
    match format {
        Format::Ndjson => replay_ndjson(old, new, corpus, jobs, &versions, &sink)?,
        Format::Parquet | Format::Arrow => columnar::replay(old, new, corpus, jobs, &versions, &sink)?,
    }
    // Every worker has been dropped by now, which merged its stats into the sink.
    let stats = sink.lock().map(|s| s.clone()).map_err(|_| CliError::Other("a diff worker stopped".into()))?;
    Ok(stats)
}

/// Replays NDJSON lines through `eval`'s line workers of both versions.
fn replay_ndjson(
    old: &Policy,
    new: &Policy,
    corpus: &Path,
    jobs: usize,
    versions: &Arc<Versions>,
    sink: &Arc<Mutex<Stats>>,
) -> Result<(), CliError> {
    let evaluator = |policy: &Policy| {
        policy.evaluator().map_err(|e| CliError::Other(format!("cannot start an evaluator for the policy: {e}")))
    };
    let factory = || -> Result<Box<dyn Worker>, CliError> {
        let counter = Counter::new(versions.clone(), sink.clone());
        Ok(Box::new(DiffWorker::new(evaluator(old)?, evaluator(new)?, counter)))
    };
    let (reader, progress) = open_input(Some(corpus))?;
    stream(reader, std::io::sink(), jobs, &factory)?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    Ok(())
}

/// Why the run should fail CI, one sentence per exceeded limit.
fn limits_exceeded(args: &DiffArgs, interface: &InterfaceDiff, behaviour: Option<&Stats>) -> Vec<String> {
    let mut why = Vec::new();
    let changed = behaviour.map_or(0, |b| b.changed.count);
    if args.fail_on_change && (!interface.changes.is_empty() || changed > 0) {
        why.push(format!(
            "--fail-on-change: {} interface change(s), {changed} changed record(s)",
            interface.changes.len()
        ));
    }
    if let Some(max) = args.max_changed {
        if changed > max {
            why.push(format!("--max-changed {max}: {changed} record(s) changed"));
        }
    }
    if let (Some(max), Some(b)) = (args.max_changed_percent, behaviour) {
        let percent = percent(changed, b.records);
        if percent > max {
            why.push(format!("--max-changed-percent {max}: {percent:.2}% of records changed"));
        }
    }
    why
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

struct Report<'a> {
    old: &'a Metadata,
    new: &'a Metadata,
    interface: &'a InterfaceDiff,
    behaviour: Option<&'a Stats>,
    exceeded: &'a [String],
}

fn examples_json(bucket: &Bucket) -> serde_json::Value {
    json!(bucket.labels())
}

impl Report<'_> {
    fn json(&self) -> String {
        let version = |m: &Metadata| json!({"policy": m.policy, "version": m.version, "source_hash": m.source_hash});
        let changes: Vec<_> = self
            .interface
            .changes
            .iter()
            .map(|c| json!({"side": c.side.name(), "path": c.path, "change": c.kind, "detail": c.detail, "breaking": c.breaking}))
            .collect();
        let behaviour = self.behaviour.map(|b| {
            let (fields, codes) = transitions_by_kind(b);
            let fields: Vec<_> = fields
                .iter()
                .map(|(field, ts)| {
                    let ts: Vec<_> = ts
                        .iter()
                        .map(|(t, bucket)| json!({"from": t.from, "to": t.to, "count": bucket.count, "examples": examples_json(bucket)}))
                        .collect();
                    json!({"field": field, "changed": b.fields.get(*field).copied().unwrap_or(0), "transitions": ts})
                })
                .collect();
            let codes: Vec<_> = codes
                .iter()
                .map(|(t, bucket)| {
                    let change = if t.to == "listed" { "added" } else { "removed" };
                    json!({"field": t.field, "code": t.code, "change": change, "count": bucket.count, "examples": examples_json(bucket)})
                })
                .collect();
            json!({
                "records": b.records,
                "changed": {"count": b.changed.count, "percent": percent(b.changed.count, b.records), "examples": examples_json(&b.changed)},
                "both_rejected": b.both_rejected,
                "rejected_by_old_only": {"count": b.rejected_by_old_only.count, "examples": examples_json(&b.rejected_by_old_only)},
                "rejected_by_new_only": {"count": b.rejected_by_new_only.count, "examples": examples_json(&b.rejected_by_new_only)},
                "fields": fields,
                "codes": codes,
            })
        });
        let report = json!({
            "old": version(self.old),
            "new": version(self.new),
            "interface": {
                "input_compatible": self.interface.input_compatible(),
                "output_compatible": self.interface.output_compatible(),
                "changes": changes,
            },
            "behaviour": behaviour,
            "limits_exceeded": self.exceeded,
        });
        format!("{report}\n")
    }

    fn table(&self) -> String {
        let mut out = String::new();
        let name = |m: &Metadata| format!("{} {}", m.policy, m.version);
        let _ = writeln!(out, "{} → {}", name(self.old), name(self.new));
        let _ = writeln!(out, "\ninterface");
        let verdict = |ok: bool| if ok { "compatible" } else { "NOT compatible" };
        let _ = writeln!(
            out,
            "  input:  {} (can hosts that feed OLD feed NEW unchanged)",
            verdict(self.interface.input_compatible())
        );
        let _ = writeln!(
            out,
            "  output: {} (can consumers of OLD's decisions read NEW's)",
            verdict(self.interface.output_compatible())
        );
        if self.interface.changes.is_empty() {
            let _ = writeln!(out, "  no changes");
        } else {
            let rows: Vec<Vec<String>> = self
                .interface
                .changes
                .iter()
                .map(|c| {
                    let breaking = if c.breaking { "breaking" } else { "" };
                    vec![c.side.name().into(), c.path.clone(), c.kind.into(), c.detail.clone(), breaking.into()]
                })
                .collect();
            table(&mut out, &["side", "path", "change", "detail", ""], &rows);
        }
        if let Some(b) = self.behaviour {
            self.behaviour_table(&mut out, b);
        }
        for why in self.exceeded {
            let _ = writeln!(out, "\nlimit exceeded: {why}");
        }
        out
    }

    fn behaviour_table(&self, out: &mut String, b: &Stats) {
        let _ = writeln!(out, "\nbehaviour over {} record(s)", b.records);
        let _ = writeln!(
            out,
            "  changed: {} ({:.2}%){}",
            b.changed.count,
            percent(b.changed.count, b.records),
            examples_suffix(&b.changed)
        );
        let _ = writeln!(
            out,
            "  rejected by OLD only: {}{}",
            b.rejected_by_old_only.count,
            examples_suffix(&b.rejected_by_old_only)
        );
        let _ = writeln!(
            out,
            "  rejected by NEW only: {}{}",
            b.rejected_by_new_only.count,
            examples_suffix(&b.rejected_by_new_only)
        );
        let _ = writeln!(out, "  rejected by both: {}", b.both_rejected);
        let (fields, codes) = transitions_by_kind(b);
        if !fields.is_empty() {
            let _ = writeln!(out, "\n  decision fields");
            let mut rows = Vec::new();
            for (field, ts) in &fields {
                let mut sorted: Vec<&(&Transition, &Bucket)> = ts.iter().collect();
                sorted.sort_by(|x, y| y.1.count.cmp(&x.1.count).then(x.0.cmp(y.0)));
                for (t, bucket) in sorted.iter().take(TABLE_TRANSITIONS) {
                    rows.push(vec![
                        field.to_string(),
                        format!("{} → {}", t.from, t.to),
                        bucket.count.to_string(),
                        bucket.labels().join(", "),
                    ]);
                }
                if sorted.len() > TABLE_TRANSITIONS {
                    let rest: u64 = sorted.iter().skip(TABLE_TRANSITIONS).map(|(_, b)| b.count).sum();
                    rows.push(vec![
                        field.to_string(),
                        format!("({} more transitions)", sorted.len() - TABLE_TRANSITIONS),
                        rest.to_string(),
                        String::new(),
                    ]);
                }
            }
            table(out, &["field", "change", "records", "examples"], &rows);
        }
        if !codes.is_empty() {
            let _ = writeln!(out, "\n  reason codes");
            let rows: Vec<Vec<String>> = codes
                .iter()
                .map(|(t, bucket)| {
                    let sign = if t.to == "listed" { "+" } else { "-" };
                    let code = t.code.as_deref().unwrap_or("");
                    vec![t.field.clone(), format!("{sign}{code}"), bucket.count.to_string(), bucket.labels().join(", ")]
                })
                .collect();
            table(out, &["field", "code", "records", "examples"], &rows);
        }
    }
}

type FieldTransitions<'a> = Vec<(&'a str, Vec<(&'a Transition, &'a Bucket)>)>;

/// Splits transitions into per-field value changes (grouped by field, in field order) and
/// reason-code changes.
fn transitions_by_kind(b: &Stats) -> (FieldTransitions<'_>, Vec<(&Transition, &Bucket)>) {
    let mut fields: FieldTransitions<'_> = Vec::new();
    let mut codes = Vec::new();
    for (t, bucket) in &b.transitions {
        if t.code.is_some() {
            codes.push((t, bucket));
            continue;
        }
        match fields.last_mut() {
            Some((field, ts)) if *field == t.field => ts.push((t, bucket)),
            _ => fields.push((t.field.as_str(), vec![(t, bucket)])),
        }
    }
    (fields, codes)
}

fn examples_suffix(bucket: &Bucket) -> String {
    if bucket.examples.is_empty() {
        String::new()
    } else {
        format!(", e.g. {}", bucket.labels().join(", "))
    }
}

/// Writes rows as columns padded to their widest cell, indented by two spaces.
fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count() + 2).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count() + 2);
        }
    }
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = String>| {
        let mut text = String::new();
        for (cell, w) in cells.zip(&widths) {
            let pad = w.saturating_sub(cell.chars().count());
            text.push_str(&cell);
            text.push_str(&" ".repeat(pad + 2));
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(out, &mut header.iter().enumerate().map(|(i, h)| if i == 0 { format!("  {h}") } else { h.to_string() }));
    for row in rows {
        line(out, &mut row.iter().enumerate().map(|(i, c)| if i == 0 { format!("  {c}") } else { c.clone() }));
    }
}
