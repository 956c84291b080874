//! Randomness is passed in: decisions that need it take a [`RandomSource`].
//!
//! Production code hands in the operating system's CSPRNG (implemented at the edge, in the
//! server crate); tests hand in a seeded, repeatable source.

/// A source of random bytes. Implementations used in production must be a CSPRNG.
pub trait RandomSource {
    /// Fills `dest` with random bytes.
    fn fill_bytes(&mut self, dest: &mut [u8]);

    /// Returns `N` random bytes.
    fn bytes<const N: usize>(&mut self) -> [u8; N]
    where
        Self: Sized,
    {
        let mut out = [0u8; N];
        self.fill_bytes(&mut out);
        out
    }

    /// A uniformly distributed integer in `0..bound` (rejection sampling, no modulo bias).
    /// Returns 0 when `bound` is 0.
    fn below(&mut self, bound: u32) -> u32
    where
        Self: Sized,
    {
        if bound == 0 {
            return 0;
        }
        // Largest multiple of `bound` that fits in u32; values at or above it are redrawn.
        let zone = u32::MAX - (u32::MAX % bound);
        loop {
            let v = u32::from_le_bytes(self.bytes::<4>());
            if v < zone {
                return v % bound;
            }
        }
    }
}

impl<R: RandomSource + ?Sized> RandomSource for &mut R {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        (**self).fill_bytes(dest);
    }
}

/// A repeatable source for tests and property tests (xorshift64*; **not** cryptographic).
#[derive(Debug, Clone)]
pub struct SeededRandom(u64);

impl SeededRandom {
    /// A source whose sequence depends only on `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
}

impl RandomSource for SeededRandom {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let mut x = self.0;
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            self.0 = x;
            let word = x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
            for (d, s) in chunk.iter_mut().zip(word) {
                *d = s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_source_is_repeatable_and_varied() {
        let a: [u8; 32] = SeededRandom::new(7).bytes();
        let b: [u8; 32] = SeededRandom::new(7).bytes();
        let c: [u8; 32] = SeededRandom::new(8).bytes();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut rng = SeededRandom::new(1);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let v = rng.below(7) as usize;
            assert!(v < 7);
            if let Some(slot) = seen.get_mut(v) {
                *slot = true;
            }
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(rng.below(0), 0);
    }
}
