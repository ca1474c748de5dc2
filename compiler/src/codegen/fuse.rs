//! Which list operations share one pass over their list: the plan of loop fusion.
//!
//! A policy often asks several questions of the same input list (`any`, `count`, `max` over the
//! tenant's products, one `max` per product through a helper called with a constant), and
//! [`super::quant`] gives each its own loop. Hand-written code walks the list once. Here the
//! operations over the same input list that can be computed up front are found, and the
//! record's code starts with one loop per such list that computes all of them; each
//! operation's site then just reads its result.
//!
//! Computing an operation before its site, and even when its site is never reached, is only
//! invisible when the operation cannot fail and has no effect. So an operation joins a pass
//! only when:
//!
//! - it is `all`, `any`, `count`, `max` or `min` with one generator, over a list reached from
//!   the input record through record fields alone (always present, never changed);
//! - its filter and body are pure and total: constants, the input, fields, logic,
//!   comparisons, membership, `if`/`match`, `??`, `present`, date differences and parts,
//!   `len`, `let`, the non-allocating text operations, and calls of helpers whose bodies are
//!   made of the same; nothing that can fail (arithmetic, date shifts, rounding), allocate
//!   (records, lists, `lower`/`upper`) or read a definition or a group (whose own failure
//!   must stay where it is);
//! - the only locals it reads are its own element, its own `let`s, and the parameters of the
//!   helper it is written in when that helper is called with constants (the pass binds them to
//!   those constants; a call with other arguments leaves the operation where it is).
//!
//! `max`/`min`'s default is still evaluated at the site, and only when no element was kept.
//! The results are the same as the separate loops': `all`/`any` stop updating at the first
//! deciding element, `max`/`min` keep the first of equals. Instrumented builds do not fuse, so
//! that their counters count what the source says.

use super::expr::children;
use crate::ir::{ExprKind as K, *};
use std::collections::HashSet;

/// The most operations one pass computes; the rest keep their own loops.
const MAX_MEMBERS: usize = 32;

/// An operation's identity in the generated code: the node (by address, stable while the
/// program is borrowed) and the constant arguments of the helper call it is inlined in.
pub(super) type Key = (usize, Option<Vec<Value>>);

/// One operation computed in a pass.
pub(super) struct Member<'p> {
    /// The operation.
    pub q: &'p Quant,
    /// Its result type.
    pub ty: &'p Ty,
    /// The constant arguments (and their types) of the helper call it is inlined in; `None`
    /// outside helpers.
    pub args: Option<Vec<(Value, Ty)>>,
}

impl Member<'_> {
    /// The key the emitter finds this operation by.
    pub(super) fn key(&self) -> Key {
        key(self.q, self.args.as_ref().map(|a| a.iter().map(|(v, _)| v.clone()).collect()))
    }
}

/// One loop over an input list and the operations it computes (two or more).
pub(super) struct Pass<'p> {
    /// The list: a field path from the input record.
    pub list: &'p Expr,
    /// The operations, in the order they were found.
    pub members: Vec<Member<'p>>,
}

/// The key of operation `q` inlined with constant arguments `consts`.
pub(super) fn key(q: &Quant, consts: Option<Vec<Value>>) -> Key {
    (q as *const Quant as usize, consts)
}

/// The arguments of a call when all are constants of a type held in locals without memory
/// (the emitter binds them before the pass); `None` otherwise.
pub(super) fn const_args(args: &[Expr]) -> Option<Vec<(Value, Ty)>> {
    args.iter()
        .map(|a| match (&a.kind, &a.ty) {
            (K::Const(v), Ty::Bool | Ty::Int | Ty::Decimal | Ty::Date | Ty::Enum(_) | Ty::String) => {
                Some((v.clone(), a.ty.clone()))
            }
            _ => None,
        })
        .collect()
}

/// The passes of `program`: for every input list read by two or more operations that may be
/// computed up front, one pass, in the order the lists are first met.
pub(super) fn plan(program: &Program) -> Vec<Pass<'_>> {
    let mut w = Walk {
        program,
        calls: HashSet::new(),
        pure_fns: vec![None; program.fns.len()],
        lists: Vec::new(),
        keys: HashSet::new(),
    };
    for def in &program.defs {
        w.walk(&def.body.expr, &Frame::Top);
    }
    for group in &program.groups {
        for rule in &group.rules {
            w.walk(&rule.cond.expr, &Frame::Top);
        }
    }
    w.walk(&program.output.expr, &Frame::Top);
    w.lists
        .into_iter()
        .filter(|(_, _, members)| members.len() >= 2)
        .map(|(_, list, mut members)| {
            members.truncate(MAX_MEMBERS);
            Pass { list, members }
        })
        .collect()
}

/// The code an expression is inlined in.
enum Frame {
    /// A definition, a rule, or the output: no parameters.
    Top,
    /// A helper called with these constants.
    Const(Vec<(Value, Ty)>),
    /// A helper called with other arguments.
    Other,
}

struct Walk<'p> {
    program: &'p Program,
    /// Helper calls already walked: the function and its constant arguments.
    calls: HashSet<(FnId, Option<Vec<Value>>)>,
    /// Whether each helper's body is pure and total, once known.
    pure_fns: Vec<Option<bool>>,
    /// Input lists by field path, with their operations.
    lists: Vec<(Vec<u32>, &'p Expr, Vec<Member<'p>>)>,
    keys: HashSet<Key>,
}

impl<'p> Walk<'p> {
    fn walk(&mut self, e: &'p Expr, frame: &Frame) {
        match &e.kind {
            K::Call(f, args) => {
                let consts = const_args(args);
                let values = consts.as_ref().map(|c| c.iter().map(|(v, _)| v.clone()).collect());
                if self.calls.insert((*f, values)) {
                    if let Some(func) = self.program.fns.get(*f as usize) {
                        let inner = match consts {
                            Some(c) => Frame::Const(c),
                            None => Frame::Other,
                        };
                        self.walk(&func.body.expr, &inner);
                    }
                }
            }
            K::Quant(q) => self.consider(q, &e.ty, frame),
            _ => {}
        }
        for child in children(e) {
            self.walk(child, frame);
        }
    }

    /// Adds `q` to its list's pass when it may be computed up front.
    fn consider(&mut self, q: &'p Quant, ty: &'p Ty, frame: &Frame) {
        let args = match frame {
            Frame::Top => None,
            Frame::Const(args) => Some(args.clone()),
            Frame::Other => return,
        };
        let kind_ok =
            matches!(q.kind, QuantKind::All | QuantKind::Any | QuantKind::Count | QuantKind::Max | QuantKind::Min);
        if !kind_ok || !q.nested.is_empty() || !matches!(q.list.ty, Ty::List(_)) {
            return;
        }
        let Some(path) = input_path(&q.list) else {
            return;
        };
        let params = args.as_ref().map_or(0, |a| a.len() as u32);
        let mut scope = vec![q.slot];
        let pure = q.filter.iter().chain(q.body.iter()).all(|e| self.pure(e, &mut scope, params));
        if !pure {
            return;
        }
        let member = Member { q, ty, args };
        if !self.keys.insert(member.key()) {
            return;
        }
        match self.lists.iter_mut().find(|(p, _, _)| *p == path) {
            Some((_, _, members)) => members.push(member),
            None => self.lists.push((path, &q.list, vec![member])),
        }
    }

    /// Whether `e` is pure and total and reads no local but `scope`'s and the parameters
    /// below `params`.
    fn pure(&mut self, e: &Expr, scope: &mut Vec<u32>, params: u32) -> bool {
        match &e.kind {
            K::Const(_) | K::Input => true,
            K::Local(s) => *s < params || scope.contains(s),
            K::Let { slot, value, body, .. } => {
                if !self.pure(value, scope, params) {
                    return false;
                }
                scope.push(*slot);
                let ok = self.pure(body, scope, params);
                scope.pop();
                ok
            }
            K::Call(f, args) => args.iter().all(|a| self.pure(a, scope, params)) && self.pure_fn(*f),
            K::InList(a, list) => {
                self.pure(a, scope, params)
                    && match &list.kind {
                        // A literal's items are compared in place, nothing allocated.
                        K::List(items) => items.iter().all(|i| self.pure(i, scope, params)),
                        _ => self.pure(list, scope, params),
                    }
            }
            K::Text(op, args) => {
                !matches!(op, TextOp::Lower | TextOp::Upper) && args.iter().all(|a| self.pure(a, scope, params))
            }
            K::Field(..)
            | K::Not(_)
            | K::And(..)
            | K::Or(..)
            | K::Compare(..)
            | K::InSet(..)
            | K::If(..)
            | K::Match(..)
            | K::MinMax(..)
            | K::Coalesce(..)
            | K::IsPresent(_)
            | K::Lift(_)
            | K::DateDiff(..)
            | K::DatePart(..)
            | K::ListLen(_) => children(e).into_iter().all(|c| self.pure(c, scope, params)),
            _ => false,
        }
    }

    /// Whether helper `f`'s body is pure and total (its own parameters and `let`s allowed).
    fn pure_fn(&mut self, f: FnId) -> bool {
        let program = self.program;
        match self.pure_fns.get(f as usize).copied().flatten() {
            Some(known) => known,
            None => {
                let Some(func) = program.fns.get(f as usize) else {
                    return false;
                };
                // The checker rules out recursion; a cycle would read as impure.
                if let Some(slot) = self.pure_fns.get_mut(f as usize) {
                    *slot = Some(false);
                }
                let ok = self.pure(&func.body.expr, &mut Vec::new(), u32::MAX);
                if let Some(slot) = self.pure_fns.get_mut(f as usize) {
                    *slot = Some(ok);
                }
                ok
            }
        }
    }
}

/// The field path from the input record to `e`, when `e` is one.
fn input_path(e: &Expr) -> Option<Vec<u32>> {
    match &e.kind {
        K::Input => Some(Vec::new()),
        K::Field(r, i) if matches!(r.ty, Ty::Record(_)) => {
            let mut path = input_path(r)?;
            path.push(*i);
            Some(path)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    const POLICY: &str = r#"
policy fusing version "0.1.0"
enum Kind { a, b }
record Line { kind: Kind, qty: int, on: bool }
record T { id: string, lines: list of Line, other: list of Line, limit: int, pick: Kind }
record O { id: string, a: int, b: int, a2: int, picked: int, on: bool, sum: int, over: int, big: int, lone: int }
input T key id
fn best(k: Kind) -> int = max l in lines where l.kind == k: l.qty else 0
let floor = limit
output O {
    id: id,
    a: best(a),
    b: best(b),
    a2: best(a),
    picked: best(pick),
    on: any l in lines: l.on,
    sum: sum l in lines: l.qty,
    over: count l in lines where l.qty + 1 > 0,
    big: count l in lines where l.qty > floor,
    lone: count l in other where l.on,
}
"#;

    #[test]
    fn only_pure_operations_over_a_shared_input_list_are_fused() {
        let program = crate::frontend(POLICY).expect("policy compiles").program;
        let passes = plan(&program);
        // `other` has one operation: no pass. `sum` and `+` can fail, `floor` is a
        // definition, `best(pick)` is called with an input field: they keep their loops.
        assert_eq!(passes.len(), 1);
        let members: Vec<(QuantKind, Option<Vec<Value>>)> = passes[0]
            .members
            .iter()
            .map(|m| (m.q.kind, m.args.as_ref().map(|a| a.iter().map(|(v, _)| v.clone()).collect())))
            .collect();
        assert_eq!(
            members,
            vec![
                (QuantKind::Max, Some(vec![Value::Enum(0)])),
                (QuantKind::Max, Some(vec![Value::Enum(1)])),
                (QuantKind::Any, None),
            ]
        );
        assert_eq!(input_path(passes[0].list), Some(vec![1]));
    }
}
