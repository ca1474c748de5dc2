//! Hover: what the name or expression under the cursor is, its type, its documentation.

use super::symbols::doc_comment;
use super::{Analysis, SymbolKind};
use crate::span::Span;

/// What to show for the cursor's position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hover {
    /// The name or expression described.
    pub span: Span,
    /// Markdown: a `dexp` code block with the declaration or type, then its documentation.
    pub markdown: String,
}

impl Analysis {
    /// Describes the name or expression at `offset`: a declared thing with its type, doc
    /// comment, a code's message or an enum's variants; otherwise the type of the smallest
    /// expression around it.
    pub fn hover(&self, offset: usize) -> Option<Hover> {
        if let Some((i, span)) = self.symbol_at(offset) {
            return Some(Hover { span, markdown: self.describe(i) });
        }
        let (span, ty) = self.type_at(offset)?;
        let text = self.text(span);
        let shown = if text.len() > 80 || text.contains('\n') { String::new() } else { format!("{text}: ") };
        Some(Hover { span, markdown: format!("```dexp\n{shown}{ty}\n```") })
    }

    /// The hover text of symbol `i`.
    fn describe(&self, i: usize) -> String {
        let Some(s) = self.symbol(i) else { return String::new() };
        let parent = s.parent.and_then(|p| self.symbol(p));
        let detail = s.detail.clone().unwrap_or_default();
        let head = match s.kind {
            SymbolKind::Enum | SymbolKind::Record => format!("{} {}", s.kind.describe(), s.name),
            SymbolKind::Variant => format!("{}.{}", parent.map(|p| p.name.as_str()).unwrap_or(""), s.name),
            SymbolKind::Field => format!("{}.{}: {detail}", parent.map(|p| p.name.as_str()).unwrap_or(""), s.name),
            SymbolKind::Const | SymbolKind::Let => format!("{} {}: {detail}", s.kind.describe(), s.name),
            SymbolKind::Fn => detail.clone(),
            SymbolKind::Param | SymbolKind::Variable => format!("{}: {detail}", s.name),
            SymbolKind::Requirements | SymbolKind::Advisories => {
                format!("{} {}: codes({})", s.kind.describe(), s.name, s.name)
            }
            SymbolKind::Code => format!("{}.{}: bool", parent.map(|p| p.name.as_str()).unwrap_or(""), s.name),
        };
        let mut out = format!("```dexp\n{}\n```", head.trim_end_matches(": "));
        let mut extra = Vec::new();
        match s.kind {
            SymbolKind::Code => {
                let group = parent.map(|p| p.kind);
                let what = if group == Some(SymbolKind::Advisories) { "advisory" } else { "requirement" };
                extra.push(format!("{what}: \"{detail}\""));
            }
            SymbolKind::Enum | SymbolKind::Record | SymbolKind::Requirements | SymbolKind::Advisories => {
                let members: Vec<String> = self
                    .symbols()
                    .iter()
                    .filter(|m| m.parent == Some(i))
                    .map(|m| match (m.kind, &m.detail) {
                        (SymbolKind::Field, Some(t)) => format!("`{}: {t}`", m.name),
                        _ => format!("`{}`", m.name),
                    })
                    .collect();
                let label = match s.kind {
                    SymbolKind::Enum => "variants",
                    SymbolKind::Record => "fields",
                    _ => "codes",
                };
                if !members.is_empty() {
                    extra.push(format!("{label}: {}", members.join(", ")));
                }
            }
            SymbolKind::Param => {
                if let Some(f) = parent {
                    extra.push(format!("parameter of `{}`", f.name));
                }
            }
            SymbolKind::Variable => extra.push("the element of a list operation".into()),
            _ => {}
        }
        // Parameters and list-operation variables share their line with a declaration whose
        // comment is not theirs.
        if !matches!(s.kind, SymbolKind::Param | SymbolKind::Variable) {
            if let Some(doc) = doc_comment(self.source(), s.span) {
                extra.push(doc);
            }
        }
        for e in extra {
            out.push_str("\n\n");
            out.push_str(&e);
        }
        out
    }
}
