//! Editor latency: what `dexpc lsp` does between a `didChange` and its `publishDiagnostics`
//! (parse, check with the resolution index, symbol table, diagnostics converted to line and
//! UTF-16 column ranges), and the work of a hover on an analysed file, on the reference
//! policy and on a generated policy of 5,000 lines. Goals: under 10 ms and under 100 ms.
//!
//! `cargo bench -p dexp-benches --bench lsp`

// `criterion_group!` makes undocumented items.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use dexp_compiler::ide::{Analysis, LineIndex};
use std::fmt::Write as _;
use std::hint::black_box;

const POLICY: &str = include_str!("../../policies/defender_experts.dexp");

/// A valid policy of at least `lines` lines: a chain of commented `let`s over a wide input
/// record with list operations, `if`s and calls, groups of requirements over them, an output.
fn generated(lines: usize) -> String {
    let mut s = String::from("policy generated version \"1.0.0\"\n\nenum Tier { free, basic, premium }\n");
    s.push_str("record Item { id: string, tier: Tier, seats: int, active: bool }\nrecord In {\n    id: string,\n");
    for f in 0..50 {
        let _ = writeln!(s, "    n{f}: int,");
    }
    s.push_str("    items: list of Item,\n    tier: Tier,\n}\nrecord Out { id: string, ok: bool, total: int }\n");
    s.push_str("input In key id\n\nfn clamp(x: int, hi: int) -> int = max(0, min(x, hi))\n\nlet v0 = n0\n");
    let mut i = 1;
    let mut groups = Vec::new();
    while s.lines().count() < lines {
        let _ = writeln!(s, "\n// Value {i}: the previous value, or active seats over {i}, clamped.");
        let _ = writeln!(
            s,
            "let v{i} =\n    if n{} > {i} and tier != free then v{} + (count x in items where x.active and x.seats > {i})\n    else clamp(n{} - {i}, v{})",
            i % 50,
            i - 1,
            (i + 7) % 50,
            i - 1
        );
        if i % 25 == 0 {
            let g = groups.len();
            let _ = writeln!(s, "\nrequirements g{g} {{");
            for r in 0..5 {
                let _ = writeln!(
                    s,
                    "    r{r} \"value {} must stay under {}\":\n        v{} < {}",
                    i - r,
                    1000 * r + 5,
                    i - r,
                    1000 * r + 5
                );
            }
            s.push_str("}\n");
            groups.push(format!("g{g}.ok"));
        }
        i += 1;
    }
    let ok = if groups.is_empty() { "true".to_string() } else { groups.join(" and ") };
    let _ = writeln!(s, "\noutput Out {{ id: id, ok: {ok}, total: v{} }}", i - 1);
    s
}

/// What the server computes for each change: the analysis and the diagnostics' ranges.
fn on_change(text: &str) -> usize {
    let analysis = Analysis::new(text);
    let lines = LineIndex::new(text);
    analysis.diagnostics().iter().map(|d| lines.position(d.span().start as usize).0 as usize).sum::<usize>()
        + analysis.symbols().len()
}

fn bench(c: &mut Criterion) {
    let big = generated(5000);
    assert!(Analysis::new(&big)
        .diagnostics()
        .iter()
        .all(|d| d.severity() != dexp_compiler::diagnostic::Severity::Error));
    let mut group = c.benchmark_group("lsp");
    for (name, text) in [("reference", POLICY), ("generated_5000_lines", big.as_str())] {
        group.bench_function(format!("change_to_diagnostics/{name}"), |b| b.iter(|| on_change(black_box(text))));
        let analysis = Analysis::new(text);
        let offset = text.rfind("v1 ").or_else(|| text.find("users.total")).unwrap_or(0) + 1;
        group.bench_function(format!("hover/{name}"), |b| b.iter(|| analysis.hover(black_box(offset))));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
