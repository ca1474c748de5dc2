//! What the formatter reads from the source text beside the AST: comments (the grammar drops
//! them), where each top-level item begins and ends, and where blank lines are.

/// One `// ...` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Comment {
    /// Byte offset of the first `/`.
    pub start: usize,
    /// Byte offset one past the last character of the comment (before the newline).
    pub end: usize,
    /// The comment as written, without trailing whitespace.
    pub text: String,
    /// Whether the comment is alone on its line (only whitespace before it).
    pub own_line: bool,
    /// For a comment after code on its line: the end of the token it follows, once known.
    pub attach: Option<usize>,
}

/// Finds every comment, skipping string literals.
pub(super) fn comments(source: &str) -> Vec<Comment> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut line_has_code = false;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\n' => {
                line_has_code = false;
                i += 1;
            }
            b'"' => {
                line_has_code = true;
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
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let start = i;
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
                let text = source.get(start..i).unwrap_or("").trim_end().to_string();
                out.push(Comment { start, end: start + text.len(), text, own_line: !line_has_code, attach: None });
            }
            b' ' | b'\t' | b'\r' => i += 1,
            _ => {
                line_has_code = true;
                i += 1;
            }
        }
    }
    out
}

/// The byte ranges of the top-level declarations, from their keyword to the end of their
/// last token, in order (the `policy` line first). The split is the parser's own.
pub(super) fn items(source: &str, comments: &[Comment]) -> Vec<(usize, usize)> {
    let starts = crate::syntax::item_starts(source);
    let ends = starts.iter().skip(1).copied().chain(std::iter::once(source.len()));
    starts.iter().zip(ends).map(|(&start, next)| (start, code_end(source, comments, start, next))).collect()
}

/// The end of the last token before `end` (and after `start`), skipping whitespace and comments.
pub(super) fn code_end(source: &str, comments: &[Comment], start: usize, end: usize) -> usize {
    let bytes = source.as_bytes();
    let mut pos = end;
    while pos > start {
        let before = comments.partition_point(|c| c.start < pos);
        if let Some(c) = before.checked_sub(1).and_then(|i| comments.get(i)).filter(|c| pos <= c.end) {
            pos = c.start;
            continue;
        }
        match bytes.get(pos - 1) {
            Some(b) if b.is_ascii_whitespace() => pos -= 1,
            _ => break,
        }
    }
    pos
}

/// Whether the text between two offsets contains an empty line.
pub(super) fn blank_between(source: &str, from: usize, to: usize) -> bool {
    let Some(text) = source.get(from.min(to)..to) else { return false };
    let mut lines = text.split('\n');
    lines.next();
    let mut inner: Vec<&str> = lines.collect();
    inner.pop();
    inner.iter().any(|l| l.trim().is_empty())
}

/// A string literal that reads back as `value`.
pub(super) fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
