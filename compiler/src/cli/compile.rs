//! `dexpc compile POLICY.dexp -o POLICY.wasm` and `dexpc inspect POLICY.wasm`.
//!
//! `compile` writes the module only when the policy has no errors, and writes it whole (to a
//! temporary file renamed into place), so a failed or interrupted build never leaves a
//! half-written module for a deployment to pick up. `inspect` reads a module's `dexp` section
//! and prints what a host needs to know, after checking the module the way the runtime does.

use super::{print_diagnostics, read_source, CliError};
use crate::ErrorFormat;
use dexp_runtime::abi::Metadata;
use dexp_runtime::schema::{GroupKind, Schema, Ty};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Runs `compile`.
pub fn compile(policy: &Path, output: Option<&Path>, format: ErrorFormat) -> Result<ExitCode, CliError> {
    let source = read_source(policy)?;
    let compiled = match dexp_compiler::compile(&source) {
        Ok(compiled) => compiled,
        Err(diagnostics) => {
            print_diagnostics(&diagnostics, policy, &source, format);
            return Ok(ExitCode::from(1));
        }
    };
    print_diagnostics(&compiled.warnings, policy, &source, format);
    let output = output.map(Path::to_path_buf).unwrap_or_else(|| policy.with_extension("wasm"));
    write_atomically(&output, &compiled.wasm)?;
    if format == ErrorFormat::Human {
        eprintln!("wrote {} ({} bytes)", output.display(), compiled.wasm.len());
    }
    Ok(ExitCode::SUCCESS)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let io = |source| CliError::Io { path: path.display().to_string(), source };
    let mut tmp = PathBuf::from(path);
    tmp.as_mut_os_string().push(".tmp");
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Runs `inspect`.
pub fn inspect(module: &Path, json: bool) -> Result<ExitCode, CliError> {
    let bytes = std::fs::read(module).map_err(|source| CliError::Io { path: module.display().to_string(), source })?;
    // Check the module exactly as a host would before describing it.
    let policy = dexp_runtime::engine::Policy::load(&bytes)
        .map_err(|e| CliError::Other(format!("{}: not a loadable dexp module: {e}", module.display())))?;
    let metadata = policy.metadata();
    if json {
        let text = serde_json::to_string_pretty(metadata).map_err(|e| CliError::Other(e.to_string()))?;
        println!("{text}");
    } else {
        print!("{}", describe(metadata, bytes.len()));
    }
    Ok(ExitCode::SUCCESS)
}

/// A readable summary of a module's metadata.
fn describe(m: &Metadata, size: usize) -> String {
    let s = &m.schema;
    let mut out = String::new();
    let _ = writeln!(out, "policy      {} {}", m.policy, m.version);
    let _ = writeln!(out, "abi         version {}", m.abi_version);
    let _ = writeln!(out, "source hash {}", m.source_hash);
    let _ = writeln!(out, "module      {size} bytes");
    let record_name = |i: u32| s.record(i).map(|r| r.name.clone()).unwrap_or_default();
    let _ = writeln!(out, "input       {} ({} bytes per record)", record_name(s.input), m.layout.input_size);
    if let Some(key) = s.key_name() {
        let _ = writeln!(out, "key         {key}");
    }
    let _ = writeln!(out, "output      {} ({} bytes per decision slot)", record_name(s.output), m.layout.slot.size);
    for (name, record) in [("input", s.input), ("output", s.output)] {
        let _ = writeln!(out, "\n{name} fields:");
        write_fields(&mut out, s, record, 1, 0);
    }
    for group in &s.groups {
        let kind = match group.kind {
            GroupKind::Requirements => "requirements",
            GroupKind::Advisories => "advisories",
        };
        let _ = writeln!(out, "\n{kind} {}:", group.name);
        for (bit, code) in group.codes.iter().enumerate() {
            let _ = writeln!(out, "  bit {bit:<2} {:<32} {}", code.code, code.message);
        }
    }
    let _ = writeln!(out, "\nfailure sites: {}", m.sites.len());
    for (i, site) in m.sites.iter().enumerate() {
        let _ = writeln!(out, "  {i:<3} {site}");
    }
    out
}

fn write_fields(out: &mut String, s: &Schema, record: u32, indent: usize, depth: usize) {
    let Some(def) = s.record(record) else { return };
    for field in &def.fields {
        let _ = writeln!(out, "{}{}: {}", "  ".repeat(indent), field.name, ty_name(s, &field.ty));
        let mut inner = &field.ty;
        while let Ty::List(t) | Ty::Optional(t) = inner {
            inner = t;
        }
        if let Ty::Record(r) = inner {
            if depth < 8 {
                write_fields(out, s, *r, indent + 1, depth + 1);
            }
        }
    }
}

fn ty_name(s: &Schema, ty: &Ty) -> String {
    match ty {
        Ty::Bool => "bool".into(),
        Ty::Int => "int".into(),
        Ty::Decimal => "decimal".into(),
        Ty::Date => "date".into(),
        Ty::String => "string".into(),
        Ty::Enum(e) => s.enum_def(*e).map(|d| format!("{} ({})", d.name, d.variants.join(" | "))).unwrap_or_default(),
        Ty::Record(r) => s.record(*r).map(|d| d.name.clone()).unwrap_or_default(),
        Ty::List(t) => format!("list of {}", ty_name(s, t)),
        Ty::Map(t) => format!("map of string to {}", ty_name(s, t)),
        Ty::Entry(t) => format!("entry of {}", ty_name(s, t)),
        Ty::Optional(t) => format!("{}?", ty_name(s, t)),
        Ty::Codes(g) => format!("codes({})", s.group(*g).map(|g| g.name.as_str()).unwrap_or("")),
    }
}
