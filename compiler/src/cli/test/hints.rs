//! What would make a failing case pass: for a case that expected a decision, the verified
//! suggestions for each requirement the record failed that the expected decision does not
//! list (say, it expected `eligible: true` and the record missed a licence).

use dexp_compiler::cases::{Case, Expectation};
use dexp_compiler::ir::{explain, Program};
use dexp_runtime::json;

/// Indented lines to add to a failed case's report; empty when there is nothing to suggest.
pub fn hints(program: Option<&Program>, case: &Case) -> String {
    let (Some(program), Expectation::Decision(expected)) = (program, &case.expect) else { return String::new() };
    let Ok(record) = json::decode_input(&program.schema, &case.input) else { return String::new() };
    let expected = expected.to_string();
    let mut out = String::new();
    for e in explain::explain(program, &record) {
        // A requirement the case expects to fail is not a problem to fix.
        if expected.contains(&format!("\"{}\"", e.code)) {
            continue;
        }
        match e.suggestions.first() {
            Some(best) => {
                out.push_str(&format!("    to make `{}.{}` hold: {}\n", e.group, e.code, best.render(&program.schema)));
                for other in e.suggestions.iter().skip(1) {
                    out.push_str(&format!("      or: {}\n", other.render(&program.schema)));
                }
            }
            None => out.push_str(&format!("    `{}.{}` fails; no simple change makes it hold\n", e.group, e.code)),
        }
    }
    out
}
