//! Decimal arithmetic in Wasm, which has no 128-bit integers: the helpers that multiply and
//! divide millionths through a 128-bit intermediate held in two `i64` halves, the exact
//! comparison of a decimal with an int, and the checked conversion of an int.
//!
//! `*` and `/` work on magnitudes: the exact product (`|a| * |b|`, or `|a| * 10^6` for a
//! quotient) is formed as a high and a low 64-bit word from 32-bit partial products, divided
//! by `10^6` (or `|b|`), by long division on 32-bit limbs when the divisor is below 2^32 and by
//! a 64-step shift-and-subtract division otherwise, keeping the remainder,
//! rounded half away from zero (up when `r >= d - r`), checked against the range of the
//! result's sign and given its sign. The reference is `dexp_runtime::decimal::{mul, div}` on
//! `i128`; the differential tests hold the two together at the range's ends and at ties.
//! The helpers are generated only in modules that use them.

use super::expr::Emitter;
use super::func::Func;
use super::helpers::Helper;
use crate::ir::{CmpOp, Expr, SiteId, Ty};
use dexp_runtime::abi::STATUS_OVERFLOW;
use dexp_runtime::decimal::ONE;
use wasm_encoder::{BlockType, Instruction as I, ValType};

type R = Result<(), super::CodegenError>;

/// The largest int whose decimal is in range (`i64::MAX / 10^6`); the smallest is its negation.
const MAX_WHOLE: i64 = i64::MAX / ONE;

impl Emitter<'_, '_> {
    /// `a * b` or `a / b` on decimals (the divisor already checked to be nonzero), failing
    /// the record at `site` on overflow.
    pub(super) fn decimal_mul_div(&mut self, divide: bool, site: SiteId) -> R {
        let helper = self.g.cx.helper(if divide { Helper::DecDiv } else { Helper::DecMul });
        let (res, over) = (self.g.f.local(ValType::I64), self.g.f.local(ValType::I32));
        let f = self.f();
        f.op(I::Call(helper));
        f.set(over);
        f.set(res);
        f.get(over);
        f.if_(BlockType::Empty);
        self.fail(site, STATUS_OVERFLOW);
        let f = self.f();
        f.end();
        f.get(res);
        Ok(())
    }

    /// An int converted to a decimal, failing the record at `site` beyond the decimal range.
    pub(super) fn int_to_decimal(&mut self, a: &Expr, site: SiteId) -> R {
        self.expr(a)?;
        let x = self.g.f.local(ValType::I64);
        let f = self.f();
        f.set(x);
        // x + MAX_WHOLE > 2 * MAX_WHOLE, unsigned: x outside [-MAX_WHOLE, MAX_WHOLE].
        f.get(x);
        f.i64(MAX_WHOLE);
        f.op(I::I64Add);
        f.i64(2 * MAX_WHOLE);
        f.op(I::I64GtU);
        f.if_(BlockType::Empty);
        self.fail(site, STATUS_OVERFLOW);
        let f = self.f();
        f.end();
        f.get(x);
        f.i64(ONE);
        f.op(I::I64Mul);
        Ok(())
    }

    /// `round(a, digits)`: `q = a / step` and `r = a % step` (both toward zero), `q` moved one
    /// away from zero when `2|r| >= step`, then `q * step`, failing at `site` when that leaves
    /// the range (`|q| > i64::MAX / step`).
    pub(super) fn round(&mut self, a: &Expr, digits: u32, site: SiteId) -> R {
        self.expr(a)?;
        let Some(step) = 6u32.checked_sub(digits).and_then(|k| 10i64.checked_pow(k)) else {
            return Err(super::expr::internal("round to more than 6 digits"));
        };
        if step == 1 {
            return Ok(());
        }
        let (x, q, r) = (self.g.f.local(ValType::I64), self.g.f.local(ValType::I64), self.g.f.local(ValType::I64));
        let f = self.f();
        f.set(x);
        f.get(x);
        f.i64(step);
        f.op(I::I64DivS);
        f.set(q);
        f.get(x);
        f.i64(step);
        f.op(I::I64RemS);
        f.set(r);
        // |r| = (r ^ (r >> 63)) - (r >> 63); away from zero when 2|r| >= step.
        f.get(r);
        f.get(r);
        f.i64(63);
        f.op(I::I64ShrS);
        f.op(I::I64Xor);
        f.get(r);
        f.i64(63);
        f.op(I::I64ShrS);
        f.op(I::I64Sub);
        f.i64(2);
        f.op(I::I64Mul);
        f.i64(step);
        f.op(I::I64GeS);
        f.if_(BlockType::Empty);
        // q += sign(x): x >> 63 is -1 for a negative x; | 1 makes it 1 otherwise.
        f.get(q);
        f.get(x);
        f.i64(63);
        f.op(I::I64ShrS);
        f.i64(1);
        f.op(I::I64Or);
        f.op(I::I64Add);
        f.set(q);
        f.end();
        // q + MAX / step > 2 * (MAX / step), unsigned: |q| > MAX / step.
        f.get(q);
        f.i64(i64::MAX / step);
        f.op(I::I64Add);
        f.i64(2 * (i64::MAX / step));
        f.op(I::I64GtU);
        f.if_(BlockType::Empty);
        self.fail(site, STATUS_OVERFLOW);
        let f = self.f();
        f.end();
        f.get(q);
        f.i64(step);
        f.op(I::I64Mul);
        Ok(())
    }

    /// A comparison of an int and a decimal (in either order), exact: the helper orders the
    /// decimal against the int, and an int on the left flips the order's sign.
    pub(super) fn compare_mixed(&mut self, op: CmpOp, a: &Expr, b: &Expr) -> R {
        self.expr(a)?;
        self.expr(b)?;
        let (x, y) = (self.g.f.local(ValType::I64), self.g.f.local(ValType::I64));
        let cmp = self.g.cx.helper(Helper::DecCmpInt);
        let int_first = a.ty == Ty::Int;
        let f = self.f();
        f.set(y);
        f.set(x);
        if int_first {
            f.i32(0);
            f.get(y);
            f.get(x);
            f.op(I::Call(cmp));
            f.op(I::I32Sub);
        } else {
            f.get(x);
            f.get(y);
            f.op(I::Call(cmp));
        }
        f.i32(0);
        f.op(match op {
            CmpOp::Eq => I::I32Eq,
            CmpOp::Ne => I::I32Ne,
            CmpOp::Lt => I::I32LtS,
            CmpOp::Le => I::I32LeS,
            CmpOp::Gt => I::I32GtS,
            CmpOp::Ge => I::I32GeS,
        });
        Ok(())
    }
}

/// `(d: i64, i: i64) -> i32`: `-1`, `0` or `1` as the decimal `d` (millionths) is less than,
/// equal to or greater than the int `i`.
pub(super) fn cmp_int(f: &mut Func) {
    // An int beyond the decimal range is beyond every decimal.
    f.get(1);
    f.i64(MAX_WHOLE);
    f.op(I::I64GtS);
    f.if_(BlockType::Empty);
    f.i32(-1);
    f.op(I::Return);
    f.end();
    f.get(1);
    f.i64(-MAX_WHOLE);
    f.op(I::I64LtS);
    f.if_(BlockType::Empty);
    f.i32(1);
    f.op(I::Return);
    f.end();
    let x = f.local(ValType::I64);
    f.get(1);
    f.i64(ONE);
    f.op(I::I64Mul);
    f.set(x);
    f.get(0);
    f.get(x);
    f.op(I::I64GtS);
    f.get(0);
    f.get(x);
    f.op(I::I64LtS);
    f.op(I::I32Sub);
}

/// `(a: i64, b: i64) -> (i64, i32)`: `a * b` (false) or `a / b` (true, `b` nonzero) on
/// millionths, rounded half away from zero, and `1` when the result is out of range (the
/// result word is then meaningless).
pub(super) fn mul_div(f: &mut Func, divide: bool) {
    let neg = f.local(ValType::I32);
    let [x, y, hi, lo, d, t, i] = [(); 7].map(|()| f.local(ValType::I64));
    // The result's sign, then the magnitudes (|i64::MIN| is 2^63 as an unsigned word).
    f.get(0);
    f.get(1);
    f.op(I::I64Xor);
    f.i64(0);
    f.op(I::I64LtS);
    f.set(neg);
    for (arg, local) in [(0, x), (1, y)] {
        f.get(arg);
        f.i64(0);
        f.op(I::I64LtS);
        f.if_(BlockType::Result(ValType::I64));
        f.i64(0);
        f.get(arg);
        f.op(I::I64Sub);
        f.else_();
        f.get(arg);
        f.end();
        f.set(local);
    }
    // The dividend (hi, lo) and the divisor d.
    if divide {
        f.i64(ONE);
        f.set(d);
        mul_wide(f, x, d, hi, lo, t);
        f.get(y);
        f.set(d);
    } else {
        mul_wide(f, x, y, hi, lo, t);
        f.i64(ONE);
        f.set(d);
    }
    // A quotient of 2^64 or more: overflow.
    f.get(hi);
    f.get(d);
    f.op(I::I64GeU);
    f.if_(BlockType::Empty);
    overflow(f);
    f.end();
    // A divisor below 2^32 (always for `*`, whose divisor is 10^6): long division in 32-bit
    // limbs, two 64-by-32-bit divisions. `hi < d` makes each partial dividend fit in 64 bits
    // and each partial quotient in 32. lo becomes the quotient, hi the remainder.
    f.get(d);
    f.i64(1 << 32);
    f.op(I::I64LtU);
    f.if_(BlockType::Empty);
    f.get(hi);
    f.i64(32);
    f.op(I::I64Shl);
    f.get(lo);
    f.i64(32);
    f.op(I::I64ShrU);
    f.op(I::I64Or);
    f.set(t);
    f.get(t);
    f.get(d);
    f.op(I::I64DivU);
    f.set(i);
    f.get(t);
    f.get(d);
    f.op(I::I64RemU);
    f.i64(32);
    f.op(I::I64Shl);
    f.get(lo);
    f.i64(0xffff_ffff);
    f.op(I::I64And);
    f.op(I::I64Or);
    f.set(t);
    f.get(i);
    f.i64(32);
    f.op(I::I64Shl);
    f.get(t);
    f.get(d);
    f.op(I::I64DivU);
    f.op(I::I64Or);
    f.set(lo);
    f.get(t);
    f.get(d);
    f.op(I::I64RemU);
    f.set(hi);
    f.else_();
    // Otherwise 64 steps of shift and subtract: lo becomes the quotient, hi the remainder.
    f.i64(64);
    f.set(i);
    let top = f.loop_(BlockType::Empty);
    f.get(hi);
    f.i64(63);
    f.op(I::I64ShrU);
    f.set(t);
    f.get(hi);
    f.i64(1);
    f.op(I::I64Shl);
    f.get(lo);
    f.i64(63);
    f.op(I::I64ShrU);
    f.op(I::I64Or);
    f.set(hi);
    f.get(lo);
    f.i64(1);
    f.op(I::I64Shl);
    f.set(lo);
    f.get(t);
    f.op(I::I64Eqz);
    f.op(I::I32Eqz);
    f.get(hi);
    f.get(d);
    f.op(I::I64GeU);
    f.op(I::I32Or);
    f.if_(BlockType::Empty);
    f.get(hi);
    f.get(d);
    f.op(I::I64Sub);
    f.set(hi);
    f.get(lo);
    f.i64(1);
    f.op(I::I64Or);
    f.set(lo);
    f.end();
    f.get(i);
    f.i64(1);
    f.op(I::I64Sub);
    f.set(i);
    f.get(i);
    f.op(I::I64Eqz);
    f.op(I::I32Eqz);
    f.br_if(top);
    f.end();
    f.end();
    // Above 2^63 no sign can hold it (and the rounding below cannot wrap).
    f.get(lo);
    f.i64(i64::MIN);
    f.op(I::I64GtU);
    f.if_(BlockType::Empty);
    overflow(f);
    f.end();
    // Half away from zero: up when r >= d - r.
    f.get(hi);
    f.get(d);
    f.get(hi);
    f.op(I::I64Sub);
    f.op(I::I64GeU);
    f.if_(BlockType::Empty);
    f.get(lo);
    f.i64(1);
    f.op(I::I64Add);
    f.set(lo);
    f.end();
    // The range: up to 2^63 - 1 for a positive result, 2^63 for a negative one.
    f.get(lo);
    f.i64(i64::MAX);
    f.get(neg);
    f.op(I::I64ExtendI32U);
    f.op(I::I64Add);
    f.op(I::I64GtU);
    f.if_(BlockType::Empty);
    overflow(f);
    f.end();
    f.get(neg);
    f.if_(BlockType::Result(ValType::I64));
    f.i64(0);
    f.get(lo);
    f.op(I::I64Sub);
    f.else_();
    f.get(lo);
    f.end();
    f.i32(0);
}

/// Returns "out of range" from [`mul_div`].
fn overflow(f: &mut Func) {
    f.i64(0);
    f.i32(1);
    f.op(I::Return);
}

/// `(hi, lo) = a * b`, unsigned 64 x 64 -> 128 bits, from four 32-bit partial products; `t`
/// is scratch.
fn mul_wide(f: &mut Func, a: u32, b: u32, hi: u32, lo: u32, t: u32) {
    let half = |f: &mut Func, v: u32, high: bool| {
        f.get(v);
        if high {
            f.i64(32);
            f.op(I::I64ShrU);
        } else {
            f.i64(0xffff_ffff);
            f.op(I::I64And);
        }
    };
    let product = |f: &mut Func, ah: bool, bh: bool| {
        half(f, a, ah);
        half(f, b, bh);
        f.op(I::I64Mul);
    };
    // t = (a0 * b0 >> 32) + lo32(a0 * b1) + lo32(a1 * b0): the middle column with its carry.
    product(f, false, false);
    f.set(lo);
    f.get(lo);
    f.i64(32);
    f.op(I::I64ShrU);
    product(f, false, true);
    f.set(hi);
    f.get(hi);
    f.i64(0xffff_ffff);
    f.op(I::I64And);
    f.op(I::I64Add);
    f.get(hi);
    f.i64(32);
    f.op(I::I64ShrU);
    f.set(hi);
    product(f, true, false);
    f.set(t);
    f.get(t);
    f.i64(0xffff_ffff);
    f.op(I::I64And);
    f.op(I::I64Add);
    // hi = a1 * b1 + (a0 * b1 >> 32) + (a1 * b0 >> 32) + (middle >> 32)
    f.get(t);
    f.i64(32);
    f.op(I::I64ShrU);
    f.get(hi);
    f.op(I::I64Add);
    product(f, true, true);
    f.op(I::I64Add);
    f.set(hi);
    // The stack holds the middle column: lo = lo32(a0 * b0) | middle << 32.
    f.set(t);
    f.get(hi);
    f.get(t);
    f.i64(32);
    f.op(I::I64ShrU);
    f.op(I::I64Add);
    f.set(hi);
    f.get(lo);
    f.i64(0xffff_ffff);
    f.op(I::I64And);
    f.get(t);
    f.i64(32);
    f.op(I::I64Shl);
    f.op(I::I64Or);
    f.set(lo);
}
