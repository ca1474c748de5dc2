//! The subcommands of `dexpc` and what they share: reading policies and printing diagnostics.

pub mod check;
pub mod columnar;
pub mod compile;
pub mod diff;
pub mod eval;
pub mod fmt;
pub mod lsp;
pub mod serve;
pub mod test;
pub mod types;
pub mod workers;

use crate::ErrorFormat;
use dexp_compiler::diagnostic::{render_human, render_json, Severity};
use dexp_compiler::{Diagnostic, Frontend};
use std::io::Write;
use std::path::Path;

/// An error that stops a command before it could do its work (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Anything else, already worded for the user.
    #[error("{0}")]
    Other(String),
}

/// Reads a policy file as text.
pub fn read_source(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|source| CliError::Io { path: path.display().to_string(), source })
}

/// Prints diagnostics to standard error in the chosen format.
pub fn print_diagnostics(diagnostics: &[Diagnostic], path: &Path, source: &str, format: ErrorFormat) {
    if diagnostics.is_empty() {
        return;
    }
    let name = path.display().to_string();
    let text = match format {
        ErrorFormat::Human => render_human(diagnostics, &name, source),
        ErrorFormat::Json => render_json(diagnostics, &name, source),
    };
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
}

/// Parses and checks a policy file, printing its diagnostics; `None` when it has errors.
pub fn load_policy(path: &Path, format: ErrorFormat) -> Result<Option<Frontend>, CliError> {
    let source = read_source(path)?;
    match dexp_compiler::frontend(&source) {
        Ok(frontend) => {
            print_diagnostics(&frontend.warnings, path, &source, format);
            Ok(Some(frontend))
        }
        Err(diagnostics) => {
            print_diagnostics(&diagnostics, path, &source, format);
            let errors = diagnostics.iter().filter(|d| d.severity() == Severity::Error).count();
            if format == ErrorFormat::Human {
                eprintln!("{}: {errors} error(s)", path.display());
            }
            Ok(None)
        }
    }
}
