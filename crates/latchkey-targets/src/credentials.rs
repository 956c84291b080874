//! Service-account passwords: sealed with the master key in the store, opened to build a
//! connector.
//!
//! Where the secret lives (a decision): in the store, beside the target's definition, sealed
//! with the master key's `targets` box (AES-256-GCM) and bound to the target's id as associated
//! data, so a sealed value copied to another target does not open. Every node of a cluster has
//! the master key and the database, so every node can reach every target, and an export of the
//! definitions carries no password. `latchkey targets add` reads the password from standard
//! input or a file and seals it; nothing prints it afterwards.

use latchkey_core::keys::MasterKey;
use latchkey_core::random::RandomSource;
use latchkey_core::secret::Password;
use latchkey_core::secretbox::Sealed;
use latchkey_core::target::repo::{BOX_PURPOSE, StoredTarget, secret_aad};
use latchkey_core::target::{TargetDef, TargetError, TargetResult};

/// Seals `password` for target `def` (the text to store).
pub fn seal(
    master: &MasterKey,
    def: &TargetDef,
    password: &Password,
    rng: &mut dyn RandomSource,
) -> TargetResult<String> {
    let boxed = master
        .secret_box(BOX_PURPOSE)
        .map_err(|e| TargetError::Config(e.to_string()))?;
    boxed
        .seal(password.expose().as_bytes(), &secret_aad(&def.id), rng)
        .map(|s| s.to_string())
        .map_err(|e| TargetError::Config(format!("cannot seal the service password: {e}")))
}

/// Opens the sealed service password of `target`, if it has one.
pub fn open(master: Option<&MasterKey>, target: &StoredTarget) -> TargetResult<Option<Password>> {
    let Some(text) = &target.sealed_secret else {
        return Ok(None);
    };
    let master = master.ok_or_else(|| {
        TargetError::Config(
            "the service password is sealed with the master key, and none is configured \
             (keys.master_key_file)"
                .into(),
        )
    })?;
    let bad = |e: latchkey_core::secretbox::SecretBoxError| {
        TargetError::Config(format!(
            "the stored service password of {} does not open with this master key: {e}",
            target.def.id
        ))
    };
    let sealed = Sealed::parse(text).map_err(bad)?;
    let boxed = master.secret_box(BOX_PURPOSE).map_err(bad)?;
    let clear = boxed
        .open(&sealed, &secret_aad(&target.def.id))
        .map_err(bad)?;
    let text = std::str::from_utf8(&clear)
        .map_err(|_| TargetError::Config("the stored service password is not UTF-8".into()))?;
    Ok(Some(Password::new(text)))
}

/// Builds the connector of a stored target.
pub fn connector(
    master: Option<&MasterKey>,
    target: &StoredTarget,
) -> TargetResult<crate::Connector> {
    crate::Connector::new(target.def.clone(), open(master, target)?)
}
