//! Tests of `dexpc fmt` over real policies: the reference policy and the UI cases are fixed
//! points (or become one after a single format) with the same checked program, and a property
//! test mutates their whitespace, comments and parentheses and checks that formatting is
//! idempotent, keeps every comment and preserves the checked program. The command-line
//! behaviour (`--check`, rewriting, files that do not parse) is tested on temporary copies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dexp_compiler::format::format;
use dexp_compiler::ir::Program;
use dexp_compiler::span::Span;
use dexp_compiler::syntax::ast::{Expr, ExprKind, Item};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

const POLICY: &str = "policies/defender_experts.dexp";

/// A policy with comments in every position the formatter distinguishes.
const COMMENTED: &str = r#"// header

// second paragraph of the header
policy p version "1" // after the policy line
enum Mode { active, passive, off } // modes
enum Status {
    // the first variant
    active, expired // the last
}
record In { id: string, // the key
  n: int,

  // a date
  day: date, ended: date?, modes: list of Mode, status: Status,
  // dangling at the end of a record
}
record R { a: int, b: int }
record Out { ok: bool, n: int, r: R, later: date? }
input In key id // input
// before a const
const limit = 1_000 // after a const
let a = n + 1
let b = if n > 0 then 1 else if n < 0 then -1 else 0
let c = n > 0 and // after and
    n < 10
    // before or
    or n == 100
fn f(x: int, // first parameter
     y: int) -> int = x + y
requirements reqs {
    // before a rule
    positive "n must be positive": n > 0 // after a rule

    small "n must be small": n < limit
    // dangling in a group
}
let m = match status { active => 1, // arm one
   // before an arm
   expired => (2) }
let count_active = count x in modes where x == active // after a list operation
output Out {
    // before a field
    ok: reqs.ok and c, // after a field
    n: f(a, b) + m + count_active,
    r: R { a: 1, // inside a record literal
       b: 2 },
    later: ended ?? day + 3 days,
}
// end of the file
"#;

/// Every `.dexp` file under `dir`, sorted.
fn dexp_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            dexp_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "dexp") {
            out.push(path);
        }
    }
}

/// The reference policy, the maps and decimals test policies, every UI case that parses, and the commented
/// sample.
fn corpus() -> Vec<(String, String)> {
    let mut files =
        vec![repo().join(POLICY), repo().join("tests/policies/maps.dexp"), repo().join("tests/policies/decimals.dexp")];
    dexp_files(&repo().join("tests/ui"), &mut files);
    let mut out: Vec<(String, String)> = files
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap()))
        .filter(|(_, source)| dexp_compiler::syntax::parse(source).is_ok())
        .collect();
    out.push(("commented sample".into(), COMMENTED.to_string()));
    out
}

/// The program without positions: spans, the `at line:col` of failure sites, and the text of
/// rule conditions kept for explanations (which follows the layout, comments included).
fn strip(mut program: Program) -> Program {
    program.defs.iter_mut().for_each(|d| d.span = Span::default());
    program.fns.iter_mut().for_each(|f| f.span = Span::default());
    for rule in program.groups.iter_mut().flat_map(|g| g.rules.iter_mut()) {
        rule.span = Span::default();
        rule.source.clear();
    }
    for site in &mut program.sites {
        site.span = Span::default();
        site.path = site.path.split(" at ").next().unwrap_or_default().to_string();
    }
    program
}

/// What checking a source yields, without positions: the program, or the diagnostic codes.
fn checked(source: &str) -> Result<Program, Vec<String>> {
    dexp_compiler::frontend(source)
        .map(|f| strip(f.program))
        .map_err(|diagnostics| diagnostics.iter().map(|d| d.code_str()).collect())
}

fn comments(source: &str) -> Vec<String> {
    source.lines().filter_map(|l| l.find("//").map(|i| l[i..].trim_end().to_string())).collect()
}

/// Formats, checks idempotence, and checks that the program and the comments are unchanged.
fn assert_formats_well(name: &str, source: &str) -> String {
    let once = format(source).unwrap_or_else(|d| panic!("{name}: {d:?}\n{source}"));
    let twice = format(&once).unwrap_or_else(|d| panic!("{name} (second format): {d:?}\n{once}"));
    assert_eq!(once, twice, "{name}: formatting is not idempotent\n--- source\n{source}");
    assert_eq!(checked(source), checked(&once), "{name}: the checked program changed\n{once}");
    assert_eq!(comments(source), comments(&once), "{name}: comments changed\n{once}");
    once
}

#[test]
fn the_reference_policy_is_formatted_and_keeps_its_program() {
    let source = std::fs::read_to_string(repo().join(POLICY)).unwrap();
    let formatted = assert_formats_well(POLICY, &source);
    assert_eq!(formatted, source, "run `dexpc fmt {POLICY}`");
    assert!(checked(&formatted).is_ok());
    // Only a rule's `code "message":` line, which cannot break, may exceed the width.
    for line in formatted.lines().filter(|l| l.chars().count() > dexp_compiler::format::WIDTH) {
        assert!(line.trim_end().ends_with("\":"), "too long: {line}");
    }
}

#[test]
fn every_ui_case_that_parses_becomes_a_fixed_point() {
    let corpus = corpus();
    assert!(corpus.len() > 30, "expected the UI cases, found {}", corpus.len());
    for (name, source) in &corpus {
        assert_formats_well(name, source);
    }
}

#[test]
fn the_commented_sample_keeps_each_comment_in_place() {
    let formatted = assert_formats_well("commented sample", COMMENTED);
    for expected in [
        "// header\n\n// second paragraph of the header\npolicy p version \"1\" // after the policy line\n",
        "    id: string, // the key\n    n: int,\n\n    // a date\n    day: date,\n",
        "    status: Status,\n    // dangling at the end of a record\n}\n",
        "    // before a rule\n    positive \"n must be positive\":\n        n > 0 // after a rule\n\n",
        "        n < limit\n    // dangling in a group\n}\n",
        "fn f(\n    x: int, // first parameter\n    y: int,\n) -> int =\n    x + y\n",
        "        active => 1, // arm one\n        // before an arm\n        expired => (2),\n",
        "    r: R {\n        a: 1, // inside a record literal\n        b: 2,\n    },\n",
        "// before a const\nconst limit = 1_000 // after a const\nlet a = n + 1\n",
        "let count_active = count x in modes where x == active // after a list operation\n",
        "}\n// end of the file\n",
    ] {
        assert!(formatted.contains(expected), "missing\n{expected}\nin\n{formatted}");
    }
}

/// Runs `dexpc` in a fresh temporary directory holding the given files.
fn dexpc_in(name: &str, files: &[(&str, &str)], args: &[&str]) -> (std::process::Output, PathBuf) {
    let dir = std::env::temp_dir().join(format!("dexp-fmt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_dexpc")).args(args).current_dir(&dir).output().unwrap();
    (out, dir)
}

const MESSY: &str =
    "policy p\nrecord In { id: string, n: int }\nrecord Out { ok: bool }\ninput In key id\noutput Out { ok: n>0 }\n";

#[test]
fn check_names_files_that_would_change_and_writes_nothing() {
    let tidy = format(MESSY).unwrap();
    let files = [("messy.dexp", MESSY), ("tidy.dexp", tidy.as_str())];
    let (out, dir) = dexpc_in("check", &files, &["fmt", "--check", "messy.dexp", "tidy.dexp"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("messy.dexp"), "{stderr}");
    assert!(!stderr.contains("tidy.dexp:"), "{stderr}");
    assert_eq!(std::fs::read_to_string(dir.join("messy.dexp")).unwrap(), MESSY);

    let (out, _) = dexpc_in("check-clean", &[("tidy.dexp", tidy.as_str())], &["fmt", "--check", "tidy.dexp"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn fmt_rewrites_files_and_reports_the_ones_that_do_not_parse() {
    let broken = "policy p\nlet a = 1 +\n";
    let files = [("broken.dexp", broken), ("messy.dexp", MESSY)];
    let (out, dir) = dexpc_in("rewrite", &files, &["fmt", "broken.dexp", "messy.dexp"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("dexp::parse::syntax") && stderr.contains("broken.dexp"), "{stderr}");
    assert_eq!(std::fs::read_to_string(dir.join("broken.dexp")).unwrap(), broken);
    let rewritten = std::fs::read_to_string(dir.join("messy.dexp")).unwrap();
    assert_eq!(rewritten, format(MESSY).unwrap());
    assert!(rewritten.contains("output Out {\n    ok: n > 0,\n}\n"), "{rewritten}");
}

// ---- property test: mutations of real policies ---------------------------------------------

/// A tiny deterministic generator, seeded by proptest.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// The spans of every expression in a policy.
fn expr_spans(source: &str) -> Vec<(usize, usize)> {
    fn walk(e: &Expr, out: &mut Vec<(usize, usize)>) {
        out.push((e.span.start as usize, e.span.end as usize));
        let children: Vec<&Expr> = match &e.kind {
            ExprKind::Field(b, _) | ExprKind::Not(b) | ExprKind::Neg(b) | ExprKind::Days(b) | ExprKind::Paren(b) => {
                vec![b]
            }
            ExprKind::Binary(_, l, r) => vec![l, r],
            ExprKind::Call(_, args) | ExprKind::List(args) | ExprKind::Set(args) => args.iter().collect(),
            ExprKind::If(c, t, o) => vec![c, t, o],
            ExprKind::Let(_, value, body) => vec![value, body],
            ExprKind::Match(s, arms) => std::iter::once(&**s).chain(arms.iter().map(|a| &a.body)).collect(),
            ExprKind::Quant { list, nested, filter, body, default, .. } => std::iter::once(&**list)
                .chain(nested.iter().map(|g| &g.list))
                .chain([filter, body, default].into_iter().flatten().map(|b| &**b))
                .collect(),
            ExprKind::Record(_, fields) => fields.iter().map(|f| &f.value).collect(),
            _ => vec![],
        };
        children.into_iter().for_each(|c| walk(c, out));
    }
    let policy = dexp_compiler::syntax::parse(source).unwrap();
    let mut out = Vec::new();
    for item in &policy.items {
        match item {
            Item::Def { value, .. } | Item::Fn { body: value, .. } => walk(value, &mut out),
            Item::Output { fields, .. } => fields.iter().for_each(|f| walk(&f.value, &mut out)),
            Item::Group { rules, .. } => rules.iter().for_each(|r| walk(&r.cond, &mut out)),
            _ => {}
        }
    }
    out
}

/// Wraps some expressions in parentheses.
fn add_parens(source: &str, rng: &mut Rng) -> String {
    // The parser's span of an `if` or a list operation can reach over the whitespace and
    // comments after it: end each span at its last token instead.
    let ends: Vec<usize> = tokens(source).iter().map(|t| t.1).collect();
    let tight = |end: usize| ends[ends.partition_point(|&e| e <= end) - 1];
    let spans: Vec<(usize, usize)> = expr_spans(source).into_iter().map(|(s, e)| (s, tight(e))).collect();
    // (position, is_open, span length): opens of longer spans first, closes of shorter first.
    let mut edits: Vec<(usize, bool, usize)> = Vec::new();
    for &(start, end) in &spans {
        if rng.below(6) == 0 {
            edits.push((start, true, end - start));
            edits.push((end, false, end - start));
        }
    }
    edits.sort_by_key(|&(pos, open, len)| (pos, open, if open { usize::MAX - len } else { len }));
    let mut out = String::new();
    let mut last = 0;
    for (pos, open, _) in edits {
        out.push_str(&source[last..pos]);
        out.push(if open { '(' } else { ')' });
        last = pos;
    }
    out.push_str(&source[last..]);
    out
}

/// The tokens of a source: (start, end), skipping whitespace and comments.
fn tokens(source: &str) -> Vec<(usize, usize)> {
    let b = source.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            // A decimal literal (`19.99`) is one token: digits, a point and digits.
            if c.is_ascii_digit() && b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                i += 1;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
            }
        } else {
            let two = &source[i..(i + 2).min(source.len())];
            i += if ["->", "=>", "==", "!=", "<=", ">=", "??"].contains(&two) { 2 } else { 1 };
        }
        out.push((start, i));
    }
    out
}

/// Replaces the whitespace between tokens and inserts comments, keeping item keywords at the
/// start of their lines and never putting a comment inside `not in` or a list-operation head.
fn respace(source: &str, rng: &mut Rng) -> String {
    let toks = tokens(source);
    let word = |k: usize| toks.get(k).map(|&(s, e)| &source[s..e]).unwrap_or("");
    let mut out = String::new();
    let mut counter = 0;
    for k in 0..toks.len() {
        let (start, end) = toks[k];
        out.push_str(&source[start..end]);
        let gap_end = toks.get(k + 1).map(|t| t.0).unwrap_or(source.len());
        let gap = &source[end..gap_end];
        let item_next = gap.ends_with('\n') || gap_end == source.len();
        if gap.contains("//") || rng.below(3) == 0 {
            out.push_str(gap);
            continue;
        }
        let quiet =
            ["not", "all", "any", "count", "sum", "max", "min", "distinct"].contains(&word(k)) || word(k + 1) == "in";
        counter += 1;
        let choice = rng.below(if quiet { 3 } else { 6 });
        let text = match (item_next, choice) {
            (true, 0) => "\n".to_string(),
            (true, 1) => "\n\n".to_string(),
            (true, 2) => "   \n\n\n".to_string(),
            (true, 3) => format!(" // t{counter}\n"),
            (true, 4) => format!("\n// o{counter}\n"),
            (true, _) => format!(" // t{counter}\n\n  // o{counter}\n\n"),
            (false, 0) if gap.is_empty() => String::new(),
            (false, 0) => " ".to_string(),
            (false, 1) => "\n      ".to_string(),
            (false, 2) => "  \n\n  ".to_string(),
            (false, 3) => format!(" // t{counter}\n   "),
            (false, 4) => format!("\n  // o{counter}\n     "),
            (false, _) => format!(" // t{counter}\n\n // o{counter}\n  "),
        };
        out.push_str(&text);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn mutated_policies_format_idempotently_with_the_same_program(index in 0usize..1000, seed in 1u64..u64::MAX) {
        let corpus = corpus();
        let (name, source) = &corpus[index % corpus.len()];
        let mut rng = Rng(seed);
        let parenthesised = add_parens(source, &mut rng);
        let mutated = respace(&parenthesised, &mut rng);
        prop_assert!(
            dexp_compiler::syntax::parse(&mutated).is_ok(),
            "the mutation of {} does not parse:\n{}", name, mutated
        );
        assert_formats_well(&format!("{name} (mutated, seed {seed})"), &mutated);
    }
}
