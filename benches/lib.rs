//! Shared helpers for the dexp benchmarks.
