//! Checking the compound forms: calls (helpers and built-ins), `match` with its
//! exhaustiveness and reachability analysis, and the list operations.

use super::*;
use crate::ir::{ExprKind as K, TextOp};
use crate::syntax::ast::QuantKind;

/// The most generators (`x in xs, y in x.ys, ...`) one list operation may have: each is one
/// nested loop in both back ends.
const MAX_GENERATORS: usize = 16;

/// Built-in functions, for "did you mean" and the unknown-function message.
const BUILTINS: &[&str] = &[
    "min",
    "max",
    "date",
    "present",
    "len",
    "starts_with",
    "ends_with",
    "contains",
    "eq_ignore_case",
    "lower",
    "upper",
    "decimal",
    "round",
];

impl<'a> Cx<'a> {
    /// Reports a call of `name` with `found` arguments where `expected` were needed.
    fn wrong_arguments(&mut self, name: &ast::Name, expected: impl ToString, found: usize, span: Span) -> Typed {
        self.error(CheckError::WrongArguments { name: name.text.clone(), expected: expected.to_string(), found, span });
        Typed::error()
    }

    /// `round(x, n)`: a decimal rounded to `n` fractional digits, `n` an int literal from 0
    /// to 6.
    fn round(&mut self, name: &ast::Name, args: &[ast::Expr], span: Span, scope: &mut Scope) -> Typed {
        let [x, n] = args else {
            return self.wrong_arguments(name, "2", args.len(), span);
        };
        let x = self.expect(x, &Ty::Decimal, scope);
        let digits = match n.kind {
            crate::syntax::ast::ExprKind::Int(d @ 0..=6) => d as u32,
            _ => {
                self.error(CheckError::InvalidOperation {
                    message: "`round` takes the number of fractional digits as a literal from 0 to 6".into(),
                    span: n.span,
                    help: Some("write `round(total, 2)` to round to cents".into()),
                });
                return Typed::error();
            }
        };
        let site = self.site(span, scope, "`round`".into());
        Typed::of(K::Round(Box::new(x), digits, site), Ty::Decimal)
    }

    pub(super) fn call(
        &mut self,
        name: &ast::Name,
        args: &[ast::Expr],
        span: Span,
        want: Option<&Ty>,
        scope: &mut Scope,
    ) -> Typed {
        if let Some((Node::Fn(id), declared)) = self.values.get(&name.text).copied() {
            self.resolved(name.span, Some(declared));
            return self.user_call(id, name, args, span, scope);
        }
        match name.text.as_str() {
            "min" | "max" => self.min_max(name, args, span, want, scope),
            "date" => self.date_literal(name, args, span),
            "len" => self.len(name, args, span, scope),
            "starts_with" => self.text(TextOp::StartsWith, name, args, span, scope),
            "ends_with" => self.text(TextOp::EndsWith, name, args, span, scope),
            "contains" => self.text(TextOp::Contains, name, args, span, scope),
            "eq_ignore_case" => self.text(TextOp::EqIgnoreCase, name, args, span, scope),
            "lower" => self.text(TextOp::Lower, name, args, span, scope),
            "upper" => self.text(TextOp::Upper, name, args, span, scope),
            "round" => self.round(name, args, span, scope),
            "decimal" => {
                let [arg] = args else {
                    return self.wrong_arguments(name, "1", args.len(), span);
                };
                // No expected type: the argument is usually an int, checked as one.
                let a = self.expr(arg, None, scope);
                if a.t == T::Error {
                    return Typed::error();
                }
                Typed::of(self.promote(a, arg.span, span, scope).kind, Ty::Decimal)
            }
            "present" => {
                if args.len() != 1 {
                    return self.wrong_arguments(name, "1", args.len(), span);
                }
                let Some(arg) = args.first() else {
                    return Typed::error();
                };
                let a = self.expr(arg, None, scope);
                match a.t {
                    T::V(Ty::Optional(_)) => Typed::of(K::IsPresent(Box::new(a.expr)), Ty::Bool),
                    T::Error => Typed::error(),
                    ref t => {
                        let found = self.t_name(t);
                        self.error(CheckError::TypeMismatch {
                            expected: "an optional value".into(),
                            found,
                            span: arg.span,
                            help: Some("only optional (`T?`) values can be absent".into()),
                        });
                        Typed::error()
                    }
                }
            }
            _ => {
                let fns = self.fns.iter().map(|f| f.name.text.as_str());
                let help = did_you_mean(&name.text, fns.chain(BUILTINS.iter().copied()));
                self.error(CheckError::UnknownName { name: name.text.clone(), span: name.span, help });
                for a in args {
                    let _ = self.expr(a, None, scope);
                }
                Typed::error()
            }
        }
    }

    /// A text built-in: every argument is a string; the result is a bool, or a string for
    /// `lower`/`upper`.
    fn text(&mut self, op: TextOp, name: &ast::Name, args: &[ast::Expr], span: Span, scope: &mut Scope) -> Typed {
        let (arity, ty) = match op {
            TextOp::Lower | TextOp::Upper => (1, Ty::String),
            TextOp::Length => (1, Ty::Int),
            _ => (2, Ty::Bool),
        };
        if args.len() != arity {
            self.error(CheckError::WrongArguments {
                name: name.text.clone(),
                expected: arity.to_string(),
                found: args.len(),
                span,
            });
            for a in args {
                let _ = self.expr(a, None, scope);
            }
            return Typed::error();
        }
        let mut out = Vec::with_capacity(arity);
        for a in args {
            let typed = self.expr(a, Some(&Ty::String), scope);
            if !matches!(typed.t, T::V(Ty::String) | T::Error) {
                let found = self.t_name(&typed.t);
                let help = match &typed.t {
                    T::V(Ty::Optional(inner)) if **inner == Ty::String => {
                        "this text may be absent: give a default with `?? \"\"` first".to_string()
                    }
                    _ => format!("`{}` works on strings only", name.text),
                };
                self.error(CheckError::TypeMismatch {
                    expected: "`string`".into(),
                    found,
                    span: a.span,
                    help: Some(help),
                });
                return Typed::error();
            }
            out.push(self.coerce(typed, &Ty::String, a.span));
        }
        Typed::of(K::Text(op, out), ty)
    }

    /// `len(list)`: the number of elements; `len(string)`: the number of characters.
    fn len(&mut self, name: &ast::Name, args: &[ast::Expr], span: Span, scope: &mut Scope) -> Typed {
        let [arg] = args else {
            return self.wrong_arguments(name, "1", args.len(), span);
        };
        let a = self.expr(arg, None, scope);
        match a.t {
            T::V(Ty::List(_) | Ty::Map(_)) => Typed::of(K::ListLen(Box::new(a.expr)), Ty::Int),
            T::V(Ty::String) => Typed::of(K::Text(TextOp::Length, vec![a.expr]), Ty::Int),
            T::Error => Typed::error(),
            ref t => {
                let found = self.t_name(t);
                let help = match t {
                    T::V(Ty::Optional(inner)) if matches!(**inner, Ty::List(_) | Ty::String) => {
                        "this value may be absent: give a default with `??` first"
                    }
                    _ => "`len` counts the elements of a list, the entries of a map or the characters of a string",
                };
                self.error(CheckError::TypeMismatch {
                    expected: "a list, a map or a string".into(),
                    found,
                    span: arg.span,
                    help: Some(help.into()),
                });
                Typed::error()
            }
        }
    }

    fn user_call(&mut self, id: u32, name: &ast::Name, args: &[ast::Expr], span: Span, scope: &mut Scope) -> Typed {
        self.use_node(scope.node, Node::Fn(id));
        let Some(f) = self.fns.get(id as usize) else {
            return Typed::error();
        };
        let (params, ret) = (f.params.clone(), f.ret.clone());
        if scope.in_const {
            self.error(CheckError::NotConstant { name: scope.owner.clone(), used: name.text.clone(), span: name.span });
            return Typed::error();
        }
        if params.len() != args.len() {
            return self.wrong_arguments(name, params.len(), args.len(), span);
        }
        let checked = params.iter().zip(args).map(|((_, ty), a)| self.expect(a, ty, scope)).collect();
        Typed::of(K::Call(id, checked), ret)
    }

    fn min_max(
        &mut self,
        name: &ast::Name,
        args: &[ast::Expr],
        span: Span,
        want: Option<&Ty>,
        scope: &mut Scope,
    ) -> Typed {
        if args.len() < 2 {
            return self.wrong_arguments(name, "2 or more", args.len(), span);
        }
        let mut ty = want.filter(|t| matches!(t, Ty::Int | Ty::Decimal | Ty::Date | Ty::Enum(_))).cloned();
        let mut out = Vec::new();
        for a in args {
            let typed = self.expr(a, ty.as_ref(), scope);
            let t = match (&ty, &typed.t) {
                (Some(t), _) => t.clone(),
                (None, T::V(t)) => t.clone(),
                _ => return Typed::error(),
            };
            out.push(self.coerce(typed, &t, a.span));
            ty = Some(t);
        }
        match ty {
            Some(t @ (Ty::Int | Ty::Decimal | Ty::Date | Ty::Enum(_))) => {
                Typed::of(K::MinMax(name.text == "max", out), t)
            }
            Some(other) => {
                let found = self.ty_name(&other);
                self.error(CheckError::InvalidOperation {
                    message: format!("`{}` cannot order `{found}` values", name.text),
                    span,
                    help: Some("`min` and `max` take ints, dates or enum variants".into()),
                });
                Typed::error()
            }
            None => Typed::error(),
        }
    }

    fn date_literal(&mut self, name: &ast::Name, args: &[ast::Expr], span: Span) -> Typed {
        let text = match args {
            [ast::Expr { kind: ast::ExprKind::Str(s), .. }] => s,
            _ => {
                return self.wrong_arguments(name, "1 string literal", args.len(), span);
            }
        };
        match dexp_runtime::date::parse(text) {
            Some(d) => Typed::of(K::Const(Value::Date(d)), Ty::Date),
            None => {
                self.error(CheckError::InvalidOperation {
                    message: format!("`{text}` is not a date"),
                    span,
                    help: Some("write dates as `date(\"YYYY-MM-DD\")`, between 0001-01-01 and 9999-12-31".into()),
                });
                Typed::error()
            }
        }
    }

    pub(super) fn match_expr(
        &mut self,
        scrutinee: &ast::Expr,
        arms: &[ast::Arm],
        span: Span,
        want: Option<&Ty>,
        scope: &mut Scope,
    ) -> Typed {
        let s = self.expr(scrutinee, None, scope);
        let e = match &s.t {
            T::V(Ty::Enum(e)) => *e,
            T::Error => return Typed::error(),
            t => {
                let found = self.t_name(t);
                self.error(CheckError::TypeMismatch {
                    expected: "an enum value".into(),
                    found,
                    span: scrutinee.span,
                    help: Some("`match` chooses by enum variant; use `if` for other values".into()),
                });
                return Typed::error();
            }
        };
        let Some(info) = self.enums.get(e as usize) else {
            return Typed::error();
        };
        let variants: Vec<String> = info.variants.iter().map(|v| v.text.clone()).collect();
        let variant_spans: Vec<Span> = info.variants.iter().map(|v| v.span).collect();
        let enum_name = info.name.text.clone();
        let enum_span = info.name.span;
        let mut table: Vec<Option<u32>> = vec![None; variants.len()];
        for (arm_index, arm) in arms.iter().enumerate() {
            let mut useful = false;
            for pattern in &arm.patterns {
                match pattern {
                    ast::Pattern::Wildcard(_) => {
                        for slot in table.iter_mut().filter(|s| s.is_none()) {
                            *slot = Some(arm_index as u32);
                            useful = true;
                        }
                    }
                    ast::Pattern::Variant(qualifier, v) => {
                        if let Some(q) = qualifier {
                            if q.text == enum_name {
                                self.resolved(q.span, Some(enum_span));
                            } else {
                                self.error(CheckError::TypeMismatch {
                                    expected: format!("a variant of `{enum_name}`"),
                                    found: format!("`{}.{}`", q.text, v.text),
                                    span: q.span.to(v.span),
                                    help: None,
                                });
                                continue;
                            }
                        }
                        match variants.iter().position(|x| *x == v.text) {
                            Some(i) => {
                                self.resolved(v.span, variant_spans.get(i).copied());
                                if let Some(slot) = table.get_mut(i) {
                                    if slot.is_none() {
                                        *slot = Some(arm_index as u32);
                                        useful = true;
                                    }
                                }
                            }
                            None => {
                                let help = did_you_mean(&v.text, variants.iter().map(String::as_str));
                                self.error(CheckError::UnknownVariant {
                                    enum_name: enum_name.clone(),
                                    variant: v.text.clone(),
                                    span: v.span,
                                    help,
                                });
                                useful = true;
                            }
                        }
                    }
                }
            }
            if !useful {
                self.error(CheckError::UnreachableArm {
                    reason: "earlier arms already cover every variant it names".into(),
                    span: arm.span,
                });
            }
        }
        let missing: Vec<String> =
            variants.iter().zip(&table).filter(|(_, a)| a.is_none()).map(|(v, _)| format!("`{v}`")).collect();
        if !missing.is_empty() {
            self.error(CheckError::NonExhaustive { missing: missing.join(", "), span });
        }
        let bodies: Vec<&ast::Expr> = arms.iter().map(|a| &a.body).collect();
        let table: Vec<u32> = table.into_iter().map(|a| a.unwrap_or(0)).collect();
        let scrutinee = s.expr;
        let id = self.branch(span, arms.iter().map(|a| a.span).collect(), scope);
        self.branches(&bodies, want, scope, |exprs| K::Match(Box::new(scrutinee), table, exprs, id))
    }

    /// Checks a list operation: its generators in order (each list in the scope of the
    /// variables before it), then the filter and the value in the scope of all of them.
    pub(super) fn quant(&mut self, form: QuantForm<'_>, scope: &mut Scope) -> Typed {
        let QuantForm { kind, distinct, generators, filter, body, default, span } = form;
        if let Some(written) = distinct.filter(|w| *w != QuantKind::Count) {
            self.error(CheckError::InvalidOperation {
                message: format!("`{} distinct` is not a list operation", written.keyword()),
                span,
                help: Some("only `count` takes `distinct`: write `count distinct a in xs: a.user_id`".into()),
            });
            return Typed::error();
        }
        if generators.len() > MAX_GENERATORS {
            self.error(CheckError::Limit {
                message: format!("a list operation has more than {MAX_GENERATORS} generators"),
                span,
            });
            return Typed::error();
        }
        // Each generator's list is checked in the scope of the variables before it.
        let mut lists = Vec::new();
        let mut pushed = 0;
        for (var, list) in &generators {
            let l = self.expr(list, None, scope);
            let elem = match &l.t {
                T::V(Ty::List(elem)) => Some((**elem).clone()),
                // Over a map, the variable is an entry: `e.key` and `e.value`.
                T::V(Ty::Map(value)) => Some(Ty::Entry(value.clone())),
                T::Error => None,
                t => {
                    let found = self.t_name(t);
                    let help = (pushed > 0)
                        .then(|| "every generator after `,` runs over a list or a map: `, a in p.assignments`".into());
                    let expected = "a list or a map".into();
                    self.error(CheckError::TypeMismatch { expected, found, span: list.span, help });
                    None
                }
            };
            let Some(elem) = elem else {
                (0..pushed).for_each(|_| scope.pop());
                return Typed::error();
            };
            self.declared_as(var.span, &T::V(elem.clone()));
            lists.push((scope.push(var, elem), l.expr));
            pushed += 1;
        }
        let pop_all = |scope: &mut Scope| (0..pushed).for_each(|_| scope.pop());
        let form_ok = self.quant_form_ok(kind, body.is_some(), default.is_some(), span);
        if !form_ok {
            pop_all(scope);
            return Typed::error();
        }
        let filter = filter.map(|f| self.expect(f, &Ty::Bool, scope));
        let (body, ty) = match kind {
            QuantKind::All | QuantKind::Any => (body.map(|b| self.expect(b, &Ty::Bool, scope)), Ty::Bool),
            QuantKind::Count => (None, Ty::Int),
            QuantKind::Sum => match body.map(|b| (b, self.expr(b, Some(&Ty::Int), scope))) {
                Some((_, typed)) if typed.t == T::V(Ty::Decimal) => (Some(typed.expr), Ty::Decimal),
                Some((b, typed)) => (Some(self.coerce(typed, &Ty::Int, b.span)), Ty::Int),
                None => (None, Ty::Int),
            },
            QuantKind::Max | QuantKind::Min | QuantKind::Distinct => {
                let Some(b) = body else {
                    pop_all(scope);
                    return Typed::error();
                };
                let typed = self.expr(b, None, scope);
                let Some(ty) = self.quant_value_type(kind, &typed.t, b.span) else {
                    pop_all(scope);
                    return Typed::error();
                };
                let ty = if kind == QuantKind::Distinct { Ty::Int } else { ty };
                (Some(typed.expr), ty)
            }
        };
        pop_all(scope);
        // The default is outside the elements' scope.
        let default = default.map(|d| self.expect(d, &ty, scope));
        let site = match kind {
            QuantKind::Sum => Some(self.site(span, scope, "`sum`".into())),
            QuantKind::Distinct => Some(self.site(span, scope, "`count distinct`".into())),
            _ => None,
        };
        let kind = match kind {
            QuantKind::All => ir::QuantKind::All,
            QuantKind::Any => ir::QuantKind::Any,
            QuantKind::Count => ir::QuantKind::Count,
            QuantKind::Sum => ir::QuantKind::Sum,
            QuantKind::Max => ir::QuantKind::Max,
            QuantKind::Min => ir::QuantKind::Min,
            QuantKind::Distinct => ir::QuantKind::Distinct,
        };
        let mut lists = lists.into_iter();
        let Some((slot, list)) = lists.next() else { return Typed::error() };
        let nested = lists.map(|(slot, list)| ir::Generator { slot, list }).collect();
        let quant = ir::Quant { kind, slot, list, nested, filter, body, default, site };
        Typed::of(K::Quant(Box::new(quant)), ty)
    }

    /// Reports a list operation whose parts do not fit its kind (a `count` with a value, a
    /// `max` without `else`, ...); true when they fit.
    fn quant_form_ok(&mut self, kind: QuantKind, body: bool, default: bool, span: Span) -> bool {
        let kw = kind.keyword();
        let form_error =
            |message: String, help: &str| CheckError::InvalidOperation { message, span, help: Some(help.to_string()) };
        let error = match kind {
            QuantKind::Count if body => {
                form_error("`count` takes no `:` value".into(), "put the condition after `where`")
            }
            QuantKind::Distinct if !body => form_error(
                "`count distinct` needs the value to count after `:`".into(),
                "write `count distinct a in assignments: a.user_id`",
            ),
            QuantKind::Sum | QuantKind::Max | QuantKind::Min if !body => {
                form_error(format!("`{kw}` needs a value after `:`"), "write `sum x in xs: x.amount`")
            }
            QuantKind::Max | QuantKind::Min if !default => form_error(
                format!("`{kw}` needs an `else` value for when no element is kept"),
                "end it with `else some_value`",
            ),
            QuantKind::All | QuantKind::Any | QuantKind::Count | QuantKind::Sum | QuantKind::Distinct if default => {
                form_error(format!("`{kw}` takes no `else` value"), "only `max` and `min` need one")
            }
            _ => return true,
        };
        self.error(error);
        false
    }

    /// The type of a `max`/`min` value (an int, date or enum variant) or of a `count distinct`
    /// value (those, a bool or a string); reports any other.
    fn quant_value_type(&mut self, kind: QuantKind, t: &T, span: Span) -> Option<Ty> {
        let kw = kind.keyword();
        match (kind, t) {
            (_, T::V(t @ (Ty::Int | Ty::Date | Ty::Enum(_)))) => Some(t.clone()),
            (QuantKind::Max | QuantKind::Min, T::V(Ty::Decimal)) => Some(Ty::Decimal),
            (QuantKind::Distinct, T::V(t @ (Ty::String | Ty::Bool))) => Some(t.clone()),
            (_, T::Error) => None,
            (QuantKind::Distinct, t) => {
                let found = self.t_name(t);
                let help = if matches!(t, T::V(Ty::Optional(_))) {
                    "give the optional value a default with `??` first: `a.user_id ?? \"\"`"
                } else {
                    "`count distinct` counts strings, ints, dates, enum variants or bools: count one field of each element"
                };
                self.error(CheckError::InvalidOperation {
                    message: format!("`count distinct` cannot count {found} values"),
                    span,
                    help: Some(help.into()),
                });
                None
            }
            (_, t) => {
                let found = self.t_name(t);
                self.error(CheckError::InvalidOperation {
                    message: format!("`{kw}` cannot order {found} values"),
                    span,
                    help: Some("`max` and `min` take ints, dates or enum variants".into()),
                });
                None
            }
        }
    }
}

/// A list operation as the checker reads it from the tree: the generators in order, then the
/// optional parts.
pub(super) struct QuantForm<'a> {
    /// Which operation.
    pub(super) kind: QuantKind,
    /// The keyword written before `distinct`, if any.
    pub(super) distinct: Option<QuantKind>,
    /// `(variable, list)` for each generator, outermost first.
    pub(super) generators: Vec<(&'a ast::Name, &'a ast::Expr)>,
    /// The `where` filter.
    pub(super) filter: Option<&'a ast::Expr>,
    /// The value after `:`.
    pub(super) body: Option<&'a ast::Expr>,
    /// The `else` default.
    pub(super) default: Option<&'a ast::Expr>,
    /// The whole operation.
    pub(super) span: Span,
}
