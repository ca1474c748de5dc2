//! Quick fixes: the edits that repair a diagnostic when the repair is certain (the newcomer
//! mistakes of `syntax::hints`, and a "did you mean" with one candidate).

use super::{Analysis, TextEdit};
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use crate::syntax::ParseError;

/// A repair for one diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, for a menu.
    pub title: String,
    /// The diagnostic it repairs (its index in [`Analysis::diagnostics`]).
    pub diagnostic: usize,
    /// The edits, which do not overlap.
    pub edits: Vec<TextEdit>,
}

impl Analysis {
    /// The fixes for the diagnostics that overlap `range`.
    pub fn fixes(&self, range: Span) -> Vec<Fix> {
        let overlaps = |s: Span| s.start <= range.end && range.start <= s.end;
        self.diagnostics()
            .iter()
            .enumerate()
            .filter(|(_, d)| overlaps(d.span()))
            .filter_map(|(i, d)| {
                let (title, edits) = self.fix_for(d)?;
                Some(Fix { title, diagnostic: i, edits })
            })
            .collect()
    }

    fn fix_for(&self, d: &Diagnostic) -> Option<(String, Vec<TextEdit>)> {
        let edit = |span: Span, text: &str| TextEdit { span, text: text.to_string() };
        let source = self.source();
        let byte = |i: u32| source.as_bytes().get(i as usize).copied();
        match d {
            Diagnostic::Parse(ParseError::ForeignOperator { span, word, found, .. }) => {
                // Keep the words apart: `a&&b` becomes `a and b`.
                let space_before = byte(span.start.wrapping_sub(1)).is_some_and(|b| !b.is_ascii_whitespace());
                let space_after = byte(span.end).is_some_and(|b| !b.is_ascii_whitespace())
                    || (word == "not" && byte(span.end) == Some(b'('));
                let text = format!(
                    "{}{word}{}",
                    if space_before && found != "!" { " " } else { "" },
                    if space_after { " " } else { "" }
                );
                Some((format!("Replace `{found}` with `{word}`"), vec![edit(*span, &text)]))
            }
            Diagnostic::Parse(ParseError::SingleEquals { span }) => {
                Some(("Replace `=` with `==`".into(), vec![edit(*span, "==")]))
            }
            Diagnostic::Parse(ParseError::SingleQuotes { span, suggestion }) => {
                Some((format!("Write {suggestion}"), vec![edit(*span, suggestion)]))
            }
            Diagnostic::Parse(ParseError::IndentedDeclaration { span, keyword }) => {
                let line_start = source.get(..span.start as usize)?.rfind('\n').map(|i| i + 1).unwrap_or(0);
                let indent = Span::new(line_start, span.start as usize);
                Some((format!("Move `{keyword}` to the start of the line"), vec![edit(indent, "")]))
            }
            Diagnostic::Parse(ParseError::MissingComma { span, .. }) => {
                let before = source.get(..span.start as usize)?;
                let end = crate::syntax::code_len(before);
                Some(("Insert the missing `,`".into(), vec![edit(Span::new(end, end), ",")]))
            }
            Diagnostic::Check(c) => {
                use miette::Diagnostic as _;
                let help = c.help()?.to_string();
                let suggestion = help.strip_prefix("did you mean `")?.strip_suffix("`?")?;
                let span = d.span();
                Some((format!("Replace with `{suggestion}`"), vec![edit(span, suggestion)]))
            }
            _ => None,
        }
    }
}
