//! Explanations: why a record failed each requirement, in the policy's words and the record's
//! values.
//!
//! For every failed requirement, the rule's condition is evaluated again by the interpreter
//! with tracing on, which records every input field (with its path, such as
//! `products[1].mode`) and every definition the condition read. A failed comparison between
//! two such values is also summed up the way an analyst would say it:
//! `users.entra_p1_licensed = 1180 < users.total = 1200`.
//!
//! Each explanation also carries [`suggest`](super::suggest) results: the smallest verified
//! changes to the record that make the requirement hold, or none when no simple change does.
//!
//! This runs only when asked for (`dexpc eval --explain`); decisions themselves never pay for it.

use super::interp::{static_path, trace_rule};
use super::suggest::{suggest, Suggestion};
use super::*;
use dexp_runtime::json;

/// Why one requirement failed for a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The requirement group, such as `xdr`.
    pub group: String,
    /// The failed requirement's code.
    pub code: String,
    /// The requirement's message.
    pub message: String,
    /// The condition as written in the policy.
    pub condition: String,
    /// The failed comparison in the record's values, when the condition is one comparison.
    pub summary: Option<String>,
    /// The values the condition read: input paths and definition names, with JSON values.
    pub values: Vec<(String, String)>,
    /// Verified changes to the record that make the requirement hold, best first; empty when
    /// no change of the simple forms does.
    pub suggestions: Vec<Suggestion>,
}

/// Explains every failed requirement of a record. A record whose evaluation fails has no
/// explanations (its error says why).
pub fn explain(program: &Program, input: &Value) -> Vec<Explanation> {
    let mut out = Vec::new();
    for (group_id, group) in program.groups.iter().enumerate() {
        if group.kind != GroupKind::Requirements {
            continue;
        }
        for (rule_id, rule) in group.rules.iter().enumerate() {
            let Ok((holds, reads)) = trace_rule(program, input, rule) else { continue };
            if holds {
                continue;
            }
            let values: Vec<(String, String)> =
                reads.iter().map(|(name, ty, v)| (name.clone(), render(&program.schema, ty, v))).collect();
            out.push(Explanation {
                group: group.name.clone(),
                code: rule.code.clone(),
                message: rule.message.clone(),
                condition: rule.source.clone(),
                summary: summarize(program, &rule.cond.expr, &values),
                values,
                suggestions: suggest(program, input, group_id as GroupId, rule_id as u32),
            });
        }
    }
    out
}

fn render(schema: &Schema, ty: &Ty, value: &Value) -> String {
    let mut out = String::new();
    json::write_value(&mut out, schema, ty, value);
    out
}

/// `a = 1 < b = 2` for a failed comparison of two read values (or a value and a constant),
/// `flag = false` for a failed boolean field.
fn summarize(program: &Program, cond: &Expr, values: &[(String, String)]) -> Option<String> {
    let operand = |e: &Expr| -> Option<String> {
        if let ExprKind::Const(v) = &e.kind {
            return Some(render(&program.schema, &e.ty, v));
        }
        let name = match &e.kind {
            ExprKind::Def(d) => program.defs.get(*d as usize)?.name.clone(),
            _ => static_path(program, e)?,
        };
        let value = values.iter().find(|(n, _)| *n == name)?;
        Some(format!("{name} = {}", value.1))
    };
    match &cond.kind {
        ExprKind::Compare(op, a, b) => {
            let negated = match op {
                CmpOp::Eq => "!=",
                CmpOp::Ne => "==",
                CmpOp::Lt => ">=",
                CmpOp::Le => ">",
                CmpOp::Gt => "<=",
                CmpOp::Ge => "<",
            };
            Some(format!("{} {negated} {}", operand(a)?, operand(b)?))
        }
        ExprKind::Field(..) | ExprKind::Def(_) => operand(cond),
        _ => None,
    }
}

/// The `no_suggestion` text of an explanation without suggestions.
pub const NO_SUGGESTION: &str = "no suggestion found: no change of one value, one list element, or the elements that break an `all` makes this requirement hold";

/// Appends explanations as a JSON array of objects with `group`, `code`, `message`,
/// `condition`, `because` (the summary, when there is one), `values`, `suggest` (the
/// suggestions, see [`Suggestion::write_json`]) and, when there are none, `no_suggestion`.
pub fn write_json(out: &mut String, schema: &Schema, explanations: &[Explanation]) {
    out.push('[');
    for (i, e) in explanations.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"group\":");
        json::write_str(out, &e.group);
        out.push_str(",\"code\":");
        json::write_str(out, &e.code);
        out.push_str(",\"message\":");
        json::write_str(out, &e.message);
        out.push_str(",\"condition\":");
        json::write_str(out, &e.condition);
        if let Some(summary) = &e.summary {
            out.push_str(",\"because\":");
            json::write_str(out, summary);
        }
        out.push_str(",\"values\":{");
        for (j, (name, value)) in e.values.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            json::write_str(out, name);
            out.push(':');
            out.push_str(value);
        }
        out.push_str("},\"suggest\":[");
        for (j, suggestion) in e.suggestions.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            suggestion.write_json(out, schema);
        }
        out.push(']');
        if e.suggestions.is_empty() {
            out.push_str(",\"no_suggestion\":");
            json::write_str(out, NO_SUGGESTION);
        }
        out.push('}');
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    const POLICY: &str = r#"policy p
enum Mode { active, passive }
record Entry { mode: Mode, licensed: bool }
record Users { total: int, licensed: int, enabled: bool }
record In { id: string, users: Users, entries: list of Entry }
record Out { ok: bool, reasons: codes(req) }
input In key id
requirements req {
    not_all_licensed "every user must be licensed": users.licensed >= users.total
    not_enabled "licensing must be enabled": users.enabled
    no_active "an entry must be licensed and active": any e in entries: e.licensed and e.mode == active
}
output Out { ok: req.ok, reasons: req }
"#;

    fn explain_json(record: &str) -> Vec<Explanation> {
        let program = crate::frontend(POLICY).unwrap().program;
        let value = json::decode_input(&program.schema, record).unwrap();
        explain(&program, &value)
    }

    #[test]
    fn a_failed_comparison_is_summed_up_with_both_values() {
        let e = explain_json(
            r#"{"id":"a","users":{"total":1200,"licensed":1180,"enabled":true},"entries":[{"mode":"active","licensed":true}]}"#,
        );
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].code, "not_all_licensed");
        assert_eq!(e[0].condition, "users.licensed >= users.total");
        assert_eq!(e[0].summary.as_deref(), Some("users.licensed = 1180 < users.total = 1200"));
    }

    #[test]
    fn list_operations_report_the_elements_they_read() {
        let e = explain_json(
            r#"{"id":"a","users":{"total":1,"licensed":1,"enabled":false},"entries":[{"mode":"passive","licensed":true},{"mode":"active","licensed":false}]}"#,
        );
        let codes: Vec<&str> = e.iter().map(|x| x.code.as_str()).collect();
        assert_eq!(codes, ["not_enabled", "no_active"]);
        assert_eq!(e[0].summary.as_deref(), Some("users.enabled = false"));
        let names: Vec<&str> = e[1].values.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["count(entries)", "entries[0].licensed", "entries[0].mode", "entries[1].licensed"]);
        assert_eq!(e[1].values[2].1, "\"passive\"");
    }

    #[test]
    fn a_record_that_passes_has_nothing_to_explain() {
        let e = explain_json(
            r#"{"id":"a","users":{"total":1,"licensed":1,"enabled":true},"entries":[{"mode":"active","licensed":true}]}"#,
        );
        assert!(e.is_empty());
    }
}
