//! `latchkey authcfg export | import | reset`: the whole authentication configuration (chains and
//! selector rules) as one hand-editable file (spec/chains.md §3).
//!
//! The file format, its checks and the reset rule live in `latchkey_core::authcfg`; this module
//! moves text between the store and files:
//! - `export` writes the stored configuration to a file;
//! - `import` parses a file and, only if it has no error at all, writes a backup export, then
//!   replaces the stored chains and rules in one transaction. An invalid file is refused whole
//!   (every problem with its `file:line:column`) and nothing is written, not even the backup;
//! - `reset` writes a backup export, then puts the built-in chains and rules back, leaving
//!   custom chains and manual rules alone.
//!
//! Default-named files (`authcfg-YYYYMMDD-HHMMSS.toml`, backups `…-backup.toml`) go to `dir`,
//! the current directory for the CLI, and never overwrite an existing file: a second file in
//! the same second gets `-2`, `-3`, … before the extension. A file named by the person is
//! overwritten, like `cp` does.

use crate::failure::{BadInput, Problems, plural};
use anyhow::Context;
use latchkey_core::authcfg::{self, Located};
use latchkey_core::chain::ChainDef;
use latchkey_core::chain::builtin;
use latchkey_core::chain::lint::{self, Finding};
use latchkey_core::chain::selector::SelectorRule;
use latchkey_core::repo::AuthConfigRepo;
use latchkey_store::Store;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// What an import did.
#[derive(Debug)]
pub struct Imported {
    /// The backup export of the configuration it replaced.
    pub backup: PathBuf,
    /// Lint warnings of the imported configuration, placed in the file.
    pub warnings: Vec<Located>,
    /// How many chains and rules the store now holds.
    pub chains: usize,
    /// See `chains`.
    pub rules: usize,
}

/// What a reset did.
#[derive(Debug)]
pub struct ResetDone {
    /// The backup export of the configuration before the reset.
    pub backup: PathBuf,
    /// Lint findings of the configuration after the reset (a manual rule may name a chain the
    /// restored selector no longer offers): shown, not refused, since reset is the way back.
    pub findings: Vec<Finding>,
}

/// The stored configuration. A database that has never held one (before the first server
/// start installs the shipped chains) exports the shipped configuration, which is what the
/// node will run.
async fn current(store: &Store) -> anyhow::Result<(Vec<ChainDef>, Vec<SelectorRule>)> {
    let chains = store
        .chains()
        .await
        .context("cannot read the authentication chains")?;
    let rules = store
        .selector_rules()
        .await
        .context("cannot read the selector rules")?;
    let version = store
        .auth_config_version()
        .await
        .context("cannot read the authentication configuration version")?;
    if version == 0 && chains.is_empty() && rules.is_empty() {
        return Ok((builtin::all(), builtin::rules()));
    }
    Ok((chains, rules))
}

/// Writes `text` to a new file in `dir` named `name`, or `name` with `-2`, `-3`, … before the
/// extension when that exists. Returns the path written.
async fn write_new(dir: &Path, name: &str, text: &str) -> anyhow::Result<PathBuf> {
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    for n in 1u32..1000 {
        let candidate = match (n, ext) {
            (1, _) => name.to_owned(),
            (_, "") => format!("{stem}-{n}"),
            _ => format!("{stem}-{n}.{ext}"),
        };
        let path = dir.join(candidate);
        let opened = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await;
        match opened {
            Ok(mut file) => {
                use tokio::io::AsyncWriteExt;
                file.write_all(text.as_bytes())
                    .await
                    .and(file.sync_all().await)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                return Ok(path);
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e).with_context(|| format!("cannot create {}", path.display()));
            }
        }
    }
    anyhow::bail!(
        "cannot find a free file name for {name} in {}",
        dir.display()
    )
}

/// Exports the stored configuration to `file`, or to a new default-named file in `dir`.
/// Returns the path written.
pub async fn export(
    store: &Store,
    file: Option<PathBuf>,
    dir: &Path,
    now: OffsetDateTime,
) -> anyhow::Result<PathBuf> {
    let (chains, rules) = current(store).await?;
    let text = authcfg::export(&chains, &rules);
    match file {
        Some(path) => {
            tokio::fs::write(&path, text)
                .await
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(path)
        }
        None => write_new(dir, &authcfg::default_file_name(now), &text).await,
    }
}

async fn backup(store: &Store, dir: &Path, now: OffsetDateTime) -> anyhow::Result<PathBuf> {
    let (chains, rules) = current(store).await?;
    let text = authcfg::export(&chains, &rules);
    write_new(dir, &authcfg::backup_file_name(now), &text)
        .await
        .context("cannot write the backup export, so nothing was changed")
}

/// Imports `file`: all or nothing. On any problem in the file the error is a [`Problems`]
/// listing every one (`file:line:column: message`) and nothing is written. Otherwise a backup
/// export goes to `dir` first, then chains and rules are replaced in one transaction (chains
/// not in the file are deleted; built-in ones then run as shipped).
pub async fn import(
    store: &Store,
    file: &Path,
    dir: &Path,
    now: OffsetDateTime,
) -> anyhow::Result<Imported> {
    let text = match tokio::fs::read_to_string(file).await {
        Ok(text) => text,
        Err(e) => {
            return Err(BadInput::error(format!(
                "cannot read {}: {e}",
                file.display()
            )));
        }
    };
    let parsed = match authcfg::parse(&file.display().to_string(), &text) {
        Ok(parsed) => parsed,
        Err(errors) => {
            let count = errors.len();
            return Err(anyhow::Error::new(Problems {
                lines: errors.iter().map(ToString::to_string).collect(),
                summary: format!(
                    "{} is not valid ({count} problem{}): nothing was changed",
                    file.display(),
                    plural(count)
                ),
            }));
        }
    };
    let backup = backup(store, dir, now).await?;
    store
        .replace_auth_config(&parsed.chains, &parsed.rules, false)
        .await
        .with_context(|| {
            format!(
                "cannot store the imported configuration (nothing was changed; the backup is {})",
                backup.display()
            )
        })?;
    Ok(Imported {
        backup,
        warnings: parsed.warnings,
        chains: parsed.chains.len(),
        rules: parsed.rules.len(),
    })
}

/// Resets the built-in chains and rules to the shipped ones, after a backup export to `dir`.
pub async fn reset(store: &Store, dir: &Path, now: OffsetDateTime) -> anyhow::Result<ResetDone> {
    let (chains, rules) = current(store).await?;
    let backup = backup(store, dir, now).await?;
    let (chains, rules) = authcfg::reset(&chains, &rules);
    store
        .replace_auth_config(&chains, &rules, true)
        .await
        .with_context(|| {
            format!(
                "cannot store the reset configuration (nothing was changed; the backup is {})",
                backup.display()
            )
        })?;
    Ok(ResetDone {
        backup,
        findings: lint::lint(&chains, &rules),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::chain::{ChainId, ChainPurpose};
    use latchkey_store::StoreOptions;
    use tempfile::TempDir;

    const NOW: OffsetDateTime = time::macros::datetime!(2026-05-06 07:08:09 UTC);

    async fn store(dir: &TempDir) -> Store {
        let url = format!("sqlite://{}/x.db", dir.path().display());
        Store::open(&url, StoreOptions::default()).await.unwrap()
    }

    async fn installed(dir: &TempDir) -> Store {
        let store = store(dir).await;
        store
            .replace_auth_config(&builtin::all(), &builtin::rules(), true)
            .await
            .unwrap();
        store
    }

    fn custom_chain() -> &'static str {
        "\n[[chain]]\nid = \"MINE\"\nenabled = false\n\n[[chain.module]]\n\
         cfg_id = \"abcd0000-0000-4000-8000-000000000001\"\norder = 10\ntype = \"password\"\n\
         control = \"sufficient\"\n"
    }

    #[tokio::test]
    async fn export_writes_the_stored_configuration() {
        let dir = TempDir::new().unwrap();
        let store = installed(&dir).await;
        let path = export(&store, None, dir.path(), NOW).await.unwrap();
        assert_eq!(path, dir.path().join("authcfg-20260506-070809.toml"));
        let text = std::fs::read_to_string(&path).unwrap();
        let chains = store.chains().await.unwrap();
        let rules = store.selector_rules().await.unwrap();
        assert_eq!(text, authcfg::export(&chains, &rules));
        // Same second: a new name, the first file untouched.
        let again = export(&store, None, dir.path(), NOW).await.unwrap();
        assert_eq!(again, dir.path().join("authcfg-20260506-070809-2.toml"));
        // A named file is written where asked.
        let named = dir.path().join("mine.toml");
        assert_eq!(
            export(&store, Some(named.clone()), dir.path(), NOW)
                .await
                .unwrap(),
            named
        );
        assert_eq!(std::fs::read_to_string(named).unwrap(), text);
    }

    #[tokio::test]
    async fn a_fresh_database_exports_the_shipped_configuration() {
        let dir = TempDir::new().unwrap();
        let store = store(&dir).await;
        let path = export(&store, None, dir.path(), NOW).await.unwrap();
        assert_eq!(
            std::fs::read_to_string(path).unwrap(),
            authcfg::export(&builtin::all(), &builtin::rules())
        );
    }

    #[tokio::test]
    async fn import_backs_up_then_replaces() {
        let dir = TempDir::new().unwrap();
        let store = installed(&dir).await;
        let before = authcfg::export(
            &store.chains().await.unwrap(),
            &store.selector_rules().await.unwrap(),
        );
        let version = store.auth_config_version().await.unwrap();
        let file = dir.path().join("edited.toml");
        // The whole export plus one custom chain.
        std::fs::write(&file, format!("{before}{}", custom_chain())).unwrap();
        let done = import(&store, &file, dir.path(), NOW).await.unwrap();
        assert_eq!(
            done.backup,
            dir.path().join("authcfg-20260506-070809-backup.toml")
        );
        assert_eq!(std::fs::read_to_string(&done.backup).unwrap(), before);
        assert_eq!(done.chains, builtin::all().len() + 1);
        assert_eq!(done.rules, builtin::rules().len());
        // The last module is sufficient: a warning at the module's line, not a refusal.
        let warning = done
            .warnings
            .iter()
            .map(ToString::to_string)
            .find(|w| w.contains("chain MINE"));
        let module_line = before.lines().count() + 6;
        assert_eq!(
            warning.unwrap(),
            format!(
                "{}:{module_line}:1: warning: chain MINE, module 10: the last module is sufficient: make it binding, required or requisite so a failure there counts",
                file.display()
            )
        );
        let stored = store.chains().await.unwrap();
        let mine = stored.iter().find(|c| c.id.as_str() == "MINE").unwrap();
        assert_eq!(mine.purpose, ChainPurpose::Authentication);
        assert!(store.auth_config_version().await.unwrap() > version);

        // Importing a file without MINE deletes it.
        std::fs::write(&file, &before).unwrap();
        import(&store, &file, dir.path(), NOW).await.unwrap();
        let ids: Vec<ChainId> = store
            .chains()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert!(!ids.iter().any(|c| c.as_str() == "MINE"));
        assert!(
            dir.path()
                .join("authcfg-20260506-070809-backup-2.toml")
                .exists()
        );
    }

    #[tokio::test]
    async fn an_invalid_file_changes_nothing_and_reports_every_problem() {
        let dir = TempDir::new().unwrap();
        let store = installed(&dir).await;
        let version = store.auth_config_version().await.unwrap();
        let file = dir.path().join("bad.toml");
        let text =
            "format = 1\n\n[[chain]]\nid = \"A B\"\nenabled = \"yes\"\n\n[[rule]]\nstage = 1\n";
        std::fs::write(&file, text).unwrap();
        let error = import(&store, &file, dir.path(), NOW).await.unwrap_err();
        assert_eq!(crate::failure::exit_status(&error), 2);
        let problems = error.downcast_ref::<Problems>().unwrap();
        let name = file.display().to_string();
        let prefixes: Vec<String> = problems
            .lines
            .iter()
            .map(|l| {
                l.strip_prefix(&name)
                    .unwrap()
                    .split(": ")
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            prefixes,
            [":4:6", ":5:11", ":7:1", ":7:1", ":7:1", ":7:1"],
            "{:#?}",
            problems.lines
        );
        assert!(
            error
                .to_string()
                .ends_with("(6 problems): nothing was changed")
        );
        assert_eq!(store.auth_config_version().await.unwrap(), version);
        // No backup either: nothing happened.
        let written: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with("authcfg-"))
            .collect();
        assert!(written.is_empty());

        let missing = import(&store, &dir.path().join("nope.toml"), dir.path(), NOW)
            .await
            .unwrap_err();
        assert_eq!(crate::failure::exit_status(&missing), 2);
    }

    #[tokio::test]
    async fn reset_restores_builtins_and_keeps_the_rest() {
        let dir = TempDir::new().unwrap();
        let store = installed(&dir).await;
        let file = dir.path().join("edited.toml");
        let shipped = authcfg::export(&builtin::all(), &builtin::rules());
        let manual = "\n[[rule]]\nstage = 9\nrule = 1\ncfg_id = \"1a7c4e79-0000-4000-8000-000000000301\"\n\
                      match_type = \"parameter\"\nmatch_key = \"x\"\nmatch_condition = \"set\"\n\
                      action = \"remove\"\nchain_id = \"PASSWORD\"\n";
        let edited = format!("{shipped}{}{manual}", custom_chain())
            .replace("description = \"Sign in\"", "description = \"Changed\"")
            .replace(
                "comment = \"offer security",
                "comment = \"changed: offer security",
            );
        std::fs::write(&file, edited).unwrap();
        import(&store, &file, dir.path(), NOW).await.unwrap();
        let before_reset = authcfg::export(
            &store.chains().await.unwrap(),
            &store.selector_rules().await.unwrap(),
        );

        let done = reset(&store, dir.path(), NOW).await.unwrap();
        assert_eq!(std::fs::read_to_string(&done.backup).unwrap(), before_reset);
        assert!(!lint::has_errors(&done.findings), "{:?}", done.findings);
        let chains = store.chains().await.unwrap();
        let rules = store.selector_rules().await.unwrap();
        for shipped in builtin::all() {
            assert_eq!(chains.iter().find(|c| c.id == shipped.id), Some(&shipped));
        }
        assert!(chains.iter().any(|c| c.id.as_str() == "MINE"));
        assert_eq!(rules.len(), 2);
        assert!(rules.contains(&builtin::rules()[0]));
        assert!(rules.iter().any(|r| r.stage == 9 && r.owner.is_empty()));
    }
}
