//! Warnings about conditions whose outcome is fixed by constants and types, found by a small
//! abstract evaluation of the IR: constants fold, `and`/`or`/`not`/`if` combine, a set that
//! holds every variant of an enum contains any value of it, counts are never negative, and
//! every enum value lies between its first and last variant.

use crate::ir::{CmpOp, Expr, ExprKind as K, QuantKind, Ty, Value};

/// What the lints know about the program: the number of variants of each enum.
pub(super) struct Facts<'a> {
    /// Variant counts, by enum index.
    pub(super) enum_sizes: &'a [u32],
}

impl Facts<'_> {
    /// `Some(b)` when `expr` is `b` for every record.
    pub(super) fn always(&self, expr: &Expr) -> Option<bool> {
        match &expr.kind {
            K::Const(Value::Bool(b)) => Some(*b),
            K::Not(e) => self.always(e).map(|b| !b),
            K::And(a, b) => match (self.always(a), self.always(b)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            K::Or(a, b) => match (self.always(a), self.always(b)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            K::If(c, t, f, _) => match self.always(c)? {
                true => self.always(t),
                false => self.always(f),
            },
            K::InSet(_, set) if set.is_empty() => Some(false),
            K::InSet(e, set) => {
                let n = self.variants(e)?;
                (0..n).all(|v| set.contains(&Value::Enum(v))).then_some(true)
            }
            K::Compare(op, a, b) => self.compare(*op, a, b),
            K::Let { body, .. } => self.always(body),
            _ => None,
        }
    }

    fn variants(&self, e: &Expr) -> Option<u32> {
        match &e.ty {
            Ty::Enum(i) => self.enum_sizes.get(*i as usize).copied(),
            _ => None,
        }
    }

    /// The range an int or enum expression is known to lie in.
    fn range(&self, e: &Expr) -> Option<(i64, i64)> {
        match &e.kind {
            K::Const(Value::Int(i)) => Some((*i, *i)),
            K::Const(Value::Enum(v)) => Some((i64::from(*v), i64::from(*v))),
            K::Quant(q) if q.kind == QuantKind::Count => Some((0, i64::MAX)),
            K::ListLen(_) => Some((0, i64::MAX)),
            _ => match self.variants(e) {
                Some(n) if n > 0 => Some((0, i64::from(n) - 1)),
                _ => None,
            },
        }
    }

    fn compare(&self, op: CmpOp, a: &Expr, b: &Expr) -> Option<bool> {
        let ((alo, ahi), (blo, bhi)) = (self.range(a)?, self.range(b)?);
        let disjoint = ahi < blo || bhi < alo;
        let same_point = alo == ahi && blo == bhi && alo == blo;
        let (holds, fails) = match op {
            CmpOp::Lt => (ahi < blo, alo >= bhi),
            CmpOp::Le => (ahi <= blo, alo > bhi),
            CmpOp::Gt => (alo > bhi, ahi <= blo),
            CmpOp::Ge => (alo >= bhi, ahi < blo),
            CmpOp::Eq => (same_point, disjoint),
            CmpOp::Ne => (disjoint, same_point),
        };
        if holds {
            Some(true)
        } else if fails {
            Some(false)
        } else {
            None
        }
    }
}
