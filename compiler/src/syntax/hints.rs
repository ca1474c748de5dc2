//! Specific diagnostics for the syntax mistakes newcomers make, recognised where the parser
//! stopped: `&&`, `||` and `!` for `and`, `or` and `not`; `=` for `==`; an indented
//! declaration; a missing comma between fields; a string in single quotes; a keyword used as
//! a name. Anything else keeps the generic "expected ..., found ..." message.

use super::error::ParseError;
use crate::span::Span;

/// Words that start a top-level declaration when they begin a line.
const DECLARATION_KEYWORDS: &[&str] =
    &["policy", "enum", "record", "input", "output", "const", "let", "fn", "requirements", "advisories"];

/// The words the grammar reserves (its `keyword` rule).
const KEYWORDS: &[&str] = &[
    "enum", "record", "input", "output", "const", "let", "fn", "if", "then", "else", "match", "and", "or", "not", "in",
    "where", "true", "false", "null", "days",
];

/// What the parser wanted where it stopped.
pub(super) struct Expected {
    /// A name.
    pub name: bool,
    /// An operand (so a name there would be part of an expression, not a declaration).
    pub operand: bool,
    /// An operator that continues an expression (so the text before is a whole operand).
    pub operator: bool,
}

/// A specific diagnostic for the parse failure at byte `pos` of `chunk` (which starts at
/// `offset` in the file), when the text there is a known newcomer mistake.
pub(super) fn refine(chunk: &str, pos: usize, offset: usize, expected: &Expected) -> Option<ParseError> {
    let rest = chunk.get(pos..)?;
    let at = |len: usize| Span::new(offset + pos, offset + pos + len);
    if let Some(inner) = rest.strip_prefix('\'') {
        let line = inner.split('\n').next().unwrap_or("");
        let close = line.find('\'')?;
        let text = line.get(..close).unwrap_or("");
        let suggestion = format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""));
        return Some(ParseError::SingleQuotes { span: at(close + 2), suggestion });
    }
    for (found, word) in [("&&", "and"), ("||", "or")] {
        if rest.starts_with(found) {
            return Some(ParseError::ForeignOperator { span: at(2), found: found.into(), word: word.into() });
        }
    }
    if rest.starts_with('!') && !rest.starts_with("!=") {
        return Some(ParseError::ForeignOperator { span: at(1), found: "!".into(), word: "not".into() });
    }
    let word: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    let line_before = chunk.get(..pos).map(|b| b.rsplit('\n').next().unwrap_or(b)).unwrap_or("");
    let starts_line = line_before.trim().is_empty();
    if starts_line && !line_before.is_empty() && DECLARATION_KEYWORDS.contains(&word.as_str()) {
        return Some(ParseError::IndentedDeclaration { span: at(word.len()), keyword: word });
    }
    if expected.name && !expected.operand && KEYWORDS.contains(&word.as_str()) {
        return Some(ParseError::KeywordAsName { span: at(word.len()), keyword: word });
    }
    let after_word = rest.get(word.len()..).unwrap_or("").trim_start_matches([' ', '\t']);
    let before = chunk.get(..pos).unwrap_or("").trim_end();
    let separated = before.ends_with([',', '{', '(', ':']);
    if !word.is_empty()
        && !word.starts_with(|c: char| c.is_ascii_digit())
        && after_word.starts_with(':')
        && !separated
        && !expected.name
    {
        return Some(ParseError::MissingComma { span: at(word.len()), field: word });
    }
    if expected.operator && rest.starts_with('=') && !rest.starts_with("==") && !rest.starts_with("=>") {
        return Some(ParseError::SingleEquals { span: at(1) });
    }
    None
}
