//! Seeded inputs for the unit tests that run the fuzz bodies without libFuzzer.
//!
//! The tests must be deterministic and fast, so instead of a corpus they feed each body a few
//! hundred byte strings from a fixed-seed generator: random bytes of varied lengths, and
//! random bytes spliced into a target-specific seed (a policy source, a module) so that the
//! structured parts of the input space are reached too.

/// A small, fast, seeded pseudo-random generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator with the given seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`, or 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}

/// `count` random byte strings of lengths up to `max_len`, the same for the same seed.
pub fn random_inputs(seed: u64, count: usize, max_len: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            let len = rng.below(max_len + 1);
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
            for _ in 0..=rng.below(4) {
                let at = rng.below(m.len() + 1);
                match rng.below(4) {
                    0 if at < m.len() => m[at] = rng.next_u64() as u8,
                    1 => {
                        let n = rng.below(8);
                        let bytes = rng.bytes(n);
                        m.splice(at..at, bytes);
                    }
                    2 if at < m.len() => {
                        let end = (at + rng.below(16)).min(m.len());
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
