//! Limits checked before the recursive parts of the parser run, so that a huge or deeply
//! nested file gets a diagnostic instead of exhausting the stack or the clock.
//!
//! The nesting scan runs over the raw text without recursion: it counts open brackets and the
//! words that begin a nested expression (`if`, `match`, `not`, the list operations, unary
//! minus) within each bracket level. The count is an upper bound of the parser's recursion
//! depth, so anything the scan accepts parses within a small, fixed stack.

use super::error::ParseError;
use crate::span::Span;

/// The largest policy source accepted, in bytes.
pub const MAX_SOURCE_BYTES: usize = 4 << 20;
/// The deepest nesting of brackets and nested-expression keywords the scan accepts.
pub const MAX_NESTING: usize = 96;
/// The deepest expression tree the parser builds (operator chains count too).
pub const MAX_EXPR_DEPTH: usize = 256;

/// Rejects sources over [`MAX_SOURCE_BYTES`].
pub fn check_size(source: &str) -> Result<(), ParseError> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(ParseError::TooLarge { span: Span::new(0, 0), size: source.len(), limit: MAX_SOURCE_BYTES });
    }
    Ok(())
}

const NESTING_WORDS: &[&str] = &["if", "match", "not", "all", "any", "count", "sum", "max", "min"];

/// Rejects sources whose nesting estimate exceeds [`MAX_NESTING`].
pub fn check_nesting(source: &str) -> Result<(), ParseError> {
    // One entry per open bracket: the nested-expression words seen at that level so far.
    let mut levels: Vec<usize> = vec![0];
    let mut depth: usize = 0; // brackets + words over all levels
    let bytes = source.as_bytes();
    let mut i = 0;
    let mut prev_significant = b'(';
    while let Some(&c) = bytes.get(i) {
        let start = i;
        match c {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while bytes.get(i).is_some_and(|&b| b != b'\n') {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while let Some(&b) = bytes.get(i) {
                    i += if b == b'\\' { 2 } else { 1 };
                    if b == b'"' || b == b'\n' {
                        break;
                    }
                }
                prev_significant = b'"';
                continue;
            }
            b'(' | b'[' | b'{' => {
                levels.push(0);
                depth += 1;
            }
            b')' | b']' | b'}' if levels.len() > 1 => {
                let words = levels.pop().unwrap_or(0);
                depth = depth.saturating_sub(words + 1);
            }
            b',' => {
                if let Some(words) = levels.last_mut() {
                    depth = depth.saturating_sub(*words);
                    *words = 0;
                }
            }
            b'-' if matches!(
                prev_significant,
                b'(' | b'[' | b'{' | b',' | b'=' | b'<' | b'>' | b'+' | b'-' | b'*' | b'/' | b':' | b'?'
            ) =>
            {
                bump(&mut levels, &mut depth);
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while bytes.get(i).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
                    i += 1;
                }
                let word = source.get(start..i).unwrap_or("");
                // `let` starting a line is a declaration; anywhere else it nests a binding.
                let line_start = start == 0 || bytes.get(start - 1) == Some(&b'\n');
                if NESTING_WORDS.contains(&word) || (word == "let" && !line_start) {
                    bump(&mut levels, &mut depth);
                } else if levels.len() == 1
                    && matches!(word, "let" | "const" | "fn" | "output" | "requirements" | "advisories")
                {
                    levels = vec![0];
                    depth = 0;
                }
                // Operators that expect an operand next behave like an open bracket for `-`.
                prev_significant =
                    if matches!(word, "and" | "or" | "not" | "in" | "then" | "else" | "where" | "if" | "return") {
                        b'('
                    } else {
                        b'a'
                    };
                if depth > MAX_NESTING {
                    return Err(too_deep(start, i));
                }
                continue;
            }
            _ => {}
        }
        if depth > MAX_NESTING {
            return Err(too_deep(start, start + 1));
        }
        if !c.is_ascii_whitespace() {
            prev_significant = c;
        }
        i += 1;
    }
    Ok(())
}

fn bump(levels: &mut [usize], depth: &mut usize) {
    if let Some(words) = levels.last_mut() {
        *words += 1;
        *depth += 1;
    }
}

fn too_deep(start: usize, end: usize) -> ParseError {
    ParseError::TooDeep { span: Span::new(start, end), limit: MAX_NESTING, detail: "expression".into() }
}
