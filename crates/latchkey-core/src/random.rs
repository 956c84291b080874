//! Randomness is passed in: decisions that need it take a [`RandomSource`].
//!
//! Production code hands in the operating system's CSPRNG (implemented at the edge, in the
//! server crate); tests hand in a seeded, repeatable source.

use zeroize::Zeroize;

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

/// Bytes of `inner`, read a block at a time.
///
/// Drawing a password takes a few dozen small draws (one per character, and the shuffle), and a
/// call to the operating system's CSPRNG is a system call each: a batch of a mass reset would
/// make hundreds of thousands. Read through this buffer the same bytes come in a few calls per
/// batch. Every byte is handed out once and wiped from the buffer as it goes; what is left is
/// wiped on drop.
pub struct Buffered<R: RandomSource> {
    inner: R,
    block: Vec<u8>,
    /// The next byte to hand out; `block.len()` when the block is spent.
    next: usize,
}

impl<R: RandomSource> Buffered<R> {
    /// The size of a block.
    pub const BLOCK: usize = 4096;

    /// A buffer over `inner`, empty until the first draw.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            block: vec![0; Self::BLOCK],
            next: Self::BLOCK,
        }
    }
}

impl<R: RandomSource> RandomSource for Buffered<R> {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if dest.len() >= Self::BLOCK {
            self.inner.fill_bytes(dest);
            return;
        }
        let mut filled = 0;
        while filled < dest.len() {
            if self.next >= self.block.len() {
                self.inner.fill_bytes(&mut self.block);
                self.next = 0;
            }
            let n = (dest.len() - filled).min(self.block.len() - self.next);
            let (Some(out), Some(taken)) = (
                dest.get_mut(filled..filled + n),
                self.block.get_mut(self.next..self.next + n),
            ) else {
                return;
            };
            out.copy_from_slice(taken);
            taken.zeroize();
            filled += n;
            self.next += n;
        }
    }
}

impl<R: RandomSource> Drop for Buffered<R> {
    fn drop(&mut self) {
        self.block.zeroize();
    }
}

impl<R: RandomSource> std::fmt::Debug for Buffered<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Buffered")
            .field("left", &(self.block.len() - self.next))
            .finish_non_exhaustive()
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

    /// Counts the calls to the source it wraps.
    struct Counting(SeededRandom, usize);

    impl RandomSource for Counting {
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            self.1 += 1;
            self.0.fill_bytes(dest);
        }
    }

    #[test]
    fn buffered_hands_out_the_inner_bytes_in_order_with_few_draws() {
        let mut direct = SeededRandom::new(3);
        let mut whole = vec![0u8; 3 * Buffered::<SeededRandom>::BLOCK];
        direct.fill_bytes(&mut whole);
        let mut buffered = Buffered::new(Counting(SeededRandom::new(3), 0));
        let mut got = Vec::new();
        // Odd sizes that straddle block boundaries.
        for size in [1usize, 7, 4, 33, 1000, 3000, 4095, 2] {
            let mut part = vec![0u8; size];
            buffered.fill_bytes(&mut part);
            got.extend(part);
        }
        assert_eq!(got.as_slice(), whole.get(..got.len()).unwrap_or_default());
        assert_eq!(
            buffered.inner.1,
            got.len().div_ceil(Buffered::<SeededRandom>::BLOCK)
        );
    }

    #[test]
    fn buffered_wipes_what_it_handed_out() {
        let mut buffered = Buffered::new(SeededRandom::new(9));
        let mut out = [0u8; 100];
        buffered.fill_bytes(&mut out);
        assert_ne!(out, [0u8; 100]);
        assert!(buffered.block.iter().take(100).all(|b| *b == 0));
        assert!(buffered.block.iter().skip(100).any(|b| *b != 0));
    }

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
