//! `dexpc test [PATH...]`: run the `.cases` files kept next to policies.
//!
//! For every `NAME.dexp` with a `NAME.cases` beside it, the policy is compiled and every case
//! is evaluated by the same engine `dexpc eval` uses (the compiled module by default), as one
//! batch. Failures print a diff of the fields that differ; the run ends with
//! `N passed, M failed`.
//!
//! With `--coverage` the cases run on an instrumented build of each policy instead, and a
//! [`coverage::Report`] of its counters follows each policy's results; `--min-coverage P`
//! fails the run when a policy's requirement coverage is below `P` percent.

mod coverage;
mod hints;

use super::eval::Batch;
use super::workers::{self, Options};
use super::{print_diagnostics, read_source, CliError};
use crate::{EngineKind, ErrorFormat};
use dexp_compiler::cases::{self, Case, Expectation};
use dexp_compiler::Diagnostic;
use dexp_runtime::engine::Policy;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Totals over every policy tested.
#[derive(Default)]
struct Totals {
    passed: usize,
    failed: usize,
    broken_files: usize,
    /// Policies whose requirement coverage is below `--min-coverage`, with their coverage.
    below_minimum: Vec<(PathBuf, f64)>,
}

/// What `dexpc test` was asked to do.
#[derive(Clone, Copy)]
pub struct TestOptions {
    /// The back end (the compiled module by default).
    pub engine: EngineKind,
    /// How to print diagnostics.
    pub format: ErrorFormat,
    /// Run on the instrumented module and report coverage.
    pub coverage: bool,
    /// Fail when a policy's requirement coverage is below this percentage (implies
    /// `coverage`).
    pub min_coverage: Option<f64>,
}

/// Runs the `test` command.
pub fn run(paths: &[PathBuf], options: TestOptions) -> Result<ExitCode, CliError> {
    let coverage = options.coverage || options.min_coverage.is_some();
    if coverage && options.engine == EngineKind::Interp {
        return Err(CliError::Other(
            "coverage is measured on the compiled module: drop `--engine interp` to use `--coverage`".into(),
        ));
    }
    if options.min_coverage.is_some_and(|min| min.is_nan() || min < 0.0) {
        return Err(CliError::Other("`--min-coverage` takes a percentage, such as `90`".into()));
    }
    let options = TestOptions { coverage, ..options };
    let roots: Vec<PathBuf> = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
    let mut policies = Vec::new();
    for root in &roots {
        find_policies(root, &mut policies)?;
    }
    policies.sort();
    policies.dedup();
    let mut totals = Totals::default();
    let mut tested = 0;
    for policy in &policies {
        let cases_path = policy.with_extension("cases");
        if !cases_path.exists() {
            continue;
        }
        tested += 1;
        run_policy(policy, &cases_path, options, &mut totals)?;
    }
    if tested == 0 {
        eprintln!(
            "no policy with a .cases file found under {}",
            roots.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    println!("{} passed, {} failed", totals.passed, totals.failed);
    for (policy, percent) in &totals.below_minimum {
        eprintln!(
            "error: requirement coverage of {} is {percent:.1}%, below the minimum of {}% (--min-coverage)",
            policy.display(),
            options.min_coverage.unwrap_or(0.0)
        );
    }
    let ok = totals.failed == 0 && totals.broken_files == 0 && tested > 0 && totals.below_minimum.is_empty();
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn find_policies(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), CliError> {
    let io = |source| CliError::Io { path: path.display().to_string(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_file() {
        match path.extension().and_then(|e| e.to_str()) {
            Some("dexp") => out.push(path.to_path_buf()),
            Some("cases") => out.push(path.with_extension("dexp")),
            _ => {}
        }
        return Ok(());
    }
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(path).map_err(io)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for entry in entries {
        let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name == "target" {
            continue;
        }
        if entry.is_dir() || entry.extension().is_some_and(|e| e == "dexp") {
            find_policies(&entry, out)?;
        }
    }
    Ok(())
}

fn run_policy(policy: &Path, cases_path: &Path, options: TestOptions, totals: &mut Totals) -> Result<(), CliError> {
    let text = read_source(cases_path)?;
    let cases = match cases::parse(&text) {
        Ok(cases) => cases,
        Err(errors) => {
            let diagnostics: Vec<Diagnostic> = errors.into_iter().map(Diagnostic::from).collect();
            print_diagnostics(&diagnostics, cases_path, &text, options.format);
            totals.broken_files += 1;
            return Ok(());
        }
    };
    let mut out = String::new();
    let report = if options.coverage {
        let Some(report) = run_instrumented(policy, &cases, options.format, &mut out)? else {
            totals.broken_files += 1;
            return Ok(());
        };
        Some(report)
    } else {
        let Some(loaded) = workers::load(policy, Options::new(options.engine, false, options.format))? else {
            totals.broken_files += 1;
            return Ok(());
        };
        let mut worker = (loaded.factory)()?;
        let mut batch = Batch::new(1);
        for case in &cases {
            batch.push_line(case.input.as_bytes());
        }
        worker.process(&batch, &mut out);
        None
    };
    let results: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap_or(Value::Null)).collect();
    let (mut passed, mut failed) = (0, 0);
    // The checked program, read only when a case fails, for what-would-make-it-pass hints.
    let mut hint_program: Option<Option<dexp_compiler::ir::Program>> = None;
    for (case, actual) in cases.iter().zip(results.iter().chain(std::iter::repeat(&Value::Null))) {
        match check_case(case, actual) {
            None => passed += 1,
            Some(report) => {
                failed += 1;
                let (line, column) = case.span.line_col(&text);
                if options.format == ErrorFormat::Json {
                    // One object per failed case, like diagnostics, for CI annotations.
                    let failure = serde_json::json!({
                        "kind": "case_failed",
                        "file": cases_path.display().to_string(),
                        "line": line,
                        "column": column,
                        "case": case.name,
                        "message": report.trim_end(),
                        "actual": actual,
                    });
                    println!("{failure}");
                } else {
                    let program = hint_program.get_or_insert_with(|| {
                        dexp_compiler::frontend(&read_source(policy).unwrap_or_default()).ok().map(|f| f.program)
                    });
                    let hints = hints::hints(program.as_ref(), case);
                    println!("FAIL {}:{line}: {}\n{report}{hints}", cases_path.display(), case.name);
                }
            }
        }
    }
    println!("{}: {passed} passed, {failed} failed", policy.display());
    totals.passed += passed;
    totals.failed += failed;
    if let Some(report) = report {
        print!("{}", report.render(&policy.display().to_string()));
        let percent = report.rule_percent();
        if options.min_coverage.is_some_and(|min| percent < min) {
            totals.below_minimum.push((policy.to_path_buf(), percent));
        }
    }
    Ok(())
}

/// Compiles `policy` instrumented, runs the cases on it as one NDJSON batch (one output line
/// per case, into `out`) and reads its coverage. `None` when the policy does not compile;
/// its diagnostics have been printed.
fn run_instrumented(
    policy: &Path,
    cases: &[Case],
    format: ErrorFormat,
    out: &mut String,
) -> Result<Option<coverage::Report>, CliError> {
    let source = read_source(policy)?;
    let compiled = match dexp_compiler::compile_instrumented(&source) {
        Ok(compiled) => compiled,
        Err(diagnostics) => {
            print_diagnostics(&diagnostics, policy, &source, format);
            return Ok(None);
        }
    };
    print_diagnostics(&compiled.warnings, policy, &source, format);
    let failed = |what: &str, e: &dyn std::fmt::Display| CliError::Other(format!("{}: {what}: {e}", policy.display()));
    let loaded = Policy::load(&compiled.wasm).map_err(|e| failed("the instrumented module was refused", &e))?;
    let mut evaluator = loaded.evaluator().map_err(|e| failed("cannot start an evaluator", &e))?;
    let lines: Vec<&str> = cases.iter().map(|c| c.input.as_str()).collect();
    evaluator.evaluate_ndjson(&lines.join("\n"), 1, out).map_err(|e| failed("cannot evaluate the cases", &e))?;
    let table = loaded.metadata().coverage.as_deref().unwrap_or_default();
    let counts = evaluator.coverage().unwrap_or_default();
    let report = coverage::Report::new(table, &counts).ok_or_else(|| {
        CliError::Other(format!("{}: the coverage table does not fit the counters", policy.display()))
    })?;
    Ok(Some(report))
}

/// `None` when the case passes, else a readable report of what differs.
fn check_case(case: &Case, actual: &Value) -> Option<String> {
    let error = actual.get("error");
    match (&case.expect, error) {
        (Expectation::Decision(expected), None) => {
            let diff = cases::compare(expected, actual);
            if diff.is_empty() {
                return None;
            }
            let mut report = String::new();
            for m in diff {
                let path = if m.path.is_empty() { "(decision)".to_string() } else { m.path };
                let got = m.actual.map(|v| v.to_string()).unwrap_or_else(|| "(missing)".into());
                report.push_str(&format!("    {path}\n      expected: {}\n      actual:   {got}\n", m.expected));
            }
            Some(report)
        }
        (Expectation::Decision(_), Some(error)) => {
            Some(format!("    expected a decision, but the record was rejected: {error}\n"))
        }
        (Expectation::Error(path), Some(error)) => {
            let actual_path = error.get("path").and_then(Value::as_str).unwrap_or("");
            let matches =
                actual_path == path || actual_path.strip_prefix(path.as_str()).is_some_and(|r| r.starts_with(" at "));
            if matches {
                None
            } else {
                Some(format!("    expected a rejection at `{path}`, but it was rejected at `{actual_path}`: {error}\n"))
            }
        }
        (Expectation::Error(path), None) => {
            Some(format!("    expected a rejection at `{path}`, but got a decision: {actual}\n"))
        }
    }
}
