//! Where the passwords that commands set come from: a pipe, or the OS CSPRNG. Never an
//! argument: those end up in shell history and in every process list.

use crate::failure::BadInput;
use anyhow::Context as _;
use latchkey_core::password_hash::PasswordHashString;
use latchkey_core::random::RandomSource;
use latchkey_core::secret::Password;
use latchkey_server::directory::InternalDirectory;
use secrecy::zeroize::Zeroizing;
use std::io::{IsTerminal, Read};
use tokio::task::JoinSet;

/// Characters of generated passwords: letters and digits without the look-alikes 0/O/o, 1/l/I,
/// so a password read aloud or copied from paper comes out right.
const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Generated passwords are four groups of four characters: 16 draws from 56 symbols, about 93
/// bits of entropy, far beyond online guessing and costly offline against Argon2id.
const GROUPS: usize = 4;
const GROUP_LEN: usize = 4;

/// A readable random password such as `k7Qm-xR4t-Hb9z-Wn3e`.
pub fn random_password(rng: &mut impl RandomSource) -> Password {
    let bound = u32::try_from(ALPHABET.len()).unwrap_or(u32::MAX);
    let mut out = Zeroizing::new(String::with_capacity(GROUPS * (GROUP_LEN + 1)));
    for group in 0..GROUPS {
        if group > 0 {
            out.push('-');
        }
        for _ in 0..GROUP_LEN {
            let index = usize::try_from(rng.below(bound)).unwrap_or(0);
            out.push(char::from(ALPHABET.get(index).copied().unwrap_or(b'x')));
        }
    }
    Password::new(out.as_str())
}

/// Reads a password from standard input, dropping one trailing newline (what `echo` and editors
/// add). Refuses a terminal, where the password would show on screen as it is typed.
pub fn read_from_stdin() -> anyhow::Result<Password> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(BadInput::error(
            "--password-stdin reads a password piped in, not typed (it would show on screen): \
             printf '%s' \"$PASSWORD\" | latchkey …, or use --random-password",
        ));
    }
    let mut text = Zeroizing::new(String::new());
    stdin.lock().read_to_string(&mut text).map_err(|e| {
        BadInput::error(format!("cannot read the password from standard input: {e}"))
    })?;
    let value = strip_one_newline(&text);
    if value.is_empty() {
        return Err(BadInput::error(
            "standard input was empty: pipe the password in, or use --random-password",
        ));
    }
    Ok(Password::new(value))
}

/// Hashes every given password, in parallel as far as the directory allows (one Argon2id hash
/// per core), keeping the order; `None` stays `None`.
pub async fn hash_all(
    directory: &InternalDirectory,
    passwords: Vec<Option<Password>>,
) -> anyhow::Result<Vec<Option<PasswordHashString>>> {
    let mut tasks = JoinSet::new();
    let count = passwords.len();
    for (i, password) in passwords.into_iter().enumerate() {
        if let Some(password) = password {
            let directory = directory.clone();
            tasks.spawn(async move { (i, directory.hash(password).await) });
        }
    }
    let mut hashes: Vec<Option<PasswordHashString>> = vec![None; count];
    while let Some(joined) = tasks.join_next().await {
        let (i, hash) = joined.context("password hashing was interrupted")?;
        if let Some(slot) = hashes.get_mut(i) {
            *slot = Some(hash.context("cannot hash a password")?);
        }
    }
    Ok(hashes)
}

fn strip_one_newline(text: &str) -> &str {
    text.strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::random::SeededRandom;

    #[test]
    fn generated_passwords_are_readable_and_differ() {
        let mut rng = SeededRandom::new(42);
        let a = random_password(&mut rng);
        let b = random_password(&mut rng);
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.char_count(), 19);
        for group in a.expose().split('-') {
            assert_eq!(group.len(), 4);
            assert!(group.bytes().all(|c| ALPHABET.contains(&c)), "{group}");
        }
        assert!(!ALPHABET.iter().any(|c| b"0Oo1lI".contains(c)));
    }

    #[test]
    fn one_newline_is_dropped() {
        assert_eq!(strip_one_newline("pw\n"), "pw");
        assert_eq!(strip_one_newline("pw\r\n"), "pw");
        assert_eq!(strip_one_newline("pw\n\n"), "pw\n");
        assert_eq!(strip_one_newline(" pw "), " pw ");
    }
}
