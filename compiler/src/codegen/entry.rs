//! `dexp_eval(n, in_ptr, out_ptr, var_ptr, var_len) -> var_end`: the batch loop around the
//! inlined record evaluation.
//!
//! Per batch: note `var_ptr`, place the scratch area after the variable area, copy the
//! constant strings to its start and set the bump pointer after them. Per record: clear the
//! memo flags (and reset the bump pointer when decisions never refer to scratch data), run the
//! fused passes over input lists ([`super::fuse`]), write the output record into the slot,
//! then the status word. A failure writes its own status
//! and site and branches to the next record.

use super::expr::{Emitter, Regs};
use super::func::{mem, Func};
use super::helpers::Helper;
use super::repr::{has_refs, Gen, Var};
use super::{CodegenError, Ctx, GLOBAL_VAR_PTR};
use crate::ir::Ty;
use dexp_runtime::abi::STATUS_DECIDED;
use wasm_encoder::{BlockType, Instruction as I, ValType};

// Parameters of `dexp_eval`.
const N: u32 = 0;
const IN_PTR: u32 = 1;
const OUT_PTR: u32 = 2;
const VAR_PTR: u32 = 3;
const VAR_LEN: u32 = 4;

/// Generates `dexp_eval`.
pub(super) fn dexp_eval(cx: &mut Ctx) -> Result<Func, CodegenError> {
    let program = cx.program;
    let input_size = cx.layout.input_size;
    let slot_layout = cx.layout.slot;
    let reset_heap = !has_refs(cx, &Ty::Record(program.schema.output), 0);
    let grow = cx.helper(Helper::Grow);

    let mut f = Func::new(vec![ValType::I32; 5], vec![ValType::I32]);
    let var64 = f.local(ValType::I64);
    let regs = Regs {
        rec: f.local(ValType::I32),
        slot: f.local(ValType::I32),
        pool64: f.local(ValType::I64),
        heap: f.local(ValType::I32),
        mem_end: f.local(ValType::I64),
    };
    let (i, pool, heap_start) = (f.local(ValType::I32), f.local(ValType::I32), f.local(ValType::I32));

    // The record body sits inside: block $done, loop $top, block $cont.
    f.depth = 3;
    let cont = 3;
    let g = Gen { cx, f, var: Var::Local(var64) };
    let mut em = Emitter::new(g, program, regs, cont);
    em.push_frame(program.output.locals);
    // Instrumented builds keep every operation at its site, so that counters count the source.
    if em.g.cx.counters.is_none() {
        em.fused_passes(&super::fuse::plan(program))?;
    }
    em.expr_into(&program.output.expr, regs.slot, slot_layout.record)?;
    em.pop_frame();
    let flags = em.flags();
    let mut g = em.g;
    let f = &mut g.f;
    f.get(regs.slot);
    f.i32(STATUS_DECIDED as i32);
    f.op(I::I32Store(mem(slot_layout.status, 4)));
    f.get(regs.slot);
    f.i32(0);
    f.op(I::I32Store(mem(slot_layout.site, 4)));
    let body = std::mem::take(&mut f.code);
    let pool_len = g.cx.pool.len() as u32;
    let pool_addr = g.cx.pool_addr;

    // The prologue, now that the constant pool is complete.
    f.depth = 0;
    f.get(VAR_PTR);
    f.op(I::I64ExtendI32U);
    f.set(var64);
    f.get(var64);
    f.op(I::GlobalSet(GLOBAL_VAR_PTR));
    // The scratch area starts at the next multiple of 8 after the variable area.
    f.get(VAR_PTR);
    f.get(VAR_LEN);
    f.op(I::I32Add);
    f.i32(7);
    f.op(I::I32Add);
    f.i32(-8);
    f.op(I::I32And);
    f.set(pool);
    f.get(pool);
    f.op(I::I64ExtendI32U);
    f.set(regs.pool64);
    f.op(I::MemorySize(0));
    f.op(I::I64ExtendI32U);
    f.i64(16);
    f.op(I::I64Shl);
    f.set(regs.mem_end);
    f.get(regs.pool64);
    f.i64(i64::from(pool_len));
    f.op(I::I64Add);
    f.get(regs.mem_end);
    f.op(I::I64GtU);
    f.if_(BlockType::Empty);
    f.get(regs.pool64);
    f.i64(i64::from(pool_len));
    f.op(I::I64Add);
    f.op(I::Call(grow));
    f.set(regs.mem_end);
    f.end();
    if pool_len > 0 {
        f.get(pool);
        f.i32(pool_addr as i32);
        f.i32(pool_len as i32);
        f.op(I::MemoryCopy { src_mem: 0, dst_mem: 0 });
    }
    f.get(pool);
    f.i32(pool_len as i32);
    f.op(I::I32Add);
    f.op(I::LocalTee(regs.heap));
    f.set(heap_start);
    f.i32(0);
    f.set(i);
    f.get(IN_PTR);
    f.set(regs.rec);
    f.get(OUT_PTR);
    f.set(regs.slot);

    // The loop.
    let done = f.block(BlockType::Empty);
    let top = f.loop_(BlockType::Empty);
    f.get(i);
    f.get(N);
    f.op(I::I32GeU);
    f.br_if(done);
    if reset_heap {
        f.get(heap_start);
        f.set(regs.heap);
    }
    for flag in flags {
        f.i32(0);
        f.set(flag);
    }
    f.block(BlockType::Empty);
    f.code.extend(body);
    f.end();
    for (local, step) in [(i, 1), (regs.rec, input_size), (regs.slot, slot_layout.size)] {
        f.get(local);
        f.i32(step as i32);
        f.op(I::I32Add);
        f.set(local);
    }
    f.br(top);
    f.end();
    f.end();
    // var_end: everything decisions refer to lies below the bump pointer.
    f.get(regs.heap);
    f.get(VAR_PTR);
    f.op(I::I32Sub);
    Ok(g.f)
}
