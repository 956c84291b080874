//! Secret values: they zeroize on drop and never print.
//!
//! A [`Password`] is what a person typed or what we generated for them. Reading it is an explicit
//! [`Password::expose`] call, so every place that handles the clear value is easy to find.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// A password (or any typed secret: an answer, a PIN). `Debug` prints `[redacted]`.
#[derive(Clone)]
pub struct Password(SecretString);

impl Password {
    /// Wraps a clear value; the caller's copy should be dropped right after.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The clear value. Declassifying: call only to hash it, compare it in constant time or hand
    /// it to a directory over an encrypted connection.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Number of Unicode scalar values.
    pub fn char_count(&self) -> usize {
        self.expose().chars().count()
    }

    /// True when nothing was typed.
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

impl From<String> for Password {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let p = Password::new("hunter2-secret");
        assert_eq!(format!("{p:?}"), "Password([redacted])");
        assert_eq!(p.expose(), "hunter2-secret");
        assert_eq!(p.char_count(), 14);
    }
}
