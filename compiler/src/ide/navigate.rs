//! Go to definition, find references and rename, over the checker's resolutions.

use super::{Analysis, SymbolKind};
use crate::span::Span;

/// A replacement of the text in `span` by `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    /// The text replaced.
    pub span: Span,
    /// The new text.
    pub text: String,
}

/// Why a rename is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenameError {
    /// Nothing renameable at the cursor.
    #[error("there is no declared name here to rename")]
    NoSymbol,
    /// The file does not parse, so some uses could be missed.
    #[error("the file has syntax errors; fix them before renaming")]
    SyntaxErrors,
    /// The new name is not a name.
    #[error("`{0}` is not a valid name: names are letters, digits and `_`, not starting with a digit")]
    Invalid(String),
    /// The new name is a keyword or built-in.
    #[error("`{0}` is a keyword or built-in name")]
    Keyword(String),
    /// The new name is already declared where it would clash.
    #[error("`{name}` is already declared at line {line}")]
    Clash {
        /// The new name.
        name: String,
        /// The 1-based line of the declaration it clashes with.
        line: usize,
    },
    /// Renaming would change what some name refers to, or break the policy.
    #[error("renaming to `{0}` would change what other names in the policy refer to")]
    Capture(String),
}

/// Words the grammar reserves, words that start declarations, and built-in names.
const RESERVED: &[&str] = &[
    "enum",
    "record",
    "input",
    "output",
    "const",
    "let",
    "fn",
    "if",
    "then",
    "else",
    "match",
    "and",
    "or",
    "not",
    "in",
    "where",
    "true",
    "false",
    "null",
    "days",
    "policy",
    "requirements",
    "advisories",
    "version",
    "key",
    "list",
    "of",
    "codes",
    "ok",
    "all",
    "any",
    "count",
    "sum",
    "max",
    "min",
    "date",
    "present",
    "int",
    "bool",
    "string",
];

/// Whether `word` is reserved by the language.
pub(super) fn is_reserved(word: &str) -> bool {
    RESERVED.contains(&word)
}

impl Analysis {
    /// Where the name at `offset` is declared.
    pub fn definition(&self, offset: usize) -> Option<Span> {
        let (i, _) = self.symbol_at(offset)?;
        self.symbol(i).map(|s| s.span)
    }

    /// Every place the name at `offset` is written: its uses and, if asked, its declaration.
    pub fn references(&self, offset: usize, include_declaration: bool) -> Vec<Span> {
        let Some((i, _)) = self.symbol_at(offset) else { return Vec::new() };
        let mut out = self.uses_of(i);
        if include_declaration {
            if let Some(s) = self.symbol(i) {
                out.push(s.span);
            }
        }
        out.sort();
        out
    }

    /// The name that a rename at `offset` would change, or why there is none.
    pub fn prepare_rename(&self, offset: usize) -> Result<Span, RenameError> {
        if !self.parses() {
            return Err(RenameError::SyntaxErrors);
        }
        self.symbol_at(offset).map(|(_, span)| span).ok_or(RenameError::NoSymbol)
    }

    /// The edits that rename the name at `offset` to `new_name` everywhere, refused when the
    /// new name is not a name, is reserved, clashes with a declaration of the same namespace,
    /// or would make any name refer to something else (checked by analysing the result).
    pub fn rename(&self, offset: usize, new_name: &str) -> Result<Vec<TextEdit>, RenameError> {
        self.prepare_rename(offset)?;
        let (i, _) = self.symbol_at(offset).ok_or(RenameError::NoSymbol)?;
        let symbol = self.symbol(i).ok_or(RenameError::NoSymbol)?;
        let valid = new_name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && new_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(RenameError::Invalid(new_name.to_string()));
        }
        if is_reserved(new_name) {
            return Err(RenameError::Keyword(new_name.to_string()));
        }
        if new_name == symbol.name {
            return Ok(Vec::new());
        }
        if let Some(other) = self.clash(i, new_name) {
            let line = other.line_col(self.source()).0;
            return Err(RenameError::Clash { name: new_name.to_string(), line });
        }
        let mut spans = self.uses_of(i);
        spans.push(symbol.span);
        spans.sort();
        spans.dedup();
        let edits: Vec<TextEdit> = spans.iter().map(|s| TextEdit { span: *s, text: new_name.to_string() }).collect();
        self.verify(&edits, symbol.name.len(), new_name)?;
        Ok(edits)
    }

    /// A declaration named `name` that the renamed symbol `i` would clash with.
    fn clash(&self, i: usize, name: &str) -> Option<Span> {
        let symbol = self.symbol(i)?;
        let input_fields = self.input_record().map(|r| (r, true));
        let clashes = |other: &super::Symbol| -> bool {
            if other.name != name {
                return false;
            }
            match symbol.kind {
                // Members clash with the members of the same parent.
                SymbolKind::Variant | SymbolKind::Field | SymbolKind::Code | SymbolKind::Param => {
                    other.parent == symbol.parent
                        || (symbol.kind == SymbolKind::Param && other.kind == SymbolKind::Fn)
                        || (symbol.kind == SymbolKind::Field
                            && input_fields.is_some_and(|(r, _)| symbol.parent == Some(r))
                            && is_value(other.kind))
                }
                SymbolKind::Enum | SymbolKind::Record => other.kind.is_type(),
                SymbolKind::Const
                | SymbolKind::Let
                | SymbolKind::Fn
                | SymbolKind::Requirements
                | SymbolKind::Advisories => {
                    is_value(other.kind)
                        || (other.kind == SymbolKind::Field
                            && input_fields.is_some_and(|(r, _)| other.parent == Some(r)))
                }
                SymbolKind::Variable => {
                    other.kind == SymbolKind::Variable && other.range.to(symbol.range) == other.range
                }
            }
        };
        self.symbols().iter().find(|o| clashes(o)).map(|o| o.span)
    }

    /// The symbol of the record the policy reads as input.
    pub(super) fn input_record(&self) -> Option<usize> {
        let ty = self.policy.items.iter().find_map(|item| match item {
            crate::syntax::ast::Item::Input { ty, .. } => Some(ty.text.clone()),
            _ => None,
        })?;
        self.symbols().iter().position(|s| s.kind == SymbolKind::Record && s.name == ty)
    }

    /// Applies the edits, analyses the result and checks that every name still refers to the
    /// same declaration and that no new error appears.
    fn verify(&self, edits: &[TextEdit], old_len: usize, new_name: &str) -> Result<(), RenameError> {
        let mut text = self.source().to_string();
        for e in edits.iter().rev() {
            text.replace_range(e.span.start as usize..e.span.end as usize, &e.text);
        }
        let after = Analysis::new(&text);
        let shift = |offset: u32| -> u32 {
            let before = edits.iter().filter(|e| e.span.start < offset).count() as i64;
            (offset as i64 + before * (new_name.len() as i64 - old_len as i64)) as u32
        };
        let moved = |s: Span| Span { start: shift(s.start), end: shift(s.end) };
        let moved_use = |(at, decl): &(Span, Span)| -> (Span, Span) {
            let at = edits.iter().find(|e| e.span == *at).map_or(moved(*at), |e| {
                Span::new(moved(e.span).start as usize, moved(e.span).start as usize + new_name.len())
            });
            let decl = edits.iter().find(|e| e.span == *decl).map_or(moved(*decl), |e| {
                Span::new(moved(e.span).start as usize, moved(e.span).start as usize + new_name.len())
            });
            (at, decl)
        };
        let mut expected: Vec<(Span, Span)> = self.index.uses.iter().map(moved_use).collect();
        let mut actual = after.index.uses.clone();
        expected.sort();
        expected.dedup();
        actual.sort();
        actual.dedup();
        let errors = |a: &Analysis| {
            a.diagnostics().iter().filter(|d| d.severity() == crate::diagnostic::Severity::Error).count()
        };
        if expected != actual || errors(&after) > errors(self) {
            return Err(RenameError::Capture(new_name.to_string()));
        }
        Ok(())
    }
}

fn is_value(kind: SymbolKind) -> bool {
    matches!(
        kind,
        SymbolKind::Const | SymbolKind::Let | SymbolKind::Fn | SymbolKind::Requirements | SymbolKind::Advisories
    )
}
