//! The structural checks a module passes before wasmtime sees it: validity, no imports, no
//! start function, exactly the ABI's exports with their types, one usable memory, one `dexp`
//! section.

use super::LoadError;
use crate::abi::{EXPORTS, EXPORT_COVERAGE, EXPORT_EVAL, EXPORT_HEAP_BASE, EXPORT_MEMORY, SECTION};
use wasmparser::{
    ExternalKind, FuncType, GlobalType, Imports, MemoryType, Operator, Parser, Payload, ValType, Validator,
    WasmFeatures,
};

/// What the runtime needs from a module that passed the checks.
pub(super) struct Checked<'a> {
    /// The bytes of the `dexp` section.
    pub metadata: &'a [u8],
    /// The memory's initial size in 64 KiB pages.
    pub memory_pages: u64,
    /// The `dexp_coverage` export of an instrumented module: the counters' address, and
    /// `dexp_heap_base` (both constants).
    pub coverage: Option<(u32, u32)>,
}

/// The parts of a module the checks look at.
#[derive(Default)]
struct Parts<'a> {
    types: Vec<FuncType>,
    functions: Vec<u32>,
    globals: Vec<GlobalType>,
    /// Each global's initial value when it is an `i32.const`.
    global_values: Vec<Option<i32>>,
    memories: Vec<MemoryType>,
    exports: Vec<(&'a str, ExternalKind, u32)>,
    metadata: Vec<&'a [u8]>,
}

fn invalid(e: wasmparser::BinaryReaderError) -> LoadError {
    LoadError::Invalid(e.to_string())
}

/// Runs every check on `bytes`.
pub(super) fn check_module(bytes: &[u8]) -> Result<Checked<'_>, LoadError> {
    Validator::new_with_features(WasmFeatures::WASM2).validate_all(bytes).map_err(invalid)?;
    let parts = collect(bytes)?;
    let metadata = match parts.metadata.as_slice() {
        [] => return Err(LoadError::MissingMetadata),
        [one] => *one,
        _ => return Err(LoadError::DuplicateMetadata),
    };
    let memory_pages = check_memory(&parts)?;
    check_exports(&parts)?;
    let coverage = check_coverage(&parts)?;
    Ok(Checked { metadata, memory_pages, coverage })
}

fn collect(bytes: &[u8]) -> Result<Parts<'_>, LoadError> {
    let mut parts = Parts::default();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(invalid)? {
            Payload::ImportSection(reader) => {
                if let Some(group) = reader.into_iter().next() {
                    let (module, name) = match group.map_err(invalid)? {
                        Imports::Single(_, import) => (import.module, import.name),
                        Imports::Compact1 { module, .. } | Imports::Compact2 { module, .. } => (module, "*"),
                    };
                    return Err(LoadError::Import { module: module.into(), name: name.into() });
                }
            }
            Payload::StartSection { .. } => return Err(LoadError::StartFunction),
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    parts.types.push(ty.map_err(invalid)?);
                }
            }
            Payload::FunctionSection(reader) => {
                for f in reader {
                    parts.functions.push(f.map_err(invalid)?);
                }
            }
            Payload::GlobalSection(reader) => {
                for g in reader {
                    let g = g.map_err(invalid)?;
                    let mut ops = g.init_expr.get_operators_reader();
                    let value = match (ops.read(), ops.read()) {
                        (Ok(Operator::I32Const { value }), Ok(Operator::End)) => Some(value),
                        _ => None,
                    };
                    parts.globals.push(g.ty);
                    parts.global_values.push(value);
                }
            }
            Payload::MemorySection(reader) => {
                for m in reader {
                    parts.memories.push(m.map_err(invalid)?);
                }
            }
            Payload::ExportSection(reader) => {
                for e in reader {
                    let e = e.map_err(invalid)?;
                    parts.exports.push((e.name, e.kind, e.index));
                }
            }
            Payload::CustomSection(reader) if reader.name() == SECTION => {
                parts.metadata.push(reader.data());
            }
            _ => {}
        }
    }
    Ok(parts)
}

fn check_memory(parts: &Parts) -> Result<u64, LoadError> {
    let [memory] = parts.memories.as_slice() else {
        return Err(LoadError::Memory(format!(
            "a policy has exactly one memory, this module has {}",
            parts.memories.len()
        )));
    };
    if memory.memory64 || memory.shared || memory.page_size_log2.is_some() {
        return Err(LoadError::Memory("it must be a 32-bit, non-shared memory of 64 KiB pages".into()));
    }
    Ok(memory.initial)
}

fn check_exports(parts: &Parts) -> Result<(), LoadError> {
    for (name, _, _) in &parts.exports {
        if !EXPORTS.contains(name) && *name != EXPORT_COVERAGE {
            return Err(LoadError::UnexpectedExport((*name).into()));
        }
    }
    let find = |name: &str| {
        parts
            .exports
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|&(_, kind, index)| (kind, index))
            .ok_or_else(|| LoadError::MissingExport(name.into()))
    };
    let wrong = |name: &str, expected: &str, found: String| LoadError::WrongExport {
        name: name.into(),
        expected: expected.into(),
        found,
    };

    let expected = "the module's memory";
    match find(EXPORT_MEMORY)? {
        (ExternalKind::Memory, 0) => {}
        (kind, index) => return Err(wrong(EXPORT_MEMORY, expected, describe(kind, index))),
    }

    let expected = "an immutable i32 global";
    match find(EXPORT_HEAP_BASE)? {
        (ExternalKind::Global, index) => match parts.globals.get(index as usize) {
            Some(g) if g.content_type == ValType::I32 && !g.mutable && !g.shared => {}
            Some(g) => {
                let found = format!("a {}{} global", if g.mutable { "mutable " } else { "" }, g.content_type);
                return Err(wrong(EXPORT_HEAP_BASE, expected, found));
            }
            None => return Err(wrong(EXPORT_HEAP_BASE, expected, "missing".into())),
        },
        (kind, index) => return Err(wrong(EXPORT_HEAP_BASE, expected, describe(kind, index))),
    }

    let expected = "a function (i32, i32, i32, i32, i32) -> i32";
    match find(EXPORT_EVAL)? {
        (ExternalKind::Func, index) => {
            let ty = parts.functions.get(index as usize).and_then(|t| parts.types.get(*t as usize));
            match ty {
                Some(ty) if ty.params() == [ValType::I32; 5] && ty.results() == [ValType::I32] => {}
                Some(ty) => return Err(wrong(EXPORT_EVAL, expected, format!("a function {ty}"))),
                None => return Err(wrong(EXPORT_EVAL, expected, "missing".into())),
            }
        }
        (kind, index) => return Err(wrong(EXPORT_EVAL, expected, describe(kind, index))),
    }
    Ok(())
}

/// The optional `dexp_coverage` export: an immutable `i32` global with a constant value, like
/// `dexp_heap_base` (which [`check_exports`] has checked). Returns both values.
fn check_coverage(parts: &Parts) -> Result<Option<(u32, u32)>, LoadError> {
    let global = |name: &str| parts.exports.iter().find(|(n, _, _)| *n == name).map(|&(_, kind, index)| (kind, index));
    let Some(export) = global(EXPORT_COVERAGE) else {
        return Ok(None);
    };
    let expected = "an immutable i32 global set by `i32.const`";
    let wrong =
        |found: String| LoadError::WrongExport { name: EXPORT_COVERAGE.into(), expected: expected.into(), found };
    let constant = |index: u32| -> Option<u32> {
        let ty = parts.globals.get(index as usize)?;
        let ok = ty.content_type == ValType::I32 && !ty.mutable && !ty.shared;
        ok.then(|| parts.global_values.get(index as usize).copied().flatten()).flatten().map(|v| v as u32)
    };
    let address = match export {
        (ExternalKind::Global, index) => constant(index).ok_or_else(|| wrong(format!("global {index}")))?,
        (kind, index) => return Err(wrong(describe(kind, index))),
    };
    let heap_base =
        global(EXPORT_HEAP_BASE).and_then(|(_, index)| constant(index)).ok_or_else(|| LoadError::WrongExport {
            name: EXPORT_HEAP_BASE.into(),
            expected: "an immutable i32 global set by `i32.const` in an instrumented module".into(),
            found: "a global with another initial value".into(),
        })?;
    Ok(Some((address, heap_base)))
}

fn describe(kind: ExternalKind, index: u32) -> String {
    let kind = match kind {
        ExternalKind::Func | ExternalKind::FuncExact => "function",
        ExternalKind::Table => "table",
        ExternalKind::Memory => "memory",
        ExternalKind::Global => "global",
        ExternalKind::Tag => "tag",
    };
    format!("{kind} {index}")
}
