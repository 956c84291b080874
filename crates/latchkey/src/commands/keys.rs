//! `latchkey keys generate FILE`: a new master key, written only if FILE does not exist.

use crate::cli::KeysCommand;
use crate::failure::BadInput;
use crate::output::outln;
use anyhow::Context as _;
use latchkey_core::keys::MasterKey;
use std::io::Write as _;

/// Runs a `keys` subcommand.
pub fn run(command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Generate { file } => {
            let key = MasterKey::generate(&mut latchkey_server::os::OsRandom);
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut handle = match options.open(&file) {
                Ok(h) => h,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(BadInput::error(format!(
                        "{} already exists; a master key is never overwritten (what it encrypted would be lost)",
                        file.display()
                    )));
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot create {}", file.display()));
                }
            };
            handle
                .write_all(key.encode().as_bytes())
                .and_then(|()| handle.write_all(b"\n"))
                .and_then(|()| handle.sync_all())
                .with_context(|| format!("cannot write {}", file.display()))?;
            outln!("wrote master key {} to {}", key.key_id(), file.display())?;
            Ok(())
        }
    }
}
