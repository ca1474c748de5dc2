//! Maps in generated code: the lookup `m[key]` and the test `key in m`, as a binary search over
//! the map's entries, which the host wrote sorted by the bytes of their keys (the layout in
//! `runtime/src/abi.rs`: each entry is its key, a string, then its value at offset 8). A
//! lookup is `O(log n)` key comparisons, each `O(length of the shorter key)`, and uses no
//! memory. List operations over a map run over its entries in place, like a list's elements
//! ([`super::quant`]).

use super::expr::Emitter;
use super::func::{mem, Func};
use super::helpers::Helper;
use super::repr::Gen;
use crate::ir::{Expr, Ty};
use wasm_encoder::{BlockType, Instruction as I, ValType};

type R = Result<(), super::CodegenError>;

impl Emitter<'_, '_> {
    /// Pushes the address of the entry of `key` in `map`, or `0` when there is none.
    pub(super) fn map_find(&mut self, map: &Expr, key: &Expr) -> R {
        let Ty::Map(value) = &map.ty else {
            return Err(super::expr::internal("lookup in a non-map"));
        };
        let (entry_size, _) = self.g.size_align(&Ty::Entry(value.clone()))?;
        let find = self.g.cx.helper(Helper::MapFind(entry_size));
        self.expr(map)?;
        self.expr(key)?;
        self.f().op(I::Call(find));
        Ok(())
    }

    /// Pushes `m[key]`, an optional: present with the entry's value, or absent.
    pub(super) fn map_get(&mut self, map: &Expr, key: &Expr) -> R {
        let Ty::Map(value) = &map.ty else {
            return Err(super::expr::internal("lookup in a non-map"));
        };
        self.map_find(map, key)?;
        let at = self.g.f.local(ValType::I32);
        self.f().set(at);
        self.f().get(at);
        self.f().i32(0);
        self.f().op(I::I32Ne);
        let bt = self.g.block_type(value);
        self.f().get(at);
        self.f().if_(bt);
        self.g.load(value, at, dexp_runtime::abi::ENTRY_VALUE_OFFSET)?;
        self.f().else_();
        self.g.zero(value);
        self.f().end();
        Ok(())
    }
}

/// The body of [`Helper::StrCmp`]: the first differing byte decides (found a word at a time),
/// else the shorter string comes first.
pub(super) fn str_cmp(f: &mut Func) {
    let [la, lb, pa, pb, i, n, ba, bb] = [(); 8].map(|()| f.local(ValType::I32));
    for (packed, len, ptr) in [(0, la, pa), (1, lb, pb)] {
        f.get(packed);
        f.i64(32);
        f.op(I::I64ShrU);
        f.op(I::I32WrapI64);
        f.set(len);
        f.get(packed);
        f.op(I::I32WrapI64);
        f.set(ptr);
    }
    // n = min(la, lb)
    f.get(la);
    f.get(lb);
    f.get(la);
    f.get(lb);
    f.op(I::I32LtU);
    f.op(I::Select);
    f.set(n);
    f.i32(0);
    f.set(i);
    let x = f.local(ValType::I64);
    super::helpers::skip_equal_words(f, [pa, pb, i, n], x);
    let done = f.block(BlockType::Empty);
    let top = f.loop_(BlockType::Empty);
    f.get(i);
    f.get(n);
    f.op(I::I32Eq);
    f.br_if(done);
    for (ptr, byte) in [(pa, ba), (pb, bb)] {
        f.get(ptr);
        f.get(i);
        f.op(I::I32Add);
        f.op(I::I32Load8U(mem(0, 1)));
        f.set(byte);
    }
    f.get(ba);
    f.get(bb);
    f.op(I::I32Ne);
    f.if_(BlockType::Empty);
    sign(f, ba, bb);
    f.op(I::Return);
    f.end();
    f.add_i32(i, 1);
    f.br(top);
    f.end();
    f.end();
    sign(f, la, lb);
}

/// Pushes `(a > b) - (a < b)` of two unsigned `i32` locals.
fn sign(f: &mut Func, a: u32, b: u32) {
    f.get(a);
    f.get(b);
    f.op(I::I32GtU);
    f.get(a);
    f.get(b);
    f.op(I::I32LtU);
    f.op(I::I32Sub);
}

/// The body of [`Helper::MapFind`] for entries `entry_size` bytes apart; `cmp` is the
/// [`Helper::StrCmp`] function. The search keeps `lo <= found < hi` over entry indices. `0`
/// means "absent" because no entry lies at address 0: entries are in the variable area, which
/// the host places above the (non-empty) input and decision areas of the batch.
pub(super) fn map_find(g: &mut Gen, entry_size: u32, cmp: u32) {
    let [base, lo, hi, mid, at, c] = [(); 6].map(|()| g.f.local(ValType::I32));
    let f = &mut g.f;
    f.get(0);
    f.op(I::I32WrapI64);
    f.set(base);
    f.get(0);
    f.i64(32);
    f.op(I::I64ShrU);
    f.op(I::I32WrapI64);
    f.set(hi);
    f.i32(0);
    f.set(lo);
    let top = f.loop_(BlockType::Empty);
    f.get(lo);
    f.get(hi);
    f.op(I::I32GeU);
    f.if_(BlockType::Empty);
    f.i32(0);
    f.op(I::Return);
    f.end();
    // mid = lo + (hi - lo) / 2; at = base + mid * entry_size
    f.get(lo);
    f.get(hi);
    f.get(lo);
    f.op(I::I32Sub);
    f.i32(1);
    f.op(I::I32ShrU);
    f.op(I::I32Add);
    f.set(mid);
    f.get(base);
    f.get(mid);
    f.i32(entry_size as i32);
    f.op(I::I32Mul);
    f.op(I::I32Add);
    f.set(at);
    // The entry's key, stored relative to var_ptr, against the key sought.
    f.get(at);
    f.op(I::I64Load(mem(0, 4)));
    g.var_ptr();
    let f = &mut g.f;
    f.op(I::I64Add);
    f.get(1);
    f.op(I::Call(cmp));
    f.op(I::LocalTee(c));
    f.op(I::I32Eqz);
    f.if_(BlockType::Empty);
    f.get(at);
    f.op(I::Return);
    f.end();
    f.get(c);
    f.i32(0);
    f.op(I::I32LtS);
    f.if_(BlockType::Empty);
    f.get(mid);
    f.i32(1);
    f.op(I::I32Add);
    f.set(lo);
    f.else_();
    f.get(mid);
    f.set(hi);
    f.end();
    f.br(top);
    f.end();
    f.i32(0);
}
