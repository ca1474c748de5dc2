//! Before/after examples of the layout and of comment placement.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use super::format;

fn fmt(source: &str) -> String {
    match format(source) {
        Ok(text) => text,
        Err(d) => panic!("{d:?}\n{source}"),
    }
}

#[test]
fn reference_policy_dump() {
    let src =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../policies/defender_experts.dexp")).unwrap();
    let out = fmt(&src);
    std::fs::write("/tmp/ref_fmt.dexp", &out).unwrap();
    assert_eq!(fmt(&out), out);
}

#[test]
fn raw_dump() {
    let src =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../policies/defender_experts.dexp")).unwrap();
    let policy = crate::syntax::parse(&src).unwrap();
    let out = super::layout::Fmt::run(&src, &policy).unwrap();
    std::fs::write("/tmp/ref_raw.dexp", &out).unwrap();
}
