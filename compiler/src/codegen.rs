//! The WebAssembly back end: checked IR in, a self-contained policy module out.
//!
//! The module follows the contract of [`dexp_runtime::abi`] exactly: it imports nothing, exports
//! its memory, the immutable `dexp_heap_base` global and `dexp_eval`, and carries the
//! [`Metadata`] in one `dexp` custom section. [`generate`] validates its own output with
//! wasmparser before returning it, and is deterministic: the same program and hash give the
//! same bytes.
//!
//! # How the code is shaped
//!
//! `dexp_eval` is one loop over the batch. The whole record evaluation is inlined into it:
//! helper functions of the policy are inlined at each call (the checker rules out recursion),
//! and definitions and groups are computed at most once per record, into locals, guarded by a
//! memo flag only where the code generator cannot prove whether they were already computed
//! (see [`expr`]). Values live on the operand stack and in locals:
//!
//! | type | representation |
//! |---|---|
//! | `bool`, enum, `date` | `i32` |
//! | `int`, `codes(G)` | `i64` |
//! | `string`, `list of T` | `i64`: absolute address in the low half, length in the high half |
//! | record | `i32` address of the record in its fixed layout |
//! | `T?` | `i32` tag (0 absent, 1 present), then the representation of `T` |
//!
//! Records and lists built by the policy go to the scratch area above the variable area (a
//! bump allocator that grows memory when needed); the output record is written straight into
//! the decision slot. The constant strings of the policy are stored in a data segment below
//! `dexp_heap_base` and copied to the start of the scratch area once per batch, so that every
//! string or list a decision refers to lies inside `[var_ptr, var_ptr + var_end)`.
//!
//! List operations loop over their list in place, one loop per generator; the pure ones over
//! the same input list are computed together in one loop at the start of the record instead
//! (see [`fuse`]).
//!
//! A failing record (overflow, division by zero, a date out of range) writes its status and
//! site into its slot and branches to the next record; the guest never traps on purpose.
//!
//! # Instrumented builds
//!
//! [`generate_instrumented`] adds coverage counters (module `coverage`) at the bottom of the
//! guest's memory, before the constant strings, and exports their address as
//! `dexp_coverage`. With no counters, the layout, code and bytes are those of [`generate`].

mod coverage;
mod decimal;
mod distinct;
mod entry;
mod expr;
mod func;
mod fuse;
mod helpers;
mod maps;
mod ops;
mod quant;
mod repr;

use crate::ir::{Branch, Program};
use coverage::Counters;
use dexp_runtime::abi::{self, Layout, Metadata};
use func::Func;
use helpers::Helper;
use std::collections::HashMap;
use wasm_encoder::{
    CodeSection, ConstExpr, CustomSection, DataSection, ExportKind, ExportSection, FunctionSection, GlobalSection,
    GlobalType, MemorySection, MemoryType, Module, TypeSection, ValType,
};

/// Why a checked program could not be compiled to a module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum CodegenError {
    /// The policy's types have no byte layout under the ABI (for example a record too large).
    #[error("the policy's types do not fit the module ABI: {0}")]
    #[diagnostic(code(dexp::codegen::layout), help("make the input and output records smaller"))]
    Layout(String),
    /// The generated code exceeds a limit of WebAssembly or of the code generator.
    #[error("the policy is too large to compile: {0}")]
    #[diagnostic(
        code(dexp::codegen::too_large),
        help("helper functions are inlined at every call: call large functions less often, or through a `let`")
    )]
    TooLarge(String),
    /// The program has a shape the checker should have ruled out, or the generated module is
    /// not valid WebAssembly: a bug in the compiler.
    #[error("internal code generator error: {0}")]
    #[diagnostic(
        code(dexp::codegen::internal),
        help("this is a bug in dexpc; please report it together with the policy")
    )]
    Internal(String),
}

/// Where the guest's own data starts: the constant strings of a plain module, the coverage
/// counters (then the constant strings) of an instrumented one.
const DATA_ADDR: u32 = 16;

/// The largest number of locals wasmparser accepts in one function.
const MAX_LOCALS: usize = 50_000;

/// The largest number of instructions in one function before the policy counts as too large.
const MAX_INSTRUCTIONS: usize = 4_000_000;

/// Index of the exported `dexp_heap_base` global.
const GLOBAL_HEAP_BASE: u32 = 0;
/// Index of the mutable global holding `var_ptr` as an `i64`, for helper functions.
const GLOBAL_VAR_PTR: u32 = 1;
/// Index of the exported `dexp_coverage` global of an instrumented module.
const GLOBAL_COVERAGE: u32 = 2;

/// Compiles a checked program to a policy module for the ABI of [`dexp_runtime::abi`].
///
/// `source_hash` is the lowercase hexadecimal hash of the policy source stored in the
/// metadata. The output has passed wasmparser validation.
pub fn generate(program: &Program, source_hash: &str) -> Result<Vec<u8>, CodegenError> {
    build(program, source_hash, None)
}

/// Compiles a checked program to an instrumented module, for measuring coverage in tests:
/// decisions are those of [`generate`]'s module, and the module also counts, in guest memory,
/// how often each requirement and advisory held and failed and each branch of each `if` and
/// `match` was taken (see [`dexp_runtime::abi`], "Instrumented modules").
///
/// `branches` is the checker's table of the program's `if`s and `match`es
/// ([`crate::check::Checked::branches`]) and `source` the policy text the program was checked
/// from: they give the owner and `line:col` of each counted construct in the metadata's
/// coverage table.
pub fn generate_instrumented(
    program: &Program,
    branches: &[Branch],
    source_hash: &str,
    source: &str,
) -> Result<Vec<u8>, CodegenError> {
    build(program, source_hash, Some(Counters::plan(program, branches, source, DATA_ADDR)))
}

fn build(program: &Program, source_hash: &str, counters: Option<Counters>) -> Result<Vec<u8>, CodegenError> {
    let sites = program.sites.iter().map(|s| s.path.clone()).collect();
    let version = program.version.clone().unwrap_or_default();
    let mut metadata = Metadata::new(program.name.clone(), version, source_hash, program.schema.clone(), sites)
        .map_err(|e| CodegenError::Layout(e.to_string()))?;
    metadata.coverage = counters.as_ref().map(|c| c.table().to_vec());
    let section = metadata.encode().map_err(|e| CodegenError::Internal(e.to_string()))?;
    let mut cx = Ctx::new(program, metadata.layout, counters)?;
    let main = entry::dexp_eval(&mut cx)?;
    let mut funcs = vec![main];
    let mut next = 0;
    while let Some(helper) = cx.helpers.get(next).cloned() {
        funcs.push(helpers::build(&mut cx, &helper)?);
        next += 1;
    }
    for f in &funcs {
        if f.local_count() > MAX_LOCALS {
            return Err(CodegenError::TooLarge(format!(
                "a function needs {} locals, more than the {MAX_LOCALS} WebAssembly allows",
                f.local_count()
            )));
        }
    }
    let bytes = assemble(&mut cx, &funcs, &section);
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::WASM2)
        .validate_all(&bytes)
        .map_err(|e| CodegenError::Internal(format!("invalid module: {e}")))?;
    Ok(bytes)
}

/// Lays out the sections of the module.
fn assemble(cx: &mut Ctx, funcs: &[Func], metadata: &[u8]) -> Vec<u8> {
    let type_of: Vec<u32> = funcs.iter().map(|f| cx.func_type(f.params().to_vec(), f.results().to_vec())).collect();
    let mut types = TypeSection::new();
    for (params, results) in &cx.types {
        types.ty().function(params.iter().copied(), results.iter().copied());
    }
    let mut functions = FunctionSection::new();
    for t in type_of {
        functions.function(t);
    }
    let pool_len = cx.pool.len() as u64;
    let heap_base = (u64::from(cx.pool_addr) + pool_len + 7) & !7;
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: heap_base.div_ceil(1 << 16).max(1),
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut globals = GlobalSection::new();
    let immutable_i32 = GlobalType { val_type: ValType::I32, mutable: false, shared: false };
    globals.global(immutable_i32, &ConstExpr::i32_const(heap_base as i32));
    let mutable_i64 = GlobalType { val_type: ValType::I64, mutable: true, shared: false };
    globals.global(mutable_i64, &ConstExpr::i64_const(0));
    if let Some(counters) = &cx.counters {
        globals.global(immutable_i32, &ConstExpr::i32_const(counters.base() as i32));
    }
    let mut exports = ExportSection::new();
    exports.export(abi::EXPORT_MEMORY, ExportKind::Memory, 0);
    exports.export(abi::EXPORT_HEAP_BASE, ExportKind::Global, GLOBAL_HEAP_BASE);
    exports.export(abi::EXPORT_EVAL, ExportKind::Func, 0);
    if cx.counters.is_some() {
        exports.export(abi::EXPORT_COVERAGE, ExportKind::Global, GLOBAL_COVERAGE);
    }
    let mut code = CodeSection::new();
    for f in funcs {
        code.function(&f.encode());
    }
    let mut module = Module::new();
    module.section(&types).section(&functions).section(&memories).section(&globals).section(&exports).section(&code);
    if !cx.pool.is_empty() {
        let mut data = DataSection::new();
        data.active(0, &ConstExpr::i32_const(cx.pool_addr as i32), cx.pool.iter().copied());
        module.section(&data);
    }
    module.section(&CustomSection { name: abi::SECTION.into(), data: metadata.into() });
    module.finish()
}

/// Module-wide state shared by the functions being generated.
pub(crate) struct Ctx<'p> {
    program: &'p Program,
    layout: Layout,
    /// Function types, deduplicated, in order of first use.
    types: Vec<(Vec<ValType>, Vec<ValType>)>,
    /// The constant string bytes, copied to the scratch area at the start of each batch.
    pool: Vec<u8>,
    pooled: HashMap<Vec<u8>, u32>,
    /// Helper functions in order of first use; helper `i` is function `i + 1`.
    helpers: Vec<Helper>,
    /// The coverage counters of an instrumented build.
    counters: Option<Counters>,
    /// Where the constant strings lie below `dexp_heap_base`: after the counters, if any.
    pool_addr: u32,
}

impl<'p> Ctx<'p> {
    fn new(program: &'p Program, layout: Layout, counters: Option<Counters>) -> Result<Ctx<'p>, CodegenError> {
        let counter_bytes = counters.as_ref().map_or(0, Counters::bytes);
        let pool_addr = DATA_ADDR
            .checked_add(counter_bytes)
            .filter(|end| *end < 1 << 30)
            .ok_or_else(|| CodegenError::TooLarge("the coverage counters exceed 1 GiB".into()))?;
        let mut cx = Ctx {
            program,
            layout,
            types: Vec::new(),
            pool: Vec::new(),
            pooled: HashMap::new(),
            helpers: Vec::new(),
            counters,
            pool_addr,
        };
        // `dexp_eval`'s type comes first.
        cx.func_type(vec![ValType::I32; 5], vec![ValType::I32]);
        Ok(cx)
    }

    /// The index of a function type, added on first use.
    fn func_type(&mut self, params: Vec<ValType>, results: Vec<ValType>) -> u32 {
        let key = (params, results);
        match self.types.iter().position(|t| *t == key) {
            Some(i) => i as u32,
            None => {
                self.types.push(key);
                (self.types.len() - 1) as u32
            }
        }
    }

    /// The function index of a helper, which is generated after `dexp_eval`.
    fn helper(&mut self, helper: Helper) -> u32 {
        let i = match self.helpers.iter().position(|h| *h == helper) {
            Some(i) => i,
            None => {
                self.helpers.push(helper);
                self.helpers.len() - 1
            }
        };
        i as u32 + 1
    }

    /// The offset of a constant string in the pool, added on first use.
    fn pool_str(&mut self, s: &str) -> Result<u32, CodegenError> {
        if let Some(at) = self.pooled.get(s.as_bytes()) {
            return Ok(*at);
        }
        let at = u32::try_from(self.pool.len())
            .ok()
            .filter(|at| at.checked_add(s.len() as u32).is_some_and(|e| e < 1 << 30))
            .ok_or_else(|| CodegenError::TooLarge("the constant strings exceed 1 GiB".into()))?;
        self.pool.extend_from_slice(s.as_bytes());
        self.pooled.insert(s.as_bytes().to_vec(), at);
        Ok(at)
    }
}
