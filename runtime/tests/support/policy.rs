//! A tiny policy module written by hand with wasm-encoder against the ABI, and variations of it
//! that break the contract, for testing the runtime before the compiler's code generator.
//!
//! The policy: input `{id: string, a: int, b: int}`, output `{id: string, sum: int,
//! reasons: codes(R)}` where `sum = a + b` (an overflow fails the record at site 0, `a + b`),
//! and `R` lists `negative_sum` when the sum is negative and `zero_sum` when it is zero. The
//! output's `id` is the input's string, passed through by reference.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, dead_code)]

use dexp_runtime::abi::{Layout, Metadata, ABI_VERSION};
use dexp_runtime::schema::{CodeDef, FieldDef, GroupDef, GroupKind, RecordDef, Schema, Ty};
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, CustomSection, EntityType, ExportKind, ExportSection, Function, FunctionSection,
    GlobalSection, GlobalType, ImportSection, InstructionSink, MemArg, MemorySection, MemoryType, Module, StartSection,
    TypeSection, ValType,
};

/// The address below which the guest keeps its own data.
pub const HEAP_BASE: i32 = 1024;

/// How the module's `dexp_eval` behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// The policy as described.
    Sum,
    /// The policy, but a record with `a == 42` loops forever.
    LoopWhen42,
    /// Loops forever at once.
    LoopForever,
    /// Grows memory by 16 pages, over and over.
    GrowForever,
    /// Calls a function that calls itself.
    Recurse,
    /// Traps with `unreachable`.
    Unreachable,
    /// Writes this status and site for every record instead of deciding.
    Status(u32, u32),
    /// Writes these bits as every decision's reasons.
    Codes(u64),
    /// Points every decision's `id` at this offset (length 5).
    IdOffset(u32),
    /// Returns this as `var_end`.
    VarEnd(i32),
    /// Writes no slot at all.
    SkipSlots,
}

/// A module to build: the good policy by default, each field a way to break it.
#[derive(Debug, Clone)]
pub struct Spec {
    pub body: Body,
    /// The `dexp` sections' contents: none, one, or several.
    pub sections: Vec<Vec<u8>>,
    pub import: bool,
    pub start: bool,
    /// `(name, kind, index)`: functions are 0 `dexp_eval`, 1 a `() -> ()` helper, 2 a
    /// `(i32) -> i32` function; globals are 0 the heap base, 1 a mutable i32.
    pub exports: Vec<(&'static str, ExportKind, u32)>,
    pub memory: MemoryType,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            body: Body::Sum,
            sections: vec![metadata().encode().unwrap()],
            import: false,
            start: false,
            exports: vec![
                ("memory", ExportKind::Memory, 0),
                ("dexp_heap_base", ExportKind::Global, 0),
                ("dexp_eval", ExportKind::Func, 0),
            ],
            memory: MemoryType { minimum: 1, maximum: None, memory64: false, shared: false, page_size_log2: None },
        }
    }
}

impl Spec {
    /// The default module with another body.
    pub fn body(body: Body) -> Spec {
        Spec { body, ..Spec::default() }
    }
}

fn field(name: &str, ty: Ty) -> FieldDef {
    FieldDef { name: name.into(), ty }
}

/// The policy's schema.
pub fn schema() -> Schema {
    Schema {
        enums: vec![],
        records: vec![
            RecordDef {
                name: "Input".into(),
                fields: vec![field("id", Ty::String), field("a", Ty::Int), field("b", Ty::Int)],
            },
            RecordDef {
                name: "Output".into(),
                fields: vec![field("id", Ty::String), field("sum", Ty::Int), field("reasons", Ty::Codes(0))],
            },
        ],
        groups: vec![GroupDef {
            name: "R".into(),
            kind: GroupKind::Advisories,
            codes: ["negative_sum", "zero_sum"]
                .iter()
                .map(|c| CodeDef { code: (*c).into(), message: format!("the sum is {c}") })
                .collect(),
        }],
        input: 0,
        output: 1,
        key: Some(0),
    }
}

/// The policy's metadata.
pub fn metadata() -> Metadata {
    Metadata::new("sum", "1.0.0", "5eed", schema(), vec!["a + b".into()]).unwrap()
}

/// The metadata's JSON with `abi_version` replaced.
pub fn metadata_with_version(version: u32) -> Vec<u8> {
    let mut m = metadata();
    m.abi_version = version;
    assert_ne!(version, ABI_VERSION);
    m.encode().unwrap()
}

/// Builds the module `spec` describes.
pub fn build(spec: &Spec) -> Vec<u8> {
    let mut module = Module::new();
    let mut types = TypeSection::new();
    types.ty().function([ValType::I32; 5], [ValType::I32]);
    types.ty().function([], []);
    types.ty().function([ValType::I32], [ValType::I32]);
    module.section(&types);
    if spec.import {
        let mut imports = ImportSection::new();
        imports.import("env", "now", EntityType::Function(1));
        module.section(&imports);
    }
    let mut functions = FunctionSection::new();
    functions.function(0).function(1).function(2);
    module.section(&functions);
    let mut memories = MemorySection::new();
    memories.memory(spec.memory);
    module.section(&memories);
    let mut globals = GlobalSection::new();
    let i32_global = |mutable| GlobalType { val_type: ValType::I32, mutable, shared: false };
    globals.global(i32_global(false), &ConstExpr::i32_const(HEAP_BASE));
    globals.global(i32_global(true), &ConstExpr::i32_const(0));
    module.section(&globals);
    let mut exports = ExportSection::new();
    for (name, kind, index) in &spec.exports {
        exports.export(name, *kind, *index);
    }
    module.section(&exports);
    if spec.start {
        module.section(&StartSection { function_index: 1 });
    }
    let mut code = CodeSection::new();
    code.function(&eval_function(spec.body));
    let mut helper = Function::new([]);
    if spec.body == Body::Recurse {
        helper.instructions().call(1);
    }
    helper.instructions().end();
    code.function(&helper);
    let mut identity = Function::new([]);
    identity.instructions().local_get(0).end();
    code.function(&identity);
    module.section(&code);
    for data in &spec.sections {
        module.section(&CustomSection { name: "dexp".into(), data: data.into() });
    }
    let bytes = module.finish();
    // A 64-bit memory with 32-bit addresses is invalid on purpose: the runtime must say so.
    if !spec.memory.memory64 {
        wasmparser::Validator::new().validate_all(&bytes).unwrap();
    }
    bytes
}

fn mem(offset: u32, align: u32) -> MemArg {
    MemArg { offset: u64::from(offset), align, memory_index: 0 }
}

// Parameters and locals of `dexp_eval`.
const N: u32 = 0;
const IN: u32 = 1;
const OUT: u32 = 2;
const VAR_LEN: u32 = 4;
const I: u32 = 5;
const REC: u32 = 6;
const SLOT: u32 = 7;
const A: u32 = 8;
const B: u32 = 9;
const SUM: u32 = 10;

fn eval_function(body: Body) -> Function {
    let mut f = Function::new([(3, ValType::I32), (3, ValType::I64)]);
    let mut s = f.instructions();
    match body {
        Body::LoopForever => {
            s.loop_(BlockType::Empty).br(0).end().unreachable();
        }
        Body::GrowForever => {
            s.loop_(BlockType::Empty).i32_const(16).memory_grow(0).drop().br(0).end().unreachable();
        }
        Body::Recurse => {
            s.call(1).unreachable();
        }
        Body::Unreachable => {
            s.unreachable();
        }
        _ => per_record_loop(&mut s, body),
    }
    s.end();
    f
}

fn per_record_loop(s: &mut InstructionSink, body: Body) {
    let layout = Layout::of(&schema()).unwrap();
    let input = &layout.records[0].fields;
    let output = &layout.records[1].fields;
    let slot = layout.slot;
    let at = |f: &dexp_runtime::abi::FieldLayout| slot.record + f.offset;
    s.block(BlockType::Empty).loop_(BlockType::Empty);
    // while i < n
    s.local_get(I).local_get(N).i32_ge_u().br_if(1);
    // rec = in + i * input_size; slot = out + i * slot_size
    s.local_get(IN).local_get(I).i32_const(layout.input_size as i32).i32_mul().i32_add().local_set(REC);
    s.local_get(OUT).local_get(I).i32_const(slot.size as i32).i32_mul().i32_add().local_set(SLOT);
    s.local_get(REC).i64_load(mem(input[1].offset, 3)).local_set(A);
    s.local_get(REC).i64_load(mem(input[2].offset, 3)).local_set(B);
    if body == Body::LoopWhen42 {
        s.local_get(A).i64_const(42).i64_eq().if_(BlockType::Empty);
        s.loop_(BlockType::Empty).br(0).end();
        s.end();
    }
    if body != Body::SkipSlots {
        s.local_get(A).local_get(B).i64_add().local_set(SUM);
        // Overflow when both operands' signs differ from the sum's.
        s.local_get(A)
            .local_get(SUM)
            .i64_xor()
            .local_get(B)
            .local_get(SUM)
            .i64_xor()
            .i64_and()
            .i64_const(0)
            .i64_lt_s()
            .if_(BlockType::Empty);
        s.local_get(SLOT).i32_const(1).i32_store(mem(slot.status, 2));
        s.local_get(SLOT).i32_const(0).i32_store(mem(slot.site, 2));
        s.else_();
        if let Body::Status(status, site) = body {
            s.local_get(SLOT).i32_const(status as i32).i32_store(mem(slot.status, 2));
            s.local_get(SLOT).i32_const(site as i32).i32_store(mem(slot.site, 2));
        } else {
            s.local_get(SLOT).i32_const(0).i32_store(mem(slot.status, 2));
            s.local_get(SLOT).i32_const(0).i32_store(mem(slot.site, 2));
        }
        s.local_get(SLOT).local_get(SUM).i64_store(mem(at(&output[1]), 3));
        s.local_get(SLOT);
        if let Body::Codes(bits) = body {
            s.i64_const(bits as i64);
        } else {
            // (sum < 0) | (sum == 0) << 1
            s.local_get(SUM).i64_const(0).i64_lt_s().i64_extend_i32_u();
            s.local_get(SUM).i64_eqz().i64_extend_i32_u().i64_const(1).i64_shl();
            s.i64_or();
        }
        s.i64_store(mem(at(&output[2]), 3));
        s.local_get(SLOT);
        if let Body::IdOffset(offset) = body {
            s.i64_const((5i64 << 32) | i64::from(offset));
        } else {
            s.local_get(REC).i64_load(mem(input[0].offset, 2));
        }
        s.i64_store(mem(at(&output[0]), 2));
        s.end();
    }
    s.local_get(I).i32_const(1).i32_add().local_set(I).br(0);
    s.end().end();
    if let Body::VarEnd(end) = body {
        s.i32_const(end);
    } else {
        s.local_get(VAR_LEN);
    }
}

/// The decision the policy gives for `id`, `a`, `b`, as JSON, or `None` on overflow.
pub fn expected(id: &str, a: i64, b: i64) -> Option<String> {
    let sum = a.checked_add(b)?;
    let reasons = match sum {
        s if s < 0 => r#"["negative_sum"]"#,
        0 => r#"["zero_sum"]"#,
        _ => "[]",
    };
    Some(format!(r#"{{"id":{},"sum":{sum},"reasons":{reasons}}}"#, serde_json::to_string(id).unwrap()))
}
