//! `dexpc fmt [--check] FILE...`: rewrite policies in the canonical layout, or with `--check`
//! only report which files would change.

use super::{print_diagnostics, read_source, CliError};
use crate::ErrorFormat;
use std::path::PathBuf;
use std::process::ExitCode;

/// Formats every file, even after one fails. A file is written only when its text changes;
/// with `check`, nothing is written and each file that would change is named on stderr.
/// Exits 1 when a file does not parse, or with `check` when a file would change.
pub fn run(files: &[PathBuf], check: bool, format: ErrorFormat) -> Result<ExitCode, CliError> {
    let mut failed = 0;
    let mut changed = 0;
    for file in files {
        let source = read_source(file)?;
        let formatted = match dexp_compiler::format::format(&source) {
            Ok(formatted) => formatted,
            Err(diagnostics) => {
                print_diagnostics(&diagnostics, file, &source, format);
                failed += 1;
                continue;
            }
        };
        if formatted == source {
            continue;
        }
        changed += 1;
        if check {
            eprintln!("{}: would be reformatted", file.display());
        } else {
            std::fs::write(file, formatted)
                .map_err(|source| CliError::Io { path: file.display().to_string(), source })?;
        }
    }
    if format == ErrorFormat::Human {
        let verb = if check { "would change" } else { "reformatted" };
        eprintln!("{} file(s): {changed} {verb}, {failed} with errors", files.len());
    }
    Ok(if failed > 0 || (check && changed > 0) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
