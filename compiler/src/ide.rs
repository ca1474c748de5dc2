//! Editor questions about one policy file, answered as plain data: diagnostics, hover, go to
//! definition, references, rename, completion, outline, semantic tokens, formatting and quick
//! fixes. Every answer is a pure function of the file's text; `dexpc lsp` only translates
//! them to the Language Server Protocol.
//!
//! An [`Analysis`] parses the text as far as it can ([`syntax::parse_partial`]) and runs the
//! checker over the declarations that parsed, keeping the checker's [`Index`] (which
//! declaration each name refers to, the type of each expression). So a syntax error in one
//! declaration leaves hover, definition and completion working in the others. Its
//! diagnostics are exactly those of `dexpc check`.
//!
//! Positions are byte offsets into the text; [`LineIndex`] converts them to lines and
//! UTF-16 columns for protocols that want those.

mod complete;
mod fixes;
mod hover;
mod lines;
mod navigate;
mod symbols;
#[cfg(test)]
mod tests;
mod tokens;

pub use complete::{Completion, CompletionKind};
pub use fixes::Fix;
pub use hover::Hover;
pub use lines::LineIndex;
pub use navigate::{RenameError, TextEdit};
pub use symbols::{OutlineItem, Symbol, SymbolKind};
pub use tokens::{Token, TokenKind};

use crate::check::{self, Index};
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use crate::syntax::{self, ast};
use std::collections::HashMap;

/// One file, parsed and checked, ready to answer editor questions.
#[derive(Debug)]
pub struct Analysis {
    source: String,
    /// The declarations that parsed (all of them when `parse_ok`).
    policy: ast::Policy,
    /// Whether the whole file parsed.
    parse_ok: bool,
    diagnostics: Vec<Diagnostic>,
    index: Index,
    symbols: Vec<Symbol>,
    /// Declaration span to symbol.
    by_decl: HashMap<Span, usize>,
}

impl Analysis {
    /// Parses and checks `source`.
    pub fn new(source: &str) -> Analysis {
        let (policy, parse_errors) = syntax::parse_partial(source);
        let parse_ok = parse_errors.is_empty() && policy.is_some();
        let policy = policy.unwrap_or_else(|| ast::Policy {
            name: ast::Name { text: String::new(), span: Span::default() },
            version: None,
            items: Vec::new(),
        });
        let (checked, index) = check::check_indexed(&policy, source);
        // The same diagnostics as `dexpc check`: the syntax errors when there are any (the
        // checker's view of a half-parsed file would only add noise), else the checker's.
        let diagnostics = if parse_ok {
            checked.diagnostics.into_iter().map(Diagnostic::from).collect()
        } else {
            parse_errors.into_iter().map(Diagnostic::from).collect()
        };
        let symbols = symbols::collect(&policy, source, &index);
        let by_decl = symbols.iter().enumerate().map(|(i, s)| (s.span, i)).collect();
        Analysis { source: source.to_string(), policy, parse_ok, diagnostics, index, symbols, by_decl }
    }

    /// The text this analysis is of.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every error and warning, as `dexpc check` reports them.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Whether the whole file parsed (rename refuses to run otherwise).
    pub fn parses(&self) -> bool {
        self.parse_ok
    }

    /// Every declared thing: types, fields, variants, definitions, functions, parameters,
    /// groups, codes and list-operation variables.
    pub fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    /// The document outline: top-level declarations with their members.
    pub fn outline(&self) -> Vec<OutlineItem> {
        symbols::outline(&self.policy, &self.source, &self.symbols)
    }

    /// The file in the canonical layout of `dexpc fmt`, or why it cannot be formatted.
    pub fn format(&self) -> Result<String, Vec<Diagnostic>> {
        crate::format::format(&self.source)
    }

    /// The symbol named at `offset`, where it is declared or used, with the span of the name
    /// under the cursor.
    pub fn symbol_at(&self, offset: usize) -> Option<(usize, Span)> {
        let hit = |s: Span| (s.start as usize) <= offset && offset <= s.end as usize;
        // Declarations and uses never overlap; prefer a span that starts at or before the
        // cursor and ends after it, then one that ends exactly at it.
        let mut best: Option<(usize, Span)> = None;
        let candidates = self
            .symbols
            .iter()
            .enumerate()
            .map(|(i, s)| (i, s.span))
            .chain(self.index.uses.iter().filter_map(|(at, decl)| self.by_decl.get(decl).map(|i| (*i, *at))));
        for (i, span) in candidates {
            if !hit(span) {
                continue;
            }
            let inside = (offset as u32) < span.end;
            match best {
                Some((_, b)) if (offset as u32) < b.end || !inside => {}
                _ => best = Some((i, span)),
            }
        }
        best
    }

    /// The symbol with index `i`.
    pub fn symbol(&self, i: usize) -> Option<&Symbol> {
        self.symbols.get(i)
    }

    /// Where each use of symbol `i` is written (its declaration not included).
    pub fn uses_of(&self, i: usize) -> Vec<Span> {
        let Some(symbol) = self.symbols.get(i) else { return Vec::new() };
        let mut uses: Vec<Span> =
            self.index.uses.iter().filter(|(_, decl)| *decl == symbol.span).map(|(at, _)| *at).collect();
        uses.sort();
        uses.dedup();
        uses
    }

    /// The type the checker gave the smallest expression around `offset`, with its span.
    pub fn type_at(&self, offset: usize) -> Option<(Span, &str)> {
        let mut best: Option<(Span, &str)> = None;
        for (span, ty) in &self.index.types {
            if (span.start as usize) <= offset && offset < span.end as usize {
                let smaller = best.is_none_or(|(b, _)| span.end - span.start < b.end - b.start);
                if smaller {
                    best = Some((*span, ty));
                }
            }
        }
        best
    }

    fn text(&self, span: Span) -> &str {
        self.source.get(span.start as usize..span.end as usize).unwrap_or("")
    }
}
