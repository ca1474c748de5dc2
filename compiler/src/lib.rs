//! dexp compiler
