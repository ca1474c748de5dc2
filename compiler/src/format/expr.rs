//! The layout of expressions.
//!
//! Only a few constructs can break across lines: `and`/`or` chains (before each operator),
//! `if` chains (before each `else`, then before `then`), list operations (before `where`,
//! after `:`, before `else`), and bracketed lists (calls, record, list and set literals: one
//! element per line). Everything else stays on the line it starts on.

use super::doc::Doc;
use super::layout::{Fmt, Style};
use super::source::quote;
use crate::syntax::ast::{Arm, BinOp, Expr, ExprKind, Pattern};

impl Fmt<'_> {
    /// An expression as an anchor.
    pub(super) fn expr(&mut self, e: &Expr) -> Doc {
        crate::stack::guard(|| self.anchor(e.span.start as usize, end(e), |f| f.expr_kind(e)))
    }

    fn expr_kind(&mut self, e: &Expr) -> Doc {
        match &e.kind {
            ExprKind::Int(v) => Doc::text(self.int_text(e, *v)),
            ExprKind::Decimal(digits) => Doc::text(self.decimal_text(e, digits)),
            ExprKind::Str(s) => Doc::text(quote(s)),
            ExprKind::Bool(b) => Doc::text(if *b { "true" } else { "false" }),
            ExprKind::Null => Doc::text("null"),
            ExprKind::Name(n) => Doc::text(n.text.clone()),
            ExprKind::Field(base, name) => Doc::cat(vec![self.expr(base), Doc::text("."), self.name(name)]),
            // As for `days`: a comment after the key keeps `]` on the next line, so that the
            // comment still follows the key when formatted again.
            ExprKind::Index(base, key) => {
                Doc::cat(vec![self.expr(base), Doc::text("["), self.expr(key), Doc::TokenStart, Doc::text("]")])
            }
            ExprKind::Not(inner) => Doc::cat(vec![Doc::text("not "), self.expr(inner)]),
            ExprKind::Neg(inner) => Doc::cat(vec![Doc::text("-"), self.expr(inner)]),
            // A comment after the operand keeps `days` or `)` on the next line, so that the
            // comment still follows the operand when formatted again.
            ExprKind::Days(inner) => Doc::cat(vec![self.expr(inner), Doc::TokenStart, Doc::text(" days")]),
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or), _, _) => self.chain(*op, e),
            ExprKind::Binary(op, lhs, rhs) => {
                let lhs = self.expr(lhs);
                let rhs = self.expr(rhs);
                Doc::cat(vec![lhs, Doc::text(format!(" {} ", op.symbol())), rhs])
            }
            ExprKind::Call(name, args) => {
                let name = self.name(name);
                let close = close_of(e);
                let args = self.list(args, expr_span, |f, a| f.expr(a), close, Style::Tight);
                Doc::group(Doc::cat(vec![name, Doc::text("("), args, Doc::text(")")]))
            }
            ExprKind::If(..) => self.if_chain(e),
            ExprKind::Match(scrutinee, arms) => {
                let scrutinee = self.expr(scrutinee);
                let arms = self.list(arms, arm_span, |f, a| f.arm(a), close_of(e), Style::Block);
                Doc::cat(vec![Doc::text("match "), scrutinee, Doc::text(" {"), arms, Doc::text("}")])
            }
            ExprKind::Quant { kind, distinct, var, list, nested, filter, body, default } => {
                let keyword = match distinct {
                    Some(written) => format!("{} distinct", written.keyword()),
                    None => kind.keyword().to_string(),
                };
                let mut docs = vec![Doc::text(format!("{keyword} {} in ", var.text)), self.expr(list)];
                for generator in nested {
                    docs.push(Doc::text(format!(", {} in ", generator.var.text)));
                    docs.push(self.expr(&generator.list));
                }
                if let Some(filter) = filter {
                    let lead = self.leading(filter.span.start as usize, true);
                    let filter = self.expr(filter);
                    docs.push(Doc::indent(Doc::cat(vec![Doc::Line, lead, Doc::text("where "), filter])));
                }
                if let Some(body) = body {
                    let body = self.expr(body);
                    docs.push(Doc::text(":"));
                    docs.push(Doc::indent(Doc::cat(vec![Doc::Line, body])));
                }
                if let Some(default) = default {
                    let lead = self.leading(default.span.start as usize, true);
                    let default = self.expr(default);
                    docs.push(Doc::indent(Doc::cat(vec![Doc::Line, lead, Doc::text("else "), default])));
                }
                Doc::group(Doc::cat(docs))
            }
            ExprKind::Let(name, value, body) => {
                // `let x = v in` then the body: on one line when it fits, else the body on
                // the next line at the same indentation.
                let name = self.name(name);
                let value = self.expr(value);
                let lead = self.leading(body.span.start as usize, true);
                let body = self.expr(body);
                Doc::group(Doc::cat(vec![
                    Doc::text("let "),
                    name,
                    Doc::text(" = "),
                    value,
                    Doc::text(" in"),
                    Doc::Line,
                    lead,
                    body,
                ]))
            }
            ExprKind::Record(name, fields) => {
                let name = self.name(name);
                let fields = self.list(fields, init_span, |f, i| f.field_init(i), close_of(e), Style::Spaced);
                Doc::group(Doc::cat(vec![name, Doc::text(" {"), fields, Doc::text("}")]))
            }
            ExprKind::List(items) => {
                let items = self.list(items, expr_span, |f, i| f.expr(i), close_of(e), Style::Tight);
                Doc::group(Doc::cat(vec![Doc::text("["), items, Doc::text("]")]))
            }
            ExprKind::Set(items) => {
                let items = self.list(items, expr_span, |f, i| f.expr(i), close_of(e), Style::Spaced);
                Doc::group(Doc::cat(vec![Doc::text("{"), items, Doc::text("}")]))
            }
            ExprKind::Paren(inner) => Doc::cat(vec![Doc::text("("), self.expr(inner), Doc::TokenStart, Doc::text(")")]),
        }
    }

    /// An integer as the author wrote it (digit separators kept).
    /// A decimal literal as written (underscores and trailing zeros kept), when the source
    /// text is its literal.
    fn decimal_text(&self, e: &Expr, digits: &str) -> String {
        let written = self.src.get(e.span.start as usize..e.span.end as usize).unwrap_or("");
        let plain: String = written.chars().filter(|c| *c != '_').collect();
        if plain == digits && written.starts_with(|c: char| c.is_ascii_digit()) {
            written.to_string()
        } else {
            digits.to_string()
        }
    }

    fn int_text(&self, e: &Expr, value: i64) -> String {
        let written = self.src.get(e.span.start as usize..e.span.end as usize).unwrap_or("");
        let digits: String = written.chars().filter(|c| *c != '_').collect();
        if digits.parse::<i64>().ok() == Some(value) && written.starts_with(|c: char| c.is_ascii_digit()) {
            written.to_string()
        } else {
            value.to_string()
        }
    }

    /// `a and b and c`: one line when it fits, else a line per operand after the first, each
    /// starting with the operator and indented one level.
    fn chain(&mut self, op: BinOp, e: &Expr) -> Doc {
        let mut rest = Vec::new();
        let mut first = e;
        while let ExprKind::Binary(o, lhs, rhs) = &first.kind {
            if *o != op {
                break;
            }
            rest.push(rhs.as_ref());
            first = lhs;
        }
        rest.reverse();
        let mut tail = Vec::new();
        // An `and` chain first in an `or` chain is indented further when it breaks, so that
        // its operators do not line up with the `or`s.
        let nested = matches!(first.kind, ExprKind::Binary(BinOp::And | BinOp::Or, ..));
        let first = if nested { Doc::indent(self.expr(first)) } else { self.expr(first) };
        for operand in rest {
            tail.push(Doc::Line);
            tail.push(self.leading(operand.span.start as usize, true));
            tail.push(Doc::text(format!("{} ", op.symbol())));
            tail.push(self.expr(operand));
        }
        Doc::group(Doc::cat(vec![first, Doc::indent(Doc::cat(tail))]))
    }

    /// `if a then x else if b then y else z`: one line when it fits, else each `else` starts a
    /// line at the `if`'s indentation; a branch `if c then v` that still does not fit puts
    /// `then v` on a line of its own.
    fn if_chain(&mut self, e: &Expr) -> Doc {
        let mut docs = Vec::new();
        let mut current = e;
        loop {
            let ExprKind::If(cond, then, otherwise) = &current.kind else {
                docs.push(self.expr(current));
                break;
            };
            let cond = self.expr(cond);
            let lead = self.leading(then.span.start as usize, true);
            let then = self.expr(then);
            docs.push(Doc::group(Doc::cat(vec![Doc::text("if "), cond, Doc::Line, lead, Doc::text("then "), then])));
            docs.push(Doc::Line);
            docs.push(self.leading(otherwise.span.start as usize, true));
            docs.push(Doc::text("else "));
            current = otherwise;
            if !matches!(current.kind, ExprKind::If(..)) {
                docs.push(self.expr(current));
                break;
            }
        }
        Doc::group(Doc::cat(docs))
    }

    /// `pattern | pattern => value`, the value on the next line when it does not fit.
    fn arm(&mut self, arm: &Arm) -> Doc {
        self.anchor(arm.span.start as usize, end(&arm.body), |f| {
            let mut head = Vec::new();
            for (i, pattern) in arm.patterns.iter().enumerate() {
                if i > 0 {
                    head.push(Doc::text(" | "));
                }
                head.push(f.pattern(pattern));
            }
            head.push(Doc::text(" =>"));
            f.assign(head, &arm.body)
        })
    }

    fn pattern(&mut self, pattern: &Pattern) -> Doc {
        match pattern {
            Pattern::Wildcard(span) => self.anchor(span.start as usize, span.end as usize, |_| Doc::text("_")),
            Pattern::Variant(None, variant) => self.name(variant),
            Pattern::Variant(Some(enum_name), variant) => {
                Doc::cat(vec![self.name(enum_name), Doc::text("."), self.name(variant)])
            }
        }
    }
}

/// The end of an expression's last token.
///
/// The span of an `if` or a list operation, and of any expression ending in one, can reach
/// over the whitespace and comments after it (the parser's span of its last operand does), so
/// the end is taken from the last operand instead.
pub(super) fn end(e: &Expr) -> usize {
    let mut e = e;
    loop {
        e = match &e.kind {
            ExprKind::If(_, _, last)
            | ExprKind::Let(_, _, last)
            | ExprKind::Binary(_, _, last)
            | ExprKind::Not(last)
            | ExprKind::Neg(last) => last,
            ExprKind::Quant { list, nested, filter, body, default, .. } => default
                .as_deref()
                .or(body.as_deref())
                .or(filter.as_deref())
                .or(nested.last().map(|g| &g.list))
                .unwrap_or(list),
            _ => return e.span.end as usize,
        };
    }
}

fn expr_span(e: &Expr) -> (usize, usize) {
    (e.span.start as usize, end(e))
}

fn init_span(init: &crate::syntax::ast::FieldInit) -> (usize, usize) {
    (init.name.span.start as usize, end(&init.value))
}

fn arm_span(arm: &Arm) -> (usize, usize) {
    (arm.span.start as usize, end(&arm.body))
}

/// The offset of the closing bracket of a bracketed expression (its last character).
fn close_of(e: &Expr) -> usize {
    (e.span.end as usize).saturating_sub(1)
}
