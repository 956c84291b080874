//! Demo delivery: messages are appended to a file instead of being sent.
//!
//! The file holds one JSON object per line ([`StoredMessage`]), oldest first. A demo page reads
//! it back newest first. Each message is written with one `write` call on a file opened for
//! appending, under a lock, and flushed before `send` returns, so lines never interleave and a
//! message is on disk once it counts as sent. The file is created with mode 0600: bodies carry
//! reset links and PINs.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use time::OffsetDateTime;

use crate::{NotifyError, OutgoingMessage, StoredMessage};

/// Appends messages to a JSON-lines file. Cheap to clone; clones share the lock.
#[derive(Clone, Debug)]
pub struct Outbox {
    path: Arc<Path>,
    /// Serializes appends from this process. Held across the blocking write.
    lock: Arc<tokio::sync::Mutex<()>>,
}

impl Outbox {
    /// Opens (creating if needed) the outbox file and its parent directories, so a path that
    /// cannot work is reported at startup rather than at the first message.
    pub fn open(path: impl Into<PathBuf>) -> Result<Outbox, NotifyError> {
        let path: PathBuf = path.into();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| NotifyError::Io {
                action: "creating the directory of the outbox",
                path: parent.to_path_buf(),
                source,
            })?;
        }
        open_for_append(&path)?;
        Ok(Outbox {
            path: path.into(),
            lock: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// The file messages are appended to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `message` as one line stamped with the current time, and flushes it.
    pub async fn send(&self, message: &OutgoingMessage) -> Result<(), NotifyError> {
        message.validate()?;
        let stored = StoredMessage {
            at: OffsetDateTime::now_utc(),
            message: message.clone(),
        };
        let mut line = serde_json::to_vec(&stored).map_err(|err| NotifyError::Io {
            action: "encoding a message for the outbox",
            path: self.path.to_path_buf(),
            source: err.into(),
        })?;
        line.push(b'\n');

        let _guard = self.lock.lock().await;
        let path = Arc::clone(&self.path);
        run_blocking(&self.path, move || {
            let mut file = open_for_append(&path)?;
            let io_err = |source| NotifyError::Io {
                action: "appending to the outbox",
                path: path.to_path_buf(),
                source,
            };
            file.write_all(&line).map_err(io_err)?;
            file.flush().map_err(io_err)
        })
        .await?;
        tracing::debug!(
            kind = message.kind.as_str(),
            "message written to the outbox"
        );
        Ok(())
    }

    /// The newest `limit` messages, newest first. A missing file reads as empty.
    ///
    /// Lines that are not a valid message (a torn write, a hand edit, a kind this version does
    /// not know) are skipped and counted in one warning, which names their line numbers but
    /// never their content.
    pub async fn read_newest_first(&self, limit: usize) -> Result<Vec<StoredMessage>, NotifyError> {
        let path = Arc::clone(&self.path);
        let text = run_blocking(&self.path, move || match std::fs::read_to_string(&path) {
            Ok(text) => Ok(text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
            Err(source) => Err(NotifyError::Io {
                action: "reading the outbox",
                path: path.to_path_buf(),
                source,
            }),
        })
        .await?;

        let mut skipped = Vec::new();
        let mut messages: Vec<StoredMessage> = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .filter_map(|(index, line)| match serde_json::from_str(line) {
                Ok(message) => Some(message),
                Err(_) => {
                    skipped.push(index + 1);
                    None
                }
            })
            .collect();
        if !skipped.is_empty() {
            tracing::warn!(
                path = %self.path.display(),
                skipped = skipped.len(),
                lines = ?skipped,
                "skipped outbox lines that are not valid messages"
            );
        }
        messages.reverse();
        messages.truncate(limit);
        Ok(messages)
    }
}

fn open_for_append(path: &Path) -> Result<std::fs::File, NotifyError> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(|source| NotifyError::Io {
            action: "opening the outbox",
            path: path.to_path_buf(),
            source,
        })
}

/// Runs file IO off the async worker threads.
async fn run_blocking<T: Send + 'static>(
    path: &Path,
    work: impl FnOnce() -> Result<T, NotifyError> + Send + 'static,
) -> Result<T, NotifyError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|join| NotifyError::Io {
            action: "waiting for outbox file IO",
            path: path.to_path_buf(),
            source: std::io::Error::other(join.to_string()),
        })?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MessageKind;

    fn message(n: usize) -> OutgoingMessage {
        OutgoingMessage {
            to: format!("user{n}@example.com"),
            subject: format!("Message {n}"),
            body_text: format!("Line one\nPIN {n}\n"),
            kind: MessageKind::SignInNotice,
        }
    }

    #[tokio::test]
    async fn messages_read_back_newest_first_and_corrupt_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path().join("a/b/outbox.jsonl")).unwrap();
        assert!(outbox.read_newest_first(10).await.unwrap().is_empty());

        outbox.send(&message(1)).await.unwrap();
        // A torn line in the middle, as a crash mid-write or a hand edit would leave.
        std::fs::OpenOptions::new()
            .append(true)
            .open(outbox.path())
            .unwrap()
            .write_all(b"{\"at\":\"2026-05-01T12:00:00Z\",\"to\":\n\n")
            .unwrap();
        outbox.send(&message(2)).await.unwrap();
        outbox.send(&message(3)).await.unwrap();

        let all = outbox.read_newest_first(10).await.unwrap();
        let subjects: Vec<_> = all.iter().map(|m| m.message.subject.as_str()).collect();
        assert_eq!(subjects, ["Message 3", "Message 2", "Message 1"]);
        assert_eq!(all[0].message, message(3));
        assert!(all[0].at >= all[2].at);
        assert!(OffsetDateTime::now_utc() - all[0].at < time::Duration::minutes(1));

        let newest = outbox.read_newest_first(2).await.unwrap();
        assert_eq!(newest.len(), 2);
        assert_eq!(newest[1].message, message(2));

        let text = std::fs::read_to_string(outbox.path()).unwrap();
        assert_eq!(text.lines().count(), 5, "one line per message: {text}");
        let mode = std::fs::metadata(outbox.path()).unwrap().permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
            0o600
        );
    }

    #[tokio::test]
    async fn concurrent_sends_write_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path().join("outbox.jsonl")).unwrap();
        let tasks: Vec<_> = (0..50)
            .map(|n| {
                let outbox = outbox.clone();
                tokio::spawn(async move { outbox.send(&message(n)).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let mut received: Vec<_> = outbox
            .read_newest_first(100)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.message.to)
            .collect();
        received.sort();
        let mut expected: Vec<_> = (0..50).map(|n| message(n).to).collect();
        expected.sort();
        assert_eq!(received, expected);
    }

    #[tokio::test]
    async fn an_invalid_message_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path().join("outbox.jsonl")).unwrap();
        let mut bad = message(1);
        bad.subject = "Hi\r\nBcc: evil@example.com".into();
        let err = outbox.send(&bad).await.unwrap_err();
        assert!(matches!(err, NotifyError::InvalidMessage { .. }), "{err}");
        assert!(outbox.read_newest_first(10).await.unwrap().is_empty());
    }

    #[test]
    fn an_unusable_path_is_reported_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        let err = Outbox::open(file.join("outbox.jsonl")).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("creating the directory of the outbox"),
            "{text}"
        );
        assert!(text.contains(&file.display().to_string()), "{text}");
    }
}
