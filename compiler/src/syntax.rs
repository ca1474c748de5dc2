//! Syntax: from `.dexp` text to the untyped AST, with every syntax error collected.

pub mod ast;
mod error;
mod limits;
mod parser;

pub use error::ParseError;
pub use limits::{MAX_EXPR_DEPTH, MAX_NESTING, MAX_SOURCE_BYTES};
pub use parser::parse;
