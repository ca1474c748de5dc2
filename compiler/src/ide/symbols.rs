//! The table of everything a policy declares, built from the syntax tree, and the outline.

use crate::check::Index;
use crate::span::Span;
use crate::syntax::ast::{self, Expr, ExprKind, Item};

/// What kind of thing a symbol is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    /// `enum Name { ... }`
    Enum,
    /// A variant of an enum.
    Variant,
    /// `record Name { ... }`
    Record,
    /// A field of a record.
    Field,
    /// `const name = ...`
    Const,
    /// `let name = ...`
    Let,
    /// `fn name(...) -> T = ...`
    Fn,
    /// A parameter of a function.
    Param,
    /// `requirements name { ... }`
    Requirements,
    /// `advisories name { ... }`
    Advisories,
    /// A requirement's or advisory's code.
    Code,
    /// The element variable of a list operation (`p` in `any p in products: ...`).
    Variable,
}

impl SymbolKind {
    /// The word a policy author would use for it.
    pub fn describe(self) -> &'static str {
        match self {
            SymbolKind::Enum => "enum",
            SymbolKind::Variant => "variant",
            SymbolKind::Record => "record",
            SymbolKind::Field => "field",
            SymbolKind::Const => "const",
            SymbolKind::Let => "let",
            SymbolKind::Fn => "fn",
            SymbolKind::Param => "parameter",
            SymbolKind::Requirements => "requirements",
            SymbolKind::Advisories => "advisories",
            SymbolKind::Code => "code",
            SymbolKind::Variable => "list-operation variable",
        }
    }

    /// Whether a name of this kind lives in the type namespace.
    pub fn is_type(self) -> bool {
        matches!(self, SymbolKind::Enum | SymbolKind::Record)
    }
}

/// One declared thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// Its name.
    pub name: String,
    /// What it is.
    pub kind: SymbolKind,
    /// The name where it is declared.
    pub span: Span,
    /// The whole declaration (for a list-operation variable: the operation, its scope).
    pub range: Span,
    /// The symbol it belongs to: a field's record, a variant's enum, a code's group, a
    /// parameter's function.
    pub parent: Option<usize>,
    /// Its type as written or inferred (`int`, `list of Server`), a function's signature, or
    /// a code's message.
    pub detail: Option<String>,
}

/// An entry of the document outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineItem {
    /// The name shown.
    pub name: String,
    /// The symbol kind, or `None` for `policy`, `input` and `output`.
    pub kind: Option<SymbolKind>,
    /// A short description (a type, a message).
    pub detail: Option<String>,
    /// The whole declaration.
    pub range: Span,
    /// The part to select (the name).
    pub selection: Span,
    /// Members: fields, variants, codes, parameters.
    pub children: Vec<OutlineItem>,
}

struct Builder<'a> {
    source: &'a str,
    index: &'a Index,
    out: Vec<Symbol>,
}

impl Builder<'_> {
    fn add(&mut self, name: &ast::Name, kind: SymbolKind, range: Span, parent: Option<usize>, detail: Option<String>) {
        self.out.push(Symbol { name: name.text.clone(), kind, span: name.span, range, parent, detail });
    }

    fn text(&self, span: Span) -> String {
        self.source.get(span.start as usize..span.end as usize).unwrap_or("").to_string()
    }

    fn declared(&self, span: Span) -> Option<String> {
        self.index.declared.iter().find(|(s, _)| *s == span).map(|(_, t)| t.clone())
    }

    fn item(&mut self, item: &Item) {
        let parent = Some(self.out.len());
        match item {
            Item::Enum { name, variants } => {
                let range = variants.iter().fold(name.span, |r, v| r.to(v.span));
                self.add(name, SymbolKind::Enum, range, None, None);
                for v in variants {
                    self.add(v, SymbolKind::Variant, v.span, parent, Some(name.text.clone()));
                }
            }
            Item::Record { name, fields } => {
                let range = fields.iter().fold(name.span, |r, (_, t)| r.to(t.span()));
                self.add(name, SymbolKind::Record, range, None, None);
                for (f, t) in fields {
                    let detail = Some(self.text(t.span()));
                    self.add(f, SymbolKind::Field, f.span.to(t.span()), parent, detail);
                }
            }
            Item::Def { is_const, name, ty, value } => {
                let kind = if *is_const { SymbolKind::Const } else { SymbolKind::Let };
                let detail = ty.as_ref().map(|t| self.text(t.span())).or_else(|| self.declared(name.span));
                self.add(name, kind, name.span.to(value.span), None, detail);
                self.expr(value);
            }
            Item::Fn { name, params, ret, body } => {
                let list: Vec<String> =
                    params.iter().map(|(p, t)| format!("{}: {}", p.text, self.text(t.span()))).collect();
                let signature = format!("fn {}({}) -> {}", name.text, list.join(", "), self.text(ret.span()));
                self.add(name, SymbolKind::Fn, name.span.to(body.span), None, Some(signature));
                for (p, t) in params {
                    let detail = Some(self.text(t.span()));
                    self.add(p, SymbolKind::Param, p.span.to(t.span()), parent, detail);
                }
                self.expr(body);
            }
            Item::Group { advisories, name, rules } => {
                let kind = if *advisories { SymbolKind::Advisories } else { SymbolKind::Requirements };
                let range = rules.iter().fold(name.span, |r, rule| r.to(rule.cond.span));
                self.add(name, kind, range, None, None);
                for rule in rules {
                    let range = rule.code.span.to(rule.cond.span);
                    self.add(&rule.code, SymbolKind::Code, range, parent, Some(rule.message.clone()));
                }
                for rule in rules {
                    self.expr(&rule.cond);
                }
            }
            Item::Output { fields, .. } => {
                for f in fields {
                    self.expr(&f.value);
                }
            }
            Item::Input { .. } => {}
        }
    }

    /// Finds the list-operation variables and `let ... in` bindings in an expression.
    fn expr(&mut self, e: &Expr) {
        walk(e, &mut |e| {
            if let ExprKind::Quant { var, .. } | ExprKind::Let(var, _, _) = &e.kind {
                let detail = self.declared(var.span);
                self.add(var, SymbolKind::Variable, e.span, None, detail);
            }
            if let ExprKind::Quant { nested, .. } = &e.kind {
                for generator in nested {
                    let detail = self.declared(generator.var.span);
                    self.add(&generator.var, SymbolKind::Variable, e.span, None, detail);
                }
            }
        });
    }
}

/// Calls `f` on `e` and every expression inside it, outermost first.
pub(super) fn walk(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    crate::stack::guard(|| {
        f(e);
        match &e.kind {
            ExprKind::Int(_)
            | ExprKind::Decimal(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Name(_) => {}
            ExprKind::Field(inner, _)
            | ExprKind::Not(inner)
            | ExprKind::Neg(inner)
            | ExprKind::Days(inner)
            | ExprKind::Paren(inner) => walk(inner, f),
            ExprKind::Binary(_, l, r) | ExprKind::Let(_, l, r) | ExprKind::Index(l, r) => {
                walk(l, f);
                walk(r, f);
            }
            ExprKind::Call(_, args) | ExprKind::List(args) | ExprKind::Set(args) => {
                for a in args {
                    walk(a, f);
                }
            }
            ExprKind::If(c, t, e) => {
                walk(c, f);
                walk(t, f);
                walk(e, f);
            }
            ExprKind::Match(s, arms) => {
                walk(s, f);
                for arm in arms {
                    walk(&arm.body, f);
                }
            }
            ExprKind::Quant { list, nested, filter, body, default, .. } => {
                walk(list, f);
                for generator in nested {
                    walk(&generator.list, f);
                }
                for part in [filter, body, default].into_iter().flatten() {
                    walk(part, f);
                }
            }
            ExprKind::Record(_, fields) => {
                for field in fields {
                    walk(&field.value, f);
                }
            }
        }
    });
}

/// Every expression of every declaration, outermost first.
pub(super) fn walk_items(items: &[Item], f: &mut dyn FnMut(&Expr)) {
    for item in items {
        match item {
            Item::Def { value, .. } => walk(value, f),
            Item::Fn { body, .. } => walk(body, f),
            Item::Group { rules, .. } => rules.iter().for_each(|r| walk(&r.cond, f)),
            Item::Output { fields, .. } => fields.iter().for_each(|x| walk(&x.value, f)),
            Item::Enum { .. } | Item::Record { .. } | Item::Input { .. } => {}
        }
    }
}

/// The symbol table of a policy.
pub(super) fn collect(policy: &ast::Policy, source: &str, index: &Index) -> Vec<Symbol> {
    let mut b = Builder { source, index, out: Vec::new() };
    for item in &policy.items {
        b.item(item);
    }
    b.out
}

/// The outline: each declaration with its members, in source order.
pub(super) fn outline(policy: &ast::Policy, source: &str, symbols: &[Symbol]) -> Vec<OutlineItem> {
    let leaf = |name: String, range: Span, selection: Span| OutlineItem {
        name,
        kind: None,
        detail: None,
        range,
        selection,
        children: Vec::new(),
    };
    let mut out = Vec::new();
    if !policy.name.text.is_empty() {
        out.push(leaf(format!("policy {}", policy.name.text), policy.name.span, policy.name.span));
    }
    for item in &policy.items {
        match item {
            Item::Input { ty, key } => {
                let range = key.as_ref().map_or(ty.span, |k| ty.span.to(k.span));
                out.push(leaf(format!("input {}", ty.text), range, ty.span));
            }
            Item::Output { ty, span, .. } => out.push(leaf(format!("output {}", ty.text), *span, ty.span)),
            _ => {}
        }
    }
    for (i, s) in symbols.iter().enumerate() {
        if s.parent.is_some() || s.kind == SymbolKind::Variable {
            continue;
        }
        let children = symbols
            .iter()
            .filter(|c| c.parent == Some(i))
            .map(|c| OutlineItem {
                name: c.name.clone(),
                kind: Some(c.kind),
                detail: c.detail.clone(),
                range: c.range,
                selection: c.span,
                children: Vec::new(),
            })
            .collect();
        out.push(OutlineItem {
            name: s.name.clone(),
            kind: Some(s.kind),
            detail: s.detail.clone(),
            range: s.range,
            selection: s.span,
            children,
        });
    }
    out.sort_by_key(|o| o.range.start);
    // The declaration keyword is part of a top-level item's range.
    let starts = crate::syntax::item_starts(source);
    for o in &mut out {
        if let Some(start) = starts.iter().rev().find(|s| **s as u32 <= o.range.start) {
            o.range = Span::new(*start, o.range.end as usize);
        }
    }
    out
}

/// The comment lines right above the line of `at` (no blank line between), and a comment
/// after code on the line itself: the declaration's documentation.
pub(super) fn doc_comment(source: &str, at: Span) -> Option<String> {
    let start = (at.start as usize).min(source.len());
    let line_start = source.get(..start).and_then(|b| b.rfind('\n')).map(|i| i + 1).unwrap_or(0);
    let mut lines: Vec<&str> = Vec::new();
    let mut above = source.get(..line_start).unwrap_or("").lines().rev();
    for line in above.by_ref() {
        let t = line.trim();
        match t.strip_prefix("//") {
            Some(text) => lines.push(text.trim()),
            None => break,
        }
    }
    lines.reverse();
    let line_end = source.get(start..).and_then(|r| r.find('\n')).map(|i| start + i).unwrap_or(source.len());
    let own_line = source.get(line_start..line_end).unwrap_or("");
    if let Some(at) = crate::syntax::comment_start(own_line) {
        if let Some(text) = own_line.get(at + 2..) {
            lines.push(text.trim());
        }
    }
    let doc = lines.join("\n");
    (!doc.trim().is_empty()).then_some(doc)
}
