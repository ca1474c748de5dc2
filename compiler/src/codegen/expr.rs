//! Expressions to instructions, in the interpreter's evaluation order.
//!
//! Definitions and groups are computed at most once per record, into locals. The emitter
//! tracks, at every point of the code it generates, which of them are certainly computed
//! (`done`) and which may be (`maybe`): a reference to a done one just reads its locals; the
//! first reference on a path where it cannot have been computed yet computes it without a
//! check; only where both are possible does the code test the memo flag. Branches (`if`,
//! `match`, `and`/`or`, `??`) fork the state and merge it afterwards (done: on every path;
//! maybe: on some path), and a loop body starts with everything it can reach marked maybe.
//! A definition reached only in an untaken branch is therefore never computed and cannot fail
//! the record, as the interpreter requires.
//!
//! One liberty is taken where nobody can tell: an `and`/`or` whose right side, or an `if`
//! whose two arms, are a few loads, comparisons and logical operations on scalars that cannot
//! fail, possibly through `let`s, `if`s and helper calls of the same ([`Emitter::cheap`]),
//! evaluate them unconditionally and combine with `i32.and`/`i32.or` or `select`, so that the
//! processor has no data-dependent branch to mispredict. Fused `all`/`any` passes
//! (`quant.rs`) fold such a filter and body into their accumulator the same way.

use super::func::{Func, Label};
use super::repr::Gen;
use super::CodegenError;
use crate::ir::{ExprKind as K, *};
use std::collections::HashMap;
use wasm_encoder::{BlockType, Instruction as I, ValType};

type R = Result<(), CodegenError>;

pub(super) fn internal(what: &str) -> CodegenError {
    CodegenError::Internal(what.into())
}

/// Locals of `dexp_eval` that the expression code uses.
#[derive(Debug, Clone, Copy)]
pub(super) struct Regs {
    /// Address of the current input record.
    pub rec: u32,
    /// Address of the current decision slot.
    pub slot: u32,
    /// Absolute address of the constant strings (`i64`).
    pub pool64: u32,
    /// The scratch area's bump pointer.
    pub heap: u32,
    /// Current memory size in bytes (`i64`).
    pub mem_end: u32,
}

/// What is known about the record-level values at a point of the generated code.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct State {
    done: Vec<bool>,
    maybe: Vec<bool>,
}

impl State {
    pub(super) fn merge(&mut self, other: &State) {
        for (d, o) in self.done.iter_mut().zip(&other.done) {
            *d &= *o;
        }
        for (m, o) in self.maybe.iter_mut().zip(&other.maybe) {
            *m |= *o;
        }
    }
}

/// The memo of a definition or group: its flag and the locals holding its value.
#[derive(Debug, Clone)]
struct Memo {
    flag: u32,
    value: Vec<u32>,
}

/// Generates the record evaluation inside `dexp_eval`.
pub(super) struct Emitter<'c, 'p> {
    pub(super) g: Gen<'c, 'p>,
    pub(super) program: &'p Program,
    pub(super) regs: Regs,
    /// The block a failed record branches out of.
    pub(super) cont: Label,
    memos: Vec<Option<Memo>>,
    pub(super) state: State,
    frames: Vec<Vec<Option<Vec<u32>>>>,
    /// For each frame, the constant arguments of the helper call it inlines, when they all
    /// are ([`super::fuse::const_args`]).
    frame_consts: Vec<Option<Vec<Value>>>,
    /// The list operations computed by the record's fused passes, and the locals holding
    /// their results (the accumulator, and for `max`/`min` whether there is one, unless the
    /// accumulator holds the result either way).
    pub(super) fused: HashMap<super::fuse::Key, (u32, Option<u32>)>,
}

impl<'c, 'p> Emitter<'c, 'p> {
    pub(super) fn new(g: Gen<'c, 'p>, program: &'p Program, regs: Regs, cont: Label) -> Self {
        let nodes = program.defs.len() + program.groups.len();
        Emitter {
            g,
            program,
            regs,
            cont,
            memos: vec![None; nodes],
            state: State { done: vec![false; nodes], maybe: vec![false; nodes] },
            frames: Vec::new(),
            frame_consts: Vec::new(),
            fused: HashMap::new(),
        }
    }

    pub(super) fn f(&mut self) -> &mut Func {
        &mut self.g.f
    }

    /// The memo flags, which must be cleared before each record.
    pub(super) fn flags(&self) -> Vec<u32> {
        self.memos.iter().flatten().map(|m| m.flag).collect()
    }

    pub(super) fn push_frame(&mut self, slots: u32) {
        self.frames.push(vec![None; slots as usize]);
        self.frame_consts.push(None);
    }

    pub(super) fn pop_frame(&mut self) {
        self.frames.pop();
        self.frame_consts.pop();
    }

    /// The constant arguments of the helper call the current frame inlines, when they all are.
    pub(super) fn frame_consts(&self) -> Option<Vec<Value>> {
        self.frame_consts.last().cloned().flatten()
    }

    /// Records that the current frame inlines a helper called with these constants.
    pub(super) fn set_frame_consts(&mut self, consts: Option<Vec<Value>>) {
        if let Some(last) = self.frame_consts.last_mut() {
            *last = consts;
        }
    }

    pub(super) fn bind(&mut self, slot: u32, locals: Vec<u32>) -> R {
        let frame = self.frames.last_mut().ok_or_else(|| internal("no frame"))?;
        if frame.len() <= slot as usize {
            frame.resize(slot as usize + 1, None);
        }
        let s = frame.get_mut(slot as usize).ok_or_else(|| internal("slot"))?;
        *s = Some(locals);
        Ok(())
    }

    fn slot(&self, slot: u32) -> Result<Vec<u32>, CodegenError> {
        self.frames
            .last()
            .and_then(|f| f.get(slot as usize))
            .cloned()
            .flatten()
            .ok_or_else(|| internal("unbound local slot"))
    }

    /// Marks everything `exprs` can reach as possibly computed (the start of a loop body).
    pub(super) fn reach_maybe(&mut self, exprs: &[&Expr]) {
        let mut seen_fns = vec![false; self.program.fns.len()];
        for e in exprs {
            self.reach(e, &mut seen_fns);
        }
    }

    fn reach(&mut self, e: &Expr, seen_fns: &mut Vec<bool>) {
        let program = self.program;
        match &e.kind {
            K::Def(id) if self.mark_maybe(*id as usize) => {
                if let Some(d) = program.defs.get(*id as usize) {
                    self.reach(&d.body.expr, seen_fns);
                }
            }
            K::Codes(g) if self.mark_maybe(program.defs.len() + *g as usize) => {
                if let Some(group) = program.groups.get(*g as usize) {
                    for rule in &group.rules {
                        self.reach(&rule.cond.expr, seen_fns);
                    }
                }
            }
            K::Call(f, _) => {
                if let Some(seen) = seen_fns.get_mut(*f as usize) {
                    if !*seen {
                        *seen = true;
                        if let Some(func) = program.fns.get(*f as usize) {
                            self.reach(&func.body.expr, seen_fns);
                        }
                    }
                }
            }
            _ => {}
        }
        for child in children(e) {
            self.reach(child, seen_fns);
        }
    }

    /// Marks a node as possibly computed; true when it was not before.
    fn mark_maybe(&mut self, idx: usize) -> bool {
        match self.state.maybe.get_mut(idx) {
            Some(m) if !*m => {
                *m = true;
                true
            }
            _ => false,
        }
    }

    /// Writes a failure into the decision slot and moves on to the next record.
    pub(super) fn fail(&mut self, site: SiteId, status: u32) {
        let slot = self.regs.slot;
        let cont = self.cont;
        let f = self.f();
        f.get(slot);
        f.i32(status as i32);
        f.op(I::I32Store(super::func::mem(0, 4)));
        f.get(slot);
        f.i32(site as i32);
        f.op(I::I32Store(super::func::mem(4, 4)));
        f.br(cont);
    }

    /// Pushes the value of `e`.
    pub(super) fn expr(&mut self, e: &Expr) -> R {
        match &e.kind {
            K::Const(v) => self.constant(v, &e.ty),
            K::Input => {
                let rec = self.regs.rec;
                self.f().get(rec);
                Ok(())
            }
            K::Local(s) => {
                let locals = self.slot(*s)?;
                self.g.unstash(&locals);
                Ok(())
            }
            K::Def(id) => self.node(*id as usize),
            K::Codes(g) => self.node(self.program.defs.len() + *g as usize),
            K::Call(f, args) => self.call(*f, args),
            K::CodesEmpty(c) => {
                self.expr(c)?;
                self.f().op(I::I64Eqz);
                Ok(())
            }
            K::HasCode(c, bit) => {
                self.expr(c)?;
                let f = self.f();
                if *bit < 64 {
                    f.i64(1i64 << bit);
                    f.op(I::I64And);
                    f.i64(0);
                    f.op(I::I64Ne);
                } else {
                    f.op(I::Drop);
                    f.i32(0);
                }
                Ok(())
            }
            K::Field(r, i) => self.field(r, *i),
            K::Not(a) => {
                self.expr(a)?;
                self.f().op(I::I32Eqz);
                Ok(())
            }
            K::And(a, b) | K::Or(a, b) if self.cheap(b) => {
                // Both sides, no branch: `b` cannot fail, has no effect and is cheap, so
                // evaluating it when `a` decides is invisible, and a data-dependent branch
                // the processor may mispredict is gone.
                self.expr(a)?;
                self.expr(b)?;
                self.f().op(if matches!(e.kind, K::And(..)) { I::I32And } else { I::I32Or });
                Ok(())
            }
            K::If(c, t, f, _)
                if self.g.cx.counters.is_none()
                    && matches!(e.ty, Ty::Bool | Ty::Int | Ty::Enum(_) | Ty::Date | Ty::Decimal)
                    && self.cheap(t)
                    && self.cheap(f) =>
            {
                // Both arms, then a `select` on the condition (same reasoning as above).
                self.expr(t)?;
                self.expr(f)?;
                self.expr(c)?;
                self.f().op(I::Select);
                Ok(())
            }
            K::And(a, b) | K::Or(a, b) => {
                let is_and = matches!(e.kind, K::And(..));
                self.expr(a)?;
                self.f().if_(BlockType::Result(ValType::I32));
                let before = self.state.clone();
                if is_and {
                    self.expr(b)?;
                    self.f().else_();
                    self.f().i32(0);
                } else {
                    self.f().i32(1);
                    self.f().else_();
                    self.expr(b)?;
                }
                self.state.merge(&before);
                self.f().end();
                Ok(())
            }
            K::Neg(a, site) => self.neg(a, *site),
            K::Arith(op, a, b, site) => self.arith(*op, a, b, *site),
            K::Compare(op, a, b) if a.ty != b.ty => self.compare_mixed(*op, a, b),
            K::Compare(op, a, b) => self.compare(*op, a, b),
            K::ToDecimal(a, site) => self.int_to_decimal(a, *site),
            K::Round(a, digits, site) => self.round(a, *digits, *site),
            K::InSet(a, set) => self.in_set(a, set),
            K::InList(a, list) => self.in_list(a, list),
            K::If(c, t, f, branch) => {
                self.expr(c)?;
                let bt = self.g.block_type(&e.ty);
                self.f().if_(bt);
                self.count_arm(*branch, 0);
                let before = self.state.clone();
                self.expr(t)?;
                let after_then = std::mem::replace(&mut self.state, before);
                self.f().else_();
                self.count_arm(*branch, 1);
                self.expr(f)?;
                self.state.merge(&after_then);
                self.f().end();
                Ok(())
            }
            K::Match(s, table, arms, branch) => self.match_(s, table, arms, *branch, &e.ty),
            K::Quant(q) => self.quant(q, &e.ty),
            K::MinMax(is_max, args) => self.min_max(*is_max, args, &e.ty),
            K::Coalesce(a, b) => self.coalesce(a, b, &e.ty),
            K::IsPresent(a) => self.is_present(a),
            K::Lift(a) => {
                self.f().i32(1);
                self.expr(a)
            }
            K::DateShift(d, n, negate, site) => self.date_shift(d, n, *negate, *site),
            K::DateDiff(a, b) => self.date_diff(a, b),
            K::DatePart(part, d) => self.date_part(*part, d),
            K::List(items) => {
                let Ty::List(elem) = &e.ty else {
                    return Err(internal("list literal of a non-list type"));
                };
                let (s, a) = self.g.size_align(elem)?;
                let count = items.len() as u32;
                let total = s.checked_mul(count).ok_or_else(too_large_list)?;
                let p = self.alloc(total, a)?;
                for (k, item) in items.iter().enumerate() {
                    self.expr_into(item, p, s * k as u32)?;
                }
                self.packed(p, count);
                Ok(())
            }
            K::Let { slot, value, body, .. } => {
                self.expr(value)?;
                let locals = self.g.stash(&value.ty);
                self.bind(*slot, locals)?;
                self.expr(body)
            }
            K::ListLen(list) => {
                // The element count is the high half of the packed reference.
                self.expr(list)?;
                let f = self.f();
                f.i64(32);
                f.op(I::I64ShrU);
                Ok(())
            }
            K::Text(op, args) => self.text(*op, args),
            K::MapGet(map, key) => self.map_get(map, key),
            K::HasKey(map, key) => {
                self.map_find(map, key)?;
                let f = self.f();
                f.i32(0);
                f.op(I::I32Ne);
                Ok(())
            }
            K::Record(_) => {
                let (size, align) = self.g.size_align(&e.ty)?;
                let p = self.alloc(size, align)?;
                self.expr_into(e, p, 0)?;
                self.f().get(p);
                Ok(())
            }
        }
    }

    /// A definition's or group's value, computed at most once per record.
    fn node(&mut self, idx: usize) -> R {
        self.g.f.check_size()?;
        let ndefs = self.program.defs.len();
        let ty = match self.program.defs.get(idx) {
            Some(def) => def.ty.clone(),
            None => Ty::Codes((idx - ndefs) as u32),
        };
        let memo = match self.memos.get(idx).cloned().flatten() {
            Some(m) => m,
            None => {
                let value = super::repr::vals(&ty).into_iter().map(|v| self.g.f.local(v)).collect();
                let m = Memo { flag: self.g.f.local(ValType::I32), value };
                if let Some(slot) = self.memos.get_mut(idx) {
                    *slot = Some(m.clone());
                }
                m
            }
        };
        let done = self.state.done.get(idx).copied().unwrap_or(false);
        if !done {
            let checked = self.state.maybe.get(idx).copied().unwrap_or(true);
            if checked {
                self.f().get(memo.flag);
                self.f().op(I::I32Eqz);
                self.f().if_(BlockType::Empty);
            }
            match self.program.defs.get(idx) {
                Some(def) => {
                    self.push_frame(def.body.locals);
                    self.expr(&def.body.expr)?;
                    self.pop_frame();
                }
                None => self.group((idx - ndefs) as u32)?,
            }
            for l in memo.value.iter().rev() {
                self.f().set(*l);
            }
            self.f().i32(1);
            self.f().set(memo.flag);
            if checked {
                self.f().end();
            }
            if let Some(d) = self.state.done.get_mut(idx) {
                *d = true;
            }
            if let Some(m) = self.state.maybe.get_mut(idx) {
                *m = true;
            }
        }
        self.g.unstash(&memo.value);
        Ok(())
    }

    /// Pushes a group's code bitset: every rule in order, bit `i` for rule `i`.
    fn group(&mut self, g: GroupId) -> R {
        let program = self.program;
        let group = program.groups.get(g as usize).ok_or_else(|| internal("unknown group"))?;
        let bits = self.g.f.local(ValType::I64);
        let scratch = self.g.cx.counters.is_some().then(|| self.g.f.local(ValType::I32));
        self.f().i64(0);
        self.f().set(bits);
        for (i, rule) in group.rules.iter().enumerate().take(64) {
            self.push_frame(rule.cond.locals);
            self.expr(&rule.cond.expr)?;
            self.pop_frame();
            if let (Some(counters), Some(scratch)) = (&self.g.cx.counters, scratch) {
                counters.rule(&mut self.g.f, g, i, scratch);
            }
            let f = self.f();
            if group.kind == GroupKind::Requirements {
                f.op(I::I32Eqz);
            }
            f.op(I::I64ExtendI32U);
            if i > 0 {
                f.i64(i as i64);
                f.op(I::I64Shl);
            }
            f.get(bits);
            f.op(I::I64Or);
            f.set(bits);
        }
        self.f().get(bits);
        Ok(())
    }

    /// Inlines a helper function: arguments in order into fresh locals, then the body.
    fn call(&mut self, id: FnId, args: &[Expr]) -> R {
        self.g.f.check_size()?;
        let program = self.program;
        let func = program.fns.get(id as usize).ok_or_else(|| internal("unknown function"))?;
        let mut bound = Vec::with_capacity(args.len());
        for arg in args {
            self.expr(arg)?;
            bound.push(self.g.stash(&arg.ty));
        }
        self.push_frame(func.body.locals.max(args.len() as u32));
        let consts = super::fuse::const_args(args).map(|c| c.into_iter().map(|(v, _)| v).collect());
        self.set_frame_consts(consts);
        for (slot, locals) in bound.into_iter().enumerate() {
            self.bind(slot as u32, locals)?;
        }
        self.expr(&func.body.expr)?;
        self.pop_frame();
        Ok(())
    }

    /// Where a record value lies: a local holding an address, and a static offset from it.
    pub(super) fn place(&mut self, e: &Expr) -> Result<(u32, u32), CodegenError> {
        match &e.kind {
            K::Input => return Ok((self.regs.rec, 0)),
            K::Local(s) if matches!(e.ty, Ty::Record(_) | Ty::Entry(_)) => {
                if let [one] = self.slot(*s)?.as_slice() {
                    return Ok((*one, 0));
                }
            }
            K::Field(r, i) if matches!(e.ty, Ty::Record(_)) => {
                if let Ty::Record(rid) = r.ty {
                    let (addr, base) = self.place(r)?;
                    let (off, _) = self.g.field(rid, *i)?;
                    let off = base.checked_add(off).ok_or_else(|| internal("offset"))?;
                    return Ok((addr, off));
                }
            }
            _ => {}
        }
        self.expr(e)?;
        let l = self.g.f.local(ValType::I32);
        self.f().set(l);
        Ok((l, 0))
    }

    fn field(&mut self, r: &Expr, i: u32) -> R {
        let (off, ty) = match &r.ty {
            Ty::Record(rid) => self.g.field(*rid, i)?,
            // A map entry: the key at 0, the value after it.
            Ty::Entry(value) if i == 0 => (0, Ty::String),
            Ty::Entry(value) => (dexp_runtime::abi::ENTRY_VALUE_OFFSET, (**value).clone()),
            _ => return Err(internal("field of a non-record")),
        };
        let (addr, base) = self.place(r)?;
        let off = base.checked_add(off).ok_or_else(|| internal("offset"))?;
        self.g.load(&ty, addr, off)
    }

    fn is_present(&mut self, a: &Expr) -> R {
        if let (K::Field(r, i), Ty::Record(rid)) = (&a.kind, &r_ty(a)) {
            let (off, _) = self.g.field(*rid, *i)?;
            let (addr, base) = self.place(r)?;
            let off = base.checked_add(off).ok_or_else(|| internal("offset"))?;
            self.f().get(addr);
            self.f().op(I::I32Load8U(super::func::mem(off, 1)));
            return Ok(());
        }
        self.expr(a)?;
        if let Ty::Optional(inner) = &a.ty {
            for _ in super::repr::vals(inner) {
                self.f().op(I::Drop);
            }
        }
        Ok(())
    }

    fn coalesce(&mut self, a: &Expr, b: &Expr, ty: &Ty) -> R {
        let Ty::Optional(inner) = &a.ty else {
            return self.expr(a);
        };
        self.expr(a)?;
        let value = self.g.stash(inner);
        let tag = self.g.f.local(ValType::I32);
        self.f().set(tag);
        self.f().get(tag);
        let bt = self.g.block_type(ty);
        self.f().if_(bt);
        if matches!(ty, Ty::Optional(_)) {
            self.f().i32(1);
        }
        self.g.unstash(&value);
        self.f().else_();
        let before = self.state.clone();
        self.expr(b)?;
        self.state.merge(&before);
        self.f().end();
        Ok(())
    }

    /// Counts entering branch `arm` of `branch`, in an instrumented build.
    fn count_arm(&mut self, branch: BranchId, arm: usize) {
        if let Some(counters) = &self.g.cx.counters {
            counters.arm(&mut self.g.f, branch, arm);
        }
    }

    fn match_(&mut self, s: &Expr, table: &[u32], arms: &[Expr], branch: BranchId, ty: &Ty) -> R {
        let k = arms.len() as u32;
        if k == 0 {
            return Err(internal("match without arms"));
        }
        self.expr(s)?;
        let v = self.g.f.local(ValType::I32);
        self.f().set(v);
        let bt = self.g.block_type(ty);
        let end = self.f().block(bt);
        for _ in 0..k {
            self.f().block(BlockType::Empty);
        }
        self.f().get(v);
        let targets: Vec<u32> = table.iter().map(|a| (*a).min(k - 1)).collect();
        self.f().op(I::BrTable(std::borrow::Cow::Owned(targets), k - 1));
        let before = self.state.clone();
        let mut merged: Option<State> = None;
        for (j, arm) in arms.iter().enumerate() {
            self.f().end();
            self.count_arm(branch, j);
            self.state = before.clone();
            self.expr(arm)?;
            match &mut merged {
                Some(m) => m.merge(&self.state),
                None => merged = Some(self.state.clone()),
            }
            if j + 1 < arms.len() {
                self.f().br(end);
            }
        }
        self.f().end();
        if let Some(m) = merged {
            self.state = m;
        }
        Ok(())
    }

    /// Allocates `size` bytes aligned to `align` in the scratch area; returns a local holding
    /// the address.
    pub(super) fn alloc(&mut self, size: u32, align: u32) -> Result<u32, CodegenError> {
        let Regs { heap, mem_end, .. } = self.regs;
        let grow = self.g.cx.helper(super::helpers::Helper::Grow);
        let p = self.g.f.local(ValType::I32);
        let end = self.g.f.local(ValType::I64);
        let f = self.f();
        f.get(heap);
        if align > 1 {
            f.i32(align as i32 - 1);
            f.op(I::I32Add);
            f.i32(-(align as i32));
            f.op(I::I32And);
        }
        f.op(I::LocalTee(p));
        f.op(I::I64ExtendI32U);
        f.i64(i64::from(size));
        f.op(I::I64Add);
        f.op(I::LocalTee(end));
        f.get(mem_end);
        f.op(I::I64GtU);
        f.if_(BlockType::Empty);
        f.get(end);
        f.op(I::Call(grow));
        f.set(mem_end);
        f.end();
        f.get(end);
        f.op(I::I32WrapI64);
        f.set(heap);
        Ok(p)
    }

    /// A text operation: the arguments in order, then a helper; `lower`/`upper` write the
    /// mapped copy to the scratch area.
    fn text(&mut self, op: TextOp, args: &[Expr]) -> R {
        use super::helpers::Helper as H;
        for a in args {
            self.expr(a)?;
        }
        let helper = match op {
            TextOp::StartsWith => H::StrStarts,
            TextOp::EndsWith => H::StrEnds,
            TextOp::Contains => H::StrContains,
            TextOp::EqIgnoreCase => H::StrEqFold,
            TextOp::Length => H::StrChars,
            TextOp::Lower | TextOp::Upper => {
                let map = self.g.cx.helper(H::CaseMap(op == TextOp::Upper));
                let (s, p, n) =
                    (self.g.f.local(ValType::I64), self.g.f.local(ValType::I32), self.g.f.local(ValType::I32));
                self.f().unpack_ref(s, p, n);
                let dst = self.alloc_n(n)?;
                let f = self.f();
                f.get(p);
                f.get(dst);
                f.get(n);
                f.op(I::Call(map));
                // The copy has the source's length.
                f.get(dst);
                f.op(I::I64ExtendI32U);
                f.get(s);
                f.i64(!0xffff_ffff);
                f.op(I::I64And);
                f.op(I::I64Or);
                return Ok(());
            }
        };
        let h = self.g.cx.helper(helper);
        self.f().op(I::Call(h));
        Ok(())
    }

    /// Allocates as many bytes as the `i32` local `n` holds in the scratch area, unaligned;
    /// returns a local holding the address.
    fn alloc_n(&mut self, n: u32) -> Result<u32, CodegenError> {
        self.alloc_scratch(n, false)
    }

    /// Allocates as many bytes as the `i32` local `n` holds in the scratch area, at a multiple
    /// of 8 when `align8`, growing memory when needed; returns a local holding the address.
    pub(super) fn alloc_scratch(&mut self, n: u32, align8: bool) -> Result<u32, CodegenError> {
        let Regs { heap, mem_end, .. } = self.regs;
        let grow = self.g.cx.helper(super::helpers::Helper::Grow);
        let p = self.g.f.local(ValType::I32);
        let end = self.g.f.local(ValType::I64);
        let f = self.f();
        f.get(heap);
        if align8 {
            f.i32(7);
            f.op(I::I32Add);
            f.i32(-8);
            f.op(I::I32And);
        }
        f.op(I::LocalTee(p));
        f.op(I::I64ExtendI32U);
        f.get(n);
        f.op(I::I64ExtendI32U);
        f.op(I::I64Add);
        f.op(I::LocalTee(end));
        f.get(mem_end);
        f.op(I::I64GtU);
        f.if_(BlockType::Empty);
        f.get(end);
        f.op(I::Call(grow));
        f.set(mem_end);
        f.end();
        f.get(end);
        f.op(I::I32WrapI64);
        f.set(heap);
        Ok(p)
    }

    /// Pushes the representation of a list of `count` elements at the address in `p`.
    fn packed(&mut self, p: u32, count: u32) {
        let f = self.f();
        f.get(p);
        f.op(I::I64ExtendI32U);
        f.i64(i64::from(count) << 32);
        f.op(I::I64Or);
    }

    /// Evaluates `e` and stores it at `addr + off`, building records in place.
    pub(super) fn expr_into(&mut self, e: &Expr, addr: u32, off: u32) -> R {
        match (&e.kind, &e.ty) {
            (K::Record(fields), Ty::Record(r)) => {
                for (i, field) in fields.iter().enumerate() {
                    let (foff, _) = self.g.field(*r, i as u32)?;
                    self.expr_into(field, addr, off + foff)?;
                }
                Ok(())
            }
            (K::Const(v), ty) => self.const_into(v, ty, addr, off),
            (_, ty) if Gen::is_scalar(ty) => {
                self.f().get(addr);
                self.expr(e)?;
                self.g.store_scalar(ty, off)
            }
            (_, ty) => {
                self.expr(e)?;
                self.g.store(ty, addr, off)
            }
        }
    }

    fn const_into(&mut self, v: &Value, ty: &Ty, addr: u32, off: u32) -> R {
        match (ty, v) {
            (Ty::Record(r), Value::Record(values)) => {
                for (i, value) in values.iter().enumerate() {
                    let (foff, fty) = self.g.field(*r, i as u32)?;
                    self.const_into(value, &fty, addr, off + foff)?;
                }
                Ok(())
            }
            _ if Gen::is_scalar(ty) => {
                self.f().get(addr);
                self.constant(v, ty)?;
                self.g.store_scalar(ty, off)
            }
            _ => {
                self.constant(v, ty)?;
                self.g.store(ty, addr, off)
            }
        }
    }

    /// Pushes a constant of type `ty`.
    pub(super) fn constant(&mut self, v: &Value, ty: &Ty) -> R {
        match (ty, v) {
            (Ty::Optional(inner), Value::Null) => {
                self.f().i32(0);
                self.g.zero(inner);
            }
            (Ty::Optional(inner), v) => {
                self.f().i32(1);
                self.constant(v, inner)?;
            }
            (_, Value::Null) => self.g.zero(ty),
            (_, Value::Bool(b)) => self.f().i32(i32::from(*b)),
            (_, Value::Int(i) | Value::Decimal(i)) => self.f().i64(*i),
            (_, Value::Date(d)) => self.f().i32(*d),
            (_, Value::Enum(e)) => self.f().i32(*e as i32),
            (_, Value::Codes(c)) => self.f().i64(*c as i64),
            (_, Value::Str(s)) => {
                let at = self.g.cx.pool_str(s)?;
                let pool = self.regs.pool64;
                let f = self.f();
                f.get(pool);
                f.i64(i64::from(at) | ((s.len() as i64) << 32));
                f.op(I::I64Add);
            }
            (Ty::Record(_), Value::Record(_)) => {
                let (size, align) = self.g.size_align(ty)?;
                let p = self.alloc(size, align)?;
                self.const_into(v, ty, p, 0)?;
                self.f().get(p);
            }
            (Ty::List(elem), Value::List(items)) => {
                let (s, a) = self.g.size_align(elem)?;
                let count = items.len() as u32;
                let total = s.checked_mul(count).ok_or_else(too_large_list)?;
                let p = self.alloc(total, a)?;
                for (k, item) in items.iter().enumerate() {
                    self.const_into(item, elem, p, s * k as u32)?;
                }
                self.packed(p, count);
            }
            _ => return Err(internal("a constant does not match its type")),
        }
        Ok(())
    }
}

fn too_large_list() -> CodegenError {
    CodegenError::TooLarge("a list literal is larger than 4 GiB".into())
}

/// The record type of the base of a field access, or `Bool` when `e` is not one.
fn r_ty(e: &Expr) -> Ty {
    match &e.kind {
        K::Field(r, _) => r.ty.clone(),
        _ => Ty::Bool,
    }
}

/// How many nodes an expression evaluated without branching may have.
pub(super) const BRANCH_FREE_BUDGET: u32 = 24;

impl Emitter<'_, '_> {
    /// Whether `e` may be evaluated where the source might not evaluate it, as straight-line
    /// code: it cannot fail, has no effect, reads no definition or group that may not have
    /// been computed yet (computing it may fail), and is at most [`BRANCH_FREE_BUDGET`] nodes of loads,
    /// comparisons and logical operations on scalars, `let`s, `if`s whose condition and arms
    /// are such (evaluated as a `select`; not in instrumented builds, which count each arm
    /// taken) and calls of helpers whose arguments and body are such (inlined, as every call
    /// is): no loops.
    pub(super) fn cheap(&self, e: &Expr) -> bool {
        let mut budget = BRANCH_FREE_BUDGET;
        self.branch_free(e, &self.frame_consts(), &mut budget)
    }

    /// [`Self::cheap`] for `e` in a frame whose helper was called with `consts`.
    fn branch_free(&self, e: &Expr, consts: &Option<Vec<Value>>, budget: &mut u32) -> bool {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        let scalar = |t: &Ty| matches!(t, Ty::Bool | Ty::Int | Ty::Enum(_) | Ty::Date | Ty::Decimal);
        match &e.kind {
            K::Const(_) => scalar(&e.ty),
            K::Input | K::Local(_) => true,
            K::Field(r, _) => matches!(r.ty, Ty::Record(_)) && self.branch_free(r, consts, budget),
            K::Not(a) | K::IsPresent(a) => self.branch_free(a, consts, budget),
            K::And(a, b) | K::Or(a, b) => self.branch_free(a, consts, budget) && self.branch_free(b, consts, budget),
            K::Compare(_, a, b) => {
                a.ty == b.ty
                    && scalar(&a.ty)
                    && self.branch_free(a, consts, budget)
                    && self.branch_free(b, consts, budget)
            }
            K::InSet(a, _) => matches!(a.ty, Ty::Enum(_) | Ty::Bool) && self.branch_free(a, consts, budget),
            K::If(c, t, f, _) => {
                self.g.cx.counters.is_none()
                    && scalar(&e.ty)
                    && self.branch_free(c, consts, budget)
                    && self.branch_free(t, consts, budget)
                    && self.branch_free(f, consts, budget)
            }
            K::Let { value, body, .. } => {
                self.branch_free(value, consts, budget) && self.branch_free(body, consts, budget)
            }
            K::Call(id, args) => {
                // The body runs in the callee's frame, whose constants are the call's.
                let inner = super::fuse::const_args(args).map(|c| c.into_iter().map(|(v, _)| v).collect());
                scalar(&e.ty)
                    && args.iter().all(|a| self.branch_free(a, consts, budget))
                    && self
                        .program
                        .fns
                        .get(*id as usize)
                        .is_some_and(|f| self.branch_free(&f.body.expr, &inner, budget))
            }
            // A definition or group computed on every path to this point is a read of its
            // locals (the memo's state says so); one that may not be is not cheap.
            K::Def(id) => scalar(&e.ty) && self.state.done.get(*id as usize).copied().unwrap_or(false),
            K::Codes(g) => self.state.done.get(self.program.defs.len() + *g as usize).copied().unwrap_or(false),
            K::CodesEmpty(a) | K::HasCode(a, _) => self.branch_free(a, consts, budget),
            // An operation a fused pass computed is a read of its locals (and, for `max`/`min`,
            // a `select` of the default, which must be cheap too).
            K::Quant(q) => {
                scalar(&e.ty)
                    && self.fused.contains_key(&super::fuse::key(q, consts.clone()))
                    && q.default.as_ref().is_none_or(|d| self.branch_free(d, consts, budget))
            }
            _ => false,
        }
    }
}

/// The direct subexpressions of `e`.
pub(super) fn children(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        K::Const(_) | K::Input | K::Local(_) | K::Def(_) | K::Codes(_) => Vec::new(),
        K::Call(_, args) | K::MinMax(_, args) | K::Record(args) | K::List(args) | K::Text(_, args) => {
            args.iter().collect()
        }
        K::CodesEmpty(a)
        | K::HasCode(a, _)
        | K::Field(a, _)
        | K::Not(a)
        | K::Neg(a, _)
        | K::ToDecimal(a, _)
        | K::Round(a, _, _)
        | K::InSet(a, _)
        | K::IsPresent(a)
        | K::Lift(a)
        | K::ListLen(a)
        | K::DatePart(_, a) => vec![a],
        K::And(a, b)
        | K::Or(a, b)
        | K::Arith(_, a, b, _)
        | K::Compare(_, a, b)
        | K::InList(a, b)
        | K::MapGet(a, b)
        | K::HasKey(a, b)
        | K::Coalesce(a, b)
        | K::DateShift(a, b, _, _)
        | K::DateDiff(a, b) => vec![a, b],
        K::If(a, b, c, _) => vec![a, b, c],
        K::Let { value, body, .. } => vec![value, body],
        K::Match(s, _, arms, _) => std::iter::once(&**s).chain(arms.iter()).collect(),
        K::Quant(q) => std::iter::once(&q.list)
            .chain(q.nested.iter().map(|g| &g.list))
            .chain(q.filter.as_ref())
            .chain(q.body.as_ref())
            .chain(q.default.as_ref())
            .collect(),
    }
}
