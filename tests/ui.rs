//! Golden diagnostics tests: every `ui/**/*.dexp` file is checked and its diagnostics,
//! rendered as `dexpc check` prints them, are compared with the `.stderr` file beside it
//! (and, for `--error-format json`, with the `.json` file). Run with `BLESS=1` to rewrite the
//! expected files after an intended change, then review the diff.

use dexp_compiler::diagnostic::{render_human, render_json};
use std::path::{Path, PathBuf};

fn cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            cases(&path, out);
        } else if path.extension().is_some_and(|e| e == "dexp") {
            out.push(path);
        }
    }
}

fn diagnostics(source: &str) -> Vec<dexp_compiler::Diagnostic> {
    match dexp_compiler::frontend(source) {
        Ok(frontend) => frontend.warnings,
        Err(diagnostics) => diagnostics,
    }
}

#[test]
fn golden_diagnostics() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
    let mut files = Vec::new();
    cases(&root, &mut files);
    assert!(files.len() >= 20, "expected the ui cases under {}", root.display());
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap_or_default();
        let name = file.strip_prefix(&root).unwrap_or(file).display().to_string();
        let diags = diagnostics(&source);
        let outputs = [("stderr", render_human(&diags, &name, &source)), ("json", render_json(&diags, &name, &source))];
        for (ext, actual) in outputs {
            let expected_path = file.with_extension(ext);
            if bless {
                if let Err(e) = std::fs::write(&expected_path, &actual) {
                    failures.push(format!("{}: cannot write: {e}", expected_path.display()));
                }
                continue;
            }
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
            if expected != actual {
                failures.push(format!("{name} ({ext}):\n--- expected\n{expected}\n+++ actual\n{actual}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden file(s) differ (BLESS=1 rewrites them):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every stable diagnostic code has at least one case, so no code can silently change.
#[test]
fn every_code_has_a_case() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
    let mut files = Vec::new();
    cases(&root, &mut files);
    let mut seen = std::collections::BTreeSet::new();
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap_or_default();
        for d in diagnostics(&source) {
            seen.insert(d.code_str());
        }
    }
    let codes = [
        "dexp::parse::syntax",
        "dexp::parse::too_deep",
        "dexp::parse::int_too_large",
        "dexp::parse::bad_escape",
        "dexp::parse::foreign_operator",
        "dexp::parse::single_equals",
        "dexp::parse::indented_declaration",
        "dexp::parse::missing_comma",
        "dexp::parse::single_quotes",
        "dexp::parse::keyword_as_name",
        "dexp::check::unknown_name",
        "dexp::check::unknown_type",
        "dexp::check::unknown_field",
        "dexp::check::unknown_variant",
        "dexp::check::ambiguous_variant",
        "dexp::check::type_mismatch",
        "dexp::check::invalid_operation",
        "dexp::check::wrong_arguments",
        "dexp::check::duplicate",
        "dexp::check::non_exhaustive",
        "dexp::check::missing_field",
        "dexp::check::recursion",
        "dexp::check::declaration",
        "dexp::check::const_not_constant",
        "dexp::check::const_failed",
        "dexp::check::limit",
        "dexp::check::unused",
        "dexp::check::unreachable_arm",
        "dexp::check::constant_rule",
        "dexp::check::same_in_every_branch",
    ];
    let missing: Vec<&str> = codes.iter().copied().filter(|c| !seen.contains(*c)).collect();
    assert!(missing.is_empty(), "no ui case produces {missing:?}");
}
