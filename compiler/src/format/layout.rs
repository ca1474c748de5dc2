//! From the AST and the comments to formatted text: the comment bookkeeping shared by every
//! construct, the top-level assembly of a file, and the layout of declarations.
//!
//! Every identifier, literal, type, field, rule, arm and expression is an *anchor*: a source
//! range printed as one unit. Comments are placed relative to anchors:
//!
//! - a comment alone on its line is printed on its own line just before the first anchor that
//!   starts after it (or before the closing bracket of its block when nothing follows);
//! - a comment after code is attached to the outermost anchor that ends at the last token
//!   before it, and printed at the end of that anchor's output line. The line then ends:
//!   enclosing groups break, and the next token starts a new line.
//!
//! The layout runs twice over the same tree: a dry run records the anchors, which tells each
//! trailing comment where it belongs, and the real run places the comments.

use super::doc::Doc;
use super::source::{self, blank_between, quote, Comment};
use super::{INDENT, WIDTH};
use crate::syntax::ast::{FieldInit, Item, Name, Policy, RuleDecl, TypeExpr};
use std::collections::HashMap;

/// The formatter's state over one file.
pub(super) struct Fmt<'s> {
    pub(super) src: &'s str,
    comments: Vec<Comment>,
    /// The first comment not yet placed.
    next: usize,
    /// Whether this is the dry run, which only records anchors.
    dry: bool,
    /// Dry run: the top-level item, start and end of every anchor.
    anchors: Vec<(usize, usize, usize)>,
    /// How many anchors ending at each offset are still to be printed.
    remaining: HashMap<usize, u32>,
    /// The index of the top-level item being laid out.
    item: usize,
}

/// How the elements of a bracketed list are separated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    /// `{ a, b }` when flat; one element per line when broken.
    Spaced,
    /// `(a, b)` or `[a, b]` when flat; one element per line when broken.
    Tight,
    /// Always one element per line, each followed by a comma, keeping single blank lines
    /// between elements.
    Block,
    /// Like [`Style::Block`], without commas (the rules of a group).
    Lines,
}

/// Items that stay on consecutive lines when each fits on one line and the source had no blank
/// line between them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Def,
    Enum,
    Fn,
}

impl<'s> Fmt<'s> {
    /// Formats a parsed file; `None` when the file's items do not line up with the parser's.
    pub(super) fn run(src: &'s str, policy: &Policy) -> Option<String> {
        let comments = source::comments(src);
        let ranges = source::items(src, &comments);
        if ranges.len() != policy.items.len() + 1 {
            return None;
        }
        let mut fmt =
            Fmt { src, comments, next: 0, dry: true, anchors: Vec::new(), remaining: HashMap::new(), item: 0 };
        fmt.file(policy, &ranges);
        fmt.attach_trailing(&ranges);
        fmt.dry = false;
        fmt.next = 0;
        let out = fmt.file(policy, &ranges);
        (fmt.next == fmt.comments.len()).then_some(out)
    }

    /// Decides, for each comment after code, the end of the anchor it follows.
    fn attach_trailing(&mut self, ranges: &[(usize, usize)]) {
        for &(_, _, end) in &self.anchors {
            *self.remaining.entry(end).or_insert(0) += 1;
        }
        // The end of the previous comment's anchor, or of the previous comment if on its own line.
        let mut previous: Option<usize> = None;
        for comment in self.comments.iter_mut() {
            if comment.own_line {
                previous = Some(comment.start);
                continue;
            }
            let item = ranges.partition_point(|(start, _)| *start <= comment.start).saturating_sub(1);
            comment.attach = self
                .anchors
                .iter()
                .filter(|(i, _, end)| *i == item && *end <= comment.start)
                .map(|(_, _, end)| *end)
                .max();
            // A comment after a keyword that no anchor precedes, a second comment after the same
            // token, or one after a comment line, goes on its own line: each line ends with at
            // most one comment, and never with one that was separated from its token.
            if comment.attach.is_none_or(|a| previous.is_some_and(|p| p >= a)) {
                comment.own_line = true;
                previous = Some(comment.start);
            } else {
                previous = comment.attach;
            }
        }
    }

    fn file(&mut self, policy: &Policy, ranges: &[(usize, usize)]) -> String {
        let mut out = String::new();
        let mut prev: Option<(Option<Family>, bool, usize)> = None;
        let items = std::iter::once(None).chain(policy.items.iter().map(Some));
        for (k, (item, &(start, end))) in items.zip(ranges).enumerate() {
            self.item = k;
            let first = self.pending_own_line(start).unwrap_or(start);
            let lead = self.leading(start, true);
            let body = self.anchor(start, end, |f| match item {
                None => f.policy_line(policy),
                Some(item) => f.item(item, end),
            });
            if self.dry {
                continue;
            }
            let body = super::doc::print(&body, WIDTH, INDENT);
            let single = !body.contains('\n');
            let family = item.and_then(family);
            if let Some((prev_family, prev_single, prev_end)) = prev {
                let together = family.is_some()
                    && family == prev_family
                    && single
                    && prev_single
                    && !blank_between(self.src, prev_end, first);
                out.push_str(if together { "\n" } else { "\n\n" });
            }
            out.push_str(&super::doc::print(&lead, WIDTH, INDENT));
            out.push_str(&body);
            prev = Some((family, single, end));
        }
        let first = self.pending_own_line(usize::MAX);
        let tail = self.leading(usize::MAX, false);
        if let (Some(first), Some((_, _, last_end))) = (first, prev) {
            out.push_str(if blank_between(self.src, last_end, first) { "\n\n" } else { "\n" });
            out.push_str(&super::doc::print(&tail, WIDTH, INDENT));
        }
        out.push('\n');
        out
    }

    /// The start of the next comment if it is alone on its line and starts before `pos`.
    fn pending_own_line(&self, pos: usize) -> Option<usize> {
        self.comments.get(self.next).filter(|c| c.own_line && c.start < pos).map(|c| c.start)
    }

    /// Lays out one anchor: the comments before it, its content, and a trailing comment.
    pub(super) fn anchor(&mut self, start: usize, end: usize, f: impl FnOnce(&mut Self) -> Doc) -> Doc {
        let lead = self.leading(start, true);
        let body = f(self);
        let trail = self.finish(end);
        if self.dry {
            self.anchors.push((self.item, start, end));
        }
        Doc::cat(vec![lead, Doc::TokenStart, body, trail])
    }

    /// The comments that start before `pos`, each on its own line. With `newline_after`, a
    /// line break follows the last one (they precede a token); otherwise they end a block.
    pub(super) fn leading(&mut self, pos: usize, newline_after: bool) -> Doc {
        if self.dry {
            return Doc::nil();
        }
        let mut docs = Vec::new();
        let mut prev_end: Option<usize> = None;
        // Comments after code are normally placed by `finish`; should one remain here, it is
        // put on its own line like the others rather than being lost.
        while let Some(c) = self.comments.get(self.next).filter(|c| c.start < pos) {
            docs.push(Doc::FreshLine);
            if prev_end.is_some_and(|e| blank_between(self.src, e, c.start)) {
                docs.push(Doc::HardLine);
            }
            docs.push(Doc::text(c.text.clone()));
            if newline_after {
                docs.push(Doc::HardLine);
            }
            prev_end = Some(c.end);
            self.next += 1;
        }
        if let Some(e) = prev_end.filter(|_| newline_after) {
            if pos != usize::MAX && blank_between(self.src, e, pos) {
                docs.push(Doc::HardLine);
            }
        }
        Doc::cat(docs)
    }

    /// The trailing comments of the outermost anchor ending at `end`.
    fn finish(&mut self, end: usize) -> Doc {
        if self.dry {
            return Doc::nil();
        }
        let left = self.remaining.get(&end).copied().unwrap_or(0).saturating_sub(1);
        self.remaining.insert(end, left);
        let mut docs = Vec::new();
        if left == 0 {
            while let Some(c) = self.comments.get(self.next).filter(|c| !c.own_line && c.attach == Some(end)) {
                docs.push(Doc::LineSuffix { text: c.text.clone(), force: true });
                docs.push(Doc::BreakParent);
                self.next += 1;
            }
        }
        Doc::cat(docs)
    }

    /// A name as an anchor.
    pub(super) fn name(&mut self, name: &Name) -> Doc {
        let text = name.text.clone();
        self.anchor(name.span.start as usize, name.span.end as usize, |_| Doc::text(text))
    }

    /// The elements of a bracketed list, without the brackets: `close` is the offset of the
    /// closing bracket, before which comments that follow the last element are placed.
    pub(super) fn list<T>(
        &mut self,
        elems: &[T],
        span: impl Fn(&T) -> (usize, usize),
        mut doc: impl FnMut(&mut Self, &T) -> Doc,
        close: usize,
        style: Style,
    ) -> Doc {
        let pad = match style {
            Style::Spaced => Doc::Line,
            Style::Tight => Doc::SoftLine,
            Style::Block | Style::Lines => Doc::HardLine,
        };
        let block = matches!(style, Style::Block | Style::Lines);
        let mut inner = Vec::new();
        let mut prev_end = None;
        for (i, elem) in elems.iter().enumerate() {
            let (start, end) = span(elem);
            inner.push(if i == 0 { pad.clone() } else { pad.clone().or_line() });
            if let Some(prev) = prev_end.filter(|_| block) {
                let first = self.pending_own_line(start).unwrap_or(start);
                if blank_between(self.src, prev, first) {
                    inner.push(Doc::HardLine);
                }
            }
            inner.push(doc(self, elem));
            let last = i + 1 == elems.len();
            inner.push(match style {
                Style::Lines => Doc::nil(),
                Style::Block => Doc::text(","),
                Style::Spaced | Style::Tight if last => Doc::IfBreak(","),
                Style::Spaced | Style::Tight => Doc::text(","),
            });
            prev_end = Some(end);
        }
        let dangling = self.leading(close, false);
        let empty = elems.is_empty() && matches!(&dangling, Doc::Concat(d) if d.is_empty());
        if empty {
            return Doc::nil();
        }
        inner.push(dangling);
        Doc::cat(vec![Doc::indent(Doc::cat(inner)), pad])
    }

    fn policy_line(&mut self, policy: &Policy) -> Doc {
        let mut docs = vec![Doc::text("policy "), self.name(&policy.name)];
        if let Some((version, span)) = &policy.version {
            let text = quote(version);
            docs.push(Doc::text(" version "));
            docs.push(self.anchor(span.start as usize, span.end as usize, |_| Doc::text(text)));
        }
        Doc::cat(docs)
    }

    fn item(&mut self, item: &Item, end: usize) -> Doc {
        let close = end.saturating_sub(1);
        match item {
            Item::Enum { name, variants } => {
                let head = vec![Doc::text("enum "), self.name(name), Doc::text(" {")];
                let body = self.list(variants, name_span, |f, v| f.name(v), close, Style::Spaced);
                Doc::group(Doc::cat(vec![Doc::cat(head), body, Doc::text("}")]))
            }
            Item::Record { name, fields } => {
                let head = vec![Doc::text("record "), self.name(name), Doc::text(" {")];
                let span = |(n, t): &(Name, TypeExpr)| (n.span.start as usize, t.span().end as usize);
                let body = self.list(fields, span, |f, (n, t)| f.typed(n, t), close, Style::Block);
                Doc::cat(vec![Doc::cat(head), body, Doc::text("}")])
            }
            Item::Input { ty, key } => {
                let mut docs = vec![Doc::text("input "), self.name(ty)];
                if let Some(key) = key {
                    docs.push(Doc::text(" key "));
                    docs.push(self.name(key));
                }
                Doc::cat(docs)
            }
            Item::Output { ty, fields, span } => {
                let head = vec![Doc::text("output "), self.name(ty), Doc::text(" {")];
                let close = (span.end as usize).saturating_sub(1);
                let body = self.list(fields, init_span, |f, init| f.field_init(init), close, Style::Block);
                Doc::cat(vec![Doc::cat(head), body, Doc::text("}")])
            }
            Item::Def { is_const, name, ty, value } => {
                let mut head = vec![Doc::text(if *is_const { "const " } else { "let " }), self.name(name)];
                if let Some(ty) = ty {
                    head.push(Doc::text(": "));
                    head.push(self.ty(ty));
                }
                head.push(Doc::text(" ="));
                self.assign(head, value)
            }
            Item::Fn { name, params, ret, body } => {
                let mut head = vec![Doc::text("fn "), self.name(name)];
                let after = params.last().map(|(_, t)| t.span().end).unwrap_or(name.span.end);
                let close = self.close_paren(after as usize, ret.span().start);
                let span = |(n, t): &(Name, TypeExpr)| (n.span.start as usize, t.span().end as usize);
                let params = self.list(params, span, |f, (n, t)| f.typed(n, t), close, Style::Tight);
                head.push(Doc::group(Doc::cat(vec![Doc::text("("), params, Doc::text(")")])));
                head.push(Doc::text(" -> "));
                head.push(self.ty(ret));
                head.push(Doc::text(" ="));
                self.assign(head, body)
            }
            Item::Group { advisories, name, rules } => {
                let kind = if *advisories { "advisories " } else { "requirements " };
                let head = vec![Doc::text(kind), self.name(name), Doc::text(" {")];
                let body = self.list(rules, rule_span, |f, r| f.rule(r), close, Style::Lines);
                Doc::cat(vec![Doc::cat(head), body, Doc::text("}")])
            }
        }
    }

    /// The offset of the `)` that closes a parameter list: the last `)` before the result type.
    fn close_paren(&self, after: usize, before: u32) -> usize {
        let before = before as usize;
        let from = after.min(before);
        let text = self.src.get(from..before).unwrap_or("");
        let in_comment = |pos: usize| self.comments.iter().any(|c| c.start <= pos && pos < c.end);
        text.rmatch_indices(')').map(|(i, _)| from + i).find(|&pos| !in_comment(pos)).unwrap_or(before)
    }

    /// `head value` on one line when it fits, else the value on the next line, indented. A
    /// record, list or set literal always starts on the head's line.
    pub(super) fn assign(&mut self, mut head: Vec<Doc>, value: &crate::syntax::ast::Expr) -> Doc {
        use crate::syntax::ast::ExprKind;
        let value_doc = self.expr(value);
        if matches!(value.kind, ExprKind::Record(..) | ExprKind::List(_) | ExprKind::Set(_)) {
            head.push(Doc::text(" "));
            head.push(value_doc);
            return Doc::group(Doc::cat(head));
        }
        head.push(Doc::indent(Doc::cat(vec![Doc::Line, value_doc])));
        Doc::group(Doc::cat(head))
    }

    /// `name: Type` (a record field or a parameter).
    fn typed(&mut self, name: &Name, ty: &TypeExpr) -> Doc {
        let start = name.span.start as usize;
        self.anchor(start, ty.span().end as usize, |f| Doc::cat(vec![f.name(name), Doc::text(": "), f.ty(ty)]))
    }

    /// A type as an anchor.
    fn ty(&mut self, ty: &TypeExpr) -> Doc {
        let span = ty.span();
        self.anchor(span.start as usize, span.end as usize, |_| Doc::text(type_text(ty)))
    }

    /// `name: value` in the output or a record literal.
    pub(super) fn field_init(&mut self, init: &FieldInit) -> Doc {
        let (start, end) = init_span(init);
        self.anchor(start, end, |f| {
            let head = vec![f.name(&init.name), Doc::text(":")];
            f.assign(head, &init.value)
        })
    }

    /// `code "message":` with the condition on the next line.
    fn rule(&mut self, rule: &RuleDecl) -> Doc {
        let (start, end) = rule_span(rule);
        self.anchor(start, end, |f| {
            let head = vec![f.name(&rule.code), Doc::text(" "), Doc::text(quote(&rule.message)), Doc::text(":")];
            let cond = f.expr(&rule.cond);
            Doc::cat(vec![Doc::cat(head), Doc::indent(Doc::cat(vec![Doc::HardLine, cond]))])
        })
    }
}

impl Doc {
    /// The separator between two list elements for a list padded with `self`.
    fn or_line(self) -> Doc {
        match self {
            Doc::SoftLine => Doc::Line,
            other => other,
        }
    }
}

fn family(item: &Item) -> Option<Family> {
    match item {
        Item::Def { .. } => Some(Family::Def),
        Item::Enum { .. } => Some(Family::Enum),
        Item::Fn { .. } => Some(Family::Fn),
        _ => None,
    }
}

fn name_span(name: &Name) -> (usize, usize) {
    (name.span.start as usize, name.span.end as usize)
}

fn init_span(init: &FieldInit) -> (usize, usize) {
    (init.name.span.start as usize, super::expr::end(&init.value))
}

fn rule_span(rule: &RuleDecl) -> (usize, usize) {
    (rule.code.span.start as usize, super::expr::end(&rule.cond))
}

/// A type as written, in canonical spacing.
fn type_text(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::Named(n) => n.text.clone(),
        TypeExpr::List(inner, _) => format!("list of {}", type_text(inner)),
        TypeExpr::Map(key, value, _) => format!("map of {} to {}", type_text(key), type_text(value)),
        TypeExpr::Codes(group, _) => format!("codes({})", group.text),
        TypeExpr::Optional(inner, _) => format!("{}?", type_text(inner)),
    }
}
