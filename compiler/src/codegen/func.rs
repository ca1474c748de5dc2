//! A function under construction: its signature, locals and instructions, with the block
//! nesting tracked so that branches can name their target by a stable label.

use super::{CodegenError, MAX_INSTRUCTIONS};
use wasm_encoder::{BlockType, Function, Instruction, MemArg, ValType};

/// A label: the nesting depth just inside the block, loop or `if` it names.
pub(super) type Label = u32;

/// A function being generated.
pub(super) struct Func {
    params: Vec<ValType>,
    results: Vec<ValType>,
    locals: Vec<ValType>,
    pub(super) code: Vec<Instruction<'static>>,
    /// How many blocks enclose the next instruction.
    pub(super) depth: u32,
}

impl Func {
    pub(super) fn new(params: Vec<ValType>, results: Vec<ValType>) -> Func {
        Func { params, results, locals: Vec::new(), code: Vec::new(), depth: 0 }
    }

    pub(super) fn params(&self) -> &[ValType] {
        &self.params
    }

    pub(super) fn results(&self) -> &[ValType] {
        &self.results
    }

    /// Parameters and locals together.
    pub(super) fn local_count(&self) -> usize {
        self.params.len() + self.locals.len()
    }

    /// A new local of type `ty`.
    pub(super) fn local(&mut self, ty: ValType) -> u32 {
        self.locals.push(ty);
        (self.params.len() + self.locals.len() - 1) as u32
    }

    pub(super) fn op(&mut self, i: Instruction<'static>) {
        self.code.push(i);
    }

    /// Fails once the function grows past what the generator accepts.
    pub(super) fn check_size(&self) -> Result<(), CodegenError> {
        if self.code.len() > MAX_INSTRUCTIONS {
            return Err(CodegenError::TooLarge(format!(
                "the evaluation function exceeds {MAX_INSTRUCTIONS} instructions"
            )));
        }
        Ok(())
    }

    pub(super) fn block(&mut self, bt: BlockType) -> Label {
        self.op(Instruction::Block(bt));
        self.depth += 1;
        self.depth
    }

    pub(super) fn loop_(&mut self, bt: BlockType) -> Label {
        self.op(Instruction::Loop(bt));
        self.depth += 1;
        self.depth
    }

    pub(super) fn if_(&mut self, bt: BlockType) -> Label {
        self.op(Instruction::If(bt));
        self.depth += 1;
        self.depth
    }

    pub(super) fn else_(&mut self) {
        self.op(Instruction::Else);
    }

    pub(super) fn end(&mut self) {
        self.op(Instruction::End);
        self.depth = self.depth.saturating_sub(1);
    }

    /// The relative depth of `label` from here.
    pub(super) fn rel(&self, label: Label) -> u32 {
        self.depth.saturating_sub(label)
    }

    pub(super) fn br(&mut self, label: Label) {
        let rel = self.rel(label);
        self.op(Instruction::Br(rel));
    }

    pub(super) fn br_if(&mut self, label: Label) {
        let rel = self.rel(label);
        self.op(Instruction::BrIf(rel));
    }

    pub(super) fn get(&mut self, local: u32) {
        self.op(Instruction::LocalGet(local));
    }

    /// `local += k` for an `i32` local (a pointer stepping over elements or bytes).
    pub(super) fn add_i32(&mut self, local: u32, k: i32) {
        self.get(local);
        self.i32(k);
        self.op(Instruction::I32Add);
        self.set(local);
    }

    /// Closes a count-down loop: `n -= 1`, back to `top`, then the ends of the loop and of
    /// the block around it that the loop's exit test branches to.
    pub(super) fn close_countdown(&mut self, n: u32, top: Label) {
        self.get(n);
        self.i32(1);
        self.op(Instruction::I32Sub);
        self.set(n);
        self.br(top);
        self.end();
        self.end();
    }

    /// Pops a packed string or list reference (`offset | length << 32`) into `packed`, and
    /// splits it into its offset (`ptr`) and its length (`len`).
    pub(super) fn unpack_ref(&mut self, packed: u32, ptr: u32, len: u32) {
        self.set(packed);
        self.get(packed);
        self.op(Instruction::I32WrapI64);
        self.set(ptr);
        self.get(packed);
        self.i64(32);
        self.op(Instruction::I64ShrU);
        self.op(Instruction::I32WrapI64);
        self.set(len);
    }

    pub(super) fn set(&mut self, local: u32) {
        self.op(Instruction::LocalSet(local));
    }

    pub(super) fn i32(&mut self, v: i32) {
        self.op(Instruction::I32Const(v));
    }

    pub(super) fn i64(&mut self, v: i64) {
        self.op(Instruction::I64Const(v));
    }

    /// The finished function body.
    pub(super) fn encode(&self) -> Function {
        let mut f = Function::new_with_locals_types(self.locals.iter().copied());
        for i in &self.code {
            f.instruction(i);
        }
        f.instruction(&Instruction::End);
        f
    }
}

/// A memory immediate with the natural alignment of an access of `bytes` bytes.
pub(super) fn mem(offset: u32, bytes: u32) -> MemArg {
    MemArg { offset: u64::from(offset), align: bytes.trailing_zeros(), memory_index: 0 }
}
