//! List operations (`all`, `any`, `count`, `sum`, `max`, `min`, `count distinct`) as one loop
//! per generator over the list's elements in place: no copy, the element's slot bound to its
//! address (records) or loaded value (everything else), the inner generators' loops inside
//! the outer ones, `all`/`any` leaving every loop at the first deciding element. A single
//! generator over a list whose length is known at compile time (a literal, a constant, or a
//! definition that is one) of at most [`MAX_UNROLLED`] elements is straight-line code instead:
//! one copy of the filter and value per element, no loop and so no interruption check, which
//! wasmtime places at every loop header. The operations the record's fused passes compute
//! ([`super::fuse`]) are emitted here too, and their sites only read the results.
//!
//! `count distinct` appends each kept value (8 bytes: the `i64` of an int, the sign-extended
//! `i32` of a date, enum variant or bool, the packed reference of a string) to a buffer in the
//! scratch area that doubles when full (copied, the old one left behind: at most twice the
//! final size in all), then sorts it in place and counts the runs ([`super::distinct`]). The
//! buffer holds at most [`MAX_DISTINCT_VALUES`] values: one more fails the record with
//! `STATUS_LIMIT` at the operation's site.

use super::expr::{internal, Emitter};
use super::func::mem;
use super::fuse::Pass;
use super::helpers::Helper;
use super::ops::single;
use crate::ir::{Expr, ExprKind, Quant, QuantKind, Ty, Value, MAX_DISTINCT_VALUES};
use dexp_runtime::abi::{STATUS_LIMIT, STATUS_OVERFLOW};
use wasm_encoder::{BlockType, Instruction as I, ValType};

type R = Result<(), super::CodegenError>;

/// The type of the elements a generator runs over: a list's elements, or a map's entries (laid
/// out like the elements of a list, key first: the slot holds an entry's address).
fn element_ty(ty: &Ty) -> Result<Ty, super::CodegenError> {
    match ty {
        Ty::List(elem) => Ok((**elem).clone()),
        Ty::Map(value) => Ok(Ty::Entry(value.clone())),
        _ => Err(internal("list operation over a non-list")),
    }
}

/// The accumulator's locals.
#[derive(Clone, Copy)]
struct Acc {
    /// A bool for all/any, an `i64` for count/sum, the best value for max/min.
    acc: u32,
    /// max/min: whether there is a best value.
    has: u32,
    /// count distinct: the buffer's address, capacity and length (`i32`s).
    buf: [u32; 3],
}

/// The longest list whose length is known at compile time that a list operation runs over
/// without a loop.
const MAX_UNROLLED: u32 = 8;

/// The first capacity of a `count distinct` buffer, in values.
const FIRST_CAPACITY: i32 = 64;

impl Emitter<'_, '_> {
    pub(super) fn quant(&mut self, q: &Quant, ty: &Ty) -> R {
        if let Some(&(acc, has)) = self.fused.get(&super::fuse::key(q, self.frame_consts())) {
            // Computed by the record's pass over its list.
            return match (q.kind, has) {
                (QuantKind::Max | QuantKind::Min, Some(has)) => self.best_or_default(q, ty, acc, has),
                _ => {
                    self.f().get(acc);
                    Ok(())
                }
            };
        }
        let elem = &element_ty(&q.list.ty)?;
        self.expr(&q.list)?;
        let (size, _) = self.g.size_align(elem)?;
        let (l, p, n) = (self.g.f.local(ValType::I64), self.g.f.local(ValType::I32), self.g.f.local(ValType::I32));
        let f = self.f();
        f.unpack_ref(l, p, n);

        let acc = self.new_acc(q.kind, ty)?;
        let (has, buf) = (acc.has, acc.buf);

        // The first element's slot.
        let slot = self.element_slot(elem, p);
        self.bind(q.slot, slot.clone())?;

        let before = self.state.clone();
        let inside: Vec<&Expr> = q.nested.iter().map(|g| &g.list).chain(q.filter.iter()).chain(q.body.iter()).collect();
        self.reach_maybe(&inside);

        let exit = self.f().block(BlockType::Empty);
        match self.static_len(&q.list) {
            Some(count) if q.nested.is_empty() && count <= MAX_UNROLLED => {
                self.unrolled(q, ty, acc, exit, (p, count, size), (elem, &slot))?;
            }
            _ => self.level_loop(q, 0, ty, acc, [exit, exit], (p, n, size), (elem, &slot))?,
        }

        // The body may or may not have run: what it computed is not certain afterwards.
        let mut after = before;
        after.merge(&self.state);
        self.state = after;

        match q.kind {
            QuantKind::Max | QuantKind::Min => self.best_or_default(q, ty, acc.acc, has)?,
            QuantKind::Distinct => {
                let strings = matches!(q.body.as_ref().map(|b| &b.ty), Some(Ty::String));
                let count = self.g.cx.helper(Helper::Distinct(strings));
                let f = self.f();
                f.get(buf[0]);
                f.get(buf[2]);
                f.op(I::Call(count));
            }
            _ => self.f().get(acc.acc),
        }
        Ok(())
    }

    /// The accumulator of an operation of `kind` with result type `ty`, initialised: a bool
    /// for all/any, an `i64` for count/sum, the best value and whether there is one for
    /// max/min, a buffer for count distinct.
    fn new_acc(&mut self, kind: QuantKind, ty: &Ty) -> Result<Acc, super::CodegenError> {
        let has = self.g.f.local(ValType::I32);
        let mut buf = [0; 3];
        let acc = match kind {
            QuantKind::All | QuantKind::Any => {
                let acc = self.g.f.local(ValType::I32);
                self.f().i32(i32::from(kind == QuantKind::All));
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
            QuantKind::Distinct => {
                for b in &mut buf {
                    *b = self.g.f.local(ValType::I32);
                    self.f().i32(0);
                    self.f().set(*b);
                }
                has
            }
        };
        let acc = Acc { acc, has, buf };
        Ok(acc)
    }

    /// `max`/`min`'s result: the best value in `acc` when `has` says there is one, else the
    /// default (evaluated only then, unless it is cheap: then both, and a `select`).
    fn best_or_default(&mut self, q: &Quant, ty: &Ty, acc: u32, has: u32) -> R {
        if q.default.as_ref().is_none_or(|d| self.cheap(d)) && single(ty).is_ok() {
            // A cheap default is evaluated either way and picked with `select`: no branch.
            self.f().get(acc);
            match &q.default {
                Some(d) => self.expr(d)?,
                None => self.g.zero(ty),
            }
            self.f().get(has);
            self.f().op(I::Select);
            return Ok(());
        }
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
        Ok(())
    }

    /// The fused passes ([`super::fuse`]), at the start of the record: for each, one loop over
    /// its list that updates every member's accumulator per element, in the member's own
    /// order of filter and body, leaving the results in locals that [`Self::quant`] reads.
    pub(super) fn fused_passes(&mut self, passes: &[Pass<'_>]) -> R {
        for pass in passes {
            self.fused_pass(pass)?;
        }
        Ok(())
    }

    fn fused_pass(&mut self, pass: &Pass<'_>) -> R {
        let elem = &element_ty(&pass.list.ty)?;
        // The constant arguments of the helpers the members are written in, bound once.
        let mut params = Vec::with_capacity(pass.members.len());
        for m in &pass.members {
            let mut bound = Vec::new();
            for (v, t) in m.args.iter().flatten() {
                self.constant(v, t)?;
                bound.push(self.g.stash(t));
            }
            params.push(bound);
        }
        self.expr(pass.list)?;
        let (size, _) = self.g.size_align(elem)?;
        let (l, p, n) = (self.g.f.local(ValType::I64), self.g.f.local(ValType::I32), self.g.f.local(ValType::I32));
        self.f().unpack_ref(l, p, n);

        let mut accs = Vec::with_capacity(pass.members.len());
        for m in &pass.members {
            if !matches!(m.q.kind, QuantKind::All | QuantKind::Any | QuantKind::Count | QuantKind::Max | QuantKind::Min)
            {
                return Err(internal("a fused list operation of a kind that cannot be fused"));
            }
            accs.push(self.new_acc(m.q.kind, m.ty)?);
        }
        // A shared-body member starts from the worst value of its type, so that its update
        // need not ask whether it has kept anything yet (see `keep_under_filter`).
        for (i, (m, acc)) in pass.members.iter().zip(&accs).enumerate() {
            if self.shares_body(pass, i) {
                self.worst(m.q.kind == QuantKind::Max, m.ty)?;
                self.f().set(acc.acc);
            }
        }

        let slot = self.element_slot(elem, p);
        // Two elements per iteration: wasmtime checks the epoch at every loop header, so this
        // halves those checks (and the loop's own branch) for the lists every record walks.
        let exit = self.f().block(BlockType::Empty);
        let top = self.f().loop_(BlockType::Empty);
        for last in [false, true] {
            self.f().get(n);
            self.f().op(I::I32Eqz);
            self.f().br_if(exit);
            self.fused_element(pass, elem, p, &accs, &params, &slot)?;
            let f = self.f();
            f.get(p);
            f.i32(size as i32);
            f.op(I::I32Add);
            f.set(p);
            if !last {
                f.get(n);
                f.i32(1);
                f.op(I::I32Sub);
                f.set(n);
            }
        }
        self.f().close_countdown(n, top);
        for (i, (m, acc)) in pass.members.iter().zip(&accs).enumerate() {
            let has = (!(self.shares_body(pass, i) && default_is_worst(m.q, m.ty))).then_some(acc.has);
            self.fused.insert(m.key(), (acc.acc, has));
        }
        Ok(())
    }

    /// One element of a fused pass, at `p` (loaded into `slot` unless it is a record): every
    /// member's update of its accumulator in `accs`, with its helper's constants `params`.
    fn fused_element(
        &mut self,
        pass: &Pass<'_>,
        elem: &Ty,
        p: u32,
        accs: &[Acc],
        params: &[Vec<Vec<u32>>],
        slot: &[u32],
    ) -> R {
        if !matches!(elem, Ty::Record(_) | Ty::Entry(_)) {
            self.g.load(elem, p, 0)?;
            for l in slot.iter().rev() {
                self.f().set(*l);
            }
        }
        // The body of a `max`/`min` inlined from one helper with several constants, computed
        // once for all of them (its local), when `shares_body` allows.
        let mut shared: Vec<(*const Quant, u32)> = Vec::new();
        for (i, ((m, acc), bound)) in pass.members.iter().zip(accs).zip(params).enumerate() {
            if self.shares_body(pass, i) {
                let key: *const Quant = m.q;
                self.enter_member(m, bound, slot)?;
                let v = match shared.iter().find(|(k, _)| std::ptr::eq(*k, key)) {
                    Some((_, v)) => *v,
                    None => {
                        let body = m.q.body.as_ref().ok_or_else(|| internal("a shared body"))?;
                        self.expr(body)?;
                        let v = self.g.f.local(single(m.ty)?);
                        self.f().set(v);
                        shared.push((key, v));
                        v
                    }
                };
                let filter = m.q.filter.as_ref().ok_or_else(|| internal("a shared body's filter"))?;
                self.expr(filter)?;
                self.pop_frame();
                let has = (!default_is_worst(m.q, m.ty)).then_some(acc.has);
                self.keep_under_filter(m.q.kind == QuantKind::Max, m.ty, acc.acc, has, v)?;
                continue;
            }
            let next = self.f().block(BlockType::Empty);
            let straight = self.straight(m.q);
            // A decided `all`/`any` ignores the rest of the list, as its own loop would; one
            // whose update is straight-line folds every element in, which nobody can tell.
            match m.q.kind {
                _ if straight => {}
                QuantKind::Any => {
                    self.f().get(acc.acc);
                    self.f().br_if(next);
                }
                QuantKind::All => {
                    self.f().get(acc.acc);
                    self.f().op(I::I32Eqz);
                    self.f().br_if(next);
                }
                _ => {}
            }
            self.enter_member(m, bound, slot)?;
            // `exit` of an `all`/`any` is `next` here: the accumulator keeps it decided.
            if straight && matches!(m.q.kind, QuantKind::All | QuantKind::Any) {
                self.fold_decision(m.q, acc.acc)?;
            } else {
                self.element(m.q, m.ty, *acc, next, next)?;
            }
            self.pop_frame();
            self.f().end(); // next
        }
        Ok(())
    }

    /// Enters the frame of fused member `m` (popped by the caller): its helper's constants
    /// bound to the locals `bound`, its variable to the element in `slot`.
    fn enter_member(&mut self, m: &super::fuse::Member<'_>, bound: &[Vec<u32>], slot: &[u32]) -> R {
        self.push_frame(0);
        self.set_frame_consts(m.args.as_ref().map(|a| a.iter().map(|(v, _)| v.clone()).collect()));
        for (i, locals) in bound.iter().enumerate() {
            self.bind(i as u32, locals.clone())?;
        }
        self.bind(m.q.slot, slot.to_vec())
    }

    /// Whether member `i` of `pass` is a `max`/`min` whose body is computed once per element
    /// for every member inlined from the same helper (the same operation with other
    /// constants): there are at least two, the filter and body are cheap (so evaluating the
    /// body for elements the filter drops is invisible), and the body reads no local but the
    /// element and its own `let`s, so it is the same value for every constant. Then no member
    /// branches on the element.
    fn shares_body(&self, pass: &Pass<'_>, i: usize) -> bool {
        let Some(m) = pass.members.get(i) else { return false };
        let (Some(filter), Some(body)) = (&m.q.filter, &m.q.body) else { return false };
        matches!(m.q.kind, QuantKind::Max | QuantKind::Min)
            && pass.members.iter().filter(|o| std::ptr::eq(o.q, m.q)).count() >= 2
            && self.cheap(filter)
            && self.cheap(body)
            && reads_only(body, &mut vec![m.q.slot])
    }

    /// Pushes the worst value of `ty` for a `max` (or a `min`): no value is better than it is
    /// worse, so an accumulator starting there keeps the first value under a strict
    /// comparison unless it equals it (and then holds that very value).
    fn worst(&mut self, is_max: bool, ty: &Ty) -> R {
        let f = self.f();
        match ty {
            Ty::Int | Ty::Decimal => f.i64(if is_max { i64::MIN } else { i64::MAX }),
            Ty::Date => f.i32(if is_max { i32::MIN } else { i32::MAX }),
            // Compared unsigned.
            Ty::Enum(_) | Ty::Bool => f.i32(if is_max { 0 } else { -1 }),
            _ => return Err(internal("the worst value of a type without order")),
        }
        Ok(())
    }

    /// The update of a `max`/`min` accumulator `acc` that started at [`Self::worst`] from the
    /// value in local `v` under the filter on the stack, without a branch: `keep = filter and
    /// better`, and `has` (when the result needs it) records that the filter held once.
    fn keep_under_filter(&mut self, is_max: bool, ty: &Ty, acc: u32, has: Option<u32>, v: u32) -> R {
        let wanted = self.g.f.local(ValType::I32);
        self.f().set(wanted);
        self.f().get(v);
        self.f().get(acc);
        self.better(is_max, ty)?;
        let keep = self.g.f.local(ValType::I32);
        let f = self.f();
        f.get(wanted);
        f.op(I::I32And);
        f.set(keep);
        f.get(v);
        f.get(acc);
        f.get(keep);
        f.op(I::Select);
        f.set(acc);
        if let Some(has) = has {
            f.get(has);
            f.get(wanted);
            f.op(I::I32Or);
            f.set(has);
        }
        Ok(())
    }

    /// The locals that hold an element of type `elem`: for a record the loop pointer `p`,
    /// which is its address, else new locals for its value.
    fn element_slot(&mut self, elem: &Ty, p: u32) -> Vec<u32> {
        if matches!(elem, Ty::Record(_) | Ty::Entry(_)) {
            vec![p]
        } else {
            super::repr::vals(elem).into_iter().map(|v| self.g.f.local(v)).collect()
        }
    }

    /// The number of elements of `list` when the code generator knows it: a list literal, a
    /// constant list, or a definition whose value is one of those.
    pub(super) fn static_len(&self, list: &Expr) -> Option<u32> {
        match &list.kind {
            ExprKind::List(items) => u32::try_from(items.len()).ok(),
            ExprKind::Const(Value::List(items)) => u32::try_from(items.len()).ok(),
            ExprKind::Def(id) => self.program.defs.get(*id as usize).and_then(|d| self.static_len(&d.body.expr)),
            _ => None,
        }
    }

    /// A generator over a list of `count` elements (known at compile time) as straight-line
    /// code, one copy of the filter and value per element, inside the block `exit` (which it
    /// closes): no loop, so no loop counter and no interruption check.
    fn unrolled(
        &mut self,
        q: &Quant,
        ty: &Ty,
        acc: Acc,
        exit: u32,
        (p, count, size): (u32, u32, u32),
        (elem, slot): (&Ty, &[u32]),
    ) -> R {
        for k in 0..count {
            if k > 0 {
                self.f().add_i32(p, size as i32);
            }
            let next = self.f().block(BlockType::Empty);
            if !matches!(elem, Ty::Record(_) | Ty::Entry(_)) {
                self.g.load(elem, p, 0)?;
                for l in slot.iter().rev() {
                    self.f().set(*l);
                }
            }
            self.element(q, ty, acc, exit, next)?;
            self.f().end(); // next
        }
        self.f().end(); // exit
        Ok(())
    }

    /// The loop of generator `level` over the list whose elements start at `p` (`n` of them,
    /// `size` bytes apart), inside the block `loop_exit` it leaves when done (and closes):
    /// the element's slot loaded, then the next generator's loop, or for the innermost the
    /// filter and the value. `all_exit` leaves every loop.
    #[allow(clippy::too_many_arguments)]
    fn level_loop(
        &mut self,
        q: &Quant,
        level: usize,
        ty: &Ty,
        acc: Acc,
        [loop_exit, all_exit]: [u32; 2],
        (p, n, size): (u32, u32, u32),
        (elem, slot): (&Ty, &[u32]),
    ) -> R {
        let top = self.f().loop_(BlockType::Empty);
        self.f().get(n);
        self.f().op(I::I32Eqz);
        self.f().br_if(loop_exit);
        let next = self.f().block(BlockType::Empty);
        if !matches!(elem, Ty::Record(_) | Ty::Entry(_)) {
            self.g.load(elem, p, 0)?;
            for l in slot.iter().rev() {
                self.f().set(*l);
            }
        }
        match q.nested.get(level) {
            Some(inner) => {
                let inner_elem = &element_ty(&inner.list.ty)?;
                self.expr(&inner.list)?;
                let (inner_size, _) = self.g.size_align(inner_elem)?;
                let (l2, p2, n2) =
                    (self.g.f.local(ValType::I64), self.g.f.local(ValType::I32), self.g.f.local(ValType::I32));
                self.f().unpack_ref(l2, p2, n2);
                let inner_slot = self.element_slot(inner_elem, p2);
                self.bind(inner.slot, inner_slot.clone())?;
                let inner_exit = self.f().block(BlockType::Empty);
                let exits = [inner_exit, all_exit];
                self.level_loop(q, level + 1, ty, acc, exits, (p2, n2, inner_size), (inner_elem, &inner_slot))?;
            }
            None => self.element(q, ty, acc, all_exit, next)?,
        }
        let f = self.f();
        f.end(); // next
        f.get(p);
        f.i32(size as i32);
        f.op(I::I32Add);
        f.set(p);
        f.close_countdown(n, top);
        Ok(())
    }

    /// The filter and the value for one element of the innermost list; `exit` leaves every
    /// loop, `next` goes to the next element.
    /// Whether `q`'s filter and body (those it has) may be evaluated for every element without
    /// a branch ([`Emitter::cheap`]): then its update folds them in with `i32.and`/`i32.or`
    /// or `select` instead of branching on the element's data.
    fn straight(&self, q: &Quant) -> bool {
        q.filter.as_ref().is_none_or(|f| self.cheap(f)) && q.body.as_ref().is_none_or(|b| self.cheap(b))
    }

    /// The straight-line update of an `all`/`any` accumulator in a fused pass: `acc |= filter
    /// and body` for `any`, `acc &= not filter or body` for `all` (no body: `true`).
    fn fold_decision(&mut self, q: &Quant, acc: u32) -> R {
        let any = q.kind == QuantKind::Any;
        self.f().get(acc);
        match &q.body {
            Some(body) => self.expr(body)?,
            None => self.f().i32(1),
        }
        if let Some(filter) = &q.filter {
            self.expr(filter)?;
            if any {
                self.f().op(I::I32And);
            } else {
                self.f().op(I::I32Eqz);
                self.f().op(I::I32Or);
            }
        }
        let f = self.f();
        f.op(if any { I::I32Or } else { I::I32And });
        f.set(acc);
        Ok(())
    }

    fn element(&mut self, q: &Quant, ty: &Ty, acc: Acc, exit: u32, next: u32) -> R {
        // A `count` whose filter is cheap and cannot fail adds the filter's 0 or 1: no branch.
        let counted = q.kind == QuantKind::Count && q.filter.as_ref().is_some_and(|f| self.cheap(f));
        if let Some(filter) = &q.filter {
            self.expr(filter)?;
            if counted {
                let f = self.f();
                f.op(I::I64ExtendI32U);
                f.get(acc.acc);
                f.op(I::I64Add);
                f.set(acc.acc);
                return Ok(());
            }
            self.f().op(I::I32Eqz);
            self.f().br_if(next);
        }
        let Acc { acc, has, buf } = acc;
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
                    // `select`, not a branch on data the processor cannot predict.
                    let keep = self.g.f.local(ValType::I32);
                    let f = self.f();
                    f.op(I::I32Or);
                    f.set(keep);
                    f.get(v);
                    f.get(acc);
                    f.get(keep);
                    f.op(I::Select);
                    f.set(acc);
                    f.i32(1);
                    f.set(has);
                }
            }
            QuantKind::Distinct => {
                if let Some(body) = &q.body {
                    self.expr(body)?;
                    // A string's packed reference and an int are `i64`s already.
                    if !matches!(body.ty, Ty::String) && single(&body.ty)? == ValType::I32 {
                        self.f().op(I::I64ExtendI32S);
                    }
                    self.push_distinct(q, buf)?;
                }
            }
        }
        Ok(())
    }

    /// Appends the `i64` on the stack to a `count distinct` buffer (`[address, capacity,
    /// length]`), doubling it when full and failing the record past the limit.
    fn push_distinct(&mut self, q: &Quant, [base, cap, len]: [u32; 3]) -> R {
        let v = self.g.f.local(ValType::I64);
        self.f().set(v);
        self.f().get(len);
        self.f().i32(MAX_DISTINCT_VALUES as i32);
        self.f().op(I::I32GeU);
        self.f().if_(BlockType::Empty);
        self.fail(q.site.unwrap_or(0), STATUS_LIMIT);
        self.f().end();

        // Full: a buffer twice as large, the values copied over.
        let f = self.f();
        f.get(len);
        f.get(cap);
        f.op(I::I32Eq);
        f.if_(BlockType::Empty);
        f.get(cap);
        f.op(I::I32Eqz);
        f.if_(BlockType::Result(ValType::I32));
        f.i32(FIRST_CAPACITY);
        f.else_();
        f.get(cap);
        f.i32(1);
        f.op(I::I32Shl);
        f.end();
        f.set(cap);
        let bytes = self.g.f.local(ValType::I32);
        let f = self.f();
        f.get(cap);
        f.i32(3);
        f.op(I::I32Shl);
        f.set(bytes);
        let fresh = self.alloc_aligned(bytes)?;
        let k = self.g.f.local(ValType::I32);
        let f = self.f();
        f.get(len);
        f.i32(3);
        f.op(I::I32Shl);
        f.set(k);
        let done = f.block(BlockType::Empty);
        let top = f.loop_(BlockType::Empty);
        f.get(k);
        f.op(I::I32Eqz);
        f.br_if(done);
        f.add_i32(k, -8);
        f.get(fresh);
        f.get(k);
        f.op(I::I32Add);
        f.get(base);
        f.get(k);
        f.op(I::I32Add);
        f.op(I::I64Load(mem(0, 8)));
        f.op(I::I64Store(mem(0, 8)));
        f.br(top);
        f.end();
        f.end();
        f.get(fresh);
        f.set(base);
        f.end();

        let f = self.f();
        f.get(base);
        f.get(len);
        f.i32(3);
        f.op(I::I32Shl);
        f.op(I::I32Add);
        f.get(v);
        f.op(I::I64Store(mem(0, 8)));
        f.add_i32(len, 1);
        Ok(())
    }

    /// Allocates as many bytes as the `i32` local `n` holds in the scratch area, aligned to
    /// 8, growing memory when needed; returns a local holding the address.
    fn alloc_aligned(&mut self, n: u32) -> Result<u32, super::CodegenError> {
        self.alloc_scratch(n, true)
    }
}

/// Whether `max`/`min` operation `q` (of result type `ty`), its accumulator started at the
/// worst value of its type ([`Emitter::worst`]), holds its result even when nothing was kept:
/// its default is that very value, as in `max ... else none` over an enum declared from
/// worst to best. Then it needs no record of whether anything was kept.
fn default_is_worst(q: &Quant, ty: &Ty) -> bool {
    let Some(ExprKind::Const(value)) = q.default.as_ref().map(|d| &d.kind) else { return false };
    match (q.kind, ty, value) {
        (QuantKind::Max, Ty::Enum(_), Value::Enum(0)) | (QuantKind::Max, Ty::Bool, Value::Bool(false)) => true,
        (QuantKind::Max, Ty::Int | Ty::Decimal, Value::Int(v) | Value::Decimal(v)) => *v == i64::MIN,
        (QuantKind::Min, Ty::Int | Ty::Decimal, Value::Int(v) | Value::Decimal(v)) => *v == i64::MAX,
        _ => false,
    }
}

/// Whether `e` reads no local but those in `bound` (and the `let`s inside it). A helper call's
/// arguments are read here; its body reads its own frame.
fn reads_only(e: &Expr, bound: &mut Vec<u32>) -> bool {
    match &e.kind {
        ExprKind::Local(s) => bound.contains(s),
        ExprKind::Let { slot, value, body, .. } => {
            if !reads_only(value, bound) {
                return false;
            }
            bound.push(*slot);
            let ok = reads_only(body, bound);
            bound.pop();
            ok
        }
        _ => super::expr::children(e).into_iter().all(|c| reads_only(c, bound)),
    }
}
