//! Diagnostics of every stage in one type, rendered for people (miette's report, with the
//! source line and `file:line:col`) or for machines (one JSON object per diagnostic).

use crate::check::CheckError;
use crate::codegen::CodegenError;
use crate::span::Span;
use crate::syntax::ParseError;
use miette::{Diagnostic as _, GraphicalReportHandler, GraphicalTheme, NamedSource};
use std::fmt::Write as _;

/// A diagnostic from the parser or the checker.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum Diagnostic {
    /// A syntax error.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Parse(#[from] ParseError),
    /// A check error or warning.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Check(#[from] CheckError),
    /// A problem in a `.cases` file.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Cases(#[from] crate::cases::CaseError),
    /// A code generation error.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Codegen(#[from] CodegenError),
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Compilation fails.
    Error,
    /// Reported, but compilation goes on.
    Warning,
}

impl Diagnostic {
    /// Whether the diagnostic stops compilation.
    pub fn severity(&self) -> Severity {
        match self {
            Diagnostic::Check(c) if c.is_warning() => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// The stable code, such as `dexp::check::unknown_name`.
    pub fn code_str(&self) -> String {
        self.code().map(|c| c.to_string()).unwrap_or_default()
    }

    /// The primary span.
    pub fn span(&self) -> Span {
        match self.labels().and_then(|mut l| l.next()) {
            Some(label) => Span::new(label.offset(), label.offset() + label.len()),
            None => Span::default(),
        }
    }
}

/// Renders diagnostics as a human report, without colour, the way `dexpc` prints them.
pub fn render_human(diagnostics: &[Diagnostic], file: &str, source: &str) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
    let mut out = String::new();
    for d in diagnostics {
        let report = miette::Report::new(d.clone()).with_source_code(NamedSource::new(file, source.to_string()));
        let _ = handler.render_report(&mut out, report.as_ref());
        out.push('\n');
    }
    out
}

/// Renders diagnostics as JSON lines: `code`, `severity`, `message`, `file`, `line`,
/// `column`, `span` (`start`/`end` byte offsets) and `help`.
pub fn render_json(diagnostics: &[Diagnostic], file: &str, source: &str) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let span = d.span();
        let (line, column) = span.line_col(source);
        let value = serde_json::json!({
            "code": d.code_str(),
            "severity": match d.severity() { Severity::Error => "error", Severity::Warning => "warning" },
            "message": d.to_string(),
            "file": file,
            "line": line,
            "column": column,
            "span": { "start": span.start, "end": span.end },
            "help": d.help().map(|h| h.to_string()),
        });
        let _ = writeln!(out, "{value}");
    }
    out
}
