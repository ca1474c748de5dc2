//! List operations (`all`, `any`, `count`, `sum`, `max`, `min`) as one loop over the list's
//! elements in place: no copy, the element's slot bound to its address (records) or loaded
//! value (everything else), `all`/`any` leaving at the first deciding element.

use super::expr::{internal, Emitter};
use super::ops::single;
use crate::ir::{Quant, QuantKind, Ty};
use dexp_runtime::abi::STATUS_OVERFLOW;
use wasm_encoder::{BlockType, Instruction as I, ValType};

type R = Result<(), super::CodegenError>;

impl Emitter<'_, '_> {
    pub(super) fn quant(&mut self, q: &Quant, ty: &Ty) -> R {
        let Ty::List(elem) = &q.list.ty else {
            return Err(internal("list operation over a non-list"));
        };
        self.expr(&q.list)?;
        let (size, _) = self.g.size_align(elem)?;
        let (l, p, n) = (self.g.f.local(ValType::I64), self.g.f.local(ValType::I32), self.g.f.local(ValType::I32));
        let f = self.f();
        f.unpack_ref(l, p, n);

        // The accumulator: a bool for all/any, an i64 for count/sum, the best value and
        // whether there is one for max/min.
        let has = self.g.f.local(ValType::I32);
        let acc = match q.kind {
            QuantKind::All | QuantKind::Any => {
                let acc = self.g.f.local(ValType::I32);
                self.f().i32(i32::from(q.kind == QuantKind::All));
                self.f().set(acc);
                acc
            }
            QuantKind::Count | QuantKind::Sum => {
                let acc = self.g.f.local(ValType::I64);
                self.f().i64(0);
                self.f().set(acc);
                acc
            }
            QuantKind::Max | QuantKind::Min => {
                let acc = self.g.f.local(single(ty)?);
                self.f().i32(0);
                self.f().set(has);
                self.g.zero(ty);
                self.f().set(acc);
                acc
            }
        };

        // The element's slot.
        let slot = if matches!(**elem, Ty::Record(_)) {
            vec![p]
        } else {
            super::repr::vals(elem).into_iter().map(|v| self.g.f.local(v)).collect()
        };
        self.bind(q.slot, slot.clone())?;

        let before = self.state.clone();
        let inside: Vec<_> = q.filter.iter().chain(q.body.iter()).collect();
        self.reach_maybe(&inside);

        let exit = self.f().block(BlockType::Empty);
        let top = self.f().loop_(BlockType::Empty);
        self.f().get(n);
        self.f().op(I::I32Eqz);
        self.f().br_if(exit);
        let next = self.f().block(BlockType::Empty);
        if !matches!(**elem, Ty::Record(_)) {
            self.g.load(elem, p, 0)?;
            for l in slot.iter().rev() {
                self.f().set(*l);
            }
        }
        if let Some(filter) = &q.filter {
            self.expr(filter)?;
            self.f().op(I::I32Eqz);
            self.f().br_if(next);
        }
        match q.kind {
            QuantKind::All | QuantKind::Any => {
                let any = q.kind == QuantKind::Any;
                match &q.body {
                    Some(body) => self.expr(body)?,
                    None => self.f().i32(1),
                }
                if !any {
                    self.f().op(I::I32Eqz);
                }
                let f = self.f();
                f.if_(BlockType::Empty);
                f.i32(i32::from(any));
                f.set(acc);
                f.br(exit);
                f.end();
            }
            QuantKind::Count => {
                let f = self.f();
                f.get(acc);
                f.i64(1);
                f.op(I::I64Add);
                f.set(acc);
            }
            QuantKind::Sum => {
                match &q.body {
                    Some(body) => self.expr(body)?,
                    None => self.f().i64(0),
                }
                let (v, r) = (self.g.f.local(ValType::I64), self.g.f.local(ValType::I64));
                let f = self.f();
                f.set(v);
                f.get(acc);
                f.get(v);
                f.op(I::I64Add);
                f.set(r);
                // (acc ^ r) & (v ^ r) < 0 means the sum overflowed.
                f.get(acc);
                f.get(r);
                f.op(I::I64Xor);
                f.get(v);
                f.get(r);
                f.op(I::I64Xor);
                f.op(I::I64And);
                f.i64(0);
                f.op(I::I64LtS);
                f.if_(BlockType::Empty);
                self.fail(q.site.unwrap_or(0), STATUS_OVERFLOW);
                let f = self.f();
                f.end();
                f.get(r);
                f.set(acc);
            }
            QuantKind::Max | QuantKind::Min => {
                if let Some(body) = &q.body {
                    self.expr(body)?;
                    let v = self.g.f.local(single(ty)?);
                    self.f().set(v);
                    // Keep `v` when it is the first, or strictly better (the first of equals
                    // stays).
                    self.f().get(has);
                    self.f().op(I::I32Eqz);
                    self.f().get(v);
                    self.f().get(acc);
                    self.better(q.kind == QuantKind::Max, ty)?;
                    let f = self.f();
                    f.op(I::I32Or);
                    f.if_(BlockType::Empty);
                    f.get(v);
                    f.set(acc);
                    f.end();
                    f.i32(1);
                    f.set(has);
                }
            }
        }
        let f = self.f();
        f.end(); // next
        f.get(p);
        f.i32(size as i32);
        f.op(I::I32Add);
        f.set(p);
        f.close_countdown(n, top);

        // The body may or may not have run: what it computed is not certain afterwards.
        let mut after = before;
        after.merge(&self.state);
        self.state = after;

        match q.kind {
            QuantKind::Max | QuantKind::Min => {
                self.f().get(has);
                let bt = self.g.block_type(ty);
                self.f().if_(bt);
                self.f().get(acc);
                self.f().else_();
                let before = self.state.clone();
                match &q.default {
                    Some(d) => self.expr(d)?,
                    None => self.g.zero(ty),
                }
                self.state.merge(&before);
                self.f().end();
            }
            _ => self.f().get(acc),
        }
        Ok(())
    }
}
