//! The canonical layout of `.dexp` files, as printed by `dexpc fmt`.
//!
//! [`format`] parses a file, lays the tree out again with the file's comments, and checks that
//! the result parses back to the same tree and keeps every comment before returning it. The
//! result is a fixed point: formatting it again changes nothing.
//!
//! # Layout
//!
//! - Indentation is 4 spaces; lines are kept within [`WIDTH`] columns where a break is
//!   allowed. Comments, rule headers (`code "message":`), long names, and long
//!   operator chains other than `and`/`or` may exceed it.
//! - One blank line separates top-level declarations, except that consecutive one-line `let` and
//!   `const` definitions, one-line `enum`s, and one-line `fn`s stay on consecutive lines when the
//!   source had no blank line between them.
//! - `enum E { a, b }` stays on one line when it fits, else one variant per line.
//! - `record`, `output` and `requirements`/`advisories` blocks always have one member per line,
//!   with a trailing comma after each field; a single blank line between members is kept.
//!   A rule is `code "message":` with its condition on the next line, indented.
//! - `let`, `const`, `fn`, output fields, record-literal fields and match arms put their value
//!   on the same line when it fits, else on the next line, indented one level. A record, list
//!   or set literal always starts on the same line.
//! - Record, list and set literals and call arguments are printed flat (`R { a: 1 }`, `[a, b]`,
//!   `{ a, b }`, `f(a, b)`) when they fit, else one element per line with trailing commas.
//! - `match` always has one arm per line, with a trailing comma.
//! - `and`/`or` chains that do not fit break before each operator, the continuation lines
//!   indented one level. `if` chains that do not fit put each `else` on a new line at the
//!   `if`'s indentation; a branch `if c then v` that still does not fit breaks before `then`.
//!   List operations that do not fit break before `where` and `else` (indented) and after `:`.
//! - Parentheses are kept as written, and no others are added; integers keep their digit
//!   separators; strings are re-escaped canonically.
//!
//! # Comments
//!
//! A comment alone on its line stays on its own line, indented like the code that follows it,
//! before the same declaration, field, rule, arm or token (at the end of its block when only a
//! closing bracket follows). Single blank lines between such comments, and between the last
//! of them and the code, are kept.
//!
//! A comment after code stays at the end of the line of the token it follows, after any `,`
//! that follows that token. Its line always ends there: a block or list that contains it is
//! broken one element per line, and the next token starts a new line.

mod doc;
mod erase;
mod expr;
mod layout;
mod source;
#[cfg(test)]
mod tests;

use crate::diagnostic::Diagnostic;
use crate::span::Span;
use crate::syntax::{self, ParseError};

/// The column limit the layout keeps lines within where it can.
pub const WIDTH: usize = 100;
/// Spaces per indentation level.
pub const INDENT: usize = 4;

/// Formats a policy in the canonical layout, keeping every comment.
///
/// Returns the parser's diagnostics when the source does not parse. Should the formatted
/// text ever fail to parse back to the same syntax tree, or lose a comment, an error is
/// returned instead of text that would change the policy.
pub fn format(source: &str) -> Result<String, Vec<Diagnostic>> {
    let policy =
        syntax::parse(source).map_err(|errors| errors.into_iter().map(Diagnostic::from).collect::<Vec<_>>())?;
    let Some(formatted) = layout::Fmt::run(source, &policy) else {
        return Err(internal("the formatter could not place every declaration or comment"));
    };
    let reparsed = syntax::parse(&formatted)
        .map_err(|_| internal("the formatted policy does not parse; the file was left unchanged"))?;
    let (mut before, mut after) = (policy, reparsed);
    erase::policy(&mut before);
    erase::policy(&mut after);
    if before != after {
        return Err(internal("formatting would change the policy's meaning; the file was left unchanged"));
    }
    let texts = |s: &str| source::comments(s).into_iter().map(|c| c.text).collect::<Vec<_>>();
    if texts(source) != texts(&formatted) {
        return Err(internal("formatting would lose or merge a comment; the file was left unchanged"));
    }
    Ok(formatted)
}

/// A formatter failure, reported as a diagnostic at the start of the file.
fn internal(message: &str) -> Vec<Diagnostic> {
    vec![Diagnostic::Parse(ParseError::Syntax {
        span: Span::new(0, 0),
        message: format!("{message} (this is a bug in `dexpc fmt`)"),
    })]
}
