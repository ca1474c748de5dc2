//! Shared helpers for the dexp integration tests.
