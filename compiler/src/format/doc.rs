//! A small document algebra in the style of Wadler's "prettier printer", and its printer.
//!
//! The layout code describes each construct once as a [`Doc`]: text, places where a line may
//! break, and groups that are printed either entirely flat (on one line) or broken (every
//! line of the group on its own line). The printer decides per group, left to right: a group
//! is flat when it fits in the remaining width up to the next possible break after it.
//!
//! Comments add three things to the classic algebra: [`Doc::LineSuffix`] holds a trailing
//! comment until the end of the output line, [`Doc::BreakParent`] forces every enclosing group
//! to break, and [`Doc::TokenStart`] marks where a token begins, so that the printer can start
//! a new line there when a trailing comment must end the line it is on.

/// A document to lay out.
#[derive(Debug, Clone)]
pub(super) enum Doc {
    /// Literal text without newlines.
    Text(String),
    /// A space when the enclosing group is flat, a newline when it is broken.
    Line,
    /// Nothing when the enclosing group is flat, a newline when it is broken.
    SoftLine,
    /// Always a newline; forces every enclosing group to break.
    HardLine,
    /// A newline unless the current line is still empty; forces enclosing groups to break.
    FreshLine,
    /// Its content, with lines broken inside it indented by one more level.
    Indent(Box<Doc>),
    /// Its content, printed flat when it fits; `hard` is set when it must break.
    Group {
        /// The content.
        doc: Box<Doc>,
        /// Whether the content contains a forced break.
        hard: bool,
    },
    /// A sequence.
    Concat(Vec<Doc>),
    /// Text printed only when the enclosing group is broken (a trailing comma).
    IfBreak(&'static str),
    /// A trailing comment, printed at the end of the current output line. When `force` is set,
    /// the next token or possible break starts a new line, so the comment stays with the token
    /// it follows.
    LineSuffix {
        /// The comment text.
        text: String,
        /// Whether the line must end after the comment.
        force: bool,
    },
    /// Forces every enclosing group to break.
    BreakParent,
    /// The start of a token (for comments that must end a line; otherwise prints nothing).
    TokenStart,
}

impl Doc {
    /// An empty document.
    pub(super) fn nil() -> Doc {
        Doc::Concat(Vec::new())
    }

    /// Literal text.
    pub(super) fn text(s: impl Into<String>) -> Doc {
        Doc::Text(s.into())
    }

    /// A sequence.
    pub(super) fn cat(docs: Vec<Doc>) -> Doc {
        Doc::Concat(docs)
    }

    /// An indented document.
    pub(super) fn indent(doc: Doc) -> Doc {
        Doc::Indent(Box::new(doc))
    }

    /// A group, remembering whether it must break.
    pub(super) fn group(doc: Doc) -> Doc {
        let hard = doc.must_break();
        Doc::Group { doc: Box::new(doc), hard }
    }

    /// Whether the document contains a forced break outside of nested groups' own flags.
    fn must_break(&self) -> bool {
        match self {
            Doc::HardLine | Doc::FreshLine | Doc::BreakParent => true,
            Doc::Group { hard, .. } => *hard,
            Doc::Indent(d) => d.must_break(),
            Doc::Concat(ds) => ds.iter().any(Doc::must_break),
            Doc::Text(_) | Doc::Line | Doc::SoftLine | Doc::IfBreak(_) | Doc::LineSuffix { .. } | Doc::TokenStart => {
                false
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Flat,
    Break,
}

/// One pending piece of work: a document at an indentation, in a mode.
type Cmd<'d> = (usize, Mode, &'d Doc);

/// Lays out a document within `width` columns, indenting by `step` spaces per level. Lines
/// carry no trailing whitespace and the result ends without a newline.
pub(super) fn print(doc: &Doc, width: usize, step: usize) -> String {
    let mut p = Printer {
        out: String::new(),
        col: 0,
        line_indent: 0,
        pending_indent: Some(0),
        suffixes: Vec::new(),
        force: false,
    };
    let mut stack: Vec<Cmd> = vec![(0, Mode::Break, doc)];
    while let Some((indent, mode, doc)) = stack.pop() {
        match doc {
            Doc::Text(s) => p.text(s),
            Doc::Line | Doc::SoftLine => {
                if mode == Mode::Break || p.force {
                    p.newline(indent);
                } else if matches!(doc, Doc::Line) {
                    p.text(" ");
                }
            }
            Doc::HardLine => p.newline(indent),
            Doc::FreshLine => {
                if p.pending_indent.is_some() {
                    p.pending_indent = Some(indent);
                } else {
                    p.newline(indent);
                }
            }
            Doc::Indent(d) => stack.push((indent + step, mode, d)),
            Doc::Group { doc: d, hard } => {
                let col = p.pending_indent.unwrap_or(p.col);
                let flat = !hard && (mode == Mode::Flat || fits((indent, Mode::Flat, d), &stack, width, col));
                stack.push((indent, if flat { Mode::Flat } else { Mode::Break }, d));
            }
            Doc::Concat(ds) => stack.extend(ds.iter().rev().map(|d| (indent, mode, d))),
            Doc::IfBreak(s) => {
                if mode == Mode::Break {
                    p.text(s);
                }
            }
            Doc::LineSuffix { text, force } => {
                p.suffixes.push(text.clone());
                p.force |= *force;
            }
            Doc::BreakParent => {}
            Doc::TokenStart => {
                if p.force {
                    p.newline(indent + step);
                }
            }
        }
    }
    p.flush_suffixes();
    p.out
}

struct Printer {
    out: String,
    /// Characters on the current line, indentation included.
    col: usize,
    /// The indentation of the current line.
    line_indent: usize,
    /// The indentation of the current line while nothing has been written on it.
    pending_indent: Option<usize>,
    /// Trailing comments waiting for the end of the line.
    suffixes: Vec<String>,
    /// Whether a trailing comment requires the line to end before the next token.
    force: bool,
}

impl Printer {
    fn text(&mut self, s: &str) {
        // Text that starts a line loses its leading spaces (` days` after a comment).
        let s = if self.pending_indent.is_some() { s.trim_start_matches(' ') } else { s };
        if s.is_empty() {
            return;
        }
        if let Some(indent) = self.pending_indent.take() {
            self.out.extend(std::iter::repeat_n(' ', indent));
            self.col = indent;
            self.line_indent = indent;
        }
        self.out.push_str(s);
        self.col += s.chars().count();
    }

    fn flush_suffixes(&mut self) {
        let suffixes = std::mem::take(&mut self.suffixes);
        for (i, s) in suffixes.iter().enumerate() {
            if i > 0 {
                // Two trailing comments met on one line: the second goes on its own line
                // rather than being merged into the first.
                self.break_line(self.line_indent);
            }
            if self.pending_indent.is_none() {
                let trimmed = self.out.trim_end_matches(' ').len();
                self.out.truncate(trimmed);
                self.out.push(' ');
            }
            self.text(s);
        }
    }

    fn break_line(&mut self, indent: usize) {
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed);
        self.out.push('\n');
        self.col = 0;
        self.pending_indent = Some(indent);
    }

    fn newline(&mut self, indent: usize) {
        self.flush_suffixes();
        self.force = false;
        self.break_line(indent);
    }
}

/// Whether `next`, printed flat, fits in the rest of the line together with what follows it
/// up to the next line break among the `rest` commands. Comments do not count.
fn fits(next: Cmd, rest: &[Cmd], width: usize, col: usize) -> bool {
    let mut remaining = width as isize - col as isize;
    let mut stack: Vec<(Mode, &Doc)> = vec![(next.1, next.2)];
    let mut rest_index = rest.len();
    loop {
        let Some((mode, doc)) = stack.pop() else {
            if rest_index == 0 {
                return true;
            }
            rest_index -= 1;
            match rest.get(rest_index) {
                Some((_, mode, doc)) => stack.push((*mode, doc)),
                None => return true,
            }
            continue;
        };
        match doc {
            Doc::Text(s) => remaining -= s.chars().count() as isize,
            Doc::Line | Doc::SoftLine => {
                if mode == Mode::Break {
                    return true;
                }
                if matches!(doc, Doc::Line) {
                    remaining -= 1;
                }
            }
            Doc::HardLine | Doc::FreshLine => return true,
            Doc::Indent(d) => stack.push((mode, d)),
            Doc::Group { doc: d, hard } => stack.push((if *hard { Mode::Break } else { mode }, d)),
            Doc::Concat(ds) => stack.extend(ds.iter().rev().map(|d| (mode, d))),
            Doc::IfBreak(s) => {
                if mode == Mode::Break {
                    remaining -= s.chars().count() as isize;
                }
            }
            Doc::LineSuffix { .. } | Doc::BreakParent | Doc::TokenStart => {}
        }
        if remaining < 0 {
            return false;
        }
    }
}
