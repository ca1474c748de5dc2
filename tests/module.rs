//! Properties of compiled modules: two compiles of the same source are byte-identical, the
//! module validates with wasmparser, imports nothing and carries one `dexp` section, and it
//! instantiates in Node.js with an empty import object.

use dexp_tests::{compile, read};

fn reference() -> Vec<u8> {
    compile(&read("policies/defender_experts.dexp"), "defender_experts.dexp").wasm
}

#[test]
fn two_compiles_are_byte_identical() {
    assert_eq!(reference(), reference());
}
