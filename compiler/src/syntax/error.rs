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
    /// A C-style logical operator (`&&`, `||`, `!`) where dexp has a word.
    #[error("`{found}` is not an operator in dexp")]
    #[diagnostic(
        code(dexp::parse::foreign_operator),
        help("write `{word}`: dexp spells `and`, `or` and `not` as words")
    )]
    ForeignOperator {
        /// The operator.
        #[label("write `{word}` here")]
        span: Span,
        /// The operator as written.
        found: String,
        /// The dexp word for it.
        word: String,
    },
    /// A single `=` where a comparison was meant.
    #[error("`=` does not compare values")]
    #[diagnostic(
        code(dexp::parse::single_equals),
        help("compare with `==`; a single `=` only gives a `let`, `const` or `fn` its value")
    )]
    SingleEquals {
        /// The `=`.
        #[label("write `==` here")]
        span: Span,
    },
    /// A declaration keyword that does not start its line, so it is read as part of the
    /// declaration before it.
    #[error("`{keyword}` starts a declaration, which must begin at the start of a line")]
    #[diagnostic(
        code(dexp::parse::indented_declaration),
        help("remove the indentation before `{keyword}`: declarations are not nested, each starts in column 1")
    )]
    IndentedDeclaration {
        /// The keyword.
        #[label("indented")]
        span: Span,
        /// The keyword as written.
        keyword: String,
    },
    /// Two fields of a record, record value or `output` without a comma between them.
    #[error("expected `,` before the field `{field}`")]
    #[diagnostic(
        code(dexp::parse::missing_comma),
        help("separate fields with commas: add `,` after the previous field")
    )]
    MissingComma {
        /// The field after the missing comma.
        #[label("`,` missing before this field")]
        span: Span,
        /// Its name.
        field: String,
    },
    /// A string in single quotes.
    #[error("strings are written in double quotes")]
    #[diagnostic(code(dexp::parse::single_quotes), help("write {suggestion}"))]
    SingleQuotes {
        /// The single-quoted text, quotes included.
        #[label("single quotes")]
        span: Span,
        /// The same string in double quotes.
        suggestion: String,
    },
    /// A keyword where a name is needed.
    #[error("`{keyword}` is a keyword and cannot be used as a name")]
    #[diagnostic(code(dexp::parse::keyword_as_name), help("choose another name, for example `{keyword}_`"))]
    KeywordAsName {
        /// The keyword.
        #[label("keyword")]
        span: Span,
        /// The keyword as written.
        keyword: String,
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
            | ParseError::BadEscape { span, .. }
            | ParseError::ForeignOperator { span, .. }
            | ParseError::SingleEquals { span }
            | ParseError::IndentedDeclaration { span, .. }
            | ParseError::MissingComma { span, .. }
            | ParseError::SingleQuotes { span, .. }
            | ParseError::KeywordAsName { span, .. } => *span,
        }
    }
}
