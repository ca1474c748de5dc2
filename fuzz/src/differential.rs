//! The `differential` target: a generated well-typed policy and generated records, evaluated
//! by the Wasm back end (through `dexp_runtime`) and by the reference interpreter.
//!
//! The policy comes from [`crate::generate`] and the records from [`crate::values`], both
//! read from the same fuzzer bytes. A policy the checker rejects is skipped (the generator
//! aims to make none); one it accepts must compile and load (on the default runtime, as a host loads it), and then every record must give
//! the same output line on both engines: the same decision JSON, or the same error object
//! (line, key, path and message), one line per record.

use crate::engines::assert_agree;
use arbitrary::Unstructured;
use dexp_runtime::Policy;

/// The target body.
pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(source) = crate::generate::policy(&mut u) else { return };
    if dexp_compiler::frontend(&source).is_err() {
        return;
    }
    let compiled = match dexp_compiler::compile(&source) {
        Ok(c) => c,
        Err(diags) => panic!(
            "a checked policy does not compile:\n{source}\n{}",
            dexp_compiler::diagnostic::render_human(&diags, "generated.dexp", &source)
        ),
    };
    let policy = match Policy::load(&compiled.wasm) {
        Ok(p) => p,
        Err(e) => panic!("a compiled policy does not load: {e}\n{source}"),
    };
    let mut evaluator = policy.evaluator().expect("an evaluator for a loaded policy");
    let count = u.int_in_range(1..=8).unwrap_or(1);
    let Ok(input) = crate::values::ndjson(&mut u, &compiled.program.schema, count) else { return };
    let check = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        assert_agree(&compiled.program, &mut evaluator, &input);
    }));
    if let Err(payload) = check {
        eprintln!("policy:\n{source}");
        std::panic::resume_unwind(payload);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeds;

    #[test]
    fn generated_policies_agree_on_generated_records() {
        for input in seeds::random_inputs(31, 150, 3000) {
            run(&input);
        }
    }
}
