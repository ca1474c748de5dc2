//! The `records` target: any bytes, read as UTF-8 (lossily), as NDJSON lines for the reference
//! policy.
//!
//! The runtime must write exactly one output line per non-blank input line, in order, never
//! fail a batch as a whole, never panic, and give the interpreter's output line for line: the
//! same decisions and the same error objects for lines it cannot read or decide.

use crate::engines::{assert_agree, reference};
use dexp_runtime::Evaluator;
use std::cell::RefCell;

thread_local! {
    /// One evaluator per thread, reused across inputs as a host reuses it across batches.
    static EVALUATOR: RefCell<Option<Evaluator>> = const { RefCell::new(None) };
}

/// The target body.
pub fn run(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    let (program, policy) = reference();
    EVALUATOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let evaluator = match &mut *slot {
            Some(e) => e,
            None => slot.insert(policy.evaluator().expect("an evaluator for the reference policy")),
        };
        assert_agree(program, evaluator, &input);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeds;

    #[test]
    fn random_bytes() {
        for input in seeds::random_inputs(41, 200, 256) {
            run(&input);
        }
    }

    #[test]
    fn mutated_example_records() {
        let examples = crate::REFERENCE_RECORDS.as_bytes();
        for (i, line) in examples.split(|&b| b == b'\n').take(20).enumerate() {
            for input in seeds::mutants(i as u64, line, 20) {
                run(&input);
            }
        }
        run(examples);
    }

    /// A fuzzing finding (2026-12-07): lines of vertical tabs are records to the runtime (JSON's
    /// whitespace is only space, tab, CR and LF), and the harness once skipped them as blank.
    #[test]
    fn lines_of_other_whitespace_are_records() {
        let mut input = vec![0x0b; 15];
        input.push(b'\n');
        input.extend_from_slice(&[0x0b; 30]);
        input.extend_from_slice(&[0, 0, 0, 0xef, b'{']);
        run(&input);
        let output = {
            let (program, policy) = reference();
            assert_agree(program, &mut policy.evaluator().unwrap(), "\u{b}\n \t\n\u{a0}\n")
        };
        assert_eq!(output.lines().count(), 2, "{output}");
    }

    #[test]
    fn generated_records() {
        let (program, _) = reference();
        for input in seeds::random_inputs(43, 100, 1024) {
            let mut u = arbitrary::Unstructured::new(&input);
            let text = crate::values::ndjson(&mut u, &program.schema, 5).unwrap();
            run(text.as_bytes());
        }
    }
}
