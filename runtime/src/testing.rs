//! A schema that uses every type, and JSON lines for it, shared by the unit tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use crate::schema::{CodeDef, EnumDef, FieldDef, GroupDef, GroupKind, RecordDef, Schema, Ty};

fn field(name: &str, ty: Ty) -> FieldDef {
    FieldDef { name: name.into(), ty }
}

fn opt(ty: Ty) -> Ty {
    Ty::Optional(Box::new(ty))
}

fn list(ty: Ty) -> Ty {
    Ty::List(Box::new(ty))
}

/// Enums `Mode` (3 variants) and `Big` (300, so 4 bytes); records `Input`, `Inner`, `Item`,
/// `Output`, `Tree` (recursive through a list); group `G` of 5 codes.
pub(crate) fn schema() -> Schema {
    let mode = Ty::Enum(0);
    let big = Ty::Enum(1);
    Schema {
        enums: vec![
            EnumDef { name: "Mode".into(), variants: vec!["active".into(), "passive".into(), "off".into()] },
            EnumDef { name: "Big".into(), variants: (0..300).map(|i| format!("v{i}")).collect() },
        ],
        records: vec![
            RecordDef {
                name: "Input".into(),
                fields: vec![
                    field("id", Ty::String),
                    field("when", Ty::Date),
                    field("mode", mode.clone()),
                    field("flag", Ty::Bool),
                    field("n", Ty::Int),
                    field("big", big.clone()),
                    field("opt_n", opt(Ty::Int)),
                    field("opt_date", opt(Ty::Date)),
                    field("opt_s", opt(Ty::String)),
                    field("inner", Ty::Record(1)),
                    field("opt_inner", opt(Ty::Record(1))),
                    field("items", list(Ty::Record(2))),
                    field("tags", list(Ty::String)),
                    field("grid", list(list(Ty::Int))),
                    field("nn", opt(opt(Ty::Int))),
                    field("codes", opt(Ty::Codes(0))),
                    field("tree", opt(Ty::Record(4))),
                ],
            },
            RecordDef {
                name: "Inner".into(),
                fields: vec![field("a", Ty::Int), field("b", Ty::Bool), field("label", opt(Ty::String))],
            },
            RecordDef {
                name: "Item".into(),
                fields: vec![
                    field("name", Ty::String),
                    field("mode", mode.clone()),
                    field("subs", list(Ty::Record(1))),
                    field("when", opt(Ty::Date)),
                ],
            },
            RecordDef {
                name: "Output".into(),
                fields: vec![
                    field("id", Ty::String),
                    field("total", Ty::Int),
                    field("reasons", Ty::Codes(0)),
                    field("flag", opt(Ty::Bool)),
                    field("mode", mode),
                    field("items", list(Ty::Record(2))),
                    field("big", big),
                    field("when", opt(Ty::Date)),
                ],
            },
            RecordDef { name: "Tree".into(), fields: vec![field("v", Ty::Int), field("kids", list(Ty::Record(4)))] },
        ],
        groups: vec![GroupDef {
            name: "G".into(),
            kind: GroupKind::Requirements,
            codes: (0..5).map(|i| CodeDef { code: format!("c{i}"), message: format!("code {i}") }).collect(),
        }],
        input: 0,
        output: 3,
        key: Some(0),
    }
}

/// A good input line with every field, varied by `i`.
pub(crate) fn good_line(i: u64) -> String {
    let modes = ["active", "passive", "off"];
    let m = modes[(i % 3) as usize];
    let items: Vec<String> = (0..(i % 4))
        .map(|k| {
            let subs: Vec<String> = (0..(k % 3))
                .map(|s| format!(r#"{{"a":{},"b":{},"label":"s{s}\n\u00e9"}}"#, s * 7, s % 2 == 0))
                .collect();
            format!(
                r#"{{"name":"item-{k}","mode":"{}","subs":[{}],"when":{},"extra":[1,{{"x":null}}]}}"#,
                modes[(k % 3) as usize],
                subs.join(","),
                if k % 2 == 0 { "null".to_string() } else { format!("\"2024-02-{:02}\"", k + 1) }
            )
        })
        .collect();
    let tags: Vec<String> = (0..(i % 3)).map(|t| format!("\"tag\\\"{t}\"")).collect();
    let grid: Vec<String> = (0..(i % 3))
        .map(|r| format!("[{}]", (0..r).map(|c| (c as i64 * 3 - 1).to_string()).collect::<Vec<_>>().join(",")))
        .collect();
    let opt_inner = if i % 2 == 0 { r#"{"b":false,"a":-9}"#.to_string() } else { "null".into() };
    let tree = match i % 3 {
        0 => "null".to_string(),
        1 => r#"{"v":1,"kids":[{"v":2,"kids":[]},{"v":3,"kids":[{"v":4,"kids":[]}]}]}"#.into(),
        _ => r#"{"kids":[],"v":-5}"#.into(),
    };
    let optional_tail = if i % 5 == 0 {
        String::new()
    } else {
        format!(r#","opt_n":{},"opt_date":"1999-12-31","opt_s":"ß","nn":null,"codes":null"#, i as i64 - 50)
    };
    format!(
        r#"{{"id":"rec-{i} ✓","when":"2025-0{}-1{}","mode":"{m}","flag":{},"n":{},"big":"v{}","inner":{{"a":{},"b":true,"label":null}},"opt_inner":{opt_inner},"items":[{}],"tags":[{}],"grid":[{}],"tree":{tree},"unknown":{{"deep":[[[1]]]}}{optional_tail}}}"#,
        1 + i % 9,
        i % 10,
        i % 2 == 0,
        (i as i64).wrapping_mul(0x9E37_79B9_7F4A_7C15u64 as i64),
        (i * 37) % 300,
        i,
        items.join(","),
        tags.join(","),
        grid.join(","),
    )
}

/// Bad lines that exercise every error the decoder reports.
pub(crate) fn bad_lines() -> Vec<String> {
    let base = good_line(7);
    let mut lines: Vec<String> = [
        "",
        "   ",
        "nope",
        "[]",
        "null",
        "1",
        "\"text\"",
        "{",
        "{}",
        "{\"id\":",
        "{\"id\":\"x\"",
        "{\"id\":\"x\",}",
        "{\"id\" \"x\"}",
        "{\"id\":\"x\"} trailing",
        "{\"id\":\"x\"}}",
        "{\"id\":1}",
        "{\"id\":null}",
        "{\"id\":\"\\u12\"}",
        "{\"id\":\"a\",\"id\":\"b\"}",
        "{\"when\":\"2026-02-30\"}",
        "{\"when\":\"2026-2-3\"}",
        "{\"when\":\"0000-01-01\"}",
        "{\"mode\":\"semi\"}",
        "{\"mode\":\"a very long value that goes on and on and on and on and on and on and on and on\"}",
        "{\"mode\":3}",
        "{\"flag\":\"yes\"}",
        "{\"n\":1.5}",
        "{\"n\":1e3}",
        "{\"n\":9223372036854775808}",
        "{\"n\":-9223372036854775809}",
        "{\"n\":18446744073709551616}",
        "{\"n\":-0}",
        "{\"n\":true}",
        "{\"n\":[1]}",
        "{\"n\":{}}",
        "{\"big\":\"v300\"}",
        "{\"opt_n\":\"1\"}",
        "{\"opt_n\":false}",
        "{\"inner\":[]}",
        "{\"inner\":{\"a\":1}}",
        "{\"inner\":{\"a\":1,\"b\":true,\"a\":2}}",
        "{\"items\":{}}",
        "{\"items\":[{\"name\":\"x\",\"mode\":\"off\",\"subs\":[{\"a\":1,\"b\":2}]}]}",
        "{\"items\":[1,2]}",
        "{\"items\":[{\"name\":\"x\",\"mode\":\"off\",\"subs\":[]},]}",
        "{\"items\":[{\"name\":\"x\",\"mode\":\"off\",\"subs\":[] 1}]}",
        "{\"tags\":[\"a\",2]}",
        "{\"grid\":[[1],[2,\"x\"]]}",
        "{\"grid\":[[1],[2 3]]}",
        "{\"nn\":1}",
        "{\"codes\":[\"c0\"]}",
        "{\"unknown\":[1,2,}",
        "{\"unknown\":nul}",
        "{\"id\":\"x\",\"when\":\"2025-01-01\"\"mode\":\"off\"}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Nesting beyond the decoder's depth limit, through the recursive `Tree`.
    let mut tree = String::from("{\"v\":0,\"kids\":[]}");
    for _ in 0..40 {
        tree = format!("{{\"v\":1,\"kids\":[{tree}]}}");
    }
    lines.push(base.replacen("\"tree\":{", &format!("\"tree\":{tree},\"x\":{{"), 1));
    // Nesting beyond serde_json's own recursion limit inside an ignored field.
    lines.push(format!("{{\"unknown\":{}{}}}", "[".repeat(200), "]".repeat(200)));
    // Each prefix of a good line, and the good line with one field removed or broken.
    for cut in 1..base.len() {
        if base.is_char_boundary(cut) {
            lines.push(base[..cut].to_string());
        }
    }
    for name in ["id", "when", "mode", "flag", "n", "big", "inner", "items", "tags", "grid"] {
        lines.push(base.replacen(&format!("\"{name}\":"), "\"renamed\":", 1));
        lines.push(base.replacen(&format!("\"{name}\":"), &format!("\"{name}\":{{}},\"{name}\":"), 1));
        lines.push(base.replacen(&format!("\"{name}\":"), &format!("\"{name}\":[true],\"x\":"), 1));
    }
    lines
}

/// A small deterministic generator for mutation tests.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}
