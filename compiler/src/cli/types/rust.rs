//! `dexpc types --lang rust POLICY`: Rust types of a policy's input and decision, with the code
//! that writes them into the input layout and reads them out of decision slots directly, at
//! the offsets of the policy's layout (`dexp_runtime::typed::direct`).
//!
//! One Rust enum per policy enum and reason-code group (variants in the policy's order, so a
//! variant's discriminant is its position in the layout), one struct per record (fields in
//! declaration order). `int` is `i64`, `decimal` and `date` the runtime's `Decimal` and
//! `Date`, `string` a `String`, `T?` an `Option`, `list of T` a `Vec`, `map of string to T` a
//! `BTreeMap<String, T>` (ordered by the keys' bytes, as the layout wants them), `codes(G)` a
//! `Vec` of the group's codes. Every type also derives serde's traits with the policy's names,
//! so the same types read and write the policy's JSON.
//!
//! The write and read functions are private to the generated file; the input record implements
//! `Input` and the decision `Output`, both carrying the fingerprint of the types, which the
//! runtime checks before it uses them.

use super::{holds, reachable};
use dexp_runtime::abi::{entry_layout, Metadata, Shape, ENTRY_VALUE_OFFSET};
use dexp_runtime::schema::{Schema, Ty};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Rust keywords a field may not be named as is (the policy's own keywords cannot be names).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "static",
    "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do",
    "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Type names the generated code uses itself, which a policy's types must not shadow.
const RESERVED: &[&str] = &[
    "Self",
    "String",
    "Vec",
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "BTreeMap",
    "Serialize",
    "Deserialize",
    "LAYOUT",
];

/// The Rust source of a policy's types, deterministic for equal metadata; an error names
/// what the generator cannot express.
pub fn rust(m: &Metadata) -> Result<String, String> {
    let shape = Shape::new(m.schema.clone()).map_err(|e| format!("the policy's types have no layout: {e}"))?;
    let schema = shape.schema();
    let from_input = reachable(schema, schema.input);
    let from_output = reachable(schema, schema.output);
    let g = Gen { shape: &shape, names: Names::new(schema) };
    for r in &from_input {
        for f in schema.records.get(*r).map(|r| r.fields.as_slice()).unwrap_or_default() {
            if holds(&f.ty, &|t| matches!(t, Ty::Codes(_))) {
                return Err(format!("field `{}` of the input holds codes, which no input can give", f.name));
            }
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// Rust types of the dexp policy `{}` version {} (source hash {}).",
        m.policy, m.version, m.source_hash
    );
    out.push_str("// Written by `dexpc types --lang rust`: do not edit. They write the policy's input layout and\n");
    out.push_str("// read its decisions directly (`Evaluator::evaluate_direct`); the runtime refuses them for a\n");
    out.push_str("// policy whose types differ (see `LAYOUT`). Needs the crates `dexp-runtime` and `serde`.\n\n");
    out.push_str("use dexp_runtime::typed::direct as dx;\nuse serde::{Deserialize, Serialize};\n");
    let maps = schema
        .records
        .iter()
        .flat_map(|r| &r.fields)
        .any(|f| holds(&f.ty, &|t| matches!(t, Ty::Map(_) | Ty::Entry(_))));
    if maps {
        out.push_str("use std::collections::BTreeMap;\n");
    }
    let _ = writeln!(
        out,
        "\n/// The fingerprint of the policy types these were generated for (`dexp_runtime::typed::direct::fingerprint`).\npub const LAYOUT: u64 = {:#018x};",
        shape.fingerprint()
    );
    for (i, e) in schema.enums.iter().enumerate() {
        let variants: Vec<&str> = e.variants.iter().map(String::as_str).collect();
        g.enumeration(&mut out, &format!("The enum `{}`.", e.name), g.names.enum_name(i), &variants);
    }
    for (i, group) in schema.groups.iter().enumerate() {
        let codes: Vec<&str> = group.codes.iter().map(|c| c.code.as_str()).collect();
        g.enumeration(&mut out, &format!("The codes of `{}`.", group.name), g.names.group_name(i), &codes);
    }
    for (i, r) in schema.records.iter().enumerate() {
        let name = g.names.record_name(i);
        let _ = writeln!(out, "\n/// The record `{}`.", r.name);
        out.push_str("#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]\npub struct ");
        let _ = writeln!(out, "{name} {{");
        for f in &r.fields {
            let _ = writeln!(out, "    /// `{}`.", f.name);
            let field = field_ident(&f.name);
            if field.trim_start_matches("r#") != f.name {
                let _ = writeln!(out, "    #[serde(rename = {:?})]", f.name);
            }
            if matches!(f.ty, Ty::Optional(_)) {
                out.push_str("    #[serde(default)]\n");
            }
            let _ = writeln!(out, "    pub {field}: {},", g.rust_ty(&f.ty));
        }
        out.push_str("}\n");
    }
    let input = g.names.record_name(schema.input as usize);
    let output = g.names.record_name(schema.output as usize);
    let _ = writeln!(out, "\n/// The record the policy reads.\npub type PolicyInput = {input};");
    let _ = writeln!(out, "\n/// The decision the policy writes.\npub type PolicyDecision = {output};");
    let _ = writeln!(
        out,
        "\nimpl dx::Input for {input} {{\n    const LAYOUT: u64 = LAYOUT;\n    fn write(&self, w: &mut dx::Writer<'_>) -> Result<(), dx::PathError> {{\n        write_{}(self, w, 0)\n    }}\n}}",
        snake(input)
    );
    let _ = writeln!(
        out,
        "\nimpl dx::Output for {output} {{\n    const LAYOUT: u64 = LAYOUT;\n    fn read(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Self, dx::DecodeError> {{\n        read_{}(r, at)\n    }}\n}}",
        snake(output)
    );
    for r in &from_input {
        g.writer(&mut out, *r);
    }
    for r in &from_output {
        g.reader(&mut out, *r);
    }
    Ok(out)
}

/// The generator's view of one policy.
struct Gen<'s> {
    shape: &'s Shape,
    names: Names,
}

impl Gen<'_> {
    /// A Rust enum with one variant per name, its names and every variant in order.
    fn enumeration(&self, out: &mut String, doc: &str, name: &str, variants: &[&str]) {
        let idents = unique(variants.iter().map(|v| type_ident(v)));
        let _ = writeln!(out, "\n/// {doc}");
        out.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]\n");
        let _ = writeln!(out, "pub enum {name} {{");
        for (v, ident) in variants.iter().zip(&idents) {
            let _ = writeln!(out, "    /// `{v}`.\n    #[serde(rename = {v:?})]\n    {ident},");
        }
        out.push_str("}\n");
        let _ = writeln!(out, "\nimpl {name} {{");
        let _ = writeln!(out, "    /// Every variant, in the policy's order.");
        let all: Vec<String> = idents.iter().map(|i| format!("{name}::{i}")).collect();
        let _ = writeln!(out, "    pub const ALL: [{name}; {}] = [{}];", idents.len(), all.join(", "));
        out.push_str(
            "\n    /// The name in the policy.\n    pub const fn name(self) -> &'static str {\n        match self {\n",
        );
        for (v, ident) in variants.iter().zip(&idents) {
            let _ = writeln!(out, "            {name}::{ident} => {v:?},");
        }
        out.push_str("        }\n    }\n}\n");
    }

    /// The Rust type of a policy type.
    fn rust_ty(&self, ty: &Ty) -> String {
        match ty {
            Ty::Bool => "bool".into(),
            Ty::Int => "i64".into(),
            Ty::Decimal => "dx::Decimal".into(),
            Ty::Date => "dx::Date".into(),
            Ty::String => "String".into(),
            Ty::Enum(i) => self.names.enum_name(*i as usize).into(),
            Ty::Record(i) => self.names.record_name(*i as usize).into(),
            Ty::Codes(i) => format!("Vec<{}>", self.names.group_name(*i as usize)),
            Ty::List(inner) => format!("Vec<{}>", self.rust_ty(inner)),
            Ty::Optional(inner) => format!("Option<{}>", self.rust_ty(inner)),
            Ty::Map(inner) | Ty::Entry(inner) => format!("BTreeMap<String, {}>", self.rust_ty(inner)),
        }
    }

    fn size_align(&self, ty: &Ty) -> (u32, u32) {
        self.shape.layout().ty(ty).map_or((0, 1), |l| (l.size, l.align))
    }

    fn entry_size_align(&self, value: &Ty) -> (u32, u32) {
        let value = self.shape.layout().ty(value);
        value.and_then(entry_layout).map_or((0, 1), |l| (l.size, l.align))
    }

    fn variants(&self, e: u32) -> usize {
        self.shape.schema().enum_def(e).map_or(0, |d| d.variants.len())
    }

    /// `fn write_record(v: &Record, w, at)`: the record's fields at `at + offset`.
    fn writer(&self, out: &mut String, r: usize) {
        let schema = self.shape.schema();
        let (Some(def), Some(layout)) = (schema.records.get(r), self.shape.layout().record(r as u32)) else { return };
        let name = self.names.record_name(r);
        let _ = writeln!(out, "\n/// Writes a `{}` at `at`.", def.name);
        let _ = writeln!(
            out,
            "#[allow(unused_variables)]\nfn write_{}(v: &{name}, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {{",
            snake(name)
        );
        for (f, place) in def.fields.iter().zip(&layout.fields) {
            let value = format!("&v.{}", field_ident(&f.name));
            let steps = vec![format!(".field({:?})", f.name)];
            self.write_value(out, 1, &f.ty, &value, &offset("at", place.offset), &steps, 0);
        }
        out.push_str("    Ok(())\n}\n");
    }

    /// Statements writing `value` (an expression of type `&T`) of type `ty` at `pos`; `steps`
    /// are the path steps an error inside gets, innermost first.
    #[allow(clippy::too_many_arguments)]
    fn write_value(
        &self,
        out: &mut String,
        indent: usize,
        ty: &Ty,
        value: &str,
        pos: &str,
        steps: &[String],
        d: usize,
    ) {
        let pad = "    ".repeat(indent);
        let err = path_map(steps);
        match ty {
            Ty::Bool => {
                let _ = writeln!(out, "{pad}w.bool({pos}, {});", deref(value));
            }
            Ty::Int => {
                let _ = writeln!(out, "{pad}w.int({pos}, {});", deref(value));
            }
            Ty::Decimal => {
                let _ = writeln!(out, "{pad}w.decimal({pos}, {});", deref(value));
            }
            Ty::Date => {
                let _ = writeln!(out, "{pad}w.date({pos}, {});", deref(value));
            }
            Ty::String => {
                let _ = writeln!(out, "{pad}w.string({pos}, {value}){err}?;");
            }
            Ty::Enum(e) => {
                if self.variants(*e) <= 256 {
                    let _ = writeln!(out, "{pad}w.variant({pos}, {} as u8);", deref(value));
                } else {
                    let _ = writeln!(out, "{pad}w.wide_variant({pos}, {} as u32);", deref(value));
                }
            }
            Ty::Record(r) => {
                let name = snake(self.names.record_name(*r as usize));
                let _ = writeln!(out, "{pad}write_{name}({value}, w, {pos}){err}?;");
            }
            Ty::Optional(inner) => {
                let off = self.shape.layout().optional_value_offset(inner).unwrap_or(0);
                let _ = writeln!(out, "{pad}if let Some(x{d}) = {value} {{");
                let _ = writeln!(out, "{pad}    w.present({pos});");
                self.write_value(out, indent + 1, inner, &format!("x{d}"), &offset(pos, off), steps, d + 1);
                let _ = writeln!(out, "{pad}}}");
            }
            Ty::List(elem) => {
                let (size, align) = self.size_align(elem);
                let _ =
                    writeln!(out, "{pad}let base{d} = w.list({pos}, {}.len(), {size}, {align}){err}?;", place(value));
                let _ = writeln!(out, "{pad}for (i{d}, x{d}) in {}.iter().enumerate() {{", place(value));
                let mut inner_steps = vec![format!(".index(i{d})")];
                inner_steps.extend_from_slice(steps);
                let at = element(&format!("base{d}"), &format!("i{d}"), size);
                self.write_value(out, indent + 1, elem, &format!("x{d}"), &at, &inner_steps, d + 1);
                let _ = writeln!(out, "{pad}}}");
            }
            Ty::Map(inner) | Ty::Entry(inner) => {
                let (size, align) = self.entry_size_align(inner);
                let _ =
                    writeln!(out, "{pad}let base{d} = w.map({pos}, {}.len(), {size}, {align}){err}?;", place(value));
                let _ = writeln!(out, "{pad}for (i{d}, (k{d}, x{d})) in {}.iter().enumerate() {{", place(value));
                let _ = writeln!(out, "{pad}    let e{d} = {};", element(&format!("base{d}"), &format!("i{d}"), size));
                let _ = writeln!(out, "{pad}    w.key(e{d}, k{d}){err}?;");
                let mut inner_steps = vec![format!(".key(k{d})")];
                inner_steps.extend_from_slice(steps);
                let at = offset(&format!("e{d}"), ENTRY_VALUE_OFFSET);
                self.write_value(out, indent + 1, inner, &format!("x{d}"), &at, &inner_steps, d + 1);
                let _ = writeln!(out, "{pad}}}");
            }
            // Refused before generating (`rust`).
            Ty::Codes(_) => {}
        }
    }

    /// `fn read_record(r, at) -> Record`: each field read at `at + offset`.
    fn reader(&self, out: &mut String, r: usize) {
        let schema = self.shape.schema();
        let (Some(def), Some(layout)) = (schema.records.get(r), self.shape.layout().record(r as u32)) else { return };
        let name = self.names.record_name(r);
        let _ = writeln!(out, "\n/// Reads the `{}` at `at`.", def.name);
        let _ = writeln!(
            out,
            "#[allow(unused_variables)]\nfn read_{}(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<{name}, dx::DecodeError> {{",
            snake(name)
        );
        let mut fields = Vec::new();
        for (i, (f, place)) in def.fields.iter().zip(&layout.fields).enumerate() {
            let at = if place.offset == 0 { "at".to_string() } else { format!("at.offset({})", place.offset) };
            let _ = writeln!(out, "    let f{i} = {};", self.read_value(&f.ty, &at, 0));
            fields.push(format!("{}: f{i}", field_ident(&f.name)));
        }
        let _ = writeln!(out, "    Ok({name} {{ {} }})\n}}", fields.join(", "));
    }

    /// An expression reading the value of type `ty` at the `Loc` expression `at`.
    fn read_value(&self, ty: &Ty, at: &str, d: usize) -> String {
        match ty {
            Ty::Bool => format!("r.bool({at})?"),
            Ty::Int => format!("r.int({at})?"),
            Ty::Decimal => format!("r.decimal({at})?"),
            Ty::Date => format!("r.date({at})?"),
            Ty::String => format!("r.string({at})?"),
            Ty::Enum(e) => {
                let name = self.names.enum_name(*e as usize);
                format!("dx::pick(&{name}::ALL, r.variant({at}, {e})?)?")
            }
            Ty::Record(i) => format!("read_{}(r, {at})?", snake(self.names.record_name(*i as usize))),
            Ty::Codes(g) => {
                let name = self.names.group_name(*g as usize);
                format!("dx::codes(r.codes({at}, {g})?, &{name}::ALL)")
            }
            Ty::Optional(inner) => {
                let off = self.shape.layout().optional_value_offset(inner).unwrap_or(0);
                let value = self.read_value(inner, &format!("p{d}"), d + 1);
                format!("match r.optional({at}, {off})? {{ Some(p{d}) => Some({value}), None => None }}")
            }
            Ty::List(elem) => {
                let (size, _) = self.size_align(elem);
                let value = self.read_value(elem, &format!("dx::Loc::element(s{d}, i{d}, {size})"), d + 1);
                format!(
                    "{{ let (s{d}, n{d}) = r.list({at}, {size})?; let mut v{d} = Vec::with_capacity(n{d}); for i{d} in 0..n{d} {{ v{d}.push({value}); }} v{d} }}"
                )
            }
            Ty::Map(inner) | Ty::Entry(inner) => {
                let (size, _) = self.entry_size_align(inner);
                let value = self.read_value(inner, &format!("e{d}.offset({ENTRY_VALUE_OFFSET})"), d + 1);
                format!(
                    "{{ let (s{d}, n{d}) = r.map({at}, {size})?; let mut m{d} = BTreeMap::new(); for i{d} in 0..n{d} {{ let e{d} = dx::Loc::element(s{d}, i{d}, {size}); let k{d} = r.string(e{d})?; m{d}.insert(k{d}, {value}); }} m{d} }}"
                )
            }
        }
    }
}

/// The value of a `&T` expression of a `Copy` type: `&v.x` gives `v.x`, `x0` gives `*x0`.
fn deref(value: &str) -> String {
    match value.strip_prefix('&') {
        Some(place) => place.to_string(),
        None => format!("*{value}"),
    }
}

/// A `&T` expression as the receiver of a method call: `&v.x` gives `v.x` (auto-referenced).
fn place(value: &str) -> &str {
    value.strip_prefix('&').unwrap_or(value)
}

/// `base + off`, or `base` for 0.
fn offset(base: &str, off: u32) -> String {
    if off == 0 {
        base.to_string()
    } else {
        format!("{base} + {off}")
    }
}

/// The position of element `i` of `size` bytes from `base`.
fn element(base: &str, i: &str, size: u32) -> String {
    match size {
        0 => base.to_string(),
        1 => format!("{base} + {i}"),
        _ => format!("{base} + {i} * {size}"),
    }
}

/// `.map_err(|e| e.index(i0).field("x"))` for the steps, or nothing.
fn path_map(steps: &[String]) -> String {
    if steps.is_empty() {
        String::new()
    } else {
        format!(".map_err(|e| e{})", steps.concat())
    }
}

/// A struct field's identifier: the policy's name, raw if it is a Rust keyword, with a `_`
/// after it if it cannot be raw.
fn field_ident(name: &str) -> String {
    match name {
        "self" | "super" | "crate" | "Self" | "_" => format!("{name}_"),
        n if KEYWORDS.contains(&n) => format!("r#{n}"),
        n => n.to_string(),
    }
}

/// A type or variant identifier from a policy name: `gcc_high` and `GCC_HIGH` give `GccHigh`.
fn type_ident(name: &str) -> String {
    let mut out = String::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| !p.is_empty()) {
        let upper = !part.chars().any(|c| c.is_ascii_lowercase());
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            let rest = chars.as_str();
            out.push_str(&if upper { rest.to_ascii_lowercase() } else { rest.to_string() });
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

/// `TenantRecord` to `tenant_record`, for function names.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The names, each made unique by a number after it if needed.
fn unique(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut used: BTreeSet<String> = RESERVED.iter().map(|s| s.to_string()).collect();
    names
        .map(|wanted| {
            let mut name = wanted.clone();
            let mut n = 2;
            while used.contains(&name) {
                name = format!("{wanted}{n}");
                n += 1;
            }
            used.insert(name.clone());
            name
        })
        .collect()
}

/// Unique Rust names for every enum, group and record of a schema.
struct Names {
    enums: Vec<String>,
    groups: Vec<String>,
    records: Vec<String>,
}

impl Names {
    fn new(schema: &Schema) -> Names {
        let wanted = schema
            .enums
            .iter()
            .map(|e| type_ident(&e.name))
            .chain(schema.records.iter().map(|r| type_ident(&r.name)))
            .chain(schema.groups.iter().map(|g| format!("{}Code", type_ident(&g.name))));
        let mut all = unique(wanted).into_iter();
        let enums = all.by_ref().take(schema.enums.len()).collect();
        let records = all.by_ref().take(schema.records.len()).collect();
        let groups = all.collect();
        Names { enums, groups, records }
    }

    fn enum_name(&self, i: usize) -> &str {
        self.enums.get(i).map_or("()", String::as_str)
    }

    fn group_name(&self, i: usize) -> &str {
        self.groups.get(i).map_or("()", String::as_str)
    }

    fn record_name(&self, i: usize) -> &str {
        self.records.get(i).map_or("()", String::as_str)
    }
}
