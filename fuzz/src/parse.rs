//! The `parse` target: any bytes, read as UTF-8 (lossily), through the parser and the checker.
//!
//! The front end must return (a program or diagnostics) and never panic, on any text. Deep
//! nesting is the classic way to overflow a recursive parser, so the body also runs the text
//! on a thread with a small stack, as an embedding host might.
//! A hang shows up as libFuzzer's timeout.

/// The stack of the thread the front end runs on: small, so that unbounded recursion fails
/// here rather than only on a host with less stack than the fuzzer's main thread.
const SMALL_STACK: usize = 256 << 10;

/// The target body.
pub fn run(data: &[u8]) {
    let source = String::from_utf8_lossy(data).into_owned();
    let handle = std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(move || check(&source))
        .expect("a thread for the front end");
    if let Err(payload) = handle.join() {
        std::panic::resume_unwind(payload);
    }
}

/// Parses and checks `source`, and checks what the results promise.
fn check(source: &str) {
    let parsed = dexp_compiler::syntax::parse(source);
    let frontend = dexp_compiler::frontend(source);
    match (&parsed, &frontend) {
        (Err(errors), _) => assert!(!errors.is_empty(), "a parse failure names at least one error"),
        (Ok(_), Err(diagnostics)) => assert!(!diagnostics.is_empty(), "a check failure names at least one error"),
        (Ok(_), Ok(_)) => {}
    }
    if parsed.is_err() {
        assert!(frontend.is_err(), "the front end fails where the parser fails");
    }
    // Rendering the diagnostics must not panic either: spans must lie inside the source.
    if let Err(diagnostics) = &frontend {
        let human = dexp_compiler::diagnostic::render_human(diagnostics, "fuzz.dexp", source);
        assert!(!human.is_empty(), "rendered diagnostics are not empty");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeds;

    #[test]
    fn random_bytes() {
        for input in seeds::random_inputs(1, 200, 256) {
            run(&input);
        }
    }

    #[test]
    fn mutated_policies() {
        for (i, policy) in crate::committed_policies().enumerate() {
            for input in seeds::mutants(i as u64, policy.as_bytes(), 60) {
                run(&input);
            }
        }
    }

    #[test]
    fn deep_nesting_is_a_diagnostic() {
        for (open, close) in [("(", ")"), ("[", "]"), ("not ", ""), ("-", ""), ("if true then 1 else ", "")] {
            let source = format!("policy p\nlet x = {}1{}\n", open.repeat(100_000), close.repeat(100_000));
            run(source.as_bytes());
            let errors = dexp_compiler::frontend(&source).expect_err("too deep to accept");
            assert!(!errors.is_empty());
        }
    }
}
