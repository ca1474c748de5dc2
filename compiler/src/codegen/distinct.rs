//! The helpers of `count distinct`: an in-place heapsort of the 8-byte values a list operation
//! collected in the scratch area, then one pass counting where neighbours differ. O(n log n)
//! time, no memory beyond the buffer, no recursion. Any total order works as long as equal
//! values are adjacent: ints (and dates, enum variants and bools, sign-extended) sort as signed
//! `i64`s, strings by length and then by bytes.

use super::func::{mem, Func};
use wasm_encoder::{BlockType, Instruction as I, ValType};

/// The parameters of [`count_distinct`].
const BASE: u32 = 0;
const N: u32 = 1;

/// How two loaded values are compared: the `i64`s themselves, or strings through the
/// `StrBefore` and `StrEq` helpers (function indices).
#[derive(Clone, Copy)]
enum Order {
    Ints,
    Strings { before: u32, eq: u32 },
}

impl Order {
    /// With the two values on the stack: whether the first sorts before the second.
    fn before(self, f: &mut Func) {
        match self {
            Order::Ints => f.op(I::I64LtS),
            Order::Strings { before, .. } => f.op(I::Call(before)),
        }
    }

    /// With the two values on the stack: whether they differ.
    fn differ(self, f: &mut Func) {
        match self {
            Order::Ints => f.op(I::I64Ne),
            Order::Strings { eq, .. } => {
                f.op(I::Call(eq));
                f.op(I::I32Eqz);
            }
        }
    }
}

/// Pushes the address of value `i` (an `i32` local).
fn addr(f: &mut Func, i: u32) {
    f.get(BASE);
    f.get(i);
    f.i32(3);
    f.op(I::I32Shl);
    f.op(I::I32Add);
}

/// Pushes value `i`.
fn load(f: &mut Func, i: u32) {
    addr(f, i);
    f.op(I::I64Load(mem(0, 8)));
}

/// Swaps values `i` and `j`, through the `i64` locals `x` and `y`.
fn swap(f: &mut Func, i: u32, j: u32, (x, y): (u32, u32)) {
    load(f, i);
    f.set(x);
    load(f, j);
    f.set(y);
    addr(f, i);
    f.get(y);
    f.op(I::I64Store(mem(0, 8)));
    addr(f, j);
    f.get(x);
    f.op(I::I64Store(mem(0, 8)));
}

/// Moves the value at `root` down the heap of the first `end` values until both children sort
/// before it (`child`, `c1` are scratch `i32` locals).
fn sift(f: &mut Func, order: Order, [root, end, child, c1]: [u32; 4], xy: (u32, u32)) {
    let done = f.block(BlockType::Empty);
    let top = f.loop_(BlockType::Empty);
    // child = 2 * root + 1; none: done.
    f.get(root);
    f.i32(1);
    f.op(I::I32Shl);
    f.i32(1);
    f.op(I::I32Add);
    f.set(child);
    f.get(child);
    f.get(end);
    f.op(I::I32GeU);
    f.br_if(done);
    // The larger of the two children.
    f.get(child);
    f.i32(1);
    f.op(I::I32Add);
    f.set(c1);
    f.get(c1);
    f.get(end);
    f.op(I::I32LtU);
    f.if_(BlockType::Empty);
    load(f, child);
    load(f, c1);
    order.before(f);
    f.if_(BlockType::Empty);
    f.get(c1);
    f.set(child);
    f.end();
    f.end();
    // In heap order already: done.
    load(f, root);
    load(f, child);
    order.before(f);
    f.op(I::I32Eqz);
    f.br_if(done);
    swap(f, root, child, xy);
    f.get(child);
    f.set(root);
    f.br(top);
    f.end();
    f.end();
}

/// `(base: i32, n: i32) -> i64`: heapsorts the `n` values at `base` and counts the distinct
/// ones. `strings` gives the `StrBefore` and `StrEq` helpers when the values are strings.
pub(super) fn count_distinct(f: &mut Func, strings: Option<(u32, u32)>) {
    let order = match strings {
        Some((before, eq)) => Order::Strings { before, eq },
        None => Order::Ints,
    };
    let [start, end, root, child, c1] = [(); 5].map(|()| f.local(ValType::I32));
    let xy = (f.local(ValType::I64), f.local(ValType::I64));
    let count = f.local(ValType::I64);

    // Build the heap: sift every parent, the last first.
    f.get(N);
    f.i32(1);
    f.op(I::I32ShrU);
    f.set(start);
    let built = f.block(BlockType::Empty);
    let top = f.loop_(BlockType::Empty);
    f.get(start);
    f.op(I::I32Eqz);
    f.br_if(built);
    f.add_i32(start, -1);
    f.get(start);
    f.set(root);
    f.get(N);
    f.set(end);
    sift(f, order, [root, end, child, c1], xy);
    f.br(top);
    f.end();
    f.end();

    // Move the greatest to the end, one at a time.
    f.get(N);
    f.set(end);
    let sorted = f.block(BlockType::Empty);
    let top = f.loop_(BlockType::Empty);
    f.get(end);
    f.i32(1);
    f.op(I::I32LeU);
    f.br_if(sorted);
    f.add_i32(end, -1);
    f.i32(0);
    f.set(root);
    swap(f, root, end, xy);
    sift(f, order, [root, end, child, c1], xy);
    f.br(top);
    f.end();
    f.end();

    // Count the runs: 1 for the first value, 1 more where a value differs from the one before.
    f.get(N);
    f.op(I::I32Eqz);
    f.if_(BlockType::Empty);
    f.i64(0);
    f.op(I::Return);
    f.end();
    f.i64(1);
    f.set(count);
    f.i32(1);
    f.set(start);
    let counted = f.block(BlockType::Empty);
    let top = f.loop_(BlockType::Empty);
    f.get(start);
    f.get(N);
    f.op(I::I32GeU);
    f.br_if(counted);
    f.get(start);
    f.i32(1);
    f.op(I::I32Sub);
    f.set(root);
    load(f, root);
    load(f, start);
    order.differ(f);
    f.op(I::I64ExtendI32U);
    f.get(count);
    f.op(I::I64Add);
    f.set(count);
    f.add_i32(start, 1);
    f.br(top);
    f.end();
    f.end();
    f.get(count);
}

/// `(a: i64, b: i64) -> i32`: whether string `a` sorts before `b`: the shorter first, then
/// the first differing byte (found a word at a time).
pub(super) fn str_before(f: &mut Func) {
    let [la, lb, pa, pb, i, ba, bb] = [(); 7].map(|()| f.local(ValType::I32));
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
    f.get(la);
    f.get(lb);
    f.op(I::I32Ne);
    f.if_(BlockType::Empty);
    f.get(la);
    f.get(lb);
    f.op(I::I32LtU);
    f.op(I::Return);
    f.end();
    f.i32(0);
    f.set(i);
    let x = f.local(ValType::I64);
    super::helpers::skip_equal_words(f, [pa, pb, i, la], x);
    let top = f.loop_(BlockType::Empty);
    f.get(i);
    f.get(la);
    f.op(I::I32Eq);
    f.if_(BlockType::Empty);
    f.i32(0);
    f.op(I::Return);
    f.end();
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
    f.get(ba);
    f.get(bb);
    f.op(I::I32LtU);
    f.op(I::Return);
    f.end();
    f.add_i32(i, 1);
    f.br(top);
    f.end();
    f.i32(0);
}
