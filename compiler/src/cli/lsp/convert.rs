//! Translation between the answers of `dexp_compiler::ide` (byte offsets, plain data) and the
//! Language Server Protocol's types (lines and UTF-16 columns). Nothing here decides anything.

use dexp_compiler::diagnostic::Severity;
use dexp_compiler::ide::{self, CompletionKind, LineIndex, OutlineItem, SymbolKind, TokenKind};
use dexp_compiler::span::Span;
use dexp_compiler::Diagnostic;
use lsp_types as lsp;
use miette::Diagnostic as _;

/// Where `codeDescription` links point unless the client says otherwise.
pub const DEFAULT_DOCS: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/diagnostics.md");

/// The semantic token types, in the order of the legend.
pub const TOKEN_TYPES: &[TokenKind] = &[
    TokenKind::Keyword,
    TokenKind::Comment,
    TokenKind::String,
    TokenKind::Number,
    TokenKind::Operator,
    TokenKind::Record,
    TokenKind::Enum,
    TokenKind::Variant,
    TokenKind::Field,
    TokenKind::Variable,
    TokenKind::Constant,
    TokenKind::Parameter,
    TokenKind::Function,
    TokenKind::Group,
];

/// The legend announced to the client.
pub fn legend() -> lsp::SemanticTokensLegend {
    let name = |k: &TokenKind| match k {
        TokenKind::Keyword => lsp::SemanticTokenType::KEYWORD,
        TokenKind::Comment => lsp::SemanticTokenType::COMMENT,
        TokenKind::String => lsp::SemanticTokenType::STRING,
        TokenKind::Number => lsp::SemanticTokenType::NUMBER,
        TokenKind::Operator => lsp::SemanticTokenType::OPERATOR,
        TokenKind::Record => lsp::SemanticTokenType::STRUCT,
        TokenKind::Enum => lsp::SemanticTokenType::ENUM,
        TokenKind::Variant => lsp::SemanticTokenType::ENUM_MEMBER,
        TokenKind::Field => lsp::SemanticTokenType::PROPERTY,
        TokenKind::Variable | TokenKind::Constant => lsp::SemanticTokenType::VARIABLE,
        TokenKind::Parameter => lsp::SemanticTokenType::PARAMETER,
        TokenKind::Function => lsp::SemanticTokenType::FUNCTION,
        TokenKind::Group => lsp::SemanticTokenType::NAMESPACE,
    };
    lsp::SemanticTokensLegend {
        token_types: TOKEN_TYPES.iter().map(name).collect(),
        token_modifiers: vec![lsp::SemanticTokenModifier::DECLARATION, lsp::SemanticTokenModifier::READONLY],
    }
}

/// A span as an LSP range.
pub fn range(lines: &LineIndex, span: Span) -> lsp::Range {
    let (sl, sc) = lines.position(span.start as usize);
    let (el, ec) = lines.position(span.end as usize);
    lsp::Range { start: lsp::Position { line: sl, character: sc }, end: lsp::Position { line: el, character: ec } }
}

/// An LSP position as a byte offset.
pub fn offset(lines: &LineIndex, position: lsp::Position) -> usize {
    lines.offset(position.line, position.character)
}

/// A diagnostic, with its code, a link to the code's documentation, its help after the
/// message, and its other labelled spans as related information.
pub fn diagnostic(d: &Diagnostic, uri: &lsp::Uri, lines: &LineIndex, docs: &str) -> lsp::Diagnostic {
    let code = d.code_str();
    let primary = d.span();
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .labels()
        .into_iter()
        .flatten()
        .skip(1)
        .map(|label| lsp::DiagnosticRelatedInformation {
            location: lsp::Location {
                uri: uri.clone(),
                range: range(lines, Span::new(label.offset(), label.offset() + label.len())),
            },
            message: label.label().unwrap_or("see also").to_string(),
        })
        .collect();
    let href = format!("{docs}#{}", anchor(&code)).parse::<lsp::Uri>().ok();
    lsp::Diagnostic {
        range: range(lines, primary),
        severity: Some(match d.severity() {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(code)),
        code_description: href.map(|href| lsp::CodeDescription { href }),
        source: Some("dexp".into()),
        message: message(d),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// A diagnostic's message, with its help on a line of its own.
pub fn message(d: &Diagnostic) -> String {
    match d.help() {
        Some(help) => format!("{d}\nhelp: {help}"),
        None => d.to_string(),
    }
}

/// The anchor of a code's section in `docs/diagnostics.md` (GitHub's heading slug).
pub fn anchor(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect::<String>().to_lowercase()
}

/// Text edits.
pub fn edits(lines: &LineIndex, edits: &[ide::TextEdit]) -> Vec<lsp::TextEdit> {
    edits.iter().map(|e| lsp::TextEdit { range: range(lines, e.span), new_text: e.text.clone() }).collect()
}

/// A completion.
pub fn completion(c: &ide::Completion) -> lsp::CompletionItem {
    let kind = match c.kind {
        CompletionKind::Field => lsp::CompletionItemKind::FIELD,
        CompletionKind::Variant => lsp::CompletionItemKind::ENUM_MEMBER,
        CompletionKind::Variable => lsp::CompletionItemKind::VARIABLE,
        CompletionKind::Constant => lsp::CompletionItemKind::CONSTANT,
        CompletionKind::Function => lsp::CompletionItemKind::FUNCTION,
        CompletionKind::Group => lsp::CompletionItemKind::MODULE,
        CompletionKind::Type => lsp::CompletionItemKind::STRUCT,
        CompletionKind::Keyword => lsp::CompletionItemKind::KEYWORD,
    };
    lsp::CompletionItem {
        label: c.label.clone(),
        kind: Some(kind),
        detail: c.detail.clone(),
        sort_text: Some(format!("{}{}", if c.preferred { 0 } else { 1 }, c.label)),
        preselect: c.preferred.then_some(true),
        ..Default::default()
    }
}

/// An outline entry.
#[allow(deprecated)] // `DocumentSymbol::deprecated` must be given, as `None`.
pub fn outline(lines: &LineIndex, item: &OutlineItem) -> lsp::DocumentSymbol {
    let kind = match item.kind {
        None => lsp::SymbolKind::MODULE,
        Some(SymbolKind::Enum) => lsp::SymbolKind::ENUM,
        Some(SymbolKind::Variant) => lsp::SymbolKind::ENUM_MEMBER,
        Some(SymbolKind::Record) => lsp::SymbolKind::STRUCT,
        Some(SymbolKind::Field) => lsp::SymbolKind::FIELD,
        Some(SymbolKind::Const) => lsp::SymbolKind::CONSTANT,
        Some(SymbolKind::Let) => lsp::SymbolKind::VARIABLE,
        Some(SymbolKind::Fn) => lsp::SymbolKind::FUNCTION,
        Some(SymbolKind::Param) | Some(SymbolKind::Variable) => lsp::SymbolKind::VARIABLE,
        Some(SymbolKind::Requirements) | Some(SymbolKind::Advisories) => lsp::SymbolKind::NAMESPACE,
        Some(SymbolKind::Code) => lsp::SymbolKind::KEY,
    };
    let children: Vec<lsp::DocumentSymbol> = item.children.iter().map(|c| outline(lines, c)).collect();
    lsp::DocumentSymbol {
        name: if item.name.is_empty() { "_".into() } else { item.name.clone() },
        detail: item.detail.clone(),
        kind,
        tags: None,
        deprecated: None,
        range: range(lines, item.range),
        selection_range: range(lines, item.selection),
        children: (!children.is_empty()).then_some(children),
    }
}

/// Semantic tokens, delta-encoded.
pub fn tokens(lines: &LineIndex, source: &str, tokens: &[ide::Token]) -> Vec<lsp::SemanticToken> {
    let mut out = Vec::with_capacity(tokens.len());
    let (mut prev_line, mut prev_start) = (0u32, 0u32);
    for t in tokens {
        let (line, start) = lines.position(t.span.start as usize);
        let text = source.get(t.span.start as usize..t.span.end as usize).unwrap_or("");
        let length: usize = text.chars().map(char::len_utf16).sum();
        let Some(kind) = TOKEN_TYPES.iter().position(|k| *k == t.kind) else { continue };
        let mut modifiers = u32::from(t.declaration);
        if t.kind == TokenKind::Constant {
            modifiers |= 2;
        }
        let delta_line = line.saturating_sub(prev_line);
        let delta_start = if delta_line == 0 { start.saturating_sub(prev_start) } else { start };
        out.push(lsp::SemanticToken {
            delta_line,
            delta_start,
            length: length as u32,
            token_type: kind as u32,
            token_modifiers_bitset: modifiers,
        });
        (prev_line, prev_start) = (line, start);
    }
    out
}
