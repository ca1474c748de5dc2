//! Operators: checked integer arithmetic, comparisons, membership, `min`/`max` and dates.
//!
//! Overflow checks are a few integer instructions and one branch that is almost never taken;
//! the failing branch writes the record's status and site and leaves the record.

use super::expr::{internal, Emitter};
use super::helpers::Helper;
use crate::ir::{ArithOp, CmpOp, DatePart, Expr, ExprKind as K, SiteId, Ty, Value};
use dexp_runtime::abi::{STATUS_DATE_RANGE, STATUS_DIVISION_BY_ZERO, STATUS_OVERFLOW};
use dexp_runtime::date::{MAX_DAY, MIN_DAY};
use wasm_encoder::{BlockType, Instruction as I, ValType};

/// The longest list whose length is known at compile time that membership (`x in list`)
/// checks without a loop.
const MAX_UNROLLED_IN: u32 = 8;

type R = Result<(), super::CodegenError>;

impl Emitter<'_, '_> {
    pub(super) fn neg(&mut self, a: &Expr, site: SiteId) -> R {
        self.expr(a)?;
        let x = self.g.f.local(ValType::I64);
        let f = self.f();
        f.set(x);
        f.get(x);
        f.i64(i64::MIN);
        f.op(I::I64Eq);
        f.if_(BlockType::Empty);
        self.fail(site, STATUS_OVERFLOW);
        let f = self.f();
        f.end();
        f.i64(0);
        f.get(x);
        f.op(I::I64Sub);
        Ok(())
    }

    pub(super) fn arith(&mut self, op: ArithOp, a: &Expr, b: &Expr, site: SiteId) -> R {
        self.expr(a)?;
        self.expr(b)?;
        if a.ty == Ty::Decimal && matches!(op, ArithOp::Mul | ArithOp::Div) {
            if op == ArithOp::Div {
                // Division by zero is checked here, as for ints; the helper checks the range.
                let y = self.g.f.local(ValType::I64);
                let f = self.f();
                f.set(y);
                f.get(y);
                f.op(I::I64Eqz);
                f.if_(BlockType::Empty);
                self.fail(site, STATUS_DIVISION_BY_ZERO);
                let f = self.f();
                f.end();
                f.get(y);
            }
            return self.decimal_mul_div(op == ArithOp::Div, site);
        }
        let (x, y, r) = (self.g.f.local(ValType::I64), self.g.f.local(ValType::I64), self.g.f.local(ValType::I64));
        self.f().set(y);
        self.f().set(x);
        match op {
            ArithOp::Add | ArithOp::Sub => {
                let add = op == ArithOp::Add;
                let f = self.f();
                f.get(x);
                f.get(y);
                f.op(if add { I::I64Add } else { I::I64Sub });
                f.set(r);
                // add: (x ^ r) & (y ^ r) < 0; sub: (x ^ y) & (x ^ r) < 0
                f.get(x);
                f.get(if add { r } else { y });
                f.op(I::I64Xor);
                f.get(if add { y } else { x });
                f.get(r);
                f.op(I::I64Xor);
                f.op(I::I64And);
                f.i64(0);
                f.op(I::I64LtS);
                f.if_(BlockType::Empty);
                self.fail(site, STATUS_OVERFLOW);
                self.f().end();
            }
            ArithOp::Mul => {
                let f = self.f();
                f.get(x);
                f.get(y);
                f.op(I::I64Mul);
                f.set(r);
                // Both factors within i32: the product cannot overflow.
                f.get(x);
                f.i64(1 << 31);
                f.op(I::I64Add);
                f.get(y);
                f.i64(1 << 31);
                f.op(I::I64Add);
                f.op(I::I64Or);
                f.i64(1 << 32);
                f.op(I::I64GeU);
                f.if_(BlockType::Empty);
                // x == -1 && y == MIN overflows, and would trap in the division below.
                f.get(x);
                f.i64(-1);
                f.op(I::I64Eq);
                f.get(y);
                f.i64(i64::MIN);
                f.op(I::I64Eq);
                f.op(I::I32And);
                f.if_(BlockType::Empty);
                self.fail(site, STATUS_OVERFLOW);
                let f = self.f();
                f.end();
                f.get(x);
                f.op(I::I64Eqz);
                f.op(I::I32Eqz);
                f.if_(BlockType::Empty);
                f.get(r);
                f.get(x);
                f.op(I::I64DivS);
                f.get(y);
                f.op(I::I64Ne);
                f.if_(BlockType::Empty);
                self.fail(site, STATUS_OVERFLOW);
                let f = self.f();
                f.end();
                f.end();
                f.end();
            }
            ArithOp::Div => {
                let f = self.f();
                f.get(y);
                f.op(I::I64Eqz);
                f.if_(BlockType::Empty);
                self.fail(site, STATUS_DIVISION_BY_ZERO);
                let f = self.f();
                f.end();
                f.get(x);
                f.i64(i64::MIN);
                f.op(I::I64Eq);
                f.get(y);
                f.i64(-1);
                f.op(I::I64Eq);
                f.op(I::I32And);
                f.if_(BlockType::Empty);
                self.fail(site, STATUS_OVERFLOW);
                let f = self.f();
                f.end();
                f.get(x);
                f.get(y);
                f.op(I::I64DivS);
                f.set(r);
            }
        }
        self.f().get(r);
        Ok(())
    }

    pub(super) fn compare(&mut self, op: CmpOp, a: &Expr, b: &Expr) -> R {
        self.expr(a)?;
        self.expr(b)?;
        let ty = &a.ty;
        match op {
            CmpOp::Eq => self.g.eq(ty)?,
            CmpOp::Ne => {
                self.g.eq(ty)?;
                self.f().op(I::I32Eqz);
            }
            _ => {
                let i = ordered(op, ty)?;
                self.f().op(i);
            }
        }
        Ok(())
    }

    /// Pushes whether `next` is strictly better than `best`, both on the stack in that order.
    pub(super) fn better(&mut self, is_max: bool, ty: &Ty) -> R {
        let i = ordered(if is_max { CmpOp::Gt } else { CmpOp::Lt }, ty)?;
        self.f().op(i);
        Ok(())
    }

    pub(super) fn in_set(&mut self, a: &Expr, set: &[Value]) -> R {
        self.expr(a)?;
        let ty = &a.ty;
        if let Some(mask) = enum_mask(self, ty, set) {
            let v = self.g.f.local(ValType::I32);
            let f = self.f();
            f.set(v);
            f.i64(mask as i64);
            f.get(v);
            f.op(I::I64ExtendI32U);
            f.op(I::I64ShrU);
            f.op(I::I32WrapI64);
            f.i32(1);
            f.op(I::I32And);
            return Ok(());
        }
        let v = self.g.stash(ty);
        self.f().i32(0);
        for value in set {
            self.g.unstash(&v);
            self.constant(value, ty)?;
            self.g.eq(ty)?;
            self.f().op(I::I32Or);
        }
        Ok(())
    }

    pub(super) fn in_list(&mut self, a: &Expr, list: &Expr) -> R {
        self.expr(a)?;
        let ty = &a.ty;
        let v = self.g.stash(ty);
        if let K::List(items) = &list.kind {
            // A literal: evaluate every item, as the interpreter does, then compare.
            let mut held = Vec::with_capacity(items.len());
            for item in items {
                self.expr(item)?;
                held.push(self.g.stash(&item.ty));
            }
            self.f().i32(0);
            for item in held {
                self.g.unstash(&v);
                self.g.unstash(&item);
                self.g.eq(ty)?;
                self.f().op(I::I32Or);
            }
            return Ok(());
        }
        let known = self.static_len(list).filter(|k| *k <= MAX_UNROLLED_IN);
        self.expr(list)?;
        let (size, _) = self.g.size_align(ty)?;
        if let Some(count) = known {
            // A length known at compile time: one comparison per element, no loop.
            let (l, p, res) =
                (self.g.f.local(ValType::I64), self.g.f.local(ValType::I32), self.g.f.local(ValType::I32));
            let f = self.f();
            f.set(l);
            f.get(l);
            f.op(I::I32WrapI64);
            f.set(p);
            f.i32(0);
            f.set(res);
            let exit = f.block(BlockType::Empty);
            for k in 0..count {
                let off = k.checked_mul(size).ok_or_else(|| internal("offset"))?;
                self.found_exit(ty, &v, (p, off), res, exit)?;
            }
            let f = self.f();
            f.end();
            f.get(res);
            return Ok(());
        }
        let (l, p, n, res) = (
            self.g.f.local(ValType::I64),
            self.g.f.local(ValType::I32),
            self.g.f.local(ValType::I32),
            self.g.f.local(ValType::I32),
        );
        let f = self.f();
        f.unpack_ref(l, p, n);
        f.i32(0);
        f.set(res);
        let exit = f.block(BlockType::Empty);
        let top = f.loop_(BlockType::Empty);
        f.get(n);
        f.op(I::I32Eqz);
        f.br_if(exit);
        self.found_exit(ty, &v, (p, 0), res, exit)?;
        let f = self.f();
        f.get(p);
        f.i32(size as i32);
        f.op(I::I32Add);
        f.set(p);
        f.close_countdown(n, top);
        f.get(res);
        Ok(())
    }

    /// One element of `in`: when the value in `v` equals the element at `p + off`, sets
    /// `res` and leaves through `exit`.
    fn found_exit(&mut self, ty: &Ty, v: &[u32], (p, off): (u32, u32), res: u32, exit: u32) -> R {
        self.g.unstash(v);
        self.g.load(ty, p, off)?;
        self.g.eq(ty)?;
        let f = self.f();
        f.if_(BlockType::Empty);
        f.i32(1);
        f.set(res);
        f.br(exit);
        f.end();
        Ok(())
    }

    pub(super) fn min_max(&mut self, is_max: bool, args: &[Expr], ty: &Ty) -> R {
        let (first, rest) = args.split_first().ok_or_else(|| internal("min/max without arguments"))?;
        self.expr(first)?;
        let vt = single(ty)?;
        let best = self.g.f.local(vt);
        self.f().set(best);
        for arg in rest {
            self.expr(arg)?;
            let next = self.g.f.local(vt);
            self.f().set(next);
            self.f().get(next);
            self.f().get(best);
            self.f().get(next);
            self.f().get(best);
            self.better(is_max, ty)?;
            self.f().op(I::Select);
            self.f().set(best);
        }
        self.f().get(best);
        Ok(())
    }

    pub(super) fn date_shift(&mut self, d: &Expr, n: &Expr, negate: bool, site: SiteId) -> R {
        const SPAN: i64 = MAX_DAY as i64 - MIN_DAY as i64;
        self.expr(d)?;
        self.f().op(I::I64ExtendI32S);
        self.expr(n)?;
        let (day, by) = (self.g.f.local(ValType::I64), self.g.f.local(ValType::I64));
        let f = self.f();
        f.set(by);
        f.set(day);
        if negate {
            // i64::MIN stays i64::MIN and fails the range check below.
            f.i64(0);
            f.get(by);
            f.op(I::I64Sub);
            f.set(by);
        }
        // |by| > SPAN cannot stay in range; below it the sum cannot overflow.
        f.get(by);
        f.i64(SPAN);
        f.op(I::I64Add);
        f.i64(2 * SPAN);
        f.op(I::I64GtU);
        f.get(day);
        f.get(by);
        f.op(I::I64Add);
        f.op(I::LocalTee(day));
        f.i64(i64::from(MIN_DAY));
        f.op(I::I64Sub);
        f.i64(SPAN);
        f.op(I::I64GtU);
        f.op(I::I32Or);
        f.if_(BlockType::Empty);
        self.fail(site, STATUS_DATE_RANGE);
        let f = self.f();
        f.end();
        f.get(day);
        f.op(I::I32WrapI64);
        Ok(())
    }

    pub(super) fn date_diff(&mut self, a: &Expr, b: &Expr) -> R {
        self.expr(a)?;
        self.f().op(I::I64ExtendI32S);
        self.expr(b)?;
        self.f().op(I::I64ExtendI32S);
        self.f().op(I::I64Sub);
        Ok(())
    }

    pub(super) fn date_part(&mut self, part: DatePart, d: &Expr) -> R {
        self.expr(d)?;
        let civil = self.g.cx.helper(Helper::Civil);
        let f = self.f();
        f.op(I::Call(civil));
        match part {
            DatePart::Year => {
                f.i32(9);
                f.op(I::I32ShrS);
            }
            DatePart::Month | DatePart::Quarter => {
                f.i32(5);
                f.op(I::I32ShrU);
                f.i32(15);
                f.op(I::I32And);
                if part == DatePart::Quarter {
                    f.i32(1);
                    f.op(I::I32Sub);
                    f.i32(3);
                    f.op(I::I32DivU);
                    f.i32(1);
                    f.op(I::I32Add);
                }
            }
            DatePart::Day => {
                f.i32(31);
                f.op(I::I32And);
            }
        }
        f.op(I::I64ExtendI32S);
        Ok(())
    }
}

/// The single value type of an ordered type.
pub(super) fn single(ty: &Ty) -> Result<ValType, super::CodegenError> {
    match ty {
        Ty::Int | Ty::Decimal => Ok(ValType::I64),
        Ty::Date | Ty::Enum(_) | Ty::Bool => Ok(ValType::I32),
        _ => Err(internal("ordering of a type without order")),
    }
}

/// The comparison instruction of an ordering on `ty`.
fn ordered(op: CmpOp, ty: &Ty) -> Result<I<'static>, super::CodegenError> {
    Ok(match (ty, op) {
        (Ty::Int | Ty::Decimal, CmpOp::Lt) => I::I64LtS,
        (Ty::Int | Ty::Decimal, CmpOp::Le) => I::I64LeS,
        (Ty::Int | Ty::Decimal, CmpOp::Gt) => I::I64GtS,
        (Ty::Int | Ty::Decimal, CmpOp::Ge) => I::I64GeS,
        (Ty::Date, CmpOp::Lt) => I::I32LtS,
        (Ty::Date, CmpOp::Le) => I::I32LeS,
        (Ty::Date, CmpOp::Gt) => I::I32GtS,
        (Ty::Date, CmpOp::Ge) => I::I32GeS,
        (Ty::Enum(_) | Ty::Bool, CmpOp::Lt) => I::I32LtU,
        (Ty::Enum(_) | Ty::Bool, CmpOp::Le) => I::I32LeU,
        (Ty::Enum(_) | Ty::Bool, CmpOp::Gt) => I::I32GtU,
        (Ty::Enum(_) | Ty::Bool, CmpOp::Ge) => I::I32GeU,
        _ => return Err(internal("ordering of a type without order")),
    })
}

/// For an enum of at most 64 variants, the set as a bitmask of variant indices.
fn enum_mask(em: &Emitter, ty: &Ty, set: &[Value]) -> Option<u64> {
    let Ty::Enum(e) = ty else { return None };
    let variants = em.program.schema.enum_def(*e)?.variants.len();
    if variants > 64 {
        return None;
    }
    set.iter().try_fold(0u64, |mask, v| match v {
        Value::Enum(i) if *i < 64 => Some(mask | 1 << i),
        _ => None,
    })
}
