//! Source positions: small `Copy` spans attached to syntax and IR, resolved against the
//! source text only when a diagnostic is reported.

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub fn new(start: usize, end: usize) -> Span {
        let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Span { start: clamp(start), end: clamp(end) }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    /// The span as a miette source span.
    pub fn miette(self) -> miette::SourceSpan {
        let start = self.start as usize;
        (start, self.end.saturating_sub(self.start) as usize).into()
    }

    /// The 1-based line and column (in characters) of the span's start within `source`.
    pub fn line_col(self, source: &str) -> (usize, usize) {
        let start = (self.start as usize).min(source.len());
        let before = source.get(..start).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let col = before.get(line_start..).map(|s| s.chars().count()).unwrap_or(0) + 1;
        (line, col)
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        span.miette()
    }
}
