//! The `load` target: any bytes, and mutations of valid policy modules, given to the runtime.
//!
//! A module is either refused with a [`LoadError`](dexp_runtime::LoadError) or loaded; a
//! loaded module then evaluates a few records from the rest of the bytes, under the fuel and
//! memory limits of [`fuzz_runtime`]: each batch gives one line per record or a whole-batch
//! [`EvalError`](dexp_runtime::EvalError) (fuel, memory, a trap, a bad decision), and the
//! evaluator still answers the batch after. Nothing may panic, and since fuel bounds every
//! batch, nothing may hang.
//!
//! The first byte chooses raw bytes or a mutant: one of the committed policies compiled, with
//! a few bytes overwritten, inserted or deleted, a length byte bumped, or the tail cut off.
//! Most mutants keep the module's structure, so they reach validation, the ABI and metadata
//! checks, compilation and evaluation, which raw bytes seldom do.

use crate::engines::fuzz_runtime;
use arbitrary::{Result, Unstructured};
use std::sync::OnceLock;

/// The committed policies, compiled once.
pub fn valid_modules() -> &'static [Vec<u8>] {
    static MODULES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    MODULES.get_or_init(|| {
        crate::committed_policies()
            .map(|source| dexp_compiler::compile(source).expect("a committed policy compiles").wasm)
            .collect()
    })
}

/// The target body.
pub fn run(data: &[u8]) {
    let (first, rest) = data.split_first().map_or((0, data), |(f, r)| (*f, r));
    let mut u = Unstructured::new(rest);
    // Raw bytes are the module; the same bytes then also drive its records.
    let module = if first % 4 == 0 {
        rest.to_vec()
    } else {
        match mutant(&mut u) {
            Ok(m) => m,
            Err(_) => return,
        }
    };
    let Ok(policy) = fuzz_runtime().load(&module) else { return };
    let Ok(mut evaluator) = policy.evaluator() else { return };
    for _ in 0..2 {
        let count = u.int_in_range(0..=4).unwrap_or(0);
        let Ok(input) = crate::values::ndjson(&mut u, policy.schema(), count) else { return };
        let mut out = String::new();
        if let Ok(summary) = evaluator.evaluate_ndjson(&input, 1, &mut out) {
            let records = crate::engines::records(&input).count();
            assert_eq!(out.lines().count(), records, "one output line per record\ninput:\n{input}\noutput:\n{out}");
            assert_eq!(summary.decided + summary.rejected, records, "the summary counts every record");
        } else {
            assert!(out.is_empty(), "a failed batch appends nothing");
        }
    }
}

/// A committed module with a few byte-level edits.
fn mutant(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let mut m = u.choose(valid_modules())?.clone();
    for _ in 0..u.int_in_range(1..=3)? {
        let at = u.choose_index(m.len().max(1))?.min(m.len());
        match u.int_in_range(0..=4)? {
            0 if at < m.len() => m[at] = u.arbitrary()?,
            1 if at < m.len() => m[at] = m[at].wrapping_add(*u.choose(&[1u8, 0xff, 0x80, 0x7f])?),
            2 => {
                let n = u.int_in_range(1..=8)?.min(u.len());
                let bytes = u.bytes(n)?.to_vec();
                m.splice(at..at, bytes);
            }
            3 => {
                let end = at.saturating_add(u.int_in_range(1..=16)?).min(m.len());
                m.drain(at..end);
            }
            _ => m.truncate(at),
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeds;

    #[test]
    fn random_bytes() {
        for mut input in seeds::random_inputs(61, 100, 256) {
            input.insert(0, 0);
            run(&input);
        }
        // Raw bytes that start like a module.
        for input in seeds::mutants(62, b"\0\0asm\x01\0\0\0\x01\x04\x01\x60\0\0", 50) {
            run(&input);
        }
    }

    #[test]
    fn mutated_modules() {
        let mut loaded = 0;
        for mut input in seeds::random_inputs(63, 200, 128) {
            input.insert(0, 1);
            let mut u = Unstructured::new(&input[1..]);
            if mutant(&mut u).is_ok_and(|m| fuzz_runtime().load(&m).is_ok()) {
                loaded += 1;
            }
            run(&input);
        }
        assert!(loaded > 0, "some mutants still load and are evaluated");
    }

    #[test]
    fn valid_modules_load_and_evaluate() {
        for module in valid_modules() {
            let mut input = vec![0];
            input.extend_from_slice(module);
            run(&input);
        }
    }
}
