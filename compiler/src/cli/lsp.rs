//! `dexpc lsp`: a language server on standard input and output. It keeps the open documents'
//! text, asks `dexp_compiler::ide::Analysis` every question, and translates the answers to the
//! Language Server Protocol (`convert.rs`); it decides nothing about the language itself.
//!
//! Messages are handled in the order they arrive. Before any work, every message already
//! waiting is read, so a burst of edits is analysed once, at its last version; diagnostics are
//! published with the version they are of, so a client never shows results of older text.

// `lsp_types::WorkspaceEdit::changes` is keyed by `Uri`, whose parsed form caches data in a
// `Cell`; the protocol's type fixes the key, and the URIs are never mutated while keyed.
#![allow(clippy::mutable_key_type)]

mod convert;
mod transport;

use super::CliError;
use dexp_compiler::ide::{Analysis, LineIndex};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashMap;
use std::process::ExitCode;

/// The largest message accepted, in bytes (a policy is at most 1 MiB; JSON escaping may
/// double it).
pub const MAX_MESSAGE_BYTES: usize = 8 << 20;

/// One open document.
struct Document {
    uri: lsp::Uri,
    version: i32,
    text: String,
    lines: LineIndex,
    /// Computed on first need after each change.
    analysis: Option<Analysis>,
}

impl Document {
    fn new(uri: lsp::Uri, version: i32, text: String) -> Document {
        Document { uri, version, lines: LineIndex::new(&text), text, analysis: None }
    }

    /// The analysis of the current text, with the line index and the URI beside it.
    fn parts(&mut self) -> (&Analysis, &LineIndex, &lsp::Uri) {
        let text = &self.text;
        let analysis = self.analysis.get_or_insert_with(|| Analysis::new(text));
        (analysis, &self.lines, &self.uri)
    }
}

/// The server's state.
struct Server {
    docs: HashMap<String, Document>,
    /// Documents changed since diagnostics were last published.
    dirty: Vec<String>,
    /// Where `codeDescription` links point.
    docs_url: String,
    shutting_down: bool,
}

/// A handler's failure, sent back as a JSON-RPC error.
struct Failure {
    code: ErrorCode,
    message: String,
}

impl Failure {
    fn new(code: ErrorCode, message: impl Into<String>) -> Failure {
        Failure { code, message: message.into() }
    }
}

type Answer = Result<Value, Failure>;

/// Runs the server until the client sends `exit` or closes its end.
pub fn run() -> Result<ExitCode, CliError> {
    let messages = transport::stdin_messages();
    let mut server = Server {
        docs: HashMap::new(),
        dirty: Vec::new(),
        docs_url: convert::DEFAULT_DOCS.into(),
        shutting_down: false,
    };
    // Before `initialize`, requests get `ServerNotInitialized` and notifications are dropped.
    loop {
        let Ok(message) = messages.recv() else { return Ok(ExitCode::from(1)) };
        match message {
            Message::Request(req) if req.method == "initialize" => {
                let params: lsp::InitializeParams = match serde_json::from_value(req.params.clone()) {
                    Ok(p) => p,
                    Err(e) => {
                        reply(req.id, Err(Failure::new(ErrorCode::InvalidParams, e.to_string())));
                        continue;
                    }
                };
                if let Some(url) = params
                    .initialization_options
                    .as_ref()
                    .and_then(|o| o.get("diagnosticsDocs"))
                    .and_then(Value::as_str)
                {
                    server.docs_url = url.to_string();
                }
                reply(req.id, to_value(initialize_result()));
                break;
            }
            Message::Request(req) => {
                reply(req.id, Err(Failure::new(ErrorCode::ServerNotInitialized, "the server is not initialized")));
            }
            Message::Notification(n) if n.method == "exit" => return Ok(ExitCode::from(1)),
            _ => {}
        }
    }
    loop {
        let Ok(first) = messages.recv() else { return Ok(ExitCode::from(1)) };
        let batch = std::iter::once(first).chain(messages.try_iter()).collect::<Vec<_>>();
        for message in batch {
            match message {
                Message::Request(req) => {
                    let id = req.id.clone();
                    let answer = server.request(req);
                    reply(id, answer);
                }
                Message::Notification(n) if n.method == "exit" => {
                    return Ok(if server.shutting_down { ExitCode::SUCCESS } else { ExitCode::from(1) });
                }
                Message::Notification(n) => server.notification(n),
                Message::Response(_) => {}
            }
        }
        server.publish();
    }
}

fn initialize_result() -> lsp::InitializeResult {
    let capabilities = lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Kind(lsp::TextDocumentSyncKind::FULL)),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        rename_provider: Some(lsp::OneOf::Right(lsp::RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![".".into()]),
            ..Default::default()
        }),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        semantic_tokens_provider: Some(lsp::SemanticTokensServerCapabilities::SemanticTokensOptions(
            lsp::SemanticTokensOptions {
                legend: convert::legend(),
                full: Some(lsp::SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: Default::default(),
            },
        )),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(lsp::CodeActionOptions {
            code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX]),
            ..Default::default()
        })),
        ..Default::default()
    };
    lsp::InitializeResult {
        capabilities,
        server_info: Some(lsp::ServerInfo {
            name: "dexpc lsp".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    }
}

fn reply(id: RequestId, answer: Answer) {
    let response = match answer {
        Ok(result) => Response::new_ok(id, result),
        Err(f) => Response::new_err(id, f.code as i32, f.message),
    };
    transport::send(Message::Response(response));
}

fn to_value(v: impl serde::Serialize) -> Answer {
    serde_json::to_value(v).map_err(|e| Failure::new(ErrorCode::InternalError, e.to_string()))
}

fn params<P: DeserializeOwned>(value: Value) -> Result<P, Failure> {
    serde_json::from_value(value).map_err(|e| Failure::new(ErrorCode::InvalidParams, format!("bad params: {e}")))
}

impl Server {
    fn doc(&mut self, uri: &lsp::Uri) -> Result<&mut Document, Failure> {
        self.docs
            .get_mut(uri.as_str())
            .ok_or_else(|| Failure::new(ErrorCode::InvalidParams, format!("{} is not open", uri.as_str())))
    }

    /// The document and the byte offset of a position in it.
    fn at(&mut self, p: &lsp::TextDocumentPositionParams) -> Result<(&mut Document, usize), Failure> {
        let doc = self.doc(&p.text_document.uri)?;
        let offset = convert::offset(&doc.lines, p.position);
        Ok((doc, offset))
    }

    fn request(&mut self, req: Request) -> Answer {
        if self.shutting_down {
            return Err(Failure::new(ErrorCode::InvalidRequest, "the server is shutting down"));
        }
        let p = req.params;
        match req.method.as_str() {
            "shutdown" => {
                self.shutting_down = true;
                Ok(Value::Null)
            }
            "textDocument/hover" => self.hover(params(p)?),
            "textDocument/definition" => self.definition(params(p)?),
            "textDocument/references" => self.references(params(p)?),
            "textDocument/prepareRename" => self.prepare_rename(params(p)?),
            "textDocument/rename" => self.rename(params(p)?),
            "textDocument/completion" => self.completion(params(p)?),
            "textDocument/documentSymbol" => self.symbols(params(p)?),
            "textDocument/formatting" => self.formatting(params(p)?),
            "textDocument/semanticTokens/full" => self.semantic_tokens(params(p)?),
            "textDocument/codeAction" => self.code_actions(params(p)?),
            other => Err(Failure::new(ErrorCode::MethodNotFound, format!("unknown method `{other}`"))),
        }
    }

    /// Document notifications; others (and bad ones, which cannot be answered) are ignored.
    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(n.params) {
                    let doc = p.text_document;
                    let key = doc.uri.as_str().to_string();
                    self.docs.insert(key.clone(), Document::new(doc.uri, doc.version, doc.text));
                    self.dirty.push(key);
                }
            }
            "textDocument/didChange" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params) {
                    let key = p.text_document.uri.as_str().to_string();
                    if let Some(doc) = self.docs.get_mut(&key) {
                        for change in p.content_changes {
                            apply_change(doc, change);
                        }
                        doc.version = p.text_document.version;
                        self.dirty.push(key);
                    }
                }
            }
            "textDocument/didClose" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params) {
                    if let Some(doc) = self.docs.remove(p.text_document.uri.as_str()) {
                        let params =
                            lsp::PublishDiagnosticsParams { uri: doc.uri, diagnostics: Vec::new(), version: None };
                        notify::<lsp::notification::PublishDiagnostics>(params);
                    }
                }
            }
            _ => {}
        }
    }

    /// Publishes the diagnostics of every document changed since the last time.
    fn publish(&mut self) {
        let dirty = std::mem::take(&mut self.dirty);
        let mut done: Vec<String> = Vec::new();
        for key in dirty {
            if done.contains(&key) {
                continue;
            }
            let docs_url = self.docs_url.clone();
            let Some(doc) = self.docs.get_mut(&key) else { continue };
            let version = doc.version;
            let (analysis, lines, uri) = doc.parts();
            let diagnostics =
                analysis.diagnostics().iter().map(|d| convert::diagnostic(d, uri, lines, &docs_url)).collect();
            let params = lsp::PublishDiagnosticsParams { uri: uri.clone(), diagnostics, version: Some(version) };
            notify::<lsp::notification::PublishDiagnostics>(params);
            done.push(key);
        }
    }

    fn hover(&mut self, p: lsp::HoverParams) -> Answer {
        let (doc, offset) = self.at(&p.text_document_position_params)?;
        let (analysis, lines, _) = doc.parts();
        let hover = analysis.hover(offset).map(|h| lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: h.markdown,
            }),
            range: Some(convert::range(lines, h.span)),
        });
        to_value(hover)
    }

    fn definition(&mut self, p: lsp::GotoDefinitionParams) -> Answer {
        let (doc, offset) = self.at(&p.text_document_position_params)?;
        let (analysis, lines, uri) = doc.parts();
        let target = analysis.definition(offset).map(|span| {
            lsp::GotoDefinitionResponse::Scalar(lsp::Location { uri: uri.clone(), range: convert::range(lines, span) })
        });
        to_value(target)
    }

    fn references(&mut self, p: lsp::ReferenceParams) -> Answer {
        let include = p.context.include_declaration;
        let (doc, offset) = self.at(&p.text_document_position)?;
        let (analysis, lines, uri) = doc.parts();
        let locations: Vec<lsp::Location> = analysis
            .references(offset, include)
            .into_iter()
            .map(|s| lsp::Location { uri: uri.clone(), range: convert::range(lines, s) })
            .collect();
        to_value(locations)
    }

    fn prepare_rename(&mut self, p: lsp::TextDocumentPositionParams) -> Answer {
        let (doc, offset) = self.at(&p)?;
        let (analysis, lines, _) = doc.parts();
        match analysis.prepare_rename(offset) {
            Ok(span) => to_value(lsp::PrepareRenameResponse::Range(convert::range(lines, span))),
            Err(e) => Err(Failure::new(ErrorCode::RequestFailed, e.to_string())),
        }
    }

    fn rename(&mut self, p: lsp::RenameParams) -> Answer {
        let (doc, offset) = self.at(&p.text_document_position)?;
        let (analysis, lines, uri) = doc.parts();
        let edits =
            analysis.rename(offset, &p.new_name).map_err(|e| Failure::new(ErrorCode::RequestFailed, e.to_string()))?;
        let changes = HashMap::from([(uri.clone(), convert::edits(lines, &edits))]);
        to_value(lsp::WorkspaceEdit { changes: Some(changes), ..Default::default() })
    }

    fn completion(&mut self, p: lsp::CompletionParams) -> Answer {
        let (doc, offset) = self.at(&p.text_document_position)?;
        let items: Vec<lsp::CompletionItem> =
            doc.parts().0.completions(offset).iter().map(convert::completion).collect();
        to_value(lsp::CompletionResponse::Array(items))
    }

    fn symbols(&mut self, p: lsp::DocumentSymbolParams) -> Answer {
        let doc = self.doc(&p.text_document.uri)?;
        let (analysis, lines, _) = doc.parts();
        let outline: Vec<lsp::DocumentSymbol> = analysis.outline().iter().map(|o| convert::outline(lines, o)).collect();
        to_value(lsp::DocumentSymbolResponse::Nested(outline))
    }

    fn formatting(&mut self, p: lsp::DocumentFormattingParams) -> Answer {
        let doc = self.doc(&p.text_document.uri)?;
        let whole = dexp_compiler::span::Span::new(0, doc.text.len());
        let (analysis, lines, _) = doc.parts();
        match analysis.format() {
            Ok(text) if text == analysis.source() => to_value(Vec::<lsp::TextEdit>::new()),
            Ok(text) => to_value(vec![lsp::TextEdit { range: convert::range(lines, whole), new_text: text }]),
            Err(diagnostics) => {
                let why = diagnostics.first().map(|d| d.to_string()).unwrap_or_default();
                Err(Failure::new(ErrorCode::RequestFailed, format!("the policy cannot be formatted: {why}")))
            }
        }
    }

    fn semantic_tokens(&mut self, p: lsp::SemanticTokensParams) -> Answer {
        let doc = self.doc(&p.text_document.uri)?;
        let (analysis, lines, _) = doc.parts();
        let data = convert::tokens(lines, analysis.source(), &analysis.tokens());
        to_value(lsp::SemanticTokensResult::Tokens(lsp::SemanticTokens { result_id: None, data }))
    }

    fn code_actions(&mut self, p: lsp::CodeActionParams) -> Answer {
        let docs_url = self.docs_url.clone();
        let doc = self.doc(&p.text_document.uri)?;
        let start = convert::offset(&doc.lines, p.range.start);
        let end = convert::offset(&doc.lines, p.range.end);
        let (analysis, lines, uri) = doc.parts();
        let actions: Vec<lsp::CodeActionOrCommand> = analysis
            .fixes(dexp_compiler::span::Span::new(start, end))
            .into_iter()
            .map(|fix| {
                let diagnostic =
                    analysis.diagnostics().get(fix.diagnostic).map(|d| convert::diagnostic(d, uri, lines, &docs_url));
                let changes = HashMap::from([(uri.clone(), convert::edits(lines, &fix.edits))]);
                lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                    title: fix.title,
                    kind: Some(lsp::CodeActionKind::QUICKFIX),
                    diagnostics: diagnostic.map(|d| vec![d]),
                    edit: Some(lsp::WorkspaceEdit { changes: Some(changes), ..Default::default() }),
                    is_preferred: Some(true),
                    ..Default::default()
                })
            })
            .collect();
        to_value(actions)
    }
}

/// Applies one content change: the whole text, or a range of it.
fn apply_change(doc: &mut Document, change: lsp::TextDocumentContentChangeEvent) {
    match change.range {
        None => doc.text = change.text,
        Some(range) => {
            let start = convert::offset(&doc.lines, range.start);
            let end = convert::offset(&doc.lines, range.end).max(start);
            if doc.text.is_char_boundary(start) && doc.text.is_char_boundary(end) {
                doc.text.replace_range(start..end, &change.text);
            }
        }
    }
    doc.lines = LineIndex::new(&doc.text);
    doc.analysis = None;
}

fn notify<N: lsp::notification::Notification>(params: N::Params) {
    transport::send(Message::Notification(Notification::new(N::METHOD.to_string(), params)));
}
