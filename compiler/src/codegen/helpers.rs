//! Small functions that `dexp_eval` calls instead of inlining: growing memory (a cold path),
//! structural equality of strings, lists and records, and the civil-from-days date algorithm.

use super::func::{mem, Func};
use super::repr::{Gen, Var};
use super::{CodegenError, Ctx};
use crate::ir::Ty;
use wasm_encoder::{BlockType, Instruction as I, ValType};

/// A helper function, generated once per module on first use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Helper {
    /// `(end: i64) -> i64`: grows memory to hold `end` bytes and returns the new memory size in
    /// bytes; traps when the host refuses.
    Grow,
    /// `(a: i64, b: i64) -> i32`: byte equality of two strings.
    StrEq,
    /// `(a: i64, b: i64) -> i32`: element-wise equality of two lists of the type.
    ListEq(Ty),
    /// `(a: i32, b: i32) -> i32`: field-wise equality of two records at these addresses.
    RecordEq(u32),
    /// `(day: i32) -> i32`: the civil date of a day number, packed as
    /// `year << 9 | month << 5 | day`.
    Civil,
    /// `(s: i64, prefix: i64) -> i32`: whether `s` starts with `prefix`.
    StrStarts,
    /// `(s: i64, suffix: i64) -> i32`: whether `s` ends with `suffix`.
    StrEnds,
    /// `(s: i64, part: i64) -> i32`: whether `part` occurs in `s` (every position tried:
    /// `O(len(s) * len(part))`).
    StrContains,
    /// `(a: i64, b: i64) -> i32`: equality after ASCII case folding.
    StrEqFold,
    /// `(s: i64) -> i64`: the number of characters (bytes that do not continue a UTF-8
    /// sequence).
    StrChars,
    /// `(src: i32, dst: i32, n: i32)`: copies `n` bytes mapping ASCII letters to upper case
    /// (true) or lower case (false).
    CaseMap(bool),
    /// `(base: i32, n: i32) -> i64`: sorts the `n` 8-byte values at `base` in place and
    /// returns how many distinct ones there are; packed string references (true) or `i64`s
    /// (false). See [`super::distinct`].
    Distinct(bool),
    /// `(a: i64, b: i64) -> i32`: whether string `a` comes before `b`, shorter first, then by
    /// bytes: the order `count distinct` sorts strings in.
    StrBefore,
    /// `(a: i64, b: i64) -> i32`: `-1`, `0` or `1` as string `a` comes before, equals or comes
    /// after `b` in the order of their bytes (a prefix first): the order of a map's keys.
    StrCmp,
    /// `(map: i64, key: i64) -> i32`: the address of the entry of `key` in a map whose entries
    /// are this many bytes apart, or `0` when it has none; a binary search. See
    /// [`super::maps`].
    MapFind(u32),
    /// `(a: i64, b: i64) -> (i64, i32)`: the decimal product (false) or quotient (true) of
    /// two decimals, rounded half away from zero, and whether it overflowed. See
    /// [`super::decimal`].
    DecMul,
    /// See [`Helper::DecMul`].
    DecDiv,
    /// `(d: i64, i: i64) -> i32`: `-1`, `0` or `1` as decimal `d` is below, equal to or above
    /// int `i`.
    DecCmpInt,
}

/// Generates the body of a helper.
pub(super) fn build(cx: &mut Ctx, helper: &Helper) -> Result<Func, CodegenError> {
    use ValType::{I32, I64};
    let f = match helper {
        Helper::Grow => Func::new(vec![I64], vec![I64]),
        Helper::StrEq | Helper::ListEq(_) => Func::new(vec![I64, I64], vec![I32]),
        Helper::RecordEq(_) => Func::new(vec![I32, I32], vec![I32]),
        Helper::Civil => Func::new(vec![I32], vec![I32]),
        Helper::StrStarts | Helper::StrEnds | Helper::StrContains | Helper::StrEqFold => {
            Func::new(vec![I64, I64], vec![I32])
        }
        Helper::StrChars => Func::new(vec![I64], vec![I64]),
        Helper::CaseMap(_) => Func::new(vec![I32, I32, I32], vec![]),
        Helper::Distinct(_) => Func::new(vec![I32, I32], vec![I64]),
        Helper::StrBefore | Helper::StrCmp => Func::new(vec![I64, I64], vec![I32]),
        Helper::MapFind(_) => Func::new(vec![I64, I64], vec![I32]),
        Helper::DecMul | Helper::DecDiv => Func::new(vec![I64, I64], vec![I64, I32]),
        Helper::DecCmpInt => Func::new(vec![I64, I64], vec![I32]),
    };
    let mut g = Gen { cx, f, var: Var::Global };
    match helper {
        Helper::Grow => grow(&mut g.f),
        Helper::StrEq => str_eq(&mut g.f),
        Helper::ListEq(elem) => list_eq(&mut g, elem)?,
        Helper::RecordEq(r) => record_eq(&mut g, *r)?,
        Helper::Civil => civil(&mut g.f),
        Helper::StrStarts | Helper::StrEnds | Helper::StrContains => {
            let eq = g.cx.helper(Helper::StrEq);
            affix(&mut g.f, helper, eq);
        }
        Helper::StrEqFold => str_eq_fold(&mut g.f),
        Helper::StrChars => str_chars(&mut g.f),
        Helper::CaseMap(upper) => case_map(&mut g.f, *upper),
        Helper::Distinct(strings) => {
            let helpers = strings.then(|| (g.cx.helper(Helper::StrBefore), g.cx.helper(Helper::StrEq)));
            super::distinct::count_distinct(&mut g.f, helpers);
        }
        Helper::StrBefore => super::distinct::str_before(&mut g.f),
        Helper::StrCmp => super::maps::str_cmp(&mut g.f),
        Helper::MapFind(entry_size) => {
            let cmp = g.cx.helper(Helper::StrCmp);
            super::maps::map_find(&mut g, *entry_size, cmp);
        }
        Helper::DecMul => super::decimal::mul_div(&mut g.f, false),
        Helper::DecDiv => super::decimal::mul_div(&mut g.f, true),
        Helper::DecCmpInt => super::decimal::cmp_int(&mut g.f),
    }
    Ok(g.f)
}

fn grow(f: &mut Func) {
    // pages = (end - size + 0xffff) >> 16; more than 4 GiB cannot be had.
    f.get(0);
    f.i64(1 << 32);
    f.op(I::I64GtU);
    f.if_(BlockType::Empty);
    f.op(I::Unreachable);
    f.end();
    f.get(0);
    f.op(I::MemorySize(0));
    f.op(I::I64ExtendI32U);
    f.i64(16);
    f.op(I::I64Shl);
    f.op(I::I64Sub);
    f.i64(0xffff);
    f.op(I::I64Add);
    f.i64(16);
    f.op(I::I64ShrU);
    f.op(I::I32WrapI64);
    f.op(I::MemoryGrow(0));
    f.i32(-1);
    f.op(I::I32Eq);
    f.if_(BlockType::Empty);
    f.op(I::Unreachable);
    f.end();
    f.op(I::MemorySize(0));
    f.op(I::I64ExtendI32U);
    f.i64(16);
    f.op(I::I64Shl);
}

/// The common start of the equality helpers over two packed `(offset | length << 32)`
/// arguments: return false when the lengths differ, else leave the two offsets in `pa`, `pb`
/// and the length in `n`.
fn unpack_pair(f: &mut Func, pa: u32, pb: u32, n: u32) {
    f.get(0);
    f.i64(32);
    f.op(I::I64ShrU);
    f.get(1);
    f.i64(32);
    f.op(I::I64ShrU);
    f.op(I::I64Ne);
    f.if_(BlockType::Empty);
    f.i32(0);
    f.op(I::Return);
    f.end();
    f.get(0);
    f.i64(32);
    f.op(I::I64ShrU);
    f.op(I::I32WrapI64);
    f.set(n);
    f.get(0);
    f.op(I::I32WrapI64);
    f.set(pa);
    f.get(1);
    f.op(I::I32WrapI64);
    f.set(pb);
}

/// Advances the byte index `i` (below `n`) of two strings at `pa` and `pb` over their equal
/// 8-byte words, and to the first differing byte of the first word that differs, so that a
/// byte-by-byte loop from `i` decides at once. Little-endian: the lowest set bit of the words'
/// xor lies in their first differing byte. `x` is an `i64` scratch local.
pub(super) fn skip_equal_words(f: &mut Func, [pa, pb, i, n]: [u32; 4], x: u32) {
    let exit = f.block(BlockType::Empty);
    let top = f.loop_(BlockType::Empty);
    f.get(i);
    f.i32(8);
    f.op(I::I32Add);
    f.get(n);
    f.op(I::I32GtU);
    f.br_if(exit);
    for p in [pa, pb] {
        f.get(p);
        f.get(i);
        f.op(I::I32Add);
        f.op(I::I64Load(mem(0, 1)));
    }
    f.op(I::I64Xor);
    f.set(x);
    f.get(x);
    f.op(I::I64Eqz);
    f.if_(BlockType::Empty);
    f.add_i32(i, 8);
    f.br(top);
    f.end();
    f.get(i);
    f.get(x);
    f.op(I::I64Ctz);
    f.i64(3);
    f.op(I::I64ShrU);
    f.op(I::I32WrapI64);
    f.op(I::I32Add);
    f.set(i);
    f.end();
    f.end();
}

fn str_eq(f: &mut Func) {
    let (pa, pb, n) = (f.local(ValType::I32), f.local(ValType::I32), f.local(ValType::I32));
    unpack_pair(f, pa, pb, n);
    // Eight bytes at a time, then byte by byte.
    for (width, load) in [(8, I::I64Load(mem(0, 1))), (1, I::I32Load8U(mem(0, 1)))] {
        let exit = f.block(BlockType::Empty);
        let top = f.loop_(BlockType::Empty);
        f.get(n);
        f.i32(width);
        f.op(I::I32LtU);
        f.br_if(exit);
        f.get(pa);
        f.op(load.clone());
        f.get(pb);
        f.op(load);
        f.op(if width == 8 { I::I64Ne } else { I::I32Ne });
        f.if_(BlockType::Empty);
        f.i32(0);
        f.op(I::Return);
        f.end();
        for l in [pa, pb] {
            f.add_i32(l, width);
        }
        f.get(n);
        f.i32(width);
        f.op(I::I32Sub);
        f.set(n);
        f.br(top);
        f.end();
        f.end();
    }
    f.i32(1);
}

fn list_eq(g: &mut Gen, elem: &Ty) -> Result<(), CodegenError> {
    let (size, _) = g.size_align(elem)?;
    let (pa, pb, n) = (g.f.local(ValType::I32), g.f.local(ValType::I32), g.f.local(ValType::I32));
    let f = &mut g.f;
    unpack_pair(f, pa, pb, n);
    let exit = f.block(BlockType::Empty);
    let top = f.loop_(BlockType::Empty);
    f.get(n);
    f.op(I::I32Eqz);
    f.br_if(exit);
    g.load(elem, pa, 0)?;
    g.load(elem, pb, 0)?;
    g.eq(elem)?;
    let f = &mut g.f;
    f.op(I::I32Eqz);
    f.if_(BlockType::Empty);
    f.i32(0);
    f.op(I::Return);
    f.end();
    for l in [pa, pb] {
        f.add_i32(l, size as i32);
    }
    f.close_countdown(n, top);
    f.i32(1);
    Ok(())
}

fn record_eq(g: &mut Gen, r: u32) -> Result<(), CodegenError> {
    let count = g.cx.program.schema.record(r).map_or(0, |d| d.fields.len() as u32);
    for i in 0..count {
        let (off, ty) = g.field(r, i)?;
        g.load(&ty, 0, off)?;
        g.load(&ty, 1, off)?;
        g.eq(&ty)?;
        g.f.op(I::I32Eqz);
        g.f.if_(BlockType::Empty);
        g.f.i32(0);
        g.f.op(I::Return);
        g.f.end();
    }
    g.f.i32(1);
    Ok(())
}

/// Howard Hinnant's `civil_from_days`, as `dexp_runtime::date::to_civil` computes it.
fn civil(f: &mut Func) {
    let [z, era, doe, yoe, doy, mp, m] = [(); 7].map(|()| f.local(ValType::I32));
    // z = day + 719468; era = floor(z / 146097)
    f.get(0);
    f.i32(719_468);
    f.op(I::I32Add);
    f.set(z);
    f.get(z);
    f.get(z);
    f.i32(146_096);
    f.op(I::I32Sub);
    f.get(z);
    f.i32(0);
    f.op(I::I32GeS);
    f.op(I::Select);
    f.i32(146_097);
    f.op(I::I32DivS);
    f.set(era);
    // doe = z - era * 146097
    f.get(z);
    f.get(era);
    f.i32(146_097);
    f.op(I::I32Mul);
    f.op(I::I32Sub);
    f.set(doe);
    // yoe = (doe - doe/1460 + doe/36524 - doe/146096) / 365
    f.get(doe);
    f.get(doe);
    f.i32(1460);
    f.op(I::I32DivS);
    f.op(I::I32Sub);
    f.get(doe);
    f.i32(36_524);
    f.op(I::I32DivS);
    f.op(I::I32Add);
    f.get(doe);
    f.i32(146_096);
    f.op(I::I32DivS);
    f.op(I::I32Sub);
    f.i32(365);
    f.op(I::I32DivS);
    f.set(yoe);
    // doy = doe - (365 * yoe + yoe/4 - yoe/100)
    f.get(doe);
    f.get(yoe);
    f.i32(365);
    f.op(I::I32Mul);
    f.get(yoe);
    f.i32(4);
    f.op(I::I32DivS);
    f.op(I::I32Add);
    f.get(yoe);
    f.i32(100);
    f.op(I::I32DivS);
    f.op(I::I32Sub);
    f.op(I::I32Sub);
    f.set(doy);
    // mp = (5 * doy + 2) / 153
    f.get(doy);
    f.i32(5);
    f.op(I::I32Mul);
    f.i32(2);
    f.op(I::I32Add);
    f.i32(153);
    f.op(I::I32DivS);
    f.set(mp);
    // m = mp < 10 ? mp + 3 : mp - 9
    f.get(mp);
    f.i32(3);
    f.op(I::I32Add);
    f.get(mp);
    f.i32(9);
    f.op(I::I32Sub);
    f.get(mp);
    f.i32(10);
    f.op(I::I32LtS);
    f.op(I::Select);
    f.set(m);
    // year = yoe + era * 400 + (m <= 2), shifted into place
    f.get(yoe);
    f.get(era);
    f.i32(400);
    f.op(I::I32Mul);
    f.op(I::I32Add);
    f.get(m);
    f.i32(2);
    f.op(I::I32LeS);
    f.op(I::I32Add);
    f.i32(9);
    f.op(I::I32Shl);
    f.get(m);
    f.i32(5);
    f.op(I::I32Shl);
    f.op(I::I32Or);
    // day = doy - (153 * mp + 2) / 5 + 1
    f.get(doy);
    f.get(mp);
    f.i32(153);
    f.op(I::I32Mul);
    f.i32(2);
    f.op(I::I32Add);
    f.i32(5);
    f.op(I::I32DivS);
    f.op(I::I32Sub);
    f.i32(1);
    f.op(I::I32Add);
    f.op(I::I32Or);
}

const LOW32: i64 = 0xffff_ffff;

/// `starts_with`, `ends_with` and `contains`: compares `b` with the slices of `a` of `b`'s
/// length at the first, the last, or every position, through `StrEq` (function `eq`).
/// UTF-8 is self-synchronising, so a byte match of a valid needle is a character match.
fn affix(f: &mut Func, helper: &Helper, eq: u32) {
    let (at, last) = (f.local(ValType::I64), f.local(ValType::I64));
    // last = len(a) - len(b); no match when negative.
    f.get(0);
    f.i64(32);
    f.op(I::I64ShrU);
    f.get(1);
    f.i64(32);
    f.op(I::I64ShrU);
    f.op(I::I64Sub);
    f.op(I::LocalTee(last));
    f.i64(0);
    f.op(I::I64LtS);
    f.if_(BlockType::Empty);
    f.i32(0);
    f.op(I::Return);
    f.end();
    f.i64(0);
    f.set(at);
    if *helper == Helper::StrEnds {
        f.get(last);
        f.set(at);
    }
    let exit = f.block(BlockType::Empty);
    let top = f.loop_(BlockType::Empty);
    f.get(at);
    f.get(last);
    f.op(I::I64GtS);
    f.br_if(exit);
    // (offset(a) + at) | len(b) << 32, against b.
    f.get(0);
    f.i64(LOW32);
    f.op(I::I64And);
    f.get(at);
    f.op(I::I64Add);
    f.get(1);
    f.i64(!LOW32);
    f.op(I::I64And);
    f.op(I::I64Or);
    f.get(1);
    f.op(I::Call(eq));
    f.if_(BlockType::Empty);
    f.i32(1);
    f.op(I::Return);
    f.end();
    if *helper == Helper::StrContains {
        f.get(at);
        f.i64(1);
        f.op(I::I64Add);
        f.set(at);
        f.br(top);
    }
    f.end();
    f.end();
    f.i32(0);
}

/// Pushes `c` (an `i32` byte in local `c`) folded to lower case when it is ASCII `A`-`Z`.
fn fold_byte(f: &mut Func, c: u32) {
    f.get(c);
    f.get(c);
    f.i32(i32::from(b'A'));
    f.op(I::I32Sub);
    f.i32(26);
    f.op(I::I32LtU);
    f.i32(5);
    f.op(I::I32Shl);
    f.op(I::I32Or);
}

fn str_eq_fold(f: &mut Func) {
    let (pa, pb, n) = (f.local(ValType::I32), f.local(ValType::I32), f.local(ValType::I32));
    let (ca, cb) = (f.local(ValType::I32), f.local(ValType::I32));
    unpack_pair(f, pa, pb, n);
    let exit = f.block(BlockType::Empty);
    let top = f.loop_(BlockType::Empty);
    f.get(n);
    f.op(I::I32Eqz);
    f.br_if(exit);
    f.get(pa);
    f.op(I::I32Load8U(mem(0, 1)));
    f.set(ca);
    f.get(pb);
    f.op(I::I32Load8U(mem(0, 1)));
    f.set(cb);
    fold_byte(f, ca);
    fold_byte(f, cb);
    f.op(I::I32Ne);
    f.if_(BlockType::Empty);
    f.i32(0);
    f.op(I::Return);
    f.end();
    for l in [pa, pb] {
        f.add_i32(l, 1);
    }
    f.close_countdown(n, top);
    f.i32(1);
}

fn str_chars(f: &mut Func) {
    let (p, n, count) = (f.local(ValType::I32), f.local(ValType::I32), f.local(ValType::I64));
    let packed = f.local(ValType::I64);
    f.get(0);
    f.unpack_ref(packed, p, n);
    let exit = f.block(BlockType::Empty);
    let top = f.loop_(BlockType::Empty);
    f.get(n);
    f.op(I::I32Eqz);
    f.br_if(exit);
    // count += (byte & 0xc0) != 0x80
    f.get(count);
    f.get(p);
    f.op(I::I32Load8U(mem(0, 1)));
    f.i32(0xc0);
    f.op(I::I32And);
    f.i32(0x80);
    f.op(I::I32Ne);
    f.op(I::I64ExtendI32U);
    f.op(I::I64Add);
    f.set(count);
    f.get(p);
    f.i32(1);
    f.op(I::I32Add);
    f.set(p);
    f.close_countdown(n, top);
    f.get(count);
}

fn case_map(f: &mut Func, upper: bool) {
    let c = f.local(ValType::I32);
    let first = if upper { b'a' } else { b'A' };
    let exit = f.block(BlockType::Empty);
    let top = f.loop_(BlockType::Empty);
    f.get(2);
    f.op(I::I32Eqz);
    f.br_if(exit);
    f.get(1);
    f.get(0);
    f.op(I::I32Load8U(mem(0, 1)));
    f.set(c);
    // A letter of the source case has bit 5 flipped.
    f.get(c);
    f.get(c);
    f.i32(i32::from(first));
    f.op(I::I32Sub);
    f.i32(26);
    f.op(I::I32LtU);
    f.i32(5);
    f.op(I::I32Shl);
    f.op(I::I32Xor);
    f.op(I::I32Store8(mem(0, 1)));
    for l in [0, 1] {
        f.get(l);
        f.i32(1);
        f.op(I::I32Add);
        f.set(l);
    }
    f.close_countdown(2, top);
}
