//! Span erasure, so that two syntax trees can be compared for meaning: the formatter checks
//! that its output parses back to the tree it started from, positions aside.

use crate::span::Span;
use crate::syntax::ast::{Expr, ExprKind, FieldInit, Item, Name, Pattern, Policy, TypeExpr};

/// Sets every span in the policy to the empty span at offset 0.
pub(super) fn policy(p: &mut Policy) {
    name(&mut p.name);
    if let Some((_, span)) = &mut p.version {
        *span = Span::default();
    }
    p.items.iter_mut().for_each(item);
}

fn name(n: &mut Name) {
    n.span = Span::default();
}

fn item(item: &mut Item) {
    match item {
        Item::Enum { name: n, variants } => {
            name(n);
            variants.iter_mut().for_each(name);
        }
        Item::Record { name: n, fields } => {
            name(n);
            for (f, t) in fields {
                name(f);
                ty(t);
            }
        }
        Item::Input { ty: t, key } => {
            name(t);
            key.iter_mut().for_each(name);
        }
        Item::Output { ty: t, fields, span } => {
            name(t);
            fields.iter_mut().for_each(init);
            *span = Span::default();
        }
        Item::Def { name: n, ty: t, value, .. } => {
            name(n);
            t.iter_mut().for_each(ty);
            expr(value);
        }
        Item::Fn { name: n, params, ret, body } => {
            name(n);
            for (p, t) in params {
                name(p);
                ty(t);
            }
            ty(ret);
            expr(body);
        }
        Item::Group { name: n, rules, .. } => {
            name(n);
            for rule in rules {
                name(&mut rule.code);
                expr(&mut rule.cond);
            }
        }
    }
}

fn ty(t: &mut TypeExpr) {
    match t {
        TypeExpr::Named(n) => name(n),
        TypeExpr::List(inner, span) | TypeExpr::Optional(inner, span) => {
            ty(inner);
            *span = Span::default();
        }
        TypeExpr::Codes(n, span) => {
            name(n);
            *span = Span::default();
        }
        TypeExpr::Map(key, value, span) => {
            ty(key);
            ty(value);
            *span = Span::default();
        }
    }
}

fn init(f: &mut FieldInit) {
    name(&mut f.name);
    expr(&mut f.value);
}

fn expr(e: &mut Expr) {
    crate::stack::guard(|| {
        e.span = Span::default();
        match &mut e.kind {
            ExprKind::Int(_) | ExprKind::Decimal(_) | ExprKind::Str(_) | ExprKind::Bool(_) | ExprKind::Null => {}
            ExprKind::Name(n) => name(n),
            ExprKind::Field(base, n) => {
                expr(base);
                name(n);
            }
            ExprKind::Not(inner) | ExprKind::Neg(inner) | ExprKind::Days(inner) | ExprKind::Paren(inner) => expr(inner),
            ExprKind::Binary(_, lhs, rhs) | ExprKind::Index(lhs, rhs) => {
                expr(lhs);
                expr(rhs);
            }
            ExprKind::Call(n, args) => {
                name(n);
                args.iter_mut().for_each(expr);
            }
            ExprKind::Let(n, value, body) => {
                name(n);
                expr(value);
                expr(body);
            }
            ExprKind::If(c, t, o) => {
                expr(c);
                expr(t);
                expr(o);
            }
            ExprKind::Match(scrutinee, arms) => {
                expr(scrutinee);
                for arm in arms {
                    arm.span = Span::default();
                    expr(&mut arm.body);
                    for pattern in &mut arm.patterns {
                        match pattern {
                            Pattern::Wildcard(span) => *span = Span::default(),
                            Pattern::Variant(enum_name, variant) => {
                                enum_name.iter_mut().for_each(name);
                                name(variant);
                            }
                        }
                    }
                }
            }
            ExprKind::Quant { var, list, nested, filter, body, default, .. } => {
                name(var);
                expr(list);
                for generator in nested {
                    name(&mut generator.var);
                    expr(&mut generator.list);
                }
                for part in [filter, body, default].into_iter().flatten() {
                    expr(part);
                }
            }
            ExprKind::Record(n, fields) => {
                name(n);
                fields.iter_mut().for_each(init);
            }
            ExprKind::List(items) | ExprKind::Set(items) => items.iter_mut().for_each(expr),
        }
    })
}
