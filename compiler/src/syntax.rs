//! Syntax: from `.dexp` text to the untyped AST, with every syntax error collected.

pub mod ast;
mod error;
mod hints;
mod limits;
mod parser;

pub use error::ParseError;
pub use limits::{MAX_EXPR_DEPTH, MAX_NESTING, MAX_SOURCE_BYTES};
pub(crate) use parser::{code_len, comment_start, item_starts};
pub use parser::{parse, parse_partial};

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses on a thread with a small stack, as a host embedding the compiler might.
    fn parse_small_stack(source: String) -> Result<ast::Policy, Vec<ParseError>> {
        let handle = std::thread::Builder::new().stack_size(256 * 1024).spawn(move || parse(&source));
        match handle.map(|h| h.join()) {
            Ok(Ok(result)) => result,
            _ => Err(vec![]),
        }
    }

    fn deep(expr: String) -> String {
        format!("policy p\nrecord R {{ a: int }}\ninput R\noutput R {{ a: {expr} }}\n")
    }

    fn assert_too_deep(source: String) {
        let result = parse_small_stack(source);
        let errors = result.err().unwrap_or_default();
        assert!(errors.iter().any(|e| matches!(e, ParseError::TooDeep { .. })), "{errors:?}");
    }

    #[test]
    fn hundred_thousand_nested_parentheses_are_rejected_cleanly() {
        assert_too_deep(deep(format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000))));
    }

    #[test]
    fn hundred_thousand_unary_operators_are_rejected_cleanly() {
        assert_too_deep(deep(format!("{}1", "- ".repeat(100_000))));
        assert_too_deep(deep(format!("if {}true then 1 else 0", "not ".repeat(100_000))));
    }

    #[test]
    fn hundred_thousand_if_chain_is_rejected_cleanly() {
        assert_too_deep(deep(format!("{}0", "if true then 1 else ".repeat(100_000))));
    }

    #[test]
    fn hundred_thousand_nested_list_literals_are_rejected_cleanly() {
        assert_too_deep(deep(format!("count x in {}1{}", "[".repeat(100_000), "]".repeat(100_000))));
    }

    #[test]
    fn hundred_thousand_long_operator_chain_is_rejected_cleanly() {
        assert_too_deep(deep(vec!["1"; 100_000].join(" + ")));
    }

    #[test]
    fn oversized_source_is_rejected_before_parsing() {
        let source = deep(format!("1{}", " ".repeat(MAX_SOURCE_BYTES)));
        let errors = parse(&source).err().unwrap_or_default();
        assert!(matches!(errors.as_slice(), [ParseError::TooLarge { .. }]), "{errors:?}");
    }

    #[test]
    fn nesting_within_the_limit_parses() {
        let source = deep(format!("{}1{}", "(".repeat(60), ")".repeat(60)));
        assert!(parse_small_stack(source).is_ok());
    }

    #[test]
    fn every_broken_item_is_reported() {
        let source = "policy p\nlet a = 1 +\nlet b = * 2\nlet c = (\nlet d = 4\n";
        let errors = parse(source).err().unwrap_or_default();
        assert_eq!(errors.len(), 3, "{errors:?}");
    }
}
