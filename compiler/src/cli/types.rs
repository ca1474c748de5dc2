//! `dexpc types --lang ts POLICY`: TypeScript declarations of a policy's input and decision,
//! for hosts that use the `@dexp/runtime` npm package (`--lang rust`: Rust types, `types/rust.rs`).
//!
//! The declarations come from the module's metadata (the schema every host reads), so a `.wasm`
//! alone is enough; a `.dexp` is compiled first. Enums become string unions, a reason-code
//! group a union of its code names, records interfaces. Ints are `number | bigint` both ways:
//! the package accepts safe-integer numbers and bigints, and returns a bigint only for an int
//! beyond 2^53. Dates are `YYYY-MM-DD` strings. Decimals are `number | string`: numbers in
//! (read through their shortest text, exactly), their exact canonical text out, since a JS
//! number cannot hold `19.99` exactly. An optional field of a record the input
//! reaches is an optional property (`name?: T | null`); decisions always carry every field, so
//! a record only the decision reaches has `name: T | null`.

mod rust;

use super::{print_diagnostics, read_source, CliError};
use crate::ErrorFormat;
use dexp_runtime::abi::Metadata;
use dexp_runtime::schema::{GroupKind, Schema, Ty};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

/// The languages `dexpc types` writes.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// TypeScript declarations for `@dexp/runtime`.
    Ts,
    /// Rust types with their direct codec, for `dexp_runtime`'s `Evaluator::evaluate_direct`.
    Rust,
}

/// Runs `types`: prints the declarations, or writes them to `output`. Rust types are laid
/// out by rustfmt when `format_rust` is set and rustfmt runs ([`rustfmt`]).
pub fn run(
    policy: &Path,
    lang: Lang,
    output: Option<&Path>,
    format_rust: bool,
    format: ErrorFormat,
) -> Result<ExitCode, CliError> {
    let Some(metadata) = metadata_of(policy, format)? else { return Ok(ExitCode::from(1)) };
    let text = match lang {
        Lang::Ts => typescript(&metadata),
        Lang::Rust => {
            let text = rust::rust(&metadata).map_err(|e| CliError::Other(format!("{}: {e}", policy.display())))?;
            // rustfmt looks for its configuration from the folder the file goes to.
            let dir = output.and_then(Path::parent).filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            match format_rust.then(|| rustfmt(&text, dir)) {
                Some(Ok(formatted)) => formatted,
                Some(Err(why)) => {
                    eprintln!("warning: the Rust types are written as generated, not laid out by rustfmt: {why}");
                    text
                }
                None => text,
            }
        }
    };
    match output {
        Some(path) => {
            std::fs::write(path, text).map_err(|source| CliError::Io { path: path.display().to_string(), source })?
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `text` (Rust source) as the `rustfmt` on the PATH, or the one `RUSTFMT` names, lays it out
/// when run in `dir`, where it finds the configuration of the project the file goes to. `Err`
/// says why it could not: no rustfmt, or rustfmt refused the text.
fn rustfmt(text: &str, dir: &Path) -> Result<String, String> {
    use std::io::{Read as _, Write as _};
    use std::process::{Command, Stdio};
    let program = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let mut child = Command::new(&program)
        .args(["--emit", "stdout"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", program.to_string_lossy()))?;
    // Feed the text from another thread, so that a full output pipe cannot stall both sides.
    let mut stdin = child.stdin.take().ok_or("rustfmt has no standard input")?;
    let input = text.to_string();
    let feeder = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut formatted = String::new();
    let mut stdout = child.stdout.take().ok_or("rustfmt has no standard output")?;
    let read = stdout.read_to_string(&mut formatted);
    let mut errors = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut errors);
    }
    let status = child.wait().map_err(|e| format!("rustfmt did not finish: {e}"))?;
    let fed = feeder.join().map_err(|_| "the thread feeding rustfmt failed".to_string())?;
    // A rustfmt that refuses the text may stop reading it: its own message says why.
    match (status.success(), fed, read) {
        (false, ..) => Err(format!("rustfmt failed ({status}): {}", errors.trim())),
        (true, Ok(()), Ok(_)) if !formatted.is_empty() => Ok(formatted),
        (true, Ok(()), Ok(_)) => Err("rustfmt wrote nothing".into()),
        (true, Err(e), _) | (true, _, Err(e)) => Err(format!("cannot talk to rustfmt: {e}")),
    }
}

/// The checked metadata of a `.wasm` (loaded as a host would) or of a compiled `.dexp`; `None`
/// when the source does not compile (its diagnostics are printed).
fn metadata_of(policy: &Path, format: ErrorFormat) -> Result<Option<Metadata>, CliError> {
    let wasm = if policy.extension().is_some_and(|e| e == "wasm") {
        std::fs::read(policy).map_err(|source| CliError::Io { path: policy.display().to_string(), source })?
    } else {
        let source = read_source(policy)?;
        match dexp_compiler::compile(&source) {
            Ok(compiled) => {
                print_diagnostics(&compiled.warnings, policy, &source, format);
                compiled.wasm
            }
            Err(diagnostics) => {
                print_diagnostics(&diagnostics, policy, &source, format);
                return Ok(None);
            }
        }
    };
    let loaded = dexp_runtime::engine::Policy::load(&wasm)
        .map_err(|e| CliError::Other(format!("{}: not a loadable dexp module: {e}", policy.display())))?;
    Ok(Some(loaded.metadata().clone()))
}

/// The TypeScript declarations of a policy's types, deterministic for equal metadata.
pub fn typescript(m: &Metadata) -> String {
    let schema = &m.schema;
    let names = Names::new(schema);
    let from_input = reachable(schema, schema.input);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// Types of the dexp policy `{}` version {} (source hash {}).",
        m.policy, m.version, m.source_hash
    );
    out.push_str("// Written by `dexpc types --lang ts`: do not edit. Ints are `number | bigint` (safe-integer\n");
    out.push_str("// numbers or bigints in, a bigint out only beyond 2^53); dates are `YYYY-MM-DD` strings.\n");
    let decimals = schema.records.iter().flat_map(|r| &r.fields).any(|f| holds(&f.ty, &|t| *t == Ty::Decimal));
    if decimals {
        out.push_str("// Decimals are `number | string`: numbers in (read exactly through their shortest text),\n");
        out.push_str("// the exact canonical text out (`\"19.99\"`), since a JS number cannot hold 19.99 exactly.\n");
    }
    for (i, e) in schema.enums.iter().enumerate() {
        let _ = writeln!(out, "\n/** The enum `{}`. */", e.name);
        let _ = writeln!(out, "export type {} = {};", names.enum_name(i), union(e.variants.iter()));
    }
    for (i, g) in schema.groups.iter().enumerate() {
        let kind = match g.kind {
            GroupKind::Requirements => "requirements",
            GroupKind::Advisories => "advisories",
        };
        let _ = writeln!(out, "\n/** The codes of the {kind} `{}`. */", g.name);
        let _ = writeln!(out, "export type {} = {};", names.group_name(i), union(g.codes.iter().map(|c| &c.code)));
    }
    for (i, r) in schema.records.iter().enumerate() {
        let input = from_input.contains(&i);
        let _ = writeln!(out, "\n/** The record `{}`. */", r.name);
        let _ = writeln!(out, "export interface {} {{", names.record_name(i));
        for f in &r.fields {
            let optional = matches!(f.ty, Ty::Optional(_)) && input;
            let _ = writeln!(out, "  {}{}: {};", property(&f.name), if optional { "?" } else { "" }, names.ty(&f.ty));
        }
        out.push_str("}\n");
    }
    out.push_str("\n/** The record the policy reads. */\n");
    let _ = writeln!(out, "export type PolicyInput = {};", names.record_name(schema.input as usize));
    out.push_str("\n/** The decision the policy writes. */\n");
    let _ = writeln!(out, "export type PolicyDecision = {};", names.record_name(schema.output as usize));
    out
}

/// The records reachable from record `from` (itself included), through fields, lists,
/// optionals and map values; shared with the Rust generator (`types/rust.rs`).
fn reachable(schema: &Schema, from: u32) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from as usize];
    while let Some(r) = stack.pop() {
        if !seen.insert(r) {
            continue;
        }
        for f in schema.records.get(r).map(|r| r.fields.as_slice()).unwrap_or_default() {
            let mut ty = &f.ty;
            while let Ty::Optional(inner) | Ty::List(inner) | Ty::Map(inner) | Ty::Entry(inner) = ty {
                ty = inner;
            }
            if let Ty::Record(i) = ty {
                stack.push(*i as usize);
            }
        }
    }
    seen
}

/// `"a" | "b"`, or `never` for no names.
fn union<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let parts: Vec<String> = names.map(|n| ts_string(n)).collect();
    if parts.is_empty() {
        "never".into()
    } else {
        parts.join(" | ")
    }
}

/// A TypeScript string literal.
fn ts_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A property name, quoted unless it is an identifier.
fn property(name: &str) -> String {
    let mut chars = name.chars();
    let ident = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if ident {
        name.to_string()
    } else {
        ts_string(name)
    }
}

/// Unique TypeScript names for every enum, group and record of a schema.
struct Names {
    enums: Vec<String>,
    groups: Vec<String>,
    records: Vec<String>,
}

impl Names {
    fn new(schema: &Schema) -> Names {
        let mut used = BTreeSet::from(["PolicyInput".to_string(), "PolicyDecision".to_string()]);
        let mut take = |wanted: String| {
            let mut name = identifier(&wanted);
            let mut n = 2;
            while used.contains(&name) {
                name = format!("{}{n}", identifier(&wanted));
                n += 1;
            }
            used.insert(name.clone());
            name
        };
        let enums = schema.enums.iter().map(|e| take(e.name.clone())).collect();
        let records = schema.records.iter().map(|r| take(r.name.clone())).collect();
        let groups = schema.groups.iter().map(|g| take(format!("{}Code", pascal(&g.name)))).collect();
        Names { enums, groups, records }
    }

    fn enum_name(&self, i: usize) -> &str {
        self.enums.get(i).map_or("never", String::as_str)
    }

    fn group_name(&self, i: usize) -> &str {
        self.groups.get(i).map_or("never", String::as_str)
    }

    fn record_name(&self, i: usize) -> &str {
        self.records.get(i).map_or("never", String::as_str)
    }

    fn ty(&self, ty: &Ty) -> String {
        match ty {
            Ty::Bool => "boolean".into(),
            Ty::Int => "number | bigint".into(),
            // A number in; its canonical text out, since a JS number cannot hold 19.99 exactly.
            Ty::Decimal => "number | string".into(),
            Ty::Date | Ty::String => "string".into(),
            Ty::Enum(i) => self.enum_name(*i as usize).into(),
            Ty::Record(i) => self.record_name(*i as usize).into(),
            Ty::Codes(i) => format!("{}[]", self.group_name(*i as usize)),
            Ty::List(inner) => {
                let inner = self.ty(inner);
                if inner.contains(' ') {
                    format!("({inner})[]")
                } else {
                    format!("{inner}[]")
                }
            }
            Ty::Optional(inner) => format!("{} | null", self.ty(inner)),
            // A JSON object whose keys are data.
            Ty::Map(inner) => format!("Record<string, {}>", self.ty(inner)),
            Ty::Entry(inner) => format!("{{ key: string; value: {} }}", self.ty(inner)),
        }
    }
}

/// `snake_case` to `PascalCase`.
fn pascal(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// A valid TypeScript identifier made from a policy name.
fn identifier(name: &str) -> String {
    let mut out: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// Whether `ty`, or a type it holds directly (through lists, optionals and maps; records are
/// declared on their own), is one `leaf` accepts; shared with the Rust generator.
fn holds(ty: &Ty, leaf: &dyn Fn(&Ty) -> bool) -> bool {
    leaf(ty)
        || match ty {
            Ty::List(inner) | Ty::Optional(inner) | Ty::Map(inner) | Ty::Entry(inner) => holds(inner, leaf),
            _ => false,
        }
}
