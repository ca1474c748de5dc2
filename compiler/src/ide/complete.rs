//! Completion: fields after `.`, variants where an enum is expected, the names in scope and
//! keywords.
//!
//! Text being typed rarely parses (`users.` is not an expression), so, as rust-analyzer does,
//! a placeholder identifier is inserted at the cursor and the patched text is analysed: the
//! checker then reports the type of the expression before the `.` and the type expected at
//! the cursor.

use super::symbols::walk_items;
use super::{Analysis, SymbolKind};
use crate::span::Span;
use crate::syntax::ast::ExprKind;

/// What a completion inserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    /// A record field, a date part, or a code of a group.
    Field,
    /// An enum variant.
    Variant,
    /// A `let`, parameter or list-operation variable.
    Variable,
    /// A `const`.
    Constant,
    /// A function, user-defined or built-in.
    Function,
    /// A group of requirements or advisories.
    Group,
    /// A type name.
    Type,
    /// A keyword.
    Keyword,
}

/// One proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The text inserted.
    pub label: String,
    /// What it is.
    pub kind: CompletionKind,
    /// Its type or a short description.
    pub detail: Option<String>,
    /// Proposed first: variants of the enum the context expects.
    pub preferred: bool,
}

/// The identifier inserted at the cursor; it cannot clash with a name a policy would use.
const PLACEHOLDER: &str = "dexp__complete__";

const EXPR_KEYWORDS: &[&str] = &[
    "if", "then", "else", "match", "and", "or", "not", "in", "where", "true", "false", "null", "days", "all", "any",
    "count", "sum", "max", "min",
];
const DECL_KEYWORDS: &[&str] =
    &["enum", "record", "input", "output", "const", "let", "fn", "requirements", "advisories"];
const BUILTIN_FNS: &[(&str, &str)] = &[
    ("min", "min(a, b, ...): the least of ints, dates or variants"),
    ("max", "max(a, b, ...): the greatest of ints, dates or variants"),
    ("date", "date(\"YYYY-MM-DD\"): a date literal"),
    ("present", "present(x): whether an optional value is present"),
];
const BUILTIN_TYPES: &[&str] = &["bool", "int", "decimal", "date", "string"];

impl Analysis {
    /// The completions at `offset`.
    pub fn completions(&self, offset: usize) -> Vec<Completion> {
        let source = self.source();
        let offset = offset.min(source.len());
        let before = source.get(..offset).unwrap_or("");
        let word_start = before.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_').len();
        let prefix_before = before.get(..word_start).unwrap_or("");
        let after_dot = prefix_before.ends_with('.');
        let line_start = prefix_before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        if word_start == line_start {
            // At the start of a line: a new declaration.
            return keywords(DECL_KEYWORDS);
        }
        if in_type_position(prefix_before) {
            return self.types();
        }
        let patched = format!("{}{PLACEHOLDER}{}", before, source.get(offset..).unwrap_or(""));
        let analysis = Analysis::new(&patched);
        let at = offset + PLACEHOLDER.len() - 1;
        if after_dot {
            return analysis.members(at);
        }
        analysis.scope_names(at, word_start)
    }

    /// Type names, for a type position.
    fn types(&self) -> Vec<Completion> {
        let builtins = BUILTIN_TYPES.iter().map(|t| Completion {
            label: (*t).to_string(),
            kind: CompletionKind::Type,
            detail: Some("built-in type".into()),
            preferred: false,
        });
        let declared = self.symbols().iter().filter(|s| s.kind.is_type()).map(|s| Completion {
            label: s.name.clone(),
            kind: CompletionKind::Type,
            detail: Some(s.kind.describe().into()),
            preferred: false,
        });
        builtins.chain(declared).chain(keywords(&["list", "codes"])).collect()
    }

    /// The members of the expression before the `.` whose field name contains `at`.
    fn members(&self, at: usize) -> Vec<Completion> {
        let mut base: Option<(Span, Option<String>)> = None;
        walk_items(&self.policy.items, &mut |e| {
            if let ExprKind::Field(b, name) = &e.kind {
                if (name.span.start as usize) <= at && at < name.span.end as usize {
                    let as_name = match &b.kind {
                        ExprKind::Name(n) => Some(n.text.clone()),
                        _ => None,
                    };
                    base = Some((b.span, as_name));
                }
            }
        });
        let Some((span, name)) = base else { return Vec::new() };
        let ty = self.index.types.iter().find(|(s, _)| *s == span).map(|(_, t)| t.clone());
        match ty {
            Some(ty) => self.members_of(&ty),
            // `Enum.` names a variant.
            None => {
                match name.and_then(|n| self.symbols().iter().position(|s| s.kind == SymbolKind::Enum && s.name == n)) {
                    Some(e) => self.children(e, CompletionKind::Variant, false),
                    None => Vec::new(),
                }
            }
        }
    }

    fn members_of(&self, ty: &str) -> Vec<Completion> {
        if ty == "date" {
            return ["year", "quarter", "month", "day"]
                .iter()
                .map(|p| Completion {
                    label: (*p).to_string(),
                    kind: CompletionKind::Field,
                    detail: Some("int".into()),
                    preferred: false,
                })
                .collect();
        }
        if let Some(group) = ty.strip_prefix("codes(").and_then(|t| t.strip_suffix(')')) {
            let Some(g) = self.symbols().iter().position(|s| {
                s.name == group
                    && s.parent.is_none()
                    && matches!(s.kind, SymbolKind::Requirements | SymbolKind::Advisories)
            }) else {
                return Vec::new();
            };
            let ok = Completion {
                label: "ok".into(),
                kind: CompletionKind::Field,
                detail: Some("bool: no code is set".into()),
                preferred: false,
            };
            return std::iter::once(ok).chain(self.children(g, CompletionKind::Field, false)).collect();
        }
        match self.symbols().iter().position(|s| s.kind == SymbolKind::Record && s.name == ty) {
            Some(r) => self.children(r, CompletionKind::Field, false),
            None => Vec::new(),
        }
    }

    fn children(&self, parent: usize, kind: CompletionKind, preferred: bool) -> Vec<Completion> {
        self.symbols()
            .iter()
            .filter(|s| s.parent == Some(parent))
            .map(|s| Completion { label: s.name.clone(), kind, detail: s.detail.clone(), preferred })
            .collect()
    }

    /// Everything a name at `at` could be: variants of the expected enum first, then locals,
    /// input fields, definitions, functions, groups, variants and keywords.
    fn scope_names(&self, at: usize, word_start: usize) -> Vec<Completion> {
        let mut out = Vec::new();
        let expected = self
            .index
            .expected
            .iter()
            .filter(|(s, _)| s.start as usize == word_start && (s.end as usize) > at)
            .map(|(_, t)| t.trim_end_matches('?').to_string())
            .next();
        let wanted_enum = expected
            .as_deref()
            .and_then(|t| self.symbols().iter().position(|s| s.kind == SymbolKind::Enum && s.name == t));
        if let Some(e) = wanted_enum {
            out.extend(self.children(e, CompletionKind::Variant, true));
        }
        let input = self.input_record();
        for s in self.symbols() {
            let in_scope = |range: Span| (range.start as usize) <= at && at < range.end as usize;
            let (kind, detail) = match s.kind {
                SymbolKind::Variable if in_scope(s.range) => (CompletionKind::Variable, s.detail.clone()),
                SymbolKind::Param if s.parent.and_then(|p| self.symbol(p)).is_some_and(|f| in_scope(f.range)) => {
                    (CompletionKind::Variable, s.detail.clone())
                }
                SymbolKind::Field if input.is_some() && s.parent == input => (CompletionKind::Field, s.detail.clone()),
                SymbolKind::Let => (CompletionKind::Variable, s.detail.clone()),
                SymbolKind::Const => (CompletionKind::Constant, s.detail.clone()),
                SymbolKind::Fn => (CompletionKind::Function, s.detail.clone()),
                SymbolKind::Requirements | SymbolKind::Advisories => {
                    (CompletionKind::Group, Some(format!("codes({})", s.name)))
                }
                SymbolKind::Variant if wanted_enum.is_none() || s.parent != wanted_enum => {
                    (CompletionKind::Variant, s.detail.clone())
                }
                _ => continue,
            };
            out.push(Completion { label: s.name.clone(), kind, detail, preferred: false });
        }
        out.extend(BUILTIN_FNS.iter().map(|(name, doc)| Completion {
            label: (*name).to_string(),
            kind: CompletionKind::Function,
            detail: Some((*doc).to_string()),
            preferred: false,
        }));
        out.extend(keywords(EXPR_KEYWORDS));
        out
    }
}

fn keywords(words: &[&str]) -> Vec<Completion> {
    words
        .iter()
        .map(|k| Completion { label: (*k).to_string(), kind: CompletionKind::Keyword, detail: None, preferred: false })
        .collect()
}

/// Whether the text before the word being typed makes it a type: after `list of`, `->`, the
/// `:` of a record field, a parameter, or a typed `let`/`const`.
fn in_type_position(before: &str) -> bool {
    let trimmed = before.trim_end();
    if trimmed.ends_with("->") || trimmed.ends_with(" of") || trimmed.ends_with("codes(") {
        return true;
    }
    if !trimmed.ends_with(':') {
        return false;
    }
    let item_start = crate::syntax::item_starts(before).last().copied().unwrap_or(0);
    let item = before.get(item_start..).unwrap_or("");
    let head: Vec<&str> = item.split_whitespace().take(3).collect();
    match head.as_slice() {
        ["record", ..] => true,
        ["let" | "const", _, ":"] => true,
        ["let" | "const", name, ..] => name.ends_with(':') && item.matches(':').count() == 1 && !item.contains('='),
        ["fn", ..] => !item.contains("->"),
        _ => false,
    }
}
