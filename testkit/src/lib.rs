//! Development-only helpers shared by the tests, the fuzz package and the benches.
//!
//! Today that is one thing: [`Rng`], the seeded pseudo-random generator that the benches'
//! tenant generator, the fuzz bodies' seeded inputs and the differential tests' record
//! generator all draw from. It used to be written three times; the sequences it gives are
//! exactly those of the three copies (see the tests), so recorded bench figures, fuzz unit
//! test inputs and differential test records are unchanged.

/// A small, fast, seeded pseudo-random generator (SplitMix64): the same seed gives the same
/// sequence on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed`.
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

    /// A number in `0..n`; 0 when `n` is 0, without drawing.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// An index in `0..n`; 0 when `n` is 0, without drawing ([`Rng::below`] on `usize`).
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// A number in `lo..=hi` (`lo <= hi`).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = hi.abs_diff(lo).saturating_add(1);
        lo.wrapping_add(self.below(span) as i64)
    }

    /// True with the given probability in percent.
    pub fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    /// One of `items`, or `fallback` when there are none.
    pub fn pick<T: Copy>(&mut self, items: &[T], fallback: T) -> T {
        items.get(self.index(items.len())).copied().unwrap_or(fallback)
    }

    /// `len` random bytes, one draw each.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::Rng;

    /// The differential tests' former copy (`tests/records.rs`), kept to prove the shared
    /// generator gives its sequences: `below` took `n.max(1)` and `range` worked in `i128`.
    struct RecordsRng(u64);

    impl RecordsRng {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next_u64() % n.max(1)
        }
        fn chance(&mut self, percent: u64) -> bool {
            self.below(100) < percent
        }
        fn range(&mut self, lo: i64, hi: i64) -> i64 {
            let span = (hi as i128 - lo as i128 + 1) as u128;
            (lo as i128 + (u128::from(self.next_u64()) % span) as i128) as i64
        }
    }

    #[test]
    fn splitmix64_gives_its_published_first_outputs() {
        // The reference outputs of SplitMix64 seeded with 0.
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn the_records_generator_sequences_are_unchanged() {
        // Every call the record generator makes has n > 0 and lo <= hi with a span below
        // 2^64; on those the two implementations agree draw for draw.
        let bounds: [(i64, i64); 6] = [
            (-20, 120),
            (-1_000_000, 1_000_000),
            (i64::MIN + 1, i64::MAX),
            (i64::MAX - 1000, i64::MAX),
            (0, 0),
            (1, 4),
        ];
        for seed in 0..200u64 {
            let (mut new, mut old) = (Rng::new(seed), RecordsRng(seed));
            for step in 0..500u64 {
                match step % 3 {
                    0 => assert_eq!(new.below(step % 97 + 1), old.below(step % 97 + 1)),
                    1 => assert_eq!(new.percent(step % 101), old.chance(step % 101)),
                    _ => {
                        let (lo, hi) = bounds[(step / 3 % 6) as usize];
                        assert_eq!(new.range(lo, hi), old.range(lo, hi));
                    }
                }
            }
        }
    }

    #[test]
    fn below_zero_draws_nothing() {
        // The benches' and the fuzz seeds' former copies returned 0 for `below(0)` without
        // drawing; the shared generator keeps that.
        let (mut a, mut b) = (Rng::new(9), Rng::new(9));
        assert_eq!(a.below(0), 0);
        assert_eq!(a.index(0), 0);
        assert_eq!(a.next_u64(), b.next_u64());
    }
}
