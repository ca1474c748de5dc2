//! The `differential` fuzz target: a thin wrapper around [`dexp_fuzz::differential::run`], where the checks live.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dexp_fuzz::differential::run(data));
