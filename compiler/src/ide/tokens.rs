//! Semantic tokens: every keyword, literal, comment and name of the file, names classified by
//! what the checker resolved them to.

use super::navigate::is_reserved;
use super::{Analysis, SymbolKind};
use crate::span::Span;
use std::collections::HashMap;

/// What a token is, for colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A keyword.
    Keyword,
    /// A comment.
    Comment,
    /// A string literal.
    String,
    /// A number literal.
    Number,
    /// An operator.
    Operator,
    /// A record type.
    Record,
    /// An enum type, or a built-in type.
    Enum,
    /// An enum variant.
    Variant,
    /// A field, or a code of a group.
    Field,
    /// A `let`, or a list-operation variable.
    Variable,
    /// A `const`.
    Constant,
    /// A function parameter.
    Parameter,
    /// A function, user-defined or built-in.
    Function,
    /// A group of requirements or advisories.
    Group,
}

/// One token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Where it is (never more than one line).
    pub span: Span,
    /// What it is.
    pub kind: TokenKind,
    /// Whether this is where the name is declared.
    pub declaration: bool,
}

impl Analysis {
    /// The file's tokens in order. Names the checker did not resolve (unknown names, names in
    /// declarations that do not parse) are left out, as are punctuation and whitespace.
    pub fn tokens(&self) -> Vec<Token> {
        let mut names: HashMap<u32, (TokenKind, bool)> = HashMap::new();
        for s in self.symbols() {
            names.insert(s.span.start, (kind_of(s.kind), true));
        }
        for (at, decl) in &self.index.uses {
            if let Some(s) = self.by_decl.get(decl).and_then(|i| self.symbol(*i)) {
                names.insert(at.start, (kind_of(s.kind), false));
            }
        }
        let declared: std::collections::HashSet<&str> = self.symbols().iter().map(|s| s.name.as_str()).collect();
        let mut out = Vec::new();
        let bytes = self.source().as_bytes();
        let mut i = 0;
        let push = |out: &mut Vec<Token>, start: usize, end: usize, kind: TokenKind| {
            out.push(Token { span: Span::new(start, end), kind, declaration: false });
        };
        while let Some(&b) = bytes.get(i) {
            let start = i;
            match b {
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    while bytes.get(i).is_some_and(|c| *c != b'\n') {
                        i += 1;
                    }
                    push(&mut out, start, i, TokenKind::Comment);
                }
                b'"' => {
                    i += 1;
                    while let Some(&c) = bytes.get(i) {
                        if c == b'\n' {
                            break;
                        }
                        i += if c == b'\\' { 2 } else { 1 };
                        if c == b'"' {
                            break;
                        }
                    }
                    i = i.min(bytes.len());
                    push(&mut out, start, i, TokenKind::String);
                }
                b'0'..=b'9' => {
                    while bytes.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
                        i += 1;
                    }
                    // A decimal literal (`19.99`) is one number.
                    if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                        i += 1;
                        while bytes.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
                            i += 1;
                        }
                    }
                    push(&mut out, start, i, TokenKind::Number);
                }
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                    while bytes.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
                        i += 1;
                    }
                    let word = self.source().get(start..i).unwrap_or("");
                    if let Some((kind, declaration)) = names.get(&(start as u32)) {
                        out.push(Token { span: Span::new(start, i), kind: *kind, declaration: *declaration });
                    } else if matches!(word, "int" | "bool" | "date" | "string") && !declared.contains(word) {
                        push(&mut out, start, i, TokenKind::Enum);
                    } else if is_reserved(word) && !declared.contains(word) {
                        push(&mut out, start, i, TokenKind::Keyword);
                    }
                }
                b'=' | b'!' | b'<' | b'>' | b'+' | b'-' | b'*' | b'/' | b'?' => {
                    while bytes.get(i).is_some_and(|c| b"=!<>?".contains(c)) || i == start {
                        i += 1;
                    }
                    push(&mut out, start, i, TokenKind::Operator);
                }
                _ => i += 1,
            }
        }
        out
    }
}

fn kind_of(kind: SymbolKind) -> TokenKind {
    match kind {
        SymbolKind::Enum => TokenKind::Enum,
        SymbolKind::Variant => TokenKind::Variant,
        SymbolKind::Record => TokenKind::Record,
        SymbolKind::Field | SymbolKind::Code => TokenKind::Field,
        SymbolKind::Const => TokenKind::Constant,
        SymbolKind::Let | SymbolKind::Variable => TokenKind::Variable,
        SymbolKind::Fn => TokenKind::Function,
        SymbolKind::Param => TokenKind::Parameter,
        SymbolKind::Requirements | SymbolKind::Advisories => TokenKind::Group,
    }
}
