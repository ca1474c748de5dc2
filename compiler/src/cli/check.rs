//! `dexpc check FILE...`: report every error and warning; exit 1 when any file has errors.

use super::{load_policy, CliError};
use crate::ErrorFormat;
use std::path::PathBuf;
use std::process::ExitCode;

/// Runs the check over every file, even after one fails.
pub fn run(files: &[PathBuf], format: ErrorFormat) -> Result<ExitCode, CliError> {
    let mut failed = 0;
    for file in files {
        if load_policy(file, format)?.is_none() {
            failed += 1;
        }
    }
    if format == ErrorFormat::Human {
        eprintln!("checked {} file(s): {} with errors", files.len(), failed);
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
