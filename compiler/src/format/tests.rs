//! Before/after examples of the layout and of comment placement. Each example is also checked
//! to be a fixed point: formatting the expected text changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use super::format;

/// The declarations the examples' expressions refer to.
const HEAD: &str = "policy p\n\nrecord In {\n    id: string,\n    n: int,\n}\n\ninput In key id\n";

/// Formats `before` and checks that it gives `after`, and that `after` is a fixed point.
fn check(before: &str, after: &str) {
    let formatted = format(before).unwrap_or_else(|d| panic!("{d:?}\n{before}"));
    assert_eq!(formatted, after, "\n--- got\n{formatted}\n--- expected\n{after}");
    let again = format(after).unwrap_or_else(|d| panic!("{d:?}\n{after}"));
    assert_eq!(again, after, "not a fixed point");
}

/// Like [`check`], for the items after [`HEAD`].
fn check_items(before: &str, after: &str) {
    check(&format!("{HEAD}{before}"), &format!("{HEAD}\n{after}"));
}

#[test]
fn declarations_take_the_house_layout() {
    check(
        "policy  p   version \"1.0\"\nenum E {x,y,}\nenum F { z }\nrecord R { a: int, b: list of int?, c: codes(g) }\n\
         input R   key a\nfn  f( x:int ) ->int=x+1\noutput R { a: 1, b: [ ], c: g }\n",
        "policy p version \"1.0\"\n\nenum E { x, y }\nenum F { z }\n\nrecord R {\n    a: int,\n    b: list of int?,\n    \
         c: codes(g),\n}\n\ninput R key a\n\nfn f(x: int) -> int = x + 1\n\noutput R {\n    a: 1,\n    b: [],\n    c: g,\n}\n",
    );
}

#[test]
fn one_line_definitions_stay_together_unless_separated() {
    check_items(
        "let a = 1\nconst b = 2\n\n\n\nlet c = 3\nfn f(x: int) -> int = x\nfn g(x: int) -> int = x\n",
        "let a = 1\nconst b = 2\n\nlet c = 3\n\nfn f(x: int) -> int = x\nfn g(x: int) -> int = x\n",
    );
}

#[test]
fn rules_put_the_condition_on_the_next_line() {
    check_items(
        "requirements r { positive \"n must be \\\"positive\\\"\": n > 0\n\n\n  small \"small\":\n n < 10 }\n\
         advisories a {}\n",
        "requirements r {\n    positive \"n must be \\\"positive\\\"\":\n        n > 0\n\n    small \"small\":\n        \
         n < 10\n}\n\nadvisories a {}\n",
    );
}

#[test]
fn long_and_or_chains_break_before_each_operator() {
    check_items(
        "let ok = n > 1000000 and n < 2000000 and n != 1500000 and n != 1600000 and id != \"none\" and n != 1700000 \
         or n == 0 or n == 1\n",
        "let ok =\n    n > 1000000 and n < 2000000 and n != 1500000 and n != 1600000 and id != \"none\" and n != 1700000\n        \
         or n == 0\n        or n == 1\n",
    );
    check_items(
        "let ok = n > 1000000 and n < 2000000 and n != 1500000 and n != 1600000 and id != \"none\" and n != 1700000 \
         and n != 1800000\n",
        "let ok =\n    n > 1000000\n        and n < 2000000\n        and n != 1500000\n        and n != 1600000\n        \
         and id != \"none\"\n        and n != 1700000\n        and n != 1800000\n",
    );
    // 99 columns: the value fits on the line after `=`.
    check_items(
        "let ok = n > 1000000 and n < 2000000 and n != 1500000 and n != 1600000 and id != \"some value\" and n != 5\n",
        "let ok =\n    n > 1000000 and n < 2000000 and n != 1500000 and n != 1600000 and id != \"some value\" and n != 5\n",
    );
}

#[test]
fn long_if_chains_break_before_else() {
    check_items(
        "let v = if n > 100000000 then 1000000 else if n > 10000000 then 100000 else if n > 0 then 1000000000 else 0\n",
        "let v =\n    if n > 100000000 then 1000000\n    else if n > 10000000 then 100000\n    else if n > 0 then 1000000000\n    \
         else 0\n",
    );
    check_items("let v = if n > 0 then 1 else 0\n", "let v = if n > 0 then 1 else 0\n");
}

#[test]
fn list_operations_break_before_where_and_after_the_colon() {
    check_items(
        "let c = count x in [n, n, n] where x > 1000000000 and x < 2000000000 and x != 1500000000 and x != 1000000\n",
        "let c =\n    count x in [n, n, n]\n        where x > 1000000000 and x < 2000000000 and x != 1500000000 and x != 1000000\n",
    );
    check_items(
        "let m = max x in [n, n] where x > 100000000000000: x * 100000000000000 + 100000000000000 + 100000000000 else 0\n",
        "let m =\n    max x in [n, n]\n        where x > 100000000000000:\n        x * 100000000000000 + 100000000000000 + 100000000000\n        \
         else 0\n",
    );
}

#[test]
fn literals_and_calls_break_one_element_per_line() {
    check_items(
        "let xs = [1000000000000, 2000000000000, 3000000000000, 4000000000000, 5000000000000, 6000000000000, 700]\n\
         let m = max(1000000000000000, 2000000000000000, 3000000000000000, 4000000000000000, 5000000000000000, 10)\n",
        "let xs = [\n    1000000000000,\n    2000000000000,\n    3000000000000,\n    4000000000000,\n    5000000000000,\n    \
         6000000000000,\n    700,\n]\n\nlet m =\n    max(\n        1000000000000000,\n        2000000000000000,\n        \
         3000000000000000,\n        4000000000000000,\n        5000000000000000,\n        10,\n    )\n",
    );
}

#[test]
fn parentheses_digit_separators_and_matches_are_kept() {
    check_items(
        "let a = ((n + 1)) * 1_000\nlet b = match n { on | S.idle => -(n), _ => 0 }\n",
        "let a = ((n + 1)) * 1_000\n\nlet b =\n    match n {\n        on | S.idle => -(n),\n        _ => 0,\n    }\n",
    );
}

#[test]
fn own_line_comments_stay_before_what_they_describe() {
    check(
        "// header\npolicy p\n// before a record\nrecord R {\n// before a field\na: int,\n  // at the end of a record\n}\n\
         input R key a\nrequirements r {\n    // before a rule\n    ok \"ok\": a > 0\n}\n\
         let m = match a {\n// before an arm\non => 1, _ => 2 }\noutput R {\n// before an output field\n\
         a: R { // after the brace\n// before a literal field\na: m }.a }\n// at the end\n",
        "// header\npolicy p\n\n// before a record\nrecord R {\n    // before a field\n    a: int,\n    \
         // at the end of a record\n}\n\ninput R key a\n\nrequirements r {\n    // before a rule\n    ok \"ok\":\n        \
         a > 0\n}\n\nlet m =\n    match a {\n        // before an arm\n        on => 1,\n        _ => 2,\n    }\n\n\
         output R {\n    // before an output field\n    a:\n        R { // after the brace\n            \
         // before a literal field\n            a: m,\n        }.a,\n}\n// at the end\n",
    );
}

#[test]
fn trailing_comments_stay_at_the_end_of_their_line() {
    check_items(
        "let a = 1 // one\nlet b = [1, // first\n2]\nlet c = n > 0 and // positive\nn < 10\n\
         let d = if n > 0 // sign\nthen 1 else 0\n",
        "let a = 1 // one\n\nlet b = [\n    1, // first\n    2,\n]\n\nlet c =\n    n > 0 // positive\n        and n < 10\n\n\
         let d =\n    if n > 0 // sign\n    then 1\n    else 0\n",
    );
}

#[test]
fn comments_in_odd_places_are_kept() {
    // After a keyword, inside parentheses, before `days`, between two comments after a token.
    let source =
        format!("{HEAD}let // after let\n  a = (n // inside\n) + 1\nlet b = n // first\n// second\n  + 1 // last\n");
    let formatted = format(&source).unwrap();
    for comment in ["// after let", "// inside", "// first", "// second", "// last"] {
        assert_eq!(formatted.matches(comment).count(), 1, "{comment} in\n{formatted}");
    }
    assert!(formatted.contains("(n // inside\n"), "{formatted}");
    assert_eq!(format(&formatted).unwrap(), formatted);
}

#[test]
fn blank_lines_between_comments_are_kept_once() {
    check("// one\n\n\n// two\n\npolicy p\n", "// one\n\n// two\n\npolicy p\n");
}

#[test]
fn a_file_that_does_not_parse_gets_the_parser_diagnostics() {
    let errors = format("policy p\nlet a = 1 +\n").unwrap_err();
    assert!(!errors.is_empty());
    assert!(errors.iter().all(|d| d.code_str() == "dexp::parse::syntax"), "{errors:?}");
}

#[test]
fn the_reference_policy_is_a_fixed_point() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../policies/defender_experts.dexp");
    let source = std::fs::read_to_string(path).unwrap();
    assert_eq!(format(&source).unwrap(), source);
}
