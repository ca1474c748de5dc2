//! A readable text dump of the IR, for debugging and golden tests of the checker's output.

use super::*;
use std::fmt::Write as _;

/// Renders a program as indented text: one line per definition, group rule and output.
pub fn dump(program: &Program) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "policy {} {}", program.name, program.version.as_deref().unwrap_or("-"));
    for node in &program.order {
        match node {
            Node::Def(d) => {
                if let Some(def) = program.defs.get(*d as usize) {
                    let _ = writeln!(out, "def {} = {:?}", def.name, def.body.expr.kind);
                }
            }
            Node::Group(g) => {
                if let Some(group) = program.groups.get(*g as usize) {
                    for rule in &group.rules {
                        let _ = writeln!(out, "{}.{} = {:?}", group.name, rule.code, rule.cond.expr.kind);
                    }
                }
            }
        }
    }
    let _ = writeln!(out, "output = {:?}", program.output.expr.kind);
    out
}
