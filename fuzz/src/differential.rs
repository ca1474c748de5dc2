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
    let _ = compare(data);
}

/// Runs the comparison; returns how many records were decided and how many were errors on
/// both engines, or `None` when the bytes gave no policy the checker accepts.
fn compare(data: &[u8]) -> Option<(usize, usize)> {
    let mut u = Unstructured::new(data);
    let source = crate::generate::policy(&mut u).ok()?;
    dexp_compiler::frontend(&source).ok()?;
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
    let input = crate::values::ndjson(&mut u, &compiled.program.schema, count).ok()?;
    let check = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        assert_agree(&compiled.program, &mut evaluator, &input)
    }));
    match check {
        Ok(output) => {
            let errors = output.lines().filter(|l| l.starts_with("{\"line\":")).count();
            Some((output.lines().count() - errors, errors))
        }
        Err(payload) => {
            eprintln!("policy:\n{source}");
            std::panic::resume_unwind(payload);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeds;

    /// Also checks that the comparison is not vacuous: most inputs give a policy, and both
    /// decisions and errors (bad records and failed evaluations) are compared.
    #[test]
    fn generated_policies_agree_on_generated_records() {
        let inputs = seeds::random_inputs(31, 100, 3000);
        let (mut policies, mut decided, mut errors) = (0, 0, 0);
        for input in &inputs {
            if let Some((d, e)) = compare(input) {
                policies += 1;
                decided += d;
                errors += e;
            }
        }
        eprintln!("{policies} policies, {decided} decisions, {errors} errors");
        assert!(policies * 10 >= inputs.len() * 9, "only {policies} of {} inputs give a policy", inputs.len());
        assert!(decided >= 100 && errors >= 20, "{decided} decisions and {errors} errors compared");
    }
}
