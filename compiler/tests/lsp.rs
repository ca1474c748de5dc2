//! `dexpc lsp` end to end: the binary is started and spoken to in JSON-RPC over its standard
//! streams, with `Content-Length` framing, as an editor would. Every feature is exercised on
//! the reference policy and on broken copies of it; a property test makes random edits and
//! compares the published diagnostics with `dexpc check --error-format json` on the same text.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use proptest::prelude::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

const POLICY: &str = include_str!("../../policies/defender_experts.dexp");
const URI: &str = "file:///work/policy.dexp";
/// Only a guard against a hung server, never a measure of speed.
const HANG: Duration = Duration::from_secs(120);

struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    /// Notifications received while waiting for something else.
    published: Vec<Value>,
    next_id: i64,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dexpc"))
            .args(["lsp", "--stdio"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dexpc lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse().expect("a length");
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).expect("a body");
                let value: Value = serde_json::from_slice(&body).expect("the server writes JSON");
                if sender.send(value).is_err() {
                    return;
                }
            }
        });
        let mut server = Server { child, stdin, messages, published: Vec::new(), next_id: 0 };
        let init = server.request("initialize", json!({ "capabilities": {}, "processId": null, "rootUri": null }));
        assert!(init["result"]["capabilities"]["hoverProvider"].as_bool().unwrap_or(false), "{init}");
        server.notify("initialized", json!({}));
        server
    }

    fn raw(&mut self, body: &str) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn send(&mut self, message: Value) {
        self.raw(&message.to_string());
    }

    fn next(&mut self) -> Value {
        self.messages.recv_timeout(HANG).expect("the server answers")
    }

    /// Sends a request and returns the whole response (`result` or `error`).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.response(json!(id))
    }

    fn response(&mut self, id: Value) -> Value {
        loop {
            let m = self.next();
            if m.get("method").is_some() {
                self.published.push(m);
            } else if m["id"] == id {
                return m;
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn open(&mut self, text: &str) -> Vec<Value> {
        let doc = json!({ "uri": URI, "languageId": "dexp", "version": 1, "text": text });
        self.notify("textDocument/didOpen", json!({ "textDocument": doc }));
        self.diagnostics(1)
    }

    fn change(&mut self, version: i64, text: &str) {
        let params = json!({
            "textDocument": { "uri": URI, "version": version },
            "contentChanges": [{ "text": text }],
        });
        self.notify("textDocument/didChange", params);
    }

    /// Waits for the diagnostics published for `version` and returns them.
    fn diagnostics(&mut self, version: i64) -> Vec<Value> {
        loop {
            let found = self.published.iter().position(|m| {
                m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == json!(version)
            });
            if let Some(i) = found {
                let m = self.published.remove(i);
                return m["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
            }
            let m = self.next();
            self.published.push(m);
        }
    }

    fn at(&mut self, method: &str, offset: usize, text: &str, extra: Value) -> Value {
        let mut params = json!({ "textDocument": { "uri": URI }, "position": position(text, offset) });
        if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        self.request(method, params)
    }

    fn stop(mut self) -> Option<i32> {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r["result"], Value::Null);
        self.notify("exit", Value::Null);
        self.child.wait().ok().and_then(|s| s.code())
    }
}

/// An LSP position (line, UTF-16 column) for a byte offset.
fn position(text: &str, offset: usize) -> Value {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let character: usize = before[start..].chars().map(char::len_utf16).sum();
    json!({ "line": line, "character": character })
}

fn offset_of(text: &str, needle: &str, delta: usize) -> usize {
    text.find(needle).map(|i| i + delta).expect(needle)
}

fn range_text<'a>(text: &'a str, range: &Value) -> &'a str {
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap_or(0) as usize;
        let character = p["character"].as_u64().unwrap_or(0) as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + character
    };
    &text[offset(&range["start"])..offset(&range["end"])]
}

#[test]
fn diagnostics_have_codes_links_versions_and_related_spans() {
    let mut s = Server::start();
    assert!(s.open(POLICY).is_empty());
    let broken = POLICY.replace("users.entra_p1_licensed >= users.total", "users.entra_p1_licensd >= users.total");
    s.change(2, &broken);
    let d = s.diagnostics(2);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "dexp::check::unknown_field");
    assert_eq!(range_text(&broken, &d[0]["range"]), "entra_p1_licensd");
    assert!(d[0]["message"].as_str().unwrap_or("").contains("did you mean `entra_p1_licensed`?"));
    let href = d[0]["codeDescription"]["href"].as_str().unwrap_or("");
    assert!(href.ends_with("docs/diagnostics.md#dexpcheckunknown_field"), "{href}");
    // A duplicate points at the first declaration too.
    let duplicate = POLICY
        .replace("const quarterly_credits = 10", "const quarterly_credits = 10\nconst max_credits_per_quarter = 2");
    s.change(3, &duplicate);
    let d = s.diagnostics(3);
    let dup = d.iter().find(|d| d["code"] == "dexp::check::duplicate").expect("a duplicate");
    let related = &dup["relatedInformation"][0];
    assert_eq!(related["message"], "first declared here");
    assert_eq!(range_text(&duplicate, &related["location"]["range"]), "max_credits_per_quarter");
    // Syntax errors in two declarations: both reported, the rest unaffected.
    let syntax =
        POLICY.replace("let coverages = [", "let coverages = [[").replace("xdr.ok and guided", "xdr.ok and and guided");
    s.change(4, &syntax);
    let d = s.diagnostics(4);
    assert_eq!(d.len(), 2, "{d:?}");
    assert!(d.iter().all(|d| d["code"] == "dexp::parse::syntax" && d["severity"] == 1));
    // Warnings are warnings.
    let unused = format!("{POLICY}\nlet spare = 1\n");
    s.change(5, &unused);
    let d = s.diagnostics(5);
    assert_eq!((d[0]["code"].as_str(), d[0]["severity"].as_i64()), (Some("dexp::check::unused"), Some(2)));
    assert_eq!(s.stop(), Some(0));
}

#[test]
fn every_code_links_to_a_section_of_the_diagnostics_page() {
    let page =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/diagnostics.md")).expect("docs");
    let sources = ["src/syntax/error.rs", "src/check/error.rs", "src/codegen.rs", "src/cases.rs"];
    let mut codes = Vec::new();
    for file in sources {
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).expect(file);
        for part in text.split("code(").skip(1) {
            let code: String = part.chars().take_while(|c| c.is_alphanumeric() || *c == ':' || *c == '_').collect();
            if code.starts_with("dexp::") {
                codes.push(code);
            }
        }
    }
    assert!(codes.len() >= 30, "{codes:?}");
    for code in codes {
        assert!(page.contains(&format!("\n### {code}\n")), "docs/diagnostics.md has no section for {code}");
    }
}

#[test]
fn hover_definition_references_and_symbols() {
    let mut s = Server::start();
    s.open(POLICY);
    let h = s.at("textDocument/hover", offset_of(POLICY, "let billable_seats", 6), POLICY, json!({}));
    let value = h["result"]["contents"]["value"].as_str().unwrap_or("");
    assert!(value.contains("let billable_seats: int") && value.contains("counts as one user account"), "{h}");
    assert_eq!(range_text(POLICY, &h["result"]["range"]), "billable_seats");
    let h = s.at("textDocument/hover", offset_of(POLICY, "enum Mode", 6), POLICY, json!({}));
    assert!(h["result"]["contents"]["value"].as_str().unwrap_or("").contains("`active`, `passive`, `off`"), "{h}");
    let h = s.at("textDocument/hover", offset_of(POLICY, "{ commercial", 0), POLICY, json!({}));
    assert_eq!(h["result"], Value::Null, "punctuation has nothing to show");

    let d = s.at("textDocument/definition", offset_of(POLICY, "credit_balance, max", 3), POLICY, json!({}));
    assert_eq!(d["result"]["uri"], URI);
    assert_eq!(d["result"]["range"]["start"], position(POLICY, offset_of(POLICY, "let credit_balance", 4)));

    let r = s.at(
        "textDocument/references",
        offset_of(POLICY, "record Server", 8),
        POLICY,
        json!({ "context": { "includeDeclaration": true } }),
    );
    let refs = r["result"].as_array().cloned().unwrap_or_default();
    assert_eq!(refs.len(), 3, "{r}");
    assert!(refs.iter().all(|l| range_text(POLICY, &l["range"]) == "Server"));

    let sym = s.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": URI } }));
    let names: Vec<&str> =
        sym["result"].as_array().map(|a| a.iter().filter_map(|x| x["name"].as_str()).collect()).unwrap_or_default();
    assert!(names.starts_with(&["policy defender_experts", "Cloud", "Product"]), "{names:?}");
    assert!(names.contains(&"servers_addon") && names.contains(&"output Decision"));
    s.stop();
}

#[test]
fn rename_completion_formatting_tokens_and_fixes() {
    let mut s = Server::start();
    s.open(POLICY);
    let at = offset_of(POLICY, "let coverages", 5);
    let p = s.at("textDocument/prepareRename", at, POLICY, json!({}));
    assert_eq!(range_text(POLICY, &p["result"]), "coverages");
    let r = s.at("textDocument/rename", at, POLICY, json!({ "newName": "all_coverages" }));
    let edits = r["result"]["changes"][URI].as_array().cloned().unwrap_or_default();
    assert_eq!(edits.len(), 3, "{r}");
    let clash = s.at("textDocument/rename", at, POLICY, json!({ "newName": "identity_coverage" }));
    assert_eq!(clash["error"]["code"], -32803);
    assert!(clash["error"]["message"].as_str().unwrap_or("").contains("already declared"), "{clash}");
    let keyword = s.at("textDocument/rename", at, POLICY, json!({ "newName": "where" }));
    assert_eq!(keyword["error"]["code"], -32803);

    // Typing `subscription.` in the output: the record's fields.
    let cut = offset_of(POLICY, "data_deleted_by: data_deleted_by", 17);
    let typed = format!("{}subscription.{}", &POLICY[..cut], &POLICY[cut + "data_deleted_by".len()..]);
    s.change(2, &typed);
    let c = s.at("textDocument/completion", cut + "subscription.".len(), &typed, json!({}));
    let labels: Vec<&str> =
        c["result"].as_array().map(|a| a.iter().filter_map(|x| x["label"].as_str()).collect()).unwrap_or_default();
    assert_eq!(labels, ["xdr_enrolled", "servers_addon", "status", "term_end", "ended_on"]);

    // Formatting an untidy copy gives the canonical text back.
    let untidy = POLICY.replace("let billable_seats = users.total", "let billable_seats    =   users.total");
    s.change(3, &untidy);
    let f = s.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": URI }, "options": { "tabSize": 4, "insertSpaces": true } }),
    );
    assert_eq!(f["result"][0]["newText"].as_str(), Some(POLICY));

    s.change(4, POLICY);
    let t = s.request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": URI } }));
    let data = t["result"]["data"].as_array().map(Vec::len).unwrap_or(0);
    assert!(data > 5 * 500 && data % 5 == 0, "{data}");

    // A newcomer's `&&`: the quick fix writes `and`.
    let newcomer =
        POLICY.replace("p.licensed and p.mode == active\n    cloud", "p.licensed && p.mode == active\n    cloud");
    s.change(5, &newcomer);
    let d = s.diagnostics(5);
    assert_eq!(d[0]["code"], "dexp::parse::foreign_operator");
    let params = json!({ "textDocument": { "uri": URI }, "range": d[0]["range"], "context": { "diagnostics": d } });
    let actions = s.request("textDocument/codeAction", params);
    let action = &actions["result"][0];
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["edit"]["changes"][URI][0]["newText"], "and");
    assert_eq!(action["diagnostics"][0]["code"], "dexp::parse::foreign_operator");
    s.stop();
}

#[test]
fn malformed_messages_get_errors_and_the_server_keeps_going() {
    let mut s = Server::start();
    s.raw("{ not json");
    let e = s.next();
    assert_eq!((e["error"]["code"].as_i64(), &e["id"]), (Some(-32700), &Value::Null), "{e}");
    s.raw("[1, 2]");
    assert_eq!(s.next()["error"]["code"], -32600);
    let unknown = s.request("textDocument/unheardOf", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    let bad = s.request("textDocument/hover", json!({ "textDocument": 3 }));
    assert_eq!(bad["error"]["code"], -32602);
    let closed = s.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": "file:///nope.dexp" }, "position": { "line": 0, "character": 0 } }),
    );
    assert_eq!(closed["error"]["code"], -32602);
    // A position far outside the text is clamped, not a crash.
    s.open(POLICY);
    let far = s.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": URI }, "position": { "line": 9999, "character": 9999 } }),
    );
    assert!(far.get("result").is_some(), "{far}");
    let after = s.at("textDocument/hover", offset_of(POLICY, "let billable_seats", 6), POLICY, json!({}));
    assert!(after["result"]["contents"]["value"].is_string());
    assert_eq!(s.stop(), Some(0));
}

#[test]
fn a_burst_of_edits_is_published_at_its_last_version_only_in_order() {
    let mut s = Server::start();
    s.open(POLICY);
    for v in 2..=20 {
        let text = POLICY.replace("const quarterly_credits = 10", &format!("const quarterly_credits = {v}"));
        s.change(v, &text);
    }
    s.change(21, &POLICY.replace("cloud == commercial", "cloud == commercal"));
    let last = s.diagnostics(21);
    assert_eq!(last.len(), 1);
    // Whatever was published in between came in increasing version order.
    let versions: Vec<i64> = s.published.iter().filter_map(|m| m["params"]["version"].as_i64()).collect();
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    s.stop();
}

/// One random edit: where (a fraction of the text), how much to delete, what to insert.
fn edit() -> impl Strategy<Value = (f64, usize, &'static str)> {
    let inserts = prop::sample::select(vec![
        "",
        "x",
        " ",
        "\n",
        ".",
        "{",
        "}",
        "(",
        ")",
        ",",
        ":",
        "\"",
        "'",
        "&&",
        "=",
        "==",
        "and ",
        "not ",
        "let y = 1\n",
        "  let",
        "users.",
        "é",
        "//",
        "0",
        "99999999999999999999",
        "?",
        "[",
        "]",
        "->",
        "days",
    ]);
    (0.0..1.0f64, 0usize..12, inserts)
}

/// What `dexpc check --error-format json` reports for `text`, as (code, range, message).
fn check_diagnostics(text: &str, dir: &Path) -> Vec<(String, Value, String)> {
    let path = dir.join("edited.dexp");
    std::fs::write(&path, text).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_dexpc"))
        .args(["check", "--error-format", "json"])
        .arg(&path)
        .output()
        .expect("dexpc check");
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|d| {
            let start = d["span"]["start"].as_u64().unwrap_or(0) as usize;
            let end = d["span"]["end"].as_u64().unwrap_or(0) as usize;
            let range =
                json!({ "start": position(text, start.min(text.len())), "end": position(text, end.min(text.len())) });
            let message = match d["help"].as_str() {
                Some(help) => format!("{}\nhelp: {help}", d["message"].as_str().unwrap_or("")),
                None => d["message"].as_str().unwrap_or("").to_string(),
            };
            (d["code"].as_str().unwrap_or("").to_string(), range, message)
        })
        .collect()
}

#[test]
fn random_edits_keep_the_server_answering_with_the_diagnostics_of_dexpc_check() {
    let dir = std::env::temp_dir().join(format!("dexp-lsp-prop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let server = std::cell::RefCell::new(Server::start());
    server.borrow_mut().open(POLICY);
    let version = std::cell::Cell::new(1);
    let config = ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(&prop::collection::vec(edit(), 1..6), |edits| {
        let mut s = server.borrow_mut();
        let mut text = POLICY.to_string();
        for (at, delete, insert) in edits {
            let mut start = ((text.len() as f64) * at) as usize;
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + delete).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            text.replace_range(start..end, insert);
            version.set(version.get() + 1);
            s.change(version.get(), &text);
        }
        let published: Vec<(String, Value, String)> = s
            .diagnostics(version.get())
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap_or("").to_string(),
                    d["range"].clone(),
                    d["message"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        prop_assert_eq!(&published, &check_diagnostics(&text, &dir));
        let offset = text.len() / 2;
        let hover = s.at("textDocument/hover", offset.min(text.len()), &text, json!({}));
        prop_assert!(hover.get("result").is_some(), "{}", hover);
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&dir);
    result.expect("published diagnostics equal dexpc check's");
    assert_eq!(server.into_inner().stop(), Some(0));
}
