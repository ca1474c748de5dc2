//! Syntax errors: what the parser reports, each with a span, a stable code and help.

use crate::span::Span;
use miette::Diagnostic;
use thiserror::Error;

/// An error found while reading the text of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
pub enum ParseError {
    /// The text does not follow the grammar.
    #[error("{message}")]
    #[diagnostic(code(dexp::parse::syntax), help("see docs/language.md for the syntax of each declaration"))]
    Syntax {
        /// Where the parser stopped.
        #[label("here")]
        span: Span,
        /// What was expected and what was found.
        message: String,
    },
    /// Brackets, `if`s or operators are nested deeper than the parser accepts.
    #[error("{detail} nested too deeply (the limit is {limit} levels)")]
    #[diagnostic(code(dexp::parse::too_deep), help("split the expression into named `let` definitions or functions"))]
    TooDeep {
        /// Where the limit was crossed.
        #[label("too deep here")]
        span: Span,
        /// The nesting limit.
        limit: usize,
        /// What is nested.
        detail: String,
    },
    /// The source file is larger than the compiler accepts.
    #[error("the policy is {size} bytes, more than the limit of {limit} bytes")]
    #[diagnostic(code(dexp::parse::too_large), help("split the policy into smaller policies"))]
    TooLarge {
        /// The whole file.
        #[label("this file")]
        span: Span,
        /// Its size in bytes.
        size: usize,
        /// The size limit.
        limit: usize,
    },
    /// An integer literal that does not fit in 64 bits.
    #[error("integer literal does not fit in a 64-bit int")]
    #[diagnostic(
        code(dexp::parse::int_too_large),
        help("ints range from -9223372036854775808 to 9223372036854775807")
    )]
    IntTooLarge {
        /// The literal.
        #[label("too large")]
        span: Span,
    },
    /// An unknown escape sequence in a string literal.
    #[error("unknown escape `\\{escape}` in string")]
    #[diagnostic(code(dexp::parse::bad_escape), help("strings accept \\n, \\t, \\\\ and \\\""))]
    BadEscape {
        /// The string literal.
        #[label("in this string")]
        span: Span,
        /// The character after the backslash.
        escape: String,
    },
}

impl ParseError {
    /// The primary span of the error.
    pub fn span(&self) -> Span {
        match self {
            ParseError::Syntax { span, .. }
            | ParseError::TooDeep { span, .. }
            | ParseError::TooLarge { span, .. }
            | ParseError::IntTooLarge { span }
            | ParseError::BadEscape { span, .. } => *span,
        }
    }
}
