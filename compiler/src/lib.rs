//! The dexp compiler library: `.dexp` text in, checked programs, decisions and Wasm modules out.
//!
//! The library does no I/O. The pipeline is [`syntax::parse`] (text to AST),
//! [`check::check`] (AST to typed [`ir::Program`]), then either the reference interpreter
//! ([`ir::interp`]) or the Wasm code generator.

pub mod cases;
pub mod check;
pub mod diagnostic;
pub mod ir;
pub mod span;
mod stack;
pub mod syntax;

pub use diagnostic::Diagnostic;

/// A checked program and the warnings found on the way.
#[derive(Debug)]
pub struct Frontend {
    /// The typed program.
    pub program: ir::Program,
    /// Warnings (never errors).
    pub warnings: Vec<Diagnostic>,
}

/// Parses and checks a policy. On failure, returns every diagnostic (errors and warnings).
pub fn frontend(source: &str) -> Result<Frontend, Vec<Diagnostic>> {
    let ast = syntax::parse(source).map_err(|errors| errors.into_iter().map(Diagnostic::from).collect::<Vec<_>>())?;
    let checked = check::check(&ast, source);
    let diagnostics: Vec<Diagnostic> = checked.diagnostics.into_iter().map(Diagnostic::from).collect();
    match checked.program {
        Some(program) => Ok(Frontend { program, warnings: diagnostics }),
        None => Err(diagnostics),
    }
}
