//! Unit tests of the editor analysis on the reference policy and on broken copies of it.
#![allow(clippy::indexing_slicing)]

use super::*;

const POLICY: &str = include_str!("../../../policies/defender_experts.dexp");

/// The offset of the `n`th (from 0) occurrence of `needle`, plus `delta`.
fn at(source: &str, needle: &str, n: usize, delta: usize) -> usize {
    source.match_indices(needle).nth(n).map(|(i, _)| i + delta).unwrap_or(usize::MAX)
}

fn text(source: &str, span: Span) -> &str {
    source.get(span.start as usize..span.end as usize).unwrap_or("")
}

fn line_of(source: &str, span: Span) -> usize {
    span.line_col(source).0
}

#[test]
fn the_reference_policy_is_clean_and_its_names_resolve() {
    let a = Analysis::new(POLICY);
    assert!(a.parses());
    assert!(a.diagnostics().is_empty(), "{:?}", a.diagnostics());
    // Every use resolves to a declared symbol.
    for (at, decl) in &a.index.uses {
        assert!(a.by_decl.contains_key(decl), "use at {at:?} refers to no symbol");
    }
    assert!(a.index.uses.len() > 150, "{}", a.index.uses.len());
}

#[test]
fn hover_shows_types_docs_messages_and_variants() {
    let a = Analysis::new(POLICY);
    let h = a.hover(at(POLICY, "let billable_seats", 0, 6)).map(|h| h.markdown).unwrap_or_default();
    assert!(h.contains("let billable_seats: int"), "{h}");
    assert!(h.contains("counts as one user account"), "{h}");
    let h = a.hover(at(POLICY, "users.total", 0, 7)).map(|h| h.markdown).unwrap_or_default();
    assert!(h.contains("Users.total: int"), "{h}");
    let h = a.hover(at(POLICY, "cloud_not_supported \"", 0, 2)).map(|h| h.markdown).unwrap_or_default();
    assert!(h.contains("requirement: \"Defender Experts runs in the commercial public clouds only\""), "{h}");
    let h = a.hover(at(POLICY, "enum Coverage", 0, 6)).map(|h| h.markdown).unwrap_or_default();
    assert!(h.contains("variants: `none`, `guided`, `full`"), "{h}");
    assert!(h.contains("Declared from worst to best"), "{h}");
    // A list-operation variable and an operator: the checker's types.
    let h = a.hover(at(POLICY, "any p in products where", 0, 4)).map(|h| h.markdown).unwrap_or_default();
    assert!(h.contains("p: ProductEntry"), "{h}");
    let h = a.hover(at(POLICY, "users.total + count", 0, 12)).map(|h| h.markdown).unwrap_or_default();
    assert!(h.contains("int"), "{h}");
    let h = a.hover(at(POLICY, "covered_servers: int", 0, 0)).map(|h| h.markdown).unwrap_or_default();
    assert!(h.contains("Decision.covered_servers: int"), "{h}");
}

#[test]
fn definitions_of_every_kind_of_name() {
    let a = Analysis::new(POLICY);
    let cases = [
        // (a use, the declaration, the length of its keyword and space)
        ("covered_products:", "const covered_products", 6),
        ("xdr.ok", "requirements xdr", 13),
        ("entry_coverage(p)", "fn entry_coverage", 3),
        ("Coverage =", "enum Coverage", 5),
        ("quarterly_credits +", "const quarterly_credits", 6),
        ("credits_assigned then", "let credits_assigned", 4),
    ];
    for (needle, decl, skip) in cases {
        let target = a.definition(at(POLICY, needle, 0, 0));
        assert_eq!(target.map(|t| t.start as usize), Some(at(POLICY, decl, 0, skip)), "{needle}");
    }
    // A parameter, a list-operation variable, a variant and a code.
    let param = a.definition(at(POLICY, "p.licensed and p.mode == active then", 0, 0));
    assert_eq!(
        param.map(|s| line_of(POLICY, s)),
        Some(line_of(POLICY, Span::new(at(POLICY, "fn entry_coverage", 0, 0), 0)))
    );
    let var = a.definition(at(POLICY, "s.mde_server_license", 0, 0));
    assert_eq!(var.map(|s| text(POLICY, s)), Some("s"));
    let variant = a.definition(at(POLICY, "active then full", 0, 0));
    assert_eq!(
        variant,
        Some(Span::new(at(POLICY, "active, passive, off", 0, 0), at(POLICY, "active, passive, off", 0, 6)))
    );
    let field = a.definition(at(POLICY, "iot: not_covered", 0, 0));
    assert_eq!(field.map(|s| text(POLICY, s)), Some("iot"));
}

#[test]
fn references_include_uses_and_optionally_the_declaration() {
    let a = Analysis::new(POLICY);
    let offset = at(POLICY, "let credit_balance", 0, 5);
    let uses = a.references(offset, false);
    assert_eq!(uses.len(), 2, "{uses:?}");
    assert!(uses.iter().all(|s| text(POLICY, *s) == "credit_balance"));
    assert_eq!(a.references(offset, true).len(), 3);
    // The group `xdr`: `xdr.ok` in rules and functions, `codes(xdr)`, the output.
    assert!(a.references(at(POLICY, "requirements xdr", 0, 13), false).len() >= 6);
}

#[test]
fn rename_changes_every_use_and_refuses_clashes() {
    let a = Analysis::new(POLICY);
    let offset = at(POLICY, "let usable_credits", 0, 5);
    let edits = a.rename(offset, "credits_usable").unwrap_or_default();
    assert_eq!(edits.len(), 2);
    let mut renamed = POLICY.to_string();
    for e in edits.iter().rev() {
        renamed.replace_range(e.span.start as usize..e.span.end as usize, &e.text);
    }
    assert!(Analysis::new(&renamed).diagnostics().is_empty());
    assert!(matches!(a.rename(offset, "credit_balance"), Err(RenameError::Clash { .. })));
    assert!(matches!(a.rename(offset, "tenant_id"), Err(RenameError::Clash { .. })));
    assert!(matches!(a.rename(offset, "match"), Err(RenameError::Keyword(_))));
    assert!(matches!(a.rename(offset, "1abc"), Err(RenameError::Invalid(_))));
    // A field of the input: renamed in the record, the uses and the `key`.
    let edits = a.rename(at(POLICY, "tenant_id: string", 0, 0), "tenant").unwrap_or_default();
    assert_eq!(edits.len(), 3, "{edits:?}");
    // A variable that would capture another name is refused by the re-check.
    let var = at(POLICY, "count s in servers\n", 0, 6);
    assert!(matches!(a.rename(var, "subscription"), Err(RenameError::Capture(_))));
    assert!(a.rename(var, "server").is_ok());
    assert!(a.prepare_rename(at(POLICY, "policy", 0, 1)).is_err());
}

#[test]
fn completion_offers_fields_variants_names_and_keywords() {
    let cut = at(POLICY, "users.entra_p1_licensed >=", 0, 6);
    let source = format!("{}{}", &POLICY[..cut], &POLICY[cut + "entra_p1_licensed".len()..]);
    let labels = |c: Vec<Completion>| c.into_iter().map(|c| c.label).collect::<Vec<_>>();
    let fields = labels(Analysis::new(&source).completions(cut));
    assert_eq!(fields, ["total", "entra_p1_licensed", "entra_p1_enabled"]);
    // A field after `.` on a list-operation variable, in a declaration that does not parse yet.
    let typing = POLICY.replace("p.licensed and p.mode == active\n    cloud", "p.licensed and p.\n    cloud");
    let cut = at(&typing, "p.licensed and p.\n", 0, 17);
    assert!(!Analysis::new(&typing).parses());
    let fields = labels(Analysis::new(&typing).completions(cut));
    assert_eq!(fields, ["product", "licensed", "mode"]);
    // Variants of the expected enum first.
    let cut = at(POLICY, "== commercial", 0, 3);
    let source = format!("{}{}", &POLICY[..cut], &POLICY[cut + "commercial".len()..]);
    let items = Analysis::new(&source).completions(cut);
    let preferred: Vec<&str> = items.iter().filter(|c| c.preferred).map(|c| c.label.as_str()).collect();
    assert_eq!(preferred, ["commercial", "gcc", "gcc_high", "dod", "china"]);
    assert!(items.iter().any(|c| c.label == "credits_assigned"));
    assert!(items.iter().any(|c| c.label == "if" && c.kind == CompletionKind::Keyword));
    // Date parts, codes, and types.
    let cut = at(POLICY, "as_of.quarter", 0, 6);
    let items = labels(Analysis::new(POLICY).completions(cut));
    assert!(items.contains(&"quarter".to_string()) && items.contains(&"year".to_string()));
    let cut = at(POLICY, "xdr.ok\n", 0, 4);
    let items = labels(Analysis::new(POLICY).completions(cut));
    assert!(items.contains(&"cloud_not_supported".to_string()) && items.contains(&"ok".to_string()));
    let cut = at(POLICY, "total: int", 0, 7);
    let items = labels(Analysis::new(POLICY).completions(cut));
    assert!(items.contains(&"Tenant".to_string()) && items.contains(&"int".to_string()));
}

#[test]
fn a_broken_declaration_leaves_the_others_working() {
    let broken = POLICY
        .replace("let endpoint_coverage = product_coverage(endpoint)", "let endpoint_coverage = product_coverage(");
    let a = Analysis::new(&broken);
    assert!(!a.parses());
    assert_eq!(a.diagnostics().len(), 1);
    assert_eq!(a.diagnostics().first().map(|d| d.code_str()).as_deref(), Some("dexp::parse::syntax"));
    let h = a.hover(at(&broken, "let billable_seats", 0, 6)).map(|h| h.markdown).unwrap_or_default();
    assert!(h.contains("let billable_seats: int"), "{h}");
    assert!(a.definition(at(&broken, "credits_assigned then", 0, 0)).is_some());
    let cut = at(&broken, "subscription.xdr_enrolled and", 0, 13);
    let items = Analysis::new(&broken).completions(cut);
    assert!(items.iter().any(|c| c.label == "term_end"));
    assert!(matches!(a.rename(at(&broken, "let usable_credits", 0, 5), "x"), Err(RenameError::SyntaxErrors)));
}

#[test]
fn outline_tokens_and_formatting() {
    let a = Analysis::new(POLICY);
    let outline = a.outline();
    let xdr = outline.iter().find(|o| o.name == "xdr").map(|o| o.children.len());
    assert_eq!(xdr, Some(4));
    assert!(outline.iter().any(|o| o.name == "input Tenant"));
    assert!(outline.windows(2).all(|w| matches!(w, [x, y] if x.range.start <= y.range.start)));
    let tokens = a.tokens();
    let kind_of = |needle: &str| {
        let start = at(POLICY, needle, 0, 0) as u32;
        tokens.iter().find(|t| t.span.start == start).map(|t| t.kind)
    };
    assert_eq!(kind_of("requirements xdr"), Some(TokenKind::Keyword));
    assert_eq!(kind_of("ProductEntry {"), Some(TokenKind::Record));
    assert_eq!(kind_of("covered_products = {"), Some(TokenKind::Constant));
    assert_eq!(kind_of("// Microsoft"), Some(TokenKind::Comment));
    assert!(tokens.windows(2).all(|w| matches!(w, [x, y] if x.span.end <= y.span.start)));
    assert_eq!(a.format().ok().as_deref(), Some(POLICY));
}

#[test]
fn newcomer_mistakes_have_specific_diagnostics_and_fixes() {
    let base = "policy p\nrecord In { id: string, free: int, seats: int, name: string }\nrecord Out { ok: bool }\ninput In key id\n";
    let cases = [
        ("let e = free >= 0 && seats > 0\noutput Out { ok: e }\n", "dexp::parse::foreign_operator", "and"),
        ("let e = free >= 0 || seats > 0\noutput Out { ok: e }\n", "dexp::parse::foreign_operator", "or"),
        ("let e = !(seats > 0)\noutput Out { ok: e }\n", "dexp::parse::foreign_operator", "not"),
        ("let e = if seats = 0 then true else false\noutput Out { ok: e }\n", "dexp::parse::single_equals", "=="),
        ("output Out { ok: name == 'x' }\n", "dexp::parse::single_quotes", "\"x\""),
        ("let e = seats > 0\n  let f = 1\noutput Out { ok: e }\n", "dexp::parse::indented_declaration", ""),
        ("output Out { ok: true\n  }\nlet in = 3\n", "dexp::parse::keyword_as_name", ""),
    ];
    for (tail, code, replacement) in cases {
        let source = format!("{base}{tail}");
        let a = Analysis::new(&source);
        let codes: Vec<String> = a.diagnostics().iter().map(|d| d.code_str()).collect();
        assert!(codes.contains(&code.to_string()), "{tail}: {codes:?}");
        let fixes = a.fixes(Span::new(0, source.len()));
        if code == "dexp::parse::keyword_as_name" {
            assert!(fixes.is_empty());
            continue;
        }
        let mut fixed = source.clone();
        let edits = fixes.first().map(|f| f.edits.clone()).unwrap_or_default();
        assert!(!edits.is_empty(), "{tail}: no fix");
        assert!(edits.iter().all(|e| e.text.trim() == replacement), "{tail}: {edits:?}");
        for e in edits.iter().rev() {
            fixed.replace_range(e.span.start as usize..e.span.end as usize, &e.text);
        }
        assert!(Analysis::new(&fixed).parses(), "{tail}: the fix gives\n{fixed}");
    }
    let missing_comma = "policy p\nrecord In {\n    id: string,\n    free: int\n    seats: int,\n}\n";
    let a = Analysis::new(missing_comma);
    assert_eq!(a.diagnostics().first().map(|d| d.code_str()).as_deref(), Some("dexp::parse::missing_comma"));
    let fix = a.fixes(Span::new(0, missing_comma.len()));
    let edit = fix.first().and_then(|f| f.edits.first()).cloned();
    assert_eq!(edit.map(|e| (e.span.start as usize, e.text)), Some((at(missing_comma, "free: int", 0, 9), ",".into())));
}

#[test]
fn a_let_in_binding_is_a_symbol_with_its_uses_and_type() {
    let src = "policy p version \"1\"\nrecord R { id: string, seats: int }\ninput R key id\n\
               let doubled = let twice = seats * 2 in twice + twice + seats\n\
               record O { id: string, n: int }\noutput O { id: id, n: doubled }\n";
    let a = Analysis::new(src);
    assert!(a.diagnostics().is_empty(), "{:?}", a.diagnostics());
    let decl = at(src, "twice =", 0, 1);
    let uses = a.references(decl, false);
    assert_eq!(uses.len(), 2, "{uses:?}");
    assert!(uses.iter().all(|s| text(src, *s) == "twice"));
    // Hover on a use gives the binding's type.
    let (_, ty) = a.type_at(at(src, "twice +", 0, 1)).unwrap_or_default();
    assert_eq!(ty, "int");
    // `seats` in the body would then mean the binding, not the field.
    assert!(matches!(a.rename(decl, "seats"), Err(RenameError::Capture(_))));
    assert!(a.rename(decl, "double_seats").is_ok());
}

#[test]
fn a_decimal_literal_is_one_number_token() {
    let source = "policy p\nrecord In { id: string, price: decimal }\nrecord Out { total: decimal }\ninput In key id\noutput Out { total: price * 1_000.50 }\n";
    let a = Analysis::new(source);
    assert!(a.diagnostics().is_empty(), "{:?}", a.diagnostics());
    let start = at(source, "1_000.50", 0, 0) as u32;
    let token = a.tokens().into_iter().find(|t| t.span.start == start).map(|t| (t.kind, t.span.end - t.span.start));
    assert_eq!(token, Some((TokenKind::Number, "1_000.50".len() as u32)));
}
