//! The operating system's randomness, for the decisions in `latchkey-core` that take a
//! [`RandomSource`].

use latchkey_core::random::RandomSource;

/// The OS CSPRNG (`getrandom`). Every token, session id, salt and generated password comes from
/// here in production.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // getrandom fails only when the OS has no entropy source at all; there is nothing safe
        // to fall back to, so stop the process rather than hand out predictable secrets.
        #[allow(clippy::panic)]
        if let Err(e) = getrandom::fill(dest) {
            panic!("the operating system's random number generator failed: {e}");
        }
    }
}
