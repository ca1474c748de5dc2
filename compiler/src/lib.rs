//! The dexp compiler library: `.dexp` text in, checked programs, decisions and Wasm modules out.
//!
//! The library does no I/O. The pipeline is [`syntax::parse`] (text to AST),
//! [`check::check`] (AST to typed [`ir::Program`]), then either the reference interpreter
//! ([`ir::interp`]) or the Wasm code generator.

pub mod cases;
pub mod check;
pub mod codegen;
pub mod diagnostic;
pub mod format;
pub mod ide;
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
    frontend_with_branches(source).map(|(frontend, _)| frontend)
}

/// [`frontend`], with the checker's table of where each `if` and `match` is written.
fn frontend_with_branches(source: &str) -> Result<(Frontend, Vec<ir::Branch>), Vec<Diagnostic>> {
    let ast = syntax::parse(source).map_err(|errors| errors.into_iter().map(Diagnostic::from).collect::<Vec<_>>())?;
    let checked = check::check(&ast, source);
    let diagnostics: Vec<Diagnostic> = checked.diagnostics.into_iter().map(Diagnostic::from).collect();
    match checked.program {
        Some(program) => Ok((Frontend { program, warnings: diagnostics }, checked.branches)),
        None => Err(diagnostics),
    }
}

/// A compiled policy: the Wasm module, the checked program it came from, and the warnings.
#[derive(Debug)]
pub struct Compiled {
    /// The policy module, validated, for the ABI of `dexp_runtime::abi`.
    pub wasm: Vec<u8>,
    /// The checked program.
    pub program: ir::Program,
    /// Warnings (never errors).
    pub warnings: Vec<Diagnostic>,
}

/// Parses, checks and compiles a policy to a Wasm module. Deterministic: the same source
/// gives the same bytes. On failure, returns every diagnostic.
pub fn compile(source: &str) -> Result<Compiled, Vec<Diagnostic>> {
    let Frontend { program, warnings } = frontend(source)?;
    let hash = source_hash(source);
    match codegen::generate(&program, &hash) {
        Ok(wasm) => Ok(Compiled { wasm, program, warnings }),
        Err(error) => Err(warnings.into_iter().chain([Diagnostic::from(error)]).collect()),
    }
}

/// Like [`compile`], but the module is instrumented for coverage measurement: it makes the
/// same decisions and also counts, in guest memory, how often each requirement and advisory
/// held and failed and how often each branch of each `if` and `match` was taken. For tests
/// (`dexpc test --coverage`), not for production: see `dexp_runtime::abi`, "Instrumented
/// modules".
pub fn compile_instrumented(source: &str) -> Result<Compiled, Vec<Diagnostic>> {
    let (Frontend { program, warnings }, branches) = frontend_with_branches(source)?;
    let hash = source_hash(source);
    match codegen::generate_instrumented(&program, &branches, &hash, source) {
        Ok(wasm) => Ok(Compiled { wasm, program, warnings }),
        Err(error) => Err(warnings.into_iter().chain([Diagnostic::from(error)]).collect()),
    }
}

/// The SHA-256 of the source text as lowercase hexadecimal, as stored in a module's metadata.
pub fn source_hash(source: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(source.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
