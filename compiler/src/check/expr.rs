//! The second pass: type-check every body and lower it to IR expressions.
//!
//! Checking is bidirectional: where the context knows the type it wants (a field of a record
//! literal, the other side of `==`, a parameter), it passes it down, which is how a bare
//! variant name such as `active` finds its enum and `null` finds its optional type.

use super::forms::QuantForm;
use super::*;
use crate::ir::{DatePart, ExprKind as K};
use crate::syntax::ast::ExprKind as A;

impl<'a> Cx<'a> {
    pub(super) fn check_bodies(&mut self) {
        for id in 0..self.defs.len() as u32 {
            self.check_def(id);
        }
        for id in 0..self.fns.len() {
            let Some(f) = self.fns.get(id) else { continue };
            let (body_ast, params, ret, name) = (f.body_ast, f.params.clone(), f.ret.clone(), f.name.text.clone());
            let mut scope = Scope::new(Node::Fn(id as u32), &name, false);
            for (p, ty) in &params {
                scope.push(p, ty.clone());
            }
            let typed = self.expr(body_ast, Some(&ret), &mut scope);
            let expr = self.coerce(typed, &ret, body_ast.span);
            if let Some(f) = self.fns.get_mut(id) {
                f.body = Some(ir::Body { expr, locals: scope.max_slots });
            }
        }
        for g in 0..self.groups.len() {
            let Some(group) = self.groups.get(g) else {
                continue;
            };
            let rules = group.rules;
            let gname = group.name.text.clone();
            let advisories = group.advisories;
            let mut checked = Vec::new();
            for rule in rules {
                let owner = format!("{gname}.{}", rule.code.text);
                let mut scope = Scope::new(Node::Group(g as u32), &owner, false);
                let typed = self.expr(&rule.cond, Some(&Ty::Bool), &mut scope);
                let expr = self.coerce(typed, &Ty::Bool, rule.cond.span);
                let sizes: Vec<u32> = self.enums.iter().map(|e| e.variants.len() as u32).collect();
                if let Some(always) = (super::lints::Facts { enum_sizes: &sizes }).always(&expr) {
                    let applies = if advisories { always } else { !always };
                    let (kind, verb) = if advisories { ("advisory", "applies") } else { ("requirement", "fails") };
                    let what = if applies { format!("always {verb}") } else { format!("never {verb}") };
                    self.error(CheckError::ConstantRule {
                        what: format!("{kind} `{}` {what}", rule.code.text),
                        span: rule.cond.span,
                    });
                }
                checked.push(ir::Rule {
                    code: rule.code.text.clone(),
                    message: rule.message.clone(),
                    cond: ir::Body { expr, locals: scope.max_slots },
                    source: self.snippet(rule.cond.span),
                    span: rule.code.span,
                });
            }
            if let Some(group) = self.groups.get_mut(g) {
                group.checked = checked;
            }
        }
        if let Some((record, fields, span)) = self.output {
            let mut scope = Scope::new(Node::Output, "output", false);
            let typed = self.record_literal(record, fields, span, &mut scope);
            if typed.t != T::Error {
                self.output_body = Some(ir::Body { expr: typed.expr, locals: scope.max_slots });
            }
        }
    }

    /// The source text of a span, with runs of whitespace folded to one space.
    /// Comments are left out.
    pub(super) fn snippet(&self, span: Span) -> String {
        let text = self.source.get(span.start as usize..span.end as usize).unwrap_or("");
        let code = text.lines().map(|line| match crate::syntax::comment_start(line) {
            Some(at) => line.get(..at).unwrap_or(""),
            None => line,
        });
        code.flat_map(str::split_whitespace).collect::<Vec<_>>().join(" ")
    }

    /// Checks a definition's body once, on first use or in declaration order.
    pub(super) fn check_def(&mut self, id: u32) {
        let Some(def) = self.defs.get_mut(id as usize) else {
            return;
        };
        if def.state != DefState::Unchecked {
            return;
        }
        def.state = DefState::InProgress;
        let (value, declared, is_const, name) = (def.value, def.declared, def.is_const, def.name.text.clone());
        let declared_ty = declared.and_then(|t| self.resolve_type(t));
        // `const name = {a, b}` declares a set for use after `in`.
        if let (A::Set(items), true) = (&value.kind, is_const) {
            let elem = declared_ty.as_ref().and_then(|t| match t {
                Ty::List(e) => Some((**e).clone()),
                _ => None,
            });
            let mut scope = Scope::new(Node::Def(id), &name, true);
            let set = self.const_set(items, elem.as_ref(), &mut scope);
            if let Some(def) = self.defs.get_mut(id as usize) {
                def.set = set;
                def.state = DefState::Done;
            }
            return;
        }
        let mut scope = Scope::new(Node::Def(id), &name, is_const);
        let typed = self.expr(value, declared_ty.as_ref(), &mut scope);
        let (expr, ty) = match (&declared_ty, typed.t.clone()) {
            (Some(want), _) => (self.coerce(typed, want, value.span), Some(want.clone())),
            (None, T::V(ty)) => (typed.expr, Some(ty)),
            (None, T::Null) => {
                self.error(CheckError::InvalidOperation {
                    message: format!("the type of `{name}` cannot be told from `null`"),
                    span: value.span,
                    help: Some(format!("declare it: `let {name}: date? = null`")),
                });
                (typed.expr, None)
            }
            (None, T::Days) => {
                self.days_misuse(value.span);
                (typed.expr, None)
            }
            (None, T::Error) => (typed.expr, None),
        };
        let mut body = ir::Body { expr, locals: scope.max_slots };
        if is_const && ty.is_some() {
            body = self.fold_const(id, body, value.span);
        }
        if let Some(def) = self.defs.get_mut(id as usize) {
            def.ty = ty;
            def.body = Some(body);
            def.state = DefState::Done;
        }
    }

    /// Evaluates a constant at compile time; its body becomes the literal.
    fn fold_const(&mut self, id: u32, body: ir::Body, span: Span) -> ir::Body {
        let ty = body.expr.ty.clone();
        let mut frame = vec![Value::Null; body.locals as usize];
        match ir::interp::eval_constant(&body.expr, &mut frame, &self.sites) {
            Ok(v) => ir::Body { expr: ir::Expr::constant(v, ty), locals: 0 },
            Err(what) => {
                let name = self.defs.get(id as usize).map(|d| d.name.text.clone()).unwrap_or_default();
                self.error(CheckError::ConstFailed { name, what, span });
                body
            }
        }
    }

    pub(super) fn const_set(
        &mut self,
        items: &[ast::Expr],
        elem: Option<&Ty>,
        scope: &mut Scope,
    ) -> Option<(Ty, Vec<Value>)> {
        let mut elem = elem.cloned();
        let mut values = Vec::new();
        for item in items {
            let typed = self.expr(item, elem.as_ref(), scope);
            let ty = match (&elem, &typed.t) {
                (Some(e), _) => e.clone(),
                (None, T::V(t)) => t.clone(),
                _ => continue,
            };
            let expr = self.coerce(typed, &ty, item.span);
            elem = Some(ty);
            match expr.kind {
                K::Const(v) => values.push(v),
                _ => self.error(CheckError::InvalidOperation {
                    message: "set elements must be constants".into(),
                    span: item.span,
                    help: Some("write literals or enum variants inside `{ ... }`".into()),
                }),
            }
        }
        match elem {
            Some(Ty::Int | Ty::Date | Ty::String | Ty::Enum(_) | Ty::Bool) => Some((elem?, values)),
            Some(other) => {
                let found = self.ty_name(&other);
                let span = items.first().map(|i| i.span).unwrap_or_default();
                self.error(CheckError::InvalidOperation {
                    message: format!("a set cannot hold `{found}` values"),
                    span,
                    help: Some("sets hold ints, dates, strings, bools or enum variants".into()),
                });
                None
            }
            None => None,
        }
    }

    /// Reports a decimal literal that is not exactly a decimal.
    pub(super) fn decimal_literal_error(&mut self, span: Span, problem: dexp_runtime::decimal::ParseError) {
        use dexp_runtime::decimal::ParseError as P;
        let (message, help) = match problem {
            P::TooPrecise => (
                "this decimal has more than 6 fractional digits".to_string(),
                "decimals hold exactly 6 fractional digits and are never rounded silently: round the literal yourself"
                    .to_string(),
            ),
            P::OutOfRange | P::Syntax => (
                "this number is outside the decimal range".to_string(),
                "decimals range from -9223372036854.775808 to 9223372036854.775807".to_string(),
            ),
        };
        self.error(CheckError::DecimalLiteral { message, span, help });
    }

    /// Fits a checked expression to the type the context needs.
    pub(super) fn coerce(&mut self, typed: Typed, want: &Ty, span: Span) -> ir::Expr {
        match typed.t {
            T::V(ref ty) if ty == want => typed.expr,
            T::V(ref ty) if matches!(want, Ty::Optional(inner) if **inner == *ty) => {
                ir::Expr { kind: K::Lift(Box::new(typed.expr)), ty: want.clone() }
            }
            T::Null if matches!(want, Ty::Optional(_)) => ir::Expr::constant(Value::Null, want.clone()),
            T::Error => ir::Expr::constant(Value::Null, want.clone()),
            T::Days => {
                self.days_misuse(span);
                ir::Expr::constant(Value::Null, want.clone())
            }
            ref t => {
                let found = self.t_name(t);
                let help = match (t, want) {
                    (T::V(Ty::Optional(inner)), w) if **inner == *w => {
                        Some("this value may be absent: give a default with `??` or test it with `present(...)`".into())
                    }
                    (T::V(Ty::Int), Ty::Decimal) => Some("make the int a decimal with `decimal(...)`".into()),
                    (T::V(Ty::Decimal), Ty::Int) => {
                        Some("a decimal does not become an int: declare the value as `decimal`".into())
                    }
                    _ => None,
                };
                self.error(CheckError::TypeMismatch {
                    expected: format!("`{}`", self.ty_name(want)),
                    found,
                    span,
                    help,
                });
                ir::Expr::constant(Value::Null, want.clone())
            }
        }
    }

    pub(super) fn days_misuse(&mut self, span: Span) {
        self.error(CheckError::InvalidOperation {
            message: "`days` only counts days added to or subtracted from a date".into(),
            span,
            help: Some("write `some_date + 30 days`".into()),
        });
    }

    /// Checks an expression; `want` is the type the context expects, when it knows one.
    pub(super) fn expr(&mut self, e: &ast::Expr, want: Option<&Ty>, scope: &mut Scope) -> Typed {
        let typed = crate::stack::guard(|| self.expr_inner(e, want, scope));
        self.typed_at(e.span, &typed.t, want);
        typed
    }

    fn expr_inner(&mut self, e: &ast::Expr, want: Option<&Ty>, scope: &mut Scope) -> Typed {
        match &e.kind {
            // An int literal where a decimal is expected is that decimal (`price ?? 0`).
            A::Int(i) if want.is_some_and(wants_decimal) => match dexp_runtime::decimal::from_int(*i) {
                Some(units) => Typed::of(K::Const(Value::Decimal(units)), Ty::Decimal),
                None => {
                    self.decimal_literal_error(e.span, dexp_runtime::decimal::ParseError::OutOfRange);
                    Typed::error()
                }
            },
            A::Int(i) => Typed::of(K::Const(Value::Int(*i)), Ty::Int),
            A::Decimal(text) => match dexp_runtime::decimal::parse(text) {
                Ok(units) => Typed::of(K::Const(Value::Decimal(units)), Ty::Decimal),
                Err(problem) => {
                    self.decimal_literal_error(e.span, problem);
                    Typed::error()
                }
            },
            A::Str(s) => Typed::of(K::Const(Value::Str(s.as_str().into())), Ty::String),
            A::Bool(b) => Typed::of(K::Const(Value::Bool(*b)), Ty::Bool),
            A::Null => Typed { expr: ir::Expr::constant(Value::Null, Ty::Optional(Box::new(Ty::Bool))), t: T::Null },
            A::Paren(inner) => self.expr(inner, want, scope),
            A::Name(name) => self.name(name, want, scope),
            A::Field(base, field) => self.field(base, field, scope),
            A::Index(base, key) => self.lookup(base, key, scope),
            A::Not(inner) => {
                let x = self.expect(inner, &Ty::Bool, scope);
                Typed::of(K::Not(Box::new(x)), Ty::Bool)
            }
            A::Neg(inner) => {
                // An int or a decimal: only a decimal context says which before the operand does.
                let hint = want.is_some_and(wants_decimal).then_some(&Ty::Decimal);
                let typed = self.expr(inner, hint, scope);
                let ty = if typed.t == T::V(Ty::Decimal) { Ty::Decimal } else { Ty::Int };
                let x = self.coerce(typed, &ty, inner.span);
                let site = self.site(e.span, scope, "negation".into());
                Typed::of(K::Neg(Box::new(x), site), ty)
            }
            A::Days(inner) => {
                let x = self.expect(inner, &Ty::Int, scope);
                Typed { expr: x, t: T::Days }
            }
            A::Binary(op, l, r) => self.binary(*op, l, r, e.span, want, scope),
            A::Call(name, args) => self.call(name, args, e.span, want, scope),
            A::If(c, t, f) => {
                let c = self.expect(c, &Ty::Bool, scope);
                let id = self.branch(e.span, vec![t.span, f.span], scope);
                self.branches(&[t, f], want, scope, |exprs| {
                    let mut it = exprs.into_iter();
                    match (it.next(), it.next()) {
                        (Some(t), Some(f)) => K::If(Box::new(c), Box::new(t), Box::new(f), id),
                        _ => K::Const(Value::Null),
                    }
                })
            }
            A::Match(scrutinee, arms) => self.match_expr(scrutinee, arms, e.span, want, scope),
            A::Let(name, value, body) => self.let_in(name, value, body, want, scope),
            A::Quant { kind, distinct, var, list, nested, filter, body, default } => {
                let generators =
                    std::iter::once((var, &**list)).chain(nested.iter().map(|g| (&g.var, &g.list))).collect();
                let form = QuantForm {
                    kind: *kind,
                    distinct: *distinct,
                    generators,
                    filter: filter.as_deref(),
                    body: body.as_deref(),
                    default: default.as_deref(),
                    span: e.span,
                };
                self.quant(form, scope)
            }
            A::Record(name, fields) => {
                let Some((Ty::Record(r), declared)) = self.types.get(&name.text).cloned() else {
                    let help = did_you_mean(&name.text, self.records.iter().map(|r| r.name.text.as_str()));
                    self.error(CheckError::UnknownType { name: name.text.clone(), span: name.span, help });
                    return Typed::error();
                };
                self.resolved(name.span, Some(declared));
                self.record_literal(r, fields, e.span, scope)
            }
            A::List(items) => {
                let mut elem = match want {
                    Some(Ty::List(t)) => Some((**t).clone()),
                    _ => None,
                };
                let mut out = Vec::new();
                for item in items {
                    let typed = self.expr(item, elem.as_ref(), scope);
                    let ty = match (&elem, &typed.t) {
                        (Some(t), _) => t.clone(),
                        (None, T::V(t)) => t.clone(),
                        _ => continue,
                    };
                    out.push(self.coerce(typed, &ty, item.span));
                    elem = Some(ty);
                }
                match elem {
                    Some(t) => Typed::of(K::List(out), Ty::List(Box::new(t))),
                    None if items.is_empty() => {
                        self.error(CheckError::InvalidOperation {
                            message: "the type of an empty list cannot be told here".into(),
                            span: e.span,
                            help: Some("use it where a list type is expected, such as a typed `let`".into()),
                        });
                        Typed::error()
                    }
                    None => Typed::error(),
                }
            }
            A::Set(_) => {
                self.error(CheckError::InvalidOperation {
                    message: "a set `{ ... }` can only follow `in` or define a `const`".into(),
                    span: e.span,
                    help: Some("for a list value, write `[ ... ]`".into()),
                });
                Typed::error()
            }
        }
    }

    /// `let name = value in body`: the value is checked on its own, then the body with the name
    /// in scope as a local.
    fn let_in(
        &mut self,
        name: &ast::Name,
        value: &ast::Expr,
        body: &ast::Expr,
        want: Option<&Ty>,
        scope: &mut Scope,
    ) -> Typed {
        // `let x = a in {..} in b` reads as `let x = a in ({..} in b)`: the value ends at the
        // first `in`.
        if let A::Binary(ast::BinOp::In | ast::BinOp::NotIn, lhs, _) = &body.kind {
            if matches!(lhs.kind, A::Set(_)) {
                self.error(CheckError::InvalidOperation {
                    message: format!("the value of `{}` ends at the first `in`", name.text),
                    span: value.span.to(lhs.span),
                    help: Some(format!(
                        "put a membership test in the value in parentheses: `let {} = ({} in {{ ... }}) in ...`",
                        name.text,
                        self.snippet(value.span)
                    )),
                });
                return Typed::error();
            }
        }
        let v = self.expr(value, None, scope);
        let ty = match v.t {
            T::V(ty) => ty,
            T::Error => return Typed::error(),
            T::Null => {
                self.error(CheckError::InvalidOperation {
                    message: format!("the type of `{}` cannot be told from `null`", name.text),
                    span: value.span,
                    help: Some("bind a value whose type is known, or use a typed `let` declaration".into()),
                });
                return Typed::error();
            }
            T::Days => {
                self.days_misuse(value.span);
                return Typed::error();
            }
        };
        self.declared_as(name.span, &T::V(ty.clone()));
        let slot = scope.push(name, ty.clone());
        // Slots are reused: only uses inside this body count.
        scope.used.retain(|s| *s != slot);
        let b = self.expr(body, want, scope);
        scope.pop();
        if !scope.used.contains(&slot) {
            self.error(CheckError::UnusedBinding { name: name.text.clone(), span: name.span });
        }
        scope.used.retain(|s| *s != slot);
        let T::V(body_ty) = b.t.clone() else {
            return b;
        };
        let kind = K::Let { name: name.text.clone(), slot, value: Box::new(v.expr), body: Box::new(b.expr) };
        Typed::of(kind, body_ty)
    }

    /// Checks an expression against a type the context requires.
    pub(super) fn expect(&mut self, e: &ast::Expr, want: &Ty, scope: &mut Scope) -> ir::Expr {
        let typed = self.expr(e, Some(want), scope);
        self.coerce(typed, want, e.span)
    }

    fn name(&mut self, name: &ast::Name, want: Option<&Ty>, scope: &mut Scope) -> Typed {
        if let Some((ty, slot)) = scope.use_local(&name.text) {
            self.resolved(name.span, scope.declared_at(&name.text));
            return Typed::of(K::Local(slot), ty);
        }
        if let Some(t) = self.input_field(name, scope) {
            return t;
        }
        if let Some((node, declared)) = self.values.get(&name.text).copied() {
            self.resolved(name.span, Some(declared));
            return self.value_ref(node, name, scope);
        }
        if let Some(t) = self.variant(None, name, want) {
            return t;
        }
        let mut candidates: Vec<&str> = scope.locals.iter().map(|(n, _, _, _)| n.as_str()).collect();
        candidates.extend(self.values.keys().map(String::as_str));
        if let Some((input, _)) = self.input {
            if let Some(r) = self.records.get(input as usize) {
                candidates.extend(r.fields.iter().map(|(n, _)| n.text.as_str()));
            }
        }
        for e in &self.enums {
            candidates.extend(e.variants.iter().map(|v| v.text.as_str()));
        }
        let help = did_you_mean(&name.text, candidates);
        self.error(CheckError::UnknownName { name: name.text.clone(), span: name.span, help });
        Typed::error()
    }

    fn input_field(&mut self, name: &ast::Name, scope: &Scope) -> Option<Typed> {
        let (input, _) = self.input?;
        let record = self.records.get(input as usize)?;
        let index = record.fields.iter().position(|(n, _)| n.text == name.text)?;
        let (field, ty) = record.fields.get(index).map(|(n, t)| (n.span, t.clone()))?;
        self.resolved(name.span, Some(field));
        if scope.in_const {
            self.error(CheckError::NotConstant { name: scope.owner.clone(), used: name.text.clone(), span: name.span });
            return Some(Typed::error());
        }
        let input_ty = Ty::Record(input);
        let base = ir::Expr { kind: K::Input, ty: input_ty };
        Some(Typed::of(K::Field(Box::new(base), index as u32), ty))
    }

    fn value_ref(&mut self, node: Node, name: &ast::Name, scope: &mut Scope) -> Typed {
        match node {
            Node::Def(id) => {
                self.use_node(scope.node, node);
                let Some(def) = self.defs.get(id as usize) else {
                    return Typed::error();
                };
                if scope.in_const && !def.is_const {
                    self.error(CheckError::NotConstant {
                        name: scope.owner.clone(),
                        used: name.text.clone(),
                        span: name.span,
                    });
                    return Typed::error();
                }
                if def.state == DefState::InProgress {
                    // A cycle: the use-graph analysis reports it once, with the whole path.
                    return Typed::error();
                }
                self.check_def(id);
                let Some(def) = self.defs.get(id as usize) else {
                    return Typed::error();
                };
                if def.set.is_some() {
                    self.error(CheckError::InvalidOperation {
                        message: format!("`{}` is a set and can only follow `in`", name.text),
                        span: name.span,
                        help: None,
                    });
                    return Typed::error();
                }
                match (&def.ty, def.body.as_ref().map(|b| &b.expr.kind)) {
                    // Constants are folded, so their value is used in place.
                    (Some(ty), Some(K::Const(v))) if def.is_const => Typed::of(K::Const(v.clone()), ty.clone()),
                    (Some(ty), _) => Typed::of(K::Def(id), ty.clone()),
                    (None, _) => Typed::error(),
                }
            }
            Node::Group(g) => {
                self.use_node(scope.node, node);
                if scope.in_const {
                    self.error(CheckError::NotConstant {
                        name: scope.owner.clone(),
                        used: name.text.clone(),
                        span: name.span,
                    });
                    return Typed::error();
                }
                Typed::of(K::Codes(g), Ty::Codes(g))
            }
            Node::Fn(_) | Node::Output => {
                self.error(CheckError::InvalidOperation {
                    message: format!("`{}` is a function", name.text),
                    span: name.span,
                    help: Some(format!("call it: `{}(...)`", name.text)),
                });
                Typed::error()
            }
        }
    }

    /// Resolves `variant` or `Enum.variant`, using the wanted type to choose between enums.
    fn variant(&mut self, enum_name: Option<&ast::Name>, name: &ast::Name, want: Option<&Ty>) -> Option<Typed> {
        if let Some(en) = enum_name {
            let Some((Ty::Enum(e), declared)) = self.types.get(&en.text).cloned() else {
                return None;
            };
            self.resolved(en.span, Some(declared));
            let info = self.enums.get(e as usize)?;
            return match info.variants.iter().position(|v| v.text == name.text) {
                Some(i) => {
                    let at = info.variants.get(i).map(|v| v.span);
                    self.resolved(name.span, at);
                    Some(Typed::of(K::Const(Value::Enum(i as u32)), Ty::Enum(e)))
                }
                None => {
                    let help = did_you_mean(&name.text, info.variants.iter().map(|v| v.text.as_str()));
                    let enum_name = info.name.text.clone();
                    self.error(CheckError::UnknownVariant {
                        enum_name,
                        variant: name.text.clone(),
                        span: name.span,
                        help,
                    });
                    Some(Typed::error())
                }
            };
        }
        let wanted_enum = match want {
            Some(Ty::Enum(e)) => Some(*e),
            Some(Ty::Optional(inner)) => match **inner {
                Ty::Enum(e) => Some(e),
                _ => None,
            },
            _ => None,
        };
        if let Some(e) = wanted_enum {
            if let Some(v) = self.enums.get(e as usize).and_then(|info| {
                info.variants.iter().enumerate().find(|(_, v)| v.text == name.text).map(|(i, v)| (i, v.span))
            }) {
                self.resolved(name.span, Some(v.1));
                return Some(Typed::of(K::Const(Value::Enum(v.0 as u32)), Ty::Enum(e)));
            }
        }
        let owners: Vec<(u32, u32)> = self
            .enums
            .iter()
            .enumerate()
            .filter_map(|(e, info)| {
                info.variants.iter().position(|v| v.text == name.text).map(|i| (e as u32, i as u32))
            })
            .collect();
        match owners.as_slice() {
            [] => None,
            [(e, i)] => {
                let at = self.enums.get(*e as usize).and_then(|info| info.variants.get(*i as usize)).map(|v| v.span);
                self.resolved(name.span, at);
                Some(Typed::of(K::Const(Value::Enum(*i)), Ty::Enum(*e)))
            }
            many => {
                let enums: Vec<String> = many
                    .iter()
                    .filter_map(|(e, _)| self.enums.get(*e as usize).map(|i| format!("`{}`", i.name.text)))
                    .collect();
                let first = many
                    .first()
                    .and_then(|(e, _)| self.enums.get(*e as usize))
                    .map(|i| i.name.text.clone())
                    .unwrap_or_default();
                self.error(CheckError::AmbiguousVariant {
                    variant: name.text.clone(),
                    enums: enums.join(", "),
                    span: name.span,
                    help: format!("name the enum, as in `{first}.{}`", name.text),
                });
                Some(Typed::error())
            }
        }
    }

    /// `m[key]`: the value of a map's key, absent when the map does not have it.
    fn lookup(&mut self, base: &ast::Expr, key: &ast::Expr, scope: &mut Scope) -> Typed {
        let m = self.expr(base, None, scope);
        let value = match &m.t {
            T::V(Ty::Map(value)) => (**value).clone(),
            T::Error => {
                let _ = self.expect(key, &Ty::String, scope);
                return Typed::error();
            }
            other => {
                let found = self.t_name(other);
                let help = match other {
                    T::V(Ty::List(_)) => {
                        "lists have no keys: use a list operation, such as `any x in xs: ...`".to_string()
                    }
                    _ => "only a `map of string to T` is looked up with `[key]`".to_string(),
                };
                self.error(CheckError::NotAMap { found, span: base.span, help });
                let _ = self.expect(key, &Ty::String, scope);
                return Typed::error();
            }
        };
        let k = self.expect(key, &Ty::String, scope);
        Typed::of(K::MapGet(Box::new(m.expr), Box::new(k)), Ty::Optional(Box::new(value)))
    }

    fn field(&mut self, base: &ast::Expr, field: &ast::Name, scope: &mut Scope) -> Typed {
        // `Enum.variant`, when the base names an enum type and no value.
        if let A::Name(n) = &base.kind {
            let is_value = scope.lookup(&n.text).is_some()
                || self.values.contains_key(&n.text)
                || self
                    .input
                    .and_then(|(r, _)| self.records.get(r as usize))
                    .is_some_and(|r| r.fields.iter().any(|(f, _)| f.text == n.text));
            if !is_value && matches!(self.types.get(&n.text), Some((Ty::Enum(_), _))) {
                return self.variant(Some(n), field, None).unwrap_or_else(Typed::error);
            }
        }
        let b = self.expr(base, None, scope);
        let ty = match &b.t {
            T::V(ty) => ty.clone(),
            T::Error => return Typed::error(),
            other => {
                let found = self.t_name(other);
                self.error(CheckError::InvalidOperation {
                    message: format!("{found} has no field `{}`", field.text),
                    span: field.span,
                    help: None,
                });
                return Typed::error();
            }
        };
        match &ty {
            Ty::Entry(value) => match field.text.as_str() {
                "key" => Typed::of(K::Field(Box::new(b.expr), 0), Ty::String),
                "value" => Typed::of(K::Field(Box::new(b.expr), 1), (**value).clone()),
                _ => {
                    let help = did_you_mean(&field.text, ["key", "value"])
                        .or_else(|| Some("a map entry has two fields, `key` and `value`".into()));
                    self.error(CheckError::UnknownField {
                        record: "map entry".into(),
                        field: field.text.clone(),
                        span: field.span,
                        help,
                    });
                    Typed::error()
                }
            },
            Ty::Record(r) => {
                let Some(info) = self.records.get(*r as usize) else {
                    return Typed::error();
                };
                match info.fields.iter().position(|(n, _)| n.text == field.text) {
                    Some(i) => {
                        let fty = info.fields.get(i).map(|(_, t)| t.clone()).unwrap_or(Ty::Bool);
                        let at = info.fields.get(i).map(|(n, _)| n.span);
                        self.resolved(field.span, at);
                        Typed::of(K::Field(Box::new(b.expr), i as u32), fty)
                    }
                    None => {
                        let help = did_you_mean(&field.text, info.fields.iter().map(|(n, _)| n.text.as_str()));
                        let record = info.name.text.clone();
                        self.error(CheckError::UnknownField {
                            record,
                            field: field.text.clone(),
                            span: field.span,
                            help,
                        });
                        Typed::error()
                    }
                }
            }
            Ty::Date => {
                let part = match field.text.as_str() {
                    "year" => DatePart::Year,
                    "quarter" => DatePart::Quarter,
                    "month" => DatePart::Month,
                    "day" => DatePart::Day,
                    _ => {
                        let help = did_you_mean(&field.text, ["year", "quarter", "month", "day"]);
                        self.error(CheckError::UnknownField {
                            record: "date".into(),
                            field: field.text.clone(),
                            span: field.span,
                            help,
                        });
                        return Typed::error();
                    }
                };
                Typed::of(K::DatePart(part, Box::new(b.expr)), Ty::Int)
            }
            Ty::Codes(g) => {
                if field.text == "ok" {
                    return Typed::of(K::CodesEmpty(Box::new(b.expr)), Ty::Bool);
                }
                let Some(group) = self.groups.get(*g as usize) else {
                    return Typed::error();
                };
                match group.rules.iter().position(|r| r.code.text == field.text) {
                    Some(i) => {
                        let at = group.rules.get(i).map(|r| r.code.span);
                        self.resolved(field.span, at);
                        Typed::of(K::HasCode(Box::new(b.expr), i as u32), Ty::Bool)
                    }
                    None => {
                        let names = std::iter::once("ok").chain(group.rules.iter().map(|r| r.code.text.as_str()));
                        let help = did_you_mean(&field.text, names);
                        let record = format!("codes({})", group.name.text);
                        self.error(CheckError::UnknownField {
                            record,
                            field: field.text.clone(),
                            span: field.span,
                            help,
                        });
                        Typed::error()
                    }
                }
            }
            Ty::Optional(_) => {
                self.error(CheckError::TypeMismatch {
                    expected: "a record".into(),
                    found: format!("`{}`", self.ty_name(&ty)),
                    span: base.span,
                    help: Some(
                        "this value may be absent: give a default with `??` or test it with `present(...)`".into(),
                    ),
                });
                Typed::error()
            }
            other => {
                let found = self.ty_name(other);
                self.error(CheckError::InvalidOperation {
                    message: format!("`{found}` has no field `{}`", field.text),
                    span: field.span,
                    help: None,
                });
                Typed::error()
            }
        }
    }

    pub(super) fn record_literal(
        &mut self,
        record: u32,
        fields: &[ast::FieldInit],
        span: Span,
        scope: &mut Scope,
    ) -> Typed {
        let Some(info) = self.records.get(record as usize) else {
            return Typed::error();
        };
        let decl: Vec<(String, Ty, Span)> =
            info.fields.iter().map(|(n, t)| (n.text.clone(), t.clone(), n.span)).collect();
        let rname = info.name.text.clone();
        let mut values: Vec<Option<ir::Expr>> = vec![None; decl.len()];
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut failed = false;
        for init in fields {
            if let Some(first) = seen.insert(&init.name.text, init.name.span) {
                self.error(CheckError::Duplicate { name: init.name.text.clone(), span: init.name.span, first });
                failed = true;
                continue;
            }
            let Some(index) = decl.iter().position(|(n, _, _)| *n == init.name.text) else {
                let help = did_you_mean(&init.name.text, decl.iter().map(|(n, _, _)| n.as_str()));
                self.error(CheckError::UnknownField {
                    record: rname.clone(),
                    field: init.name.text.clone(),
                    span: init.name.span,
                    help,
                });
                failed = true;
                continue;
            };
            let Some((_, fty, declared)) = decl.get(index) else {
                continue;
            };
            let fty = fty.clone();
            self.resolved(init.name.span, Some(*declared));
            let value = self.expect(&init.value, &fty, scope);
            if let Some(slot) = values.get_mut(index) {
                *slot = Some(value);
            }
        }
        let missing: Vec<String> =
            decl.iter().zip(&values).filter(|(_, v)| v.is_none()).map(|((n, _, _), _)| format!("`{n}`")).collect();
        if !missing.is_empty() {
            self.error(CheckError::MissingField { record: rname, missing: missing.join(", "), span });
            return Typed::error();
        }
        if failed {
            return Typed::error();
        }
        Typed::of(K::Record(values.into_iter().flatten().collect()), Ty::Record(record))
    }

    /// Checks the branches of an `if` or `match` and gives them one type.
    pub(super) fn branches(
        &mut self,
        bodies: &[&ast::Expr],
        want: Option<&Ty>,
        scope: &mut Scope,
        build: impl FnOnce(Vec<ir::Expr>) -> K,
    ) -> Typed {
        let typed: Vec<Typed> = bodies.iter().map(|b| self.expr(b, want, scope)).collect();
        let ty = match want {
            Some(w) => Some(w.clone()),
            None => unify(&typed),
        };
        let Some(ty) = ty else {
            if typed.iter().all(|t| t.t != T::Error) {
                let span = bodies.first().map(|b| b.span).unwrap_or_default();
                let names: Vec<String> = typed.iter().map(|t| self.t_name(&t.t)).collect();
                self.error(CheckError::InvalidOperation {
                    message: format!("the branches have different types: {}", names.join(", ")),
                    span,
                    help: Some("every branch must give a value of the same type".into()),
                });
            }
            return Typed::error();
        };
        let exprs: Vec<ir::Expr> = typed.into_iter().zip(bodies).map(|(t, b)| self.coerce(t, &ty, b.span)).collect();
        // Equal IR, or the same text (IR differs only in failure-site numbers then).
        let texts: Vec<String> = bodies.iter().map(|b| self.snippet(b.span)).collect();
        let same = exprs.windows(2).all(|w| matches!(w, [a, b] if a == b))
            || texts.windows(2).all(|w| matches!(w, [a, b] if a == b));
        if exprs.len() > 1 && same {
            let span = bodies.iter().map(|b| b.span).reduce(Span::to).unwrap_or_default();
            self.error(CheckError::SameInEveryBranch { span });
        }
        Typed::of(build(exprs), ty)
    }
}

/// The one type all branches fit, if there is one: `T` and `null` give `T?`.
fn unify(typed: &[Typed]) -> Option<Ty> {
    let mut base: Option<Ty> = None;
    let mut optional = false;
    for t in typed {
        match &t.t {
            T::V(Ty::Optional(inner)) => {
                optional = true;
                if base.as_ref().is_some_and(|b| b != &**inner) {
                    return None;
                }
                base = Some((**inner).clone());
            }
            T::V(ty) => {
                if base.as_ref().is_some_and(|b| b != ty) {
                    return None;
                }
                base = Some(ty.clone());
            }
            T::Null => optional = true,
            T::Days | T::Error => return None,
        }
    }
    let base = base?;
    Some(if optional { Ty::Optional(Box::new(base)) } else { base })
}

/// Whether a context that expects `ty` takes a decimal (`decimal` or `decimal?`): an int
/// literal there is read as a decimal.
pub(super) fn wants_decimal(ty: &Ty) -> bool {
    match ty {
        Ty::Decimal => true,
        Ty::Optional(inner) => **inner == Ty::Decimal,
        _ => false,
    }
}
