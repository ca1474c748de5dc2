//! Policy test cases: the `.cases` file format that authors write next to a policy, and how
//! an expectation is compared with an actual decision.
//!
//! A `.cases` file is a list of blocks; `#` starts a comment line. JSON values may span lines.
//!
//! ```text
//! # A named starting point that cases can modify.
//! base tenant { "tenant_id": "t-1", "cloud": "commercial", ... }
//!
//! case "a gcc tenant is not eligible"
//! input tenant with { "cloud": "gcc" }
//! expect { "xdr": { "eligible": false, "reasons": ["cloud_not_supported"] } }
//!
//! case "a record without as_of is rejected"
//! input tenant without "as_of"
//! expect error "as_of"
//! ```
//!
//! `input` is a whole JSON record, or a base with `with { ... }` (merged recursively: objects
//! merge, everything else is replaced) and/or `without "a.b"` (removes a field). `expect` gives
//! the decision or only some of its fields: every field it names must match, recursively;
//! lists must match element by element. `expect error "PATH"` expects the record to be
//! rejected at that path (an input field, or a policy expression for an overflow).

use crate::span::Span;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A problem in a `.cases` file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(dexp::test::case_file))]
pub struct CaseError {
    /// What is wrong.
    pub message: String,
    /// Where.
    #[label("here")]
    pub span: Span,
    /// How to fix it, when known.
    #[help]
    pub help: Option<String>,
}

/// What a case expects.
#[derive(Debug, Clone, PartialEq)]
pub enum Expectation {
    /// The decision, or a subset of its fields.
    Decision(Value),
    /// A rejection at this error path.
    Error(String),
}

/// One test case.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The case's name.
    pub name: String,
    /// Where the case starts in its file.
    pub span: Span,
    /// The input record as JSON text.
    pub input: String,
    /// What the decision must be.
    pub expect: Expectation,
}

/// Parses a `.cases` file; reports every broken block, not only the first.
pub fn parse(text: &str) -> Result<Vec<Case>, Vec<CaseError>> {
    let mut parser = CaseParser { text, pos: 0, bases: HashMap::new(), errors: Vec::new() };
    let mut cases = Vec::new();
    loop {
        parser.skip_blank();
        if parser.pos >= text.len() {
            break;
        }
        let start = parser.pos;
        let word = parser.word();
        let result = match word.as_str() {
            "base" => parser.base().map(|()| None),
            "case" => parser.case(start).map(Some),
            _ => Err(parser.error_at(start, format!("expected `base` or `case`, found `{word}`"), None)),
        };
        match result {
            Ok(Some(case)) => cases.push(case),
            Ok(None) => {}
            Err(e) => {
                parser.errors.push(e);
                parser.skip_to_next_block();
            }
        }
    }
    if parser.errors.is_empty() {
        Ok(cases)
    } else {
        Err(parser.errors)
    }
}

struct CaseParser<'t> {
    text: &'t str,
    pos: usize,
    bases: HashMap<String, Value>,
    errors: Vec<CaseError>,
}

impl<'t> CaseParser<'t> {
    fn rest(&self) -> &'t str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn error_at(&self, at: usize, message: String, help: Option<&str>) -> CaseError {
        let end = self.text.get(at..).and_then(|r| r.find(char::is_whitespace)).map(|n| at + n).unwrap_or(at);
        CaseError { message, span: Span::new(at, end.max(at)), help: help.map(str::to_string) }
    }

    /// Skips whitespace and `#` comment lines.
    fn skip_blank(&mut self) {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start();
            self.pos += rest.len() - trimmed.len();
            if trimmed.starts_with('#') {
                let line = trimmed.find('\n').map(|n| n + 1).unwrap_or(trimmed.len());
                self.pos += line;
            } else {
                return;
            }
        }
    }

    fn skip_to_next_block(&mut self) {
        while self.pos < self.text.len() {
            let line_end = self.rest().find('\n').map(|n| n + 1).unwrap_or(self.rest().len());
            self.pos += line_end;
            let rest = self.rest();
            if rest.starts_with("case") || rest.starts_with("base") {
                return;
            }
        }
    }

    fn word(&mut self) -> String {
        self.skip_blank();
        let rest = self.rest();
        let len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')).unwrap_or(rest.len());
        self.pos += len;
        rest.get(..len).unwrap_or("").to_string()
    }

    fn expect_word(&mut self, want: &str) -> Result<(), CaseError> {
        let at = self.pos;
        let word = self.word();
        if word == want {
            Ok(())
        } else {
            self.skip_blank();
            Err(self.error_at(
                at.max(self.pos.min(at + word.len())),
                format!("expected `{want}`, found `{word}`"),
                None,
            ))
        }
    }

    fn json(&mut self) -> Result<Value, CaseError> {
        self.skip_blank();
        let at = self.pos;
        let mut stream = serde_json::Deserializer::from_str(self.rest()).into_iter::<Value>();
        match stream.next() {
            Some(Ok(v)) => {
                self.pos += stream.byte_offset();
                Ok(v)
            }
            Some(Err(e)) => Err(self.error_at(at, format!("invalid JSON: {e}"), None)),
            None => Err(self.error_at(at, "expected a JSON value".into(), None)),
        }
    }

    fn string(&mut self) -> Result<String, CaseError> {
        let at = self.pos;
        match self.json()? {
            Value::String(s) => Ok(s),
            _ => Err(self.error_at(at, "expected a string in double quotes".into(), None)),
        }
    }

    fn base(&mut self) -> Result<(), CaseError> {
        let name = self.word();
        if name.is_empty() {
            return Err(self.error_at(self.pos, "expected the base's name".into(), Some("write `base NAME { ... }`")));
        }
        let at = self.pos;
        let value = self.input_value()?;
        if !value.is_object() {
            return Err(self.error_at(at, "a base must be a JSON object".into(), None));
        }
        self.bases.insert(name, value);
        Ok(())
    }

    /// A JSON object, or `NAME [with {...}] [without "path" ...]`.
    fn input_value(&mut self) -> Result<Value, CaseError> {
        self.skip_blank();
        if self.rest().starts_with(['{', '[', '"']) {
            return self.json();
        }
        let at = self.pos;
        let name = self.word();
        let Some(base) = self.bases.get(&name).cloned() else {
            let known: Vec<&str> = self.bases.keys().map(String::as_str).collect();
            let help = crate::check::did_you_mean(&name, known);
            return Err(CaseError {
                message: format!("unknown base `{name}`"),
                span: Span::new(at, at + name.len()),
                help: help.or_else(|| Some("declare it first with `base NAME { ... }`".into())),
            });
        };
        let mut value = base;
        loop {
            self.skip_blank();
            let save = self.pos;
            match self.word().as_str() {
                "with" => {
                    let patch = self.json()?;
                    merge(&mut value, patch);
                }
                "without" => {
                    let path_at = self.pos;
                    let path = self.string()?;
                    if !remove(&mut value, &path) {
                        return Err(self.error_at(path_at, format!("the input has no field `{path}` to remove"), None));
                    }
                }
                _ => {
                    self.pos = save;
                    return Ok(value);
                }
            }
        }
    }

    fn case(&mut self, start: usize) -> Result<Case, CaseError> {
        self.skip_blank();
        let name = self.string()?;
        self.expect_word("input")?;
        let input = self.input_value()?;
        self.expect_word("expect")?;
        self.skip_blank();
        let expect = if self.rest().starts_with("error") {
            self.word();
            Expectation::Error(self.string()?)
        } else {
            Expectation::Decision(self.json()?)
        };
        Ok(Case { name, span: Span::new(start, self.pos), input: input.to_string(), expect })
    }
}

/// Merges `patch` into `target`: objects merge key by key, anything else replaces.
pub fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                match t.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        t.insert(k, v);
                    }
                }
            }
        }
        (t, p) => *t = p,
    }
}

/// Removes the field at a dotted path; false when there is none.
fn remove(target: &mut Value, path: &str) -> bool {
    let mut parts: Vec<&str> = path.split('.').collect();
    let Some(last) = parts.pop() else { return false };
    let mut node = target;
    for part in parts {
        match node.get_mut(part) {
            Some(next) => node = next,
            None => return false,
        }
    }
    node.as_object_mut().is_some_and(|o: &mut Map<String, Value>| o.remove(last).is_some())
}

/// One difference between an expectation and a decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Where, as a field path (`xdr.reasons`).
    pub path: String,
    /// What the case expects there.
    pub expected: Value,
    /// What the decision has there (`None` when the field is missing).
    pub actual: Option<Value>,
}

/// Compares an expectation with a decision: every field the expectation names must match;
/// lists must have the same length and matching elements.
pub fn compare(expected: &Value, actual: &Value) -> Vec<Mismatch> {
    let mut out = Vec::new();
    compare_at(String::new(), expected, Some(actual), &mut out);
    out
}

fn compare_at(path: String, expected: &Value, actual: Option<&Value>, out: &mut Vec<Mismatch>) {
    let join = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    match (expected, actual) {
        (Value::Object(e), Some(Value::Object(a))) => {
            for (k, ev) in e {
                compare_at(join(k), ev, a.get(k), out);
            }
        }
        (Value::Array(e), Some(Value::Array(a))) if e.len() == a.len() => {
            let mut inner = Vec::new();
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                compare_at(format!("{path}[{i}]"), ev, Some(av), &mut inner);
            }
            // A list is reported whole: `reasons: expected [..], got [..]` reads best.
            if !inner.is_empty() {
                out.push(Mismatch { path, expected: expected.clone(), actual: actual.cloned() });
            }
        }
        (e, Some(a)) if e == a => {}
        (e, a) => out.push(Mismatch { path, expected: e.clone(), actual: a.cloned() }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use serde_json::json;

    const FILE: &str = r#"
# a comment
base t { "id": "a", "n": 1, "inner": { "x": 1, "y": 2 } }

case "patched"
input t with { "inner": { "y": 3 } }
expect { "ok": true }

case "removed"
input t without "inner.x"
expect error "inner.x"

case "whole"
input {
  "id": "b",
  "n": 2
}
expect { "ok": false, "list": [1, 2] }
"#;

    #[test]
    fn parses_bases_patches_and_multi_line_json() {
        let cases = parse(FILE).unwrap();
        assert_eq!(cases.len(), 3);
        let first: Value = serde_json::from_str(&cases[0].input).unwrap();
        assert_eq!(first, json!({"id": "a", "n": 1, "inner": {"x": 1, "y": 3}}));
        let second: Value = serde_json::from_str(&cases[1].input).unwrap();
        assert_eq!(second, json!({"id": "a", "n": 1, "inner": {"y": 2}}));
        assert_eq!(cases[1].expect, Expectation::Error("inner.x".into()));
        assert_eq!(cases[2].name, "whole");
    }

    #[test]
    fn reports_every_broken_block_with_a_position() {
        let text = "case \"a\"\ninput nope\nexpect {}\n\ncase \"b\"\ninput {\"x\": }\nexpect {}\n\ncase \"c\"\ninput {}\nexpect {}\n";
        let errors = parse(text).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].message.contains("unknown base `nope`"));
        assert_eq!(errors[0].span.line_col(text), (2, 7));
        assert!(errors[1].message.contains("invalid JSON"));
    }

    #[test]
    fn partial_expectations_match_named_fields_only() {
        let actual = json!({"a": {"b": 1, "c": [1, 2]}, "d": "x"});
        assert!(compare(&json!({"a": {"b": 1}}), &actual).is_empty());
        assert!(compare(&json!({"a": {"c": [1, 2]}, "d": "x"}), &actual).is_empty());
        let diff = compare(&json!({"a": {"c": [2, 1]}, "e": 1}), &actual);
        assert_eq!(diff.len(), 2);
        assert_eq!(diff[0].path, "a.c");
        assert_eq!(diff[1].path, "e");
        assert_eq!(diff[1].actual, None);
    }
}
