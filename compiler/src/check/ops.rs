//! Checking operators: `and`/`or`, comparisons (with the side that needs context checked
//! second), membership in sets and lists, `??` defaults, and checked arithmetic on ints,
//! decimals (an int beside a decimal is promoted) and dates.

use super::*;
use crate::ir::{ArithOp, CmpOp, ExprKind as K};
use crate::syntax::ast::{BinOp, ExprKind as A};

impl<'a> Cx<'a> {
    pub(super) fn binary(
        &mut self,
        op: BinOp,
        l: &ast::Expr,
        r: &ast::Expr,
        span: Span,
        want: Option<&Ty>,
        scope: &mut Scope,
    ) -> Typed {
        match op {
            BinOp::And | BinOp::Or => {
                let (a, b) = (self.expect(l, &Ty::Bool, scope), self.expect(r, &Ty::Bool, scope));
                let kind =
                    if op == BinOp::And { K::And(Box::new(a), Box::new(b)) } else { K::Or(Box::new(a), Box::new(b)) };
                Typed::of(kind, Ty::Bool)
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                self.compare(op, l, r, span, scope)
            }
            BinOp::In | BinOp::NotIn => {
                let t = self.membership(l, r, scope);
                if op == BinOp::NotIn && t.t != T::Error {
                    return Typed::of(K::Not(Box::new(t.expr)), Ty::Bool);
                }
                t
            }
            BinOp::Coalesce => self.coalesce(l, r, want, scope),
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => self.arith(op, l, r, span, scope),
        }
    }

    fn arith(&mut self, op: BinOp, l: &ast::Expr, r: &ast::Expr, span: Span, scope: &mut Scope) -> Typed {
        let a = self.expr(l, None, scope);
        if a.t == T::V(Ty::Date) && matches!(op, BinOp::Add | BinOp::Sub) {
            let b = self.expr(r, None, scope);
            return match b.t {
                T::Days => {
                    let site = self.site(span, scope, "date arithmetic".into());
                    Typed::of(K::DateShift(Box::new(a.expr), Box::new(b.expr), op == BinOp::Sub, site), Ty::Date)
                }
                T::V(Ty::Date) if op == BinOp::Sub => {
                    Typed::of(K::DateDiff(Box::new(a.expr), Box::new(b.expr)), Ty::Int)
                }
                T::Error => Typed::error(),
                ref t => {
                    let found = self.t_name(t);
                    self.error(CheckError::TypeMismatch {
                        expected: "a number of days".into(),
                        found,
                        span: r.span,
                        help: Some("write `date + 30 days`; subtracting two dates gives the days between them".into()),
                    });
                    Typed::error()
                }
            };
        }
        let (aop, what) = match op {
            BinOp::Add => (ArithOp::Add, "`+`"),
            BinOp::Sub => (ArithOp::Sub, "`-`"),
            BinOp::Mul => (ArithOp::Mul, "`*`"),
            _ => (ArithOp::Div, "`/`"),
        };
        let (x, y, ty) = match a.t {
            // A decimal on either side makes decimal arithmetic; the int side is promoted.
            T::V(Ty::Decimal) => {
                let b = self.expr(r, None, scope);
                let y = self.promote(b, r.span, span, scope);
                (a.expr, y, Ty::Decimal)
            }
            T::V(Ty::Int) => {
                // No expected type: the other side may be a decimal (`n * (if c then 1.5 else p)`).
                let b = self.expr(r, None, scope);
                if b.t == T::V(Ty::Decimal) {
                    let x = self.promote(a, l.span, span, scope);
                    (x, b.expr, Ty::Decimal)
                } else {
                    (a.expr, self.coerce(b, &Ty::Int, r.span), Ty::Int)
                }
            }
            _ => {
                let x = self.coerce(a, &Ty::Int, l.span);
                (x, self.expect(r, &Ty::Int, scope), Ty::Int)
            }
        };
        let site = self.site(span, scope, what.into());
        Typed::of(K::Arith(aop, Box::new(x), Box::new(y), site), ty)
    }

    /// Fits an operand of decimal arithmetic (at `span`, in the operation at `op_span`) to a
    /// decimal: an int is promoted, checked (a constant at compile time).
    pub(super) fn promote(&mut self, typed: Typed, span: Span, op_span: Span, scope: &Scope) -> ir::Expr {
        if typed.t != T::V(Ty::Int) {
            return self.coerce(typed, &Ty::Decimal, span);
        }
        if let K::Const(Value::Int(i)) = typed.expr.kind {
            return match dexp_runtime::decimal::from_int(i) {
                Some(units) => ir::Expr::constant(Value::Decimal(units), Ty::Decimal),
                None => {
                    self.decimal_literal_error(span, dexp_runtime::decimal::ParseError::OutOfRange);
                    ir::Expr::constant(Value::Null, Ty::Decimal)
                }
            };
        }
        let site = self.site(op_span, scope, "the int's conversion to decimal".into());
        ir::Expr { kind: K::ToDecimal(Box::new(typed.expr), site), ty: Ty::Decimal }
    }

    /// Whether the expression is a bare name that only an expected type can resolve.
    fn needs_context(&self, e: &ast::Expr, scope: &Scope) -> bool {
        match &e.kind {
            A::Name(n) => {
                scope.lookup(&n.text).is_none()
                    && !self.values.contains_key(&n.text)
                    && !self
                        .input
                        .and_then(|(r, _)| self.records.get(r as usize))
                        .is_some_and(|r| r.fields.iter().any(|(f, _)| f.text == n.text))
            }
            A::Null => true,
            A::Paren(inner) => self.needs_context(inner, scope),
            _ => false,
        }
    }

    fn compare(&mut self, op: BinOp, l: &ast::Expr, r: &ast::Expr, span: Span, scope: &mut Scope) -> Typed {
        // Check the side that can stand alone first, so `active == p.mode` works too.
        let (first, second) =
            if self.needs_context(l, scope) && !self.needs_context(r, scope) { (r, l) } else { (l, r) };
        let a = self.expr(first, None, scope);
        let T::V(ty) = a.t.clone() else {
            if a.t != T::Error {
                let found = self.t_name(&a.t);
                self.error(CheckError::InvalidOperation {
                    message: format!("{found} cannot be compared"),
                    span: first.span,
                    help: None,
                });
            }
            let _ = self.expr(second, None, scope);
            return Typed::error();
        };
        // Beside a decimal an int literal stays an int: the comparison is exact either way, and
        // an int beyond the decimal range still compares.
        let hint = if ty == Ty::Decimal { None } else { Some(&ty) };
        let b = self.expr(second, hint, scope);
        // An int and a decimal compare exactly, without converting either.
        let mixed = matches!((&ty, &b.t), (Ty::Int, T::V(Ty::Decimal)) | (Ty::Decimal, T::V(Ty::Int)));
        let b = if mixed { b.expr } else { self.coerce(b, &ty, second.span) };
        let (x, y) = if std::ptr::eq(first, l) { (a.expr, b) } else { (b, a.expr) };
        let ordered = matches!(op, BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge);
        let ok = match &ty {
            Ty::Int | Ty::Decimal | Ty::Date | Ty::Enum(_) => true,
            Ty::Bool | Ty::String => !ordered,
            _ => false,
        };
        if !ok {
            let found = self.ty_name(&ty);
            let help = match ty {
                Ty::Optional(_) => Some("compare after giving a default with `??`, or test `present(...)`".to_string()),
                Ty::Map(_) => Some(
                    "maps are not compared: look up keys with `m[key]`, or compare entries with `all e in m: ...`"
                        .to_string(),
                ),
                _ => None,
            };
            self.error(CheckError::InvalidOperation {
                message: format!("`{}` cannot be compared with `{}`", found, op.symbol()),
                span,
                help,
            });
            return Typed::error();
        }
        let cmp = match op {
            BinOp::Eq => CmpOp::Eq,
            BinOp::Ne => CmpOp::Ne,
            BinOp::Lt => CmpOp::Lt,
            BinOp::Le => CmpOp::Le,
            BinOp::Gt => CmpOp::Gt,
            _ => CmpOp::Ge,
        };
        Typed::of(K::Compare(cmp, Box::new(x), Box::new(y)), Ty::Bool)
    }

    fn membership(&mut self, l: &ast::Expr, r: &ast::Expr, scope: &mut Scope) -> Typed {
        let a = self.expr(l, None, scope);
        let T::V(ty) = a.t.clone() else {
            return Typed::error();
        };
        // A set literal or a set constant: membership in constants.
        let set = match &r.kind {
            A::Set(items) => self.const_set(items, Some(&ty), scope),
            A::Name(n) if scope.lookup(&n.text).is_none() => match self.values.get(&n.text).copied() {
                Some((node @ Node::Def(id), declared)) if self.defs.get(id as usize).is_some_and(|d| d.is_const) => {
                    self.resolved(n.span, Some(declared));
                    self.use_node(scope.node, node);
                    self.check_def(id);
                    self.defs.get(id as usize).and_then(|d| d.set.clone())
                }
                _ => None,
            },
            _ => None,
        };
        if let Some((elem, values)) = set {
            if elem != ty {
                let (expected, found) = (format!("`{}`", self.ty_name(&elem)), format!("`{}`", self.ty_name(&ty)));
                self.error(CheckError::TypeMismatch { expected, found, span: l.span, help: None });
                return Typed::error();
            }
            return Typed::of(K::InSet(Box::new(a.expr), values), Ty::Bool);
        }
        if matches!(r.kind, A::Set(_)) {
            return Typed::error();
        }
        let list_ty = Ty::List(Box::new(ty.clone()));
        let typed = self.expr(r, Some(&list_ty), scope);
        // `key in m`: whether a map has a key.
        if let T::V(Ty::Map(_)) = &typed.t {
            if ty != Ty::String {
                let found = format!("`{}`", self.ty_name(&ty));
                let help = Some("a map's keys are strings".to_string());
                self.error(CheckError::TypeMismatch { expected: "`string`".into(), found, span: l.span, help });
                return Typed::error();
            }
            return Typed::of(K::HasKey(Box::new(typed.expr), Box::new(a.expr)), Ty::Bool);
        }
        if contains_map(&ty, &self.records) {
            let found = self.ty_name(&ty);
            self.error(CheckError::InvalidOperation {
                message: format!("`{found}` values cannot be tested for membership"),
                span: l.span,
                help: Some("maps are not compared: test their keys with `key in m` or their entries with `any`".into()),
            });
            return Typed::error();
        }
        let b = self.coerce(typed, &list_ty, r.span);
        Typed::of(K::InList(Box::new(a.expr), Box::new(b)), Ty::Bool)
    }

    fn coalesce(&mut self, l: &ast::Expr, r: &ast::Expr, want: Option<&Ty>, scope: &mut Scope) -> Typed {
        let hint = want.map(|w| match w {
            Ty::Optional(_) => w.clone(),
            other => Ty::Optional(Box::new(other.clone())),
        });
        let a = self.expr(l, hint.as_ref(), scope);
        let inner = match &a.t {
            T::V(Ty::Optional(inner)) => (**inner).clone(),
            T::Error => return Typed::error(),
            t => {
                let found = self.t_name(t);
                self.error(CheckError::TypeMismatch {
                    expected: "an optional value".into(),
                    found,
                    span: l.span,
                    help: Some(
                        "`??` gives a default for a value that may be absent; this one is always present".into(),
                    ),
                });
                return Typed::error();
            }
        };
        // The default may itself be optional: `a ?? b ?? c`.
        let b = self.expr(r, Some(&inner), scope);
        match b.t {
            T::V(Ty::Optional(ref bi)) if **bi == inner => {
                let ty = Ty::Optional(Box::new(inner));
                Typed::of(K::Coalesce(Box::new(a.expr), Box::new(b.expr)), ty)
            }
            _ => {
                let y = self.coerce(b, &inner, r.span);
                Typed::of(K::Coalesce(Box::new(a.expr), Box::new(y)), inner)
            }
        }
    }
}

/// Whether values of `ty` hold a map or a map entry anywhere (in a field of a record, an element
/// of a list): such values have no equality.
fn contains_map(ty: &Ty, records: &[RecordInfo]) -> bool {
    let mut stack = vec![ty];
    let mut seen = Vec::new();
    while let Some(t) = stack.pop() {
        match t {
            Ty::Map(_) | Ty::Entry(_) => return true,
            Ty::List(inner) | Ty::Optional(inner) => stack.push(inner),
            Ty::Record(r) if !seen.contains(r) => {
                seen.push(*r);
                if let Some(info) = records.get(*r as usize) {
                    stack.extend(info.fields.iter().map(|(_, t)| t));
                }
            }
            _ => {}
        }
    }
    false
}
