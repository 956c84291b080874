//! The internal directory: password checks against the Argon2id hashes in our store.
//!
//! Same answer, same cost: a profile without a password, a disabled or locked profile and a
//! wrong password each cost exactly one Argon2id verification (against a decoy hash when there
//! is nothing real to verify), and an unknown login id spends one on the decoy
//! ([`InternalDirectory::spend_decoy`]), so neither the answer nor its timing tells whether an
//! account exists. Verifications run on the blocking
//! pool behind a semaphore sized to the cores, so a burst of logins queues instead of starving
//! the async workers.

use crate::os::OsRandom;
use latchkey_core::password_hash::{
    Argon2Params, HashError, PasswordHashString, decoy_hash, hash_password, verify_password,
};
use latchkey_core::password_policy::normalise;
use latchkey_core::profile::Profile;
use latchkey_core::random::RandomSource;
use latchkey_core::repo::{ProfileRepo, RepoError};
use latchkey_core::secret::Password;
use latchkey_store::Store;
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::Semaphore;

/// A failure of the machinery, not of the password.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] RepoError),
    /// Hashing failed (bad parameters or a corrupt stored hash).
    #[error(transparent)]
    Hash(#[from] HashError),
    /// The verification task died.
    #[error("password verification was interrupted")]
    Interrupted,
}

/// Password checks and changes for the internal directory.
#[derive(Debug, Clone)]
pub struct InternalDirectory {
    store: Store,
    params: Argon2Params,
    decoy: PasswordHashString,
    permits: Arc<Semaphore>,
}

impl InternalDirectory {
    /// Prepares the decoy hash once.
    pub fn new(store: Store, params: Argon2Params) -> Result<Self, DirectoryError> {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Ok(Self {
            store,
            decoy: decoy_hash(&params)?,
            params,
            permits: Arc::new(Semaphore::new(cores)),
        })
    }

    /// The configured hashing cost.
    pub fn params(&self) -> Argon2Params {
        self.params
    }

    /// Checks a password for an identified profile with one verification: the real hash, or
    /// the decoy when the profile has none. False for a profile that may not authenticate.
    pub async fn verify_profile(
        &self,
        profile: &Profile,
        password: Password,
    ) -> Result<bool, DirectoryError> {
        let stored = self.store.password_hash(profile.id).await?;
        let real = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.decoy.clone());
        let verification = self.verify(password.clone(), hash).await?;
        let ok = real && verification.matches && profile.may_authenticate();
        if ok
            && verification.needs_rehash
            && let Err(e) = self.set_password(profile, password).await
        {
            tracing::warn!(profile = %profile.id, error = %e, "could not rehash password");
        }
        Ok(ok)
    }

    /// Spends one verification on the decoy hash: the cost of a real check, with no answer.
    pub async fn spend_decoy(&self, password: Password) -> Result<(), DirectoryError> {
        self.verify(password, self.decoy.clone()).await.map(|_| ())
    }

    /// Hashes and stores a new password for a profile.
    pub async fn set_password(
        &self,
        profile: &Profile,
        password: Password,
    ) -> Result<(), DirectoryError> {
        let hash = self.hash(password).await?;
        self.store
            .set_password_hash(profile.id, &hash, OffsetDateTime::now_utc())
            .await?;
        Ok(())
    }

    /// Changes a profile's password: hashes it and stores it, pushing the old hash onto the
    /// password history and keeping the newest `keep` entries, in one transaction. The caller
    /// has checked the policy and passes the *normalised* password.
    pub async fn change_password(
        &self,
        profile: &Profile,
        password: Password,
        keep: usize,
    ) -> Result<(), DirectoryError> {
        use latchkey_core::password_policy::repo::PasswordHistoryRepo;
        let hash = self.hash(password).await?;
        self.store
            .set_password_hash_with_history(profile.id, &hash, keep, OffsetDateTime::now_utc())
            .await?;
        Ok(())
    }

    /// Hashes a password with a fresh salt (on the blocking pool). The password is NFKC
    /// normalised first, as every check of it is, so "ｐａｓｓ" and "pass" are one password.
    pub async fn hash(&self, password: Password) -> Result<PasswordHashString, DirectoryError> {
        let password = normalise(password.expose());
        let params = self.params;
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| DirectoryError::Interrupted)?;
        tokio::task::spawn_blocking(move || {
            let salt: [u8; 16] = OsRandom.bytes();
            hash_password(&password, &params, &salt)
        })
        .await
        .map_err(|_| DirectoryError::Interrupted)?
        .map_err(DirectoryError::from)
    }

    async fn verify(
        &self,
        password: Password,
        hash: PasswordHashString,
    ) -> Result<latchkey_core::password_hash::Verification, DirectoryError> {
        let password = normalise(password.expose());
        let params = self.params;
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| DirectoryError::Interrupted)?;
        let started = std::time::Instant::now();
        let result =
            tokio::task::spawn_blocking(move || verify_password(&password, &hash, &params))
                .await
                .map_err(|_| DirectoryError::Interrupted)?;
        ::metrics::histogram!("latchkey_password_verify_seconds")
            .record(started.elapsed().as_secs_f64());
        Ok(result?)
    }
}
