//! Seeded inputs for the unit tests that run the fuzz bodies without libFuzzer.
//!
//! The tests must be deterministic and fast, so instead of a corpus they feed each body a few
//! hundred byte strings from a fixed-seed generator: random bytes of varied lengths, and
//! random bytes spliced into a target-specific seed (a policy source, a module) so that the
//! structured parts of the input space are reached too.

/// The seeded generator, shared with the tests and benches (same sequences as the copy this
/// module used to hold: `index` is its former `below` on `usize`).
pub use dexp_testkit::Rng;

/// `count` random byte strings of lengths up to `max_len`, the same for the same seed.
pub fn random_inputs(seed: u64, count: usize, max_len: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            let len = rng.index(max_len + 1);
            rng.bytes(len)
        })
        .collect()
}

/// `count` mutants of `base`: each overwrites, inserts or deletes a few bytes, or truncates,
/// the way a fuzzer's first mutations of a seed do.
pub fn mutants(seed: u64, base: &[u8], count: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            let mut m = base.to_vec();
            for _ in 0..=rng.index(4) {
                let at = rng.index(m.len() + 1);
                match rng.index(4) {
                    0 if at < m.len() => m[at] = rng.next_u64() as u8,
                    1 => {
                        let n = rng.index(8);
                        let bytes = rng.bytes(n);
                        m.splice(at..at, bytes);
                    }
                    2 if at < m.len() => {
                        let end = (at + rng.index(16)).min(m.len());
                        m.drain(at..end);
                    }
                    _ => m.truncate(at),
                }
            }
            m
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_inputs() {
        assert_eq!(random_inputs(7, 20, 64), random_inputs(7, 20, 64));
        assert_ne!(random_inputs(7, 20, 64), random_inputs(8, 20, 64));
        let base = b"policy p version \"1\"";
        let a = mutants(3, base, 50);
        assert_eq!(a, mutants(3, base, 50));
        assert!(a.iter().any(|m| m.as_slice() != base), "mutants differ from their base");
    }
}
