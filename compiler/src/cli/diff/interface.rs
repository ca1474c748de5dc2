//! The interface half of `dexpc diff`: what changed in the types two versions of a policy
//! exchange with their hosts, computed from the schemas alone (so it works the same for a
//! `.dexp` source and a compiled `.wasm`, whose metadata carries the schema).
//!
//! Records are matched by field name, lists by element, enums by variant name and reason-code
//! groups by code; record and enum names themselves do not matter, only their shape. Each
//! change is judged in the direction values flow:
//! - input (host to policy): can every record a host builds for OLD be read by NEW? A new
//!   required field, a removed enum variant or a changed type breaks that; a field NEW no longer
//!   reads is skipped by its decoder, and a new optional field reads as absent;
//! - output (policy to consumer): can every decision NEW writes be read by a consumer of OLD?
//!   A removed field, a new enum variant or reason code, a renamed code or a value that may now
//!   be absent breaks that; a new field is extra data.

use dexp_runtime::schema::{Schema, Ty};
use std::collections::BTreeSet;

/// Which side of the policy a change is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The input record, written by hosts.
    Input,
    /// The decision, read by consumers.
    Output,
}

impl Side {
    /// `input` or `output`.
    pub fn name(self) -> &'static str {
        match self {
            Side::Input => "input",
            Side::Output => "output",
        }
    }
}

/// One difference between the two schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Input or output.
    pub side: Side,
    /// Where: a field path such as `users.total` or `products[].mode`.
    pub path: String,
    /// What happened, such as `field added` or `variant removed`.
    pub kind: &'static str,
    /// The details, such as `int → string` or the variant's name.
    pub detail: String,
    /// Whether the change breaks compatibility in this side's direction.
    pub breaking: bool,
}

/// All interface changes and the two verdicts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceDiff {
    /// The changes, input first, in schema order.
    pub changes: Vec<Change>,
}

impl InterfaceDiff {
    /// Whether hosts that feed OLD can feed NEW unchanged.
    pub fn input_compatible(&self) -> bool {
        !self.changes.iter().any(|c| c.side == Side::Input && c.breaking)
    }

    /// Whether consumers of OLD's decisions can read NEW's.
    pub fn output_compatible(&self) -> bool {
        !self.changes.iter().any(|c| c.side == Side::Output && c.breaking)
    }
}

/// Compares two schemas.
pub fn diff(old: &Schema, new: &Schema) -> InterfaceDiff {
    let mut walk = Walk { old, new, changes: Vec::new(), seen: BTreeSet::new() };
    walk.ty(Side::Input, "", &Ty::Record(old.input), &Ty::Record(new.input));
    walk.ty(Side::Output, "", &Ty::Record(old.output), &Ty::Record(new.output));
    InterfaceDiff { changes: walk.changes }
}

/// Renders a type the way the policy writes it.
pub fn ty_name(schema: &Schema, ty: &Ty) -> String {
    match ty {
        Ty::Bool => "bool".into(),
        Ty::Int => "int".into(),
        Ty::Decimal => "decimal".into(),
        Ty::Date => "date".into(),
        Ty::String => "string".into(),
        Ty::Enum(e) => schema.enum_def(*e).map_or_else(|| "enum".into(), |d| d.name.clone()),
        Ty::Record(r) => schema.record(*r).map_or_else(|| "record".into(), |d| d.name.clone()),
        Ty::List(inner) => format!("list of {}", ty_name(schema, inner)),
        Ty::Map(inner) => format!("map of string to {}", ty_name(schema, inner)),
        Ty::Entry(inner) => format!("entry of {}", ty_name(schema, inner)),
        Ty::Optional(inner) => format!("{}?", ty_name(schema, inner)),
        Ty::Codes(g) => format!("codes({})", schema.group(*g).map_or("?", |d| d.name.as_str())),
    }
}

struct Walk<'s> {
    old: &'s Schema,
    new: &'s Schema,
    changes: Vec<Change>,
    /// Enums, groups and record pairs already compared, so each is reported once per side and
    /// lists of records cannot make the walk loop.
    seen: BTreeSet<(u8, &'static str, u32, u32)>,
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

impl Walk<'_> {
    fn push(&mut self, side: Side, path: &str, kind: &'static str, detail: String, breaking: bool) {
        let path = if path.is_empty() { "(record)".to_string() } else { path.to_string() };
        self.changes.push(Change { side, path, kind, detail, breaking });
    }

    fn first_visit(&mut self, side: Side, what: &'static str, a: u32, b: u32) -> bool {
        self.seen.insert((side as u8, what, a, b))
    }

    fn ty(&mut self, side: Side, path: &str, old: &Ty, new: &Ty) {
        match (old, new) {
            (Ty::Bool, Ty::Bool) | (Ty::Int, Ty::Int) | (Ty::Date, Ty::Date) | (Ty::String, Ty::String) => {}
            (Ty::Optional(a), Ty::Optional(b)) => self.ty(side, path, a, b),
            (Ty::Optional(a), b) => {
                // Input: OLD's hosts may send null, NEW refuses it. Output: consumers of OLD
                // handle null already.
                self.push(
                    side,
                    path,
                    "no longer optional",
                    format!("{} → {}", self.old_name(old), self.new_name(new)),
                    side == Side::Input,
                );
                self.ty(side, path, a, b);
            }
            (a, Ty::Optional(b)) => {
                self.push(
                    side,
                    path,
                    "now optional",
                    format!("{} → {}", self.old_name(old), self.new_name(new)),
                    side == Side::Output,
                );
                self.ty(side, path, a, b);
            }
            (Ty::List(a), Ty::List(b)) => self.ty(side, &format!("{path}[]"), a, b),
            (Ty::Map(a), Ty::Map(b)) => self.ty(side, &format!("{path}[*]"), a, b),
            (Ty::Enum(a), Ty::Enum(b)) => self.enums(side, path, *a, *b),
            (Ty::Codes(a), Ty::Codes(b)) => self.codes(side, path, *a, *b),
            (Ty::Record(a), Ty::Record(b)) => self.records(side, path, *a, *b),
            _ => {
                let detail = format!("{} → {}", self.old_name(old), self.new_name(new));
                self.push(side, path, "type changed", detail, true);
            }
        }
    }

    fn old_name(&self, ty: &Ty) -> String {
        ty_name(self.old, ty)
    }

    fn new_name(&self, ty: &Ty) -> String {
        ty_name(self.new, ty)
    }

    fn records(&mut self, side: Side, path: &str, a: u32, b: u32) {
        // Records do not contain themselves except through lists; stop such a chain early.
        if path.matches('[').count() > 8 {
            return;
        }
        let (Some(old), Some(new)) = (self.old.record(a), self.new.record(b)) else { return };
        for field in &old.fields {
            let field_path = join(path, &field.name);
            match new.fields.iter().find(|f| f.name == field.name) {
                Some(n) => self.ty(side, &field_path, &field.ty, &n.ty),
                None => {
                    let detail = self.old_name(&field.ty);
                    self.push(side, &field_path, "field removed", detail, side == Side::Output);
                }
            }
        }
        for field in new.fields.iter().filter(|f| !old.fields.iter().any(|o| o.name == f.name)) {
            let required = !matches!(field.ty, Ty::Optional(_));
            let detail = self.new_name(&field.ty);
            self.push(side, &join(path, &field.name), "field added", detail, side == Side::Input && required);
        }
    }

    fn enums(&mut self, side: Side, path: &str, a: u32, b: u32) {
        if !self.first_visit(side, "enum", a, b) {
            return;
        }
        let (Some(old), Some(new)) = (self.old.enum_def(a), self.new.enum_def(b)) else { return };
        let (old_v, new_v) = (old.variants.clone(), new.variants.clone());
        for v in old_v.iter().filter(|v| !new_v.contains(v)) {
            self.push(side, path, "variant removed", format!("{}.{v}", old.name), side == Side::Input);
        }
        for v in new_v.iter().filter(|v| !old_v.contains(v)) {
            self.push(side, path, "variant added", format!("{}.{v}", new.name), side == Side::Output);
        }
        // Variants compare by declaration order (`<`, `max`), so a reordering changes meaning.
        let common_old: Vec<&String> = old_v.iter().filter(|v| new_v.contains(v)).collect();
        let common_new: Vec<&String> = new_v.iter().filter(|v| old_v.contains(v)).collect();
        if common_old != common_new {
            self.push(side, path, "variants reordered", new.name.clone(), false);
        }
    }

    fn codes(&mut self, side: Side, path: &str, a: u32, b: u32) {
        if !self.first_visit(side, "group", a, b) {
            return;
        }
        let (Some(old), Some(new)) = (self.old.group(a), self.new.group(b)) else { return };
        if old.kind != new.kind {
            self.push(
                side,
                path,
                "group kind changed",
                format!("{:?} → {:?}", old.kind, new.kind).to_lowercase(),
                true,
            );
        }
        let removed: Vec<_> = old.codes.iter().filter(|c| !new.codes.iter().any(|n| n.code == c.code)).collect();
        let added: Vec<_> = new.codes.iter().filter(|c| !old.codes.iter().any(|o| o.code == c.code)).collect();
        let mut renamed_to = BTreeSet::new();
        for code in &removed {
            // A removed code whose message lives on under a new code was renamed.
            match added.iter().find(|n| n.message == code.message && !renamed_to.contains(&n.code)) {
                Some(n) => {
                    renamed_to.insert(n.code.clone());
                    self.push(side, path, "code renamed", format!("{} → {}", code.code, n.code), true);
                }
                None => self.push(side, path, "code removed", code.code.clone(), false),
            }
        }
        for code in added.iter().filter(|n| !renamed_to.contains(&n.code)) {
            self.push(side, path, "code added", code.code.clone(), side == Side::Output);
        }
        for code in &old.codes {
            if let Some(n) = new.codes.iter().find(|n| n.code == code.code && n.message != code.message) {
                self.push(
                    side,
                    path,
                    "message changed",
                    format!("{}: {:?} → {:?}", code.code, code.message, n.message),
                    false,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    fn schema(src: &str) -> Schema {
        dexp_compiler::frontend(src).unwrap().program.schema
    }

    const OLD: &str = r#"policy p
enum Mode { active, passive }
record In { id: string, n: int, mode: Mode, gone: bool }
record Out { ok: bool, mode: Mode, reasons: codes(req) }
input In key id
requirements req {
    small "n must be small": n < 10
    active "mode must be active": mode == active and not gone
}
output Out { ok: req.ok, mode: mode, reasons: req }
"#;

    #[test]
    fn a_schema_against_itself_has_no_changes() {
        let d = diff(&schema(OLD), &schema(OLD));
        assert!(d.changes.is_empty(), "{:?}", d.changes);
        assert!(d.input_compatible() && d.output_compatible());
    }

    #[test]
    fn changes_are_judged_in_the_direction_values_flow() {
        let new = r#"policy p
enum Mode { active, passive, off }
record In { id: string, n: int, mode: Mode, extra: int, maybe: int? }
record Out { ok: bool, mode: Mode, reasons: codes(req) }
input In key id
requirements req {
    tiny "n must be small": n < 5
    active "mode must be active": mode == active and extra > (maybe ?? 0)
}
output Out { ok: req.ok, mode: mode, reasons: req }
"#;
        let d = diff(&schema(OLD), &schema(new));
        let found: Vec<(&str, &str, &str, bool)> =
            d.changes.iter().map(|c| (c.side.name(), c.path.as_str(), c.kind, c.breaking)).collect();
        assert!(found.contains(&("input", "gone", "field removed", false)), "{found:?}");
        assert!(found.contains(&("input", "extra", "field added", true)), "{found:?}");
        assert!(found.contains(&("input", "maybe", "field added", false)), "{found:?}");
        assert!(found.contains(&("input", "mode", "variant added", false)), "{found:?}");
        assert!(found.contains(&("output", "mode", "variant added", true)), "{found:?}");
        assert!(found.contains(&("output", "reasons", "code renamed", true)), "{found:?}");
        assert!(!d.input_compatible());
        assert!(!d.output_compatible());
    }
}
